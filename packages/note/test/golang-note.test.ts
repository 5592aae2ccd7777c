import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64Encode,
  ed25519Signer,
  ed25519Verifier,
  generateSignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  openNote,
  type NoteSignature,
  type Signer,
} from '../src/index.js';
import { assertRejectsNote, insertAtByte, utf8, readVectors } from './helpers.js';

interface Expected {
  name: string;
  keyId: string;
  base64: string;
}
interface GoVectors {
  peterVerifierKey: string;
  peterSignerKey: string;
  enochVerifierKey: string;
  text: string;
  peterSig: string;
  enochSig: string;
  peter: Expected;
  enoch: Expected;
  enochABCD: Expected;
}
const go = readVectors<GoVectors>('golang-sumdb-note.json');
const { text, peterSig, enochSig } = go;
const peterVerifier = parseVerifierKey(go.peterVerifierKey);
const enochVerifier = parseVerifierKey(go.enochVerifierKey);
const peterKey = parseSignerKey(go.peterSignerKey);
const peterSigner = ed25519Signer(peterKey.name, peterKey.seed);

/** A signature as Go's Signature{Name, Hash, Base64}. */
function record(sig: NoteSignature): Expected {
  const bytes = new Uint8Array(4 + sig.signature.length);
  new DataView(bytes.buffer).setUint32(0, sig.keyId);
  bytes.set(sig.signature, 4);
  return {
    name: sig.name,
    keyId: sig.keyId.toString(16).padStart(8, '0'),
    base64: base64Encode(bytes),
  };
}

describe('golang TestSign', () => {
  it('produces byte-identical output', async () => {
    assert.equal(await signNote(text, [peterSigner]), `${text}\n${peterSig}`);
  });

  it('signs with several keys, in order', async () => {
    const k = parseSignerKey(generateSignerKey('EnochRoot'));
    const msg = await signNote(text, [peterSigner, ed25519Signer(k.name, k.seed)]);
    assert.ok(msg.startsWith(`${text}\n${peterSig}— EnochRoot `));
    const n = await openNote(msg, [peterVerifier, ed25519Verifier(k.name, k.publicKey)]);
    assert.deepEqual(
      n.verified.map((s) => s.name),
      ['PeterNeumann', 'EnochRoot'],
    );
  });

  it('rejects bad inputs', async () => {
    await assertRejectsNote(signNote('abc', [peterSigner]), 'INVALID_ARGUMENT', 'short text');
    const badName: Signer = { ...peterSigner, name: 'bad name', sign: peterSigner.sign };
    await assertRejectsNote(signNote(text, [badName]), 'INVALID_ARGUMENT', 'bad signer name');
    await assertRejectsNote(signNote(text, []), 'INVALID_ARGUMENT', 'no signers');
    await assertRejectsNote(
      signNote(text, [peterSigner, peterSigner]),
      'INVALID_ARGUMENT',
      'duplicate',
    );
    const empty: Signer = { name: 'x', keyId: 1, sign: async () => new Uint8Array(0) };
    await assertRejectsNote(signNote(text, [empty]), 'INVALID_ARGUMENT', 'empty signature');
  });

  it("propagates a signer's own error", async () => {
    const surprise = new Error('surprise!');
    const failing: Signer = {
      name: 'x',
      keyId: 1,
      sign: async () => {
        throw surprise;
      },
    };
    await assert.rejects(signNote(text, [failing]), (e) => e === surprise);
  });
});

describe('golang TestOpen', () => {
  const both = text + '\n' + peterSig + enochSig;

  it('one signature verified, one not', async () => {
    const n = await openNote(both, [peterVerifier]);
    assert.equal(n.text, text);
    assert.deepEqual(n.verified.map(record), [go.peter]);
    assert.deepEqual(n.unverified.map(record), [go.enoch]);
  });

  it('both verified', async () => {
    const n = await openNote(utf8(both), [peterVerifier, enochVerifier]);
    assert.deepEqual(n.verified.map(record), [go.peter, go.enoch]);
    assert.deepEqual(n.unverified, []);
  });

  it('none verified', async () => {
    await assertRejectsNote(openNote(both, []), 'UNVERIFIED_NOTE');
    const parsed = parseNote(both);
    assert.deepEqual(parsed.signatures.map(record), [go.peter, go.enoch]);
  });

  it('duplicated verifier', async () => {
    await assertRejectsNote(
      openNote(text + '\n' + enochSig, [enochVerifier, peterVerifier, enochVerifier]),
      'AMBIGUOUS_KEY',
    );
    // An unused duplicate is fine.
    const n = await openNote(text + '\n' + peterSig, [enochVerifier, peterVerifier, enochVerifier]);
    assert.deepEqual(n.verified.map(record), [go.peter]);
  });

  it('too many signatures', async () => {
    const many = text + '\n' + peterSig.repeat(101);
    await assertRejectsNote(openNote(many, [peterVerifier]), 'MALFORMED_NOTE');
    await assertRejectsNote(openNote(many, []), 'MALFORMED_NOTE');
    const n = await openNote(text + '\n' + peterSig.repeat(100), [peterVerifier]);
    assert.equal(n.verified.length, 1);
  });

  it('invalid signature', async () => {
    await assertRejectsNote(
      openNote(text + '\n' + insertAtByte(peterSig, 60, 'ABCD'), [peterVerifier]),
      'INVALID_SIGNATURE',
    );
  });

  it('duplicated verified and unverified signatures', async () => {
    const msg =
      text + '\n' + peterSig + peterSig + enochSig + enochSig + insertAtByte(enochSig, 60, 'ABCD');
    const n = await openNote(msg, [peterVerifier]);
    assert.deepEqual(n.verified.map(record), [go.peter]);
    assert.deepEqual(n.unverified.map(record), [go.enoch, go.enochABCD]);
  });

  it('invalid encoded message syntax', async () => {
    const badMsgs: (string | Uint8Array)[] = [
      text,
      text + '\n',
      text + '\n' + peterSig.slice(0, -1),
      '\x01' + text + '\n' + peterSig,
      new Uint8Array([0xff, ...utf8(text + '\n' + peterSig)]),
      text + '\n' + '— Bad Name ' + go.peter.base64,
      text + '\n' + peterSig + 'Unexpected line.\n',
    ];
    for (const msg of badMsgs) {
      await assertRejectsNote(openNote(msg, [peterVerifier]), 'MALFORMED_NOTE', String(msg));
    }
  });
});
