import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  COSIGNATURE_SIZE,
  NoteError,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  base64Encode,
  cosignatureKeyId,
  cosignatureTimestamp,
  cosignedMessage,
  ed25519Verifier,
  formatCosignature,
  formatVerifierKey,
  keyId,
  openNote,
  parseNote,
  parseVerifierKey,
  verifyCosignature,
} from '../src/index.js';
import { assertNoteError, fromHex } from './helpers.js';

interface Vectors {
  specExamples: {
    signedMessage: { timestamp: number; checkpoint: string; message: string };
    cosignatureLine: { line: string; keyId: string; timestamp: number };
  };
  keyIds: { vkey: string }[];
  vectors: {
    name: string;
    seed: string;
    vkey: string;
    keyId: string;
    timestamp: number;
    checkpoint: string;
    message: string;
    cosignature: string;
  }[];
}

/** Shared with the Go program test/interop/gocosig, which reproduces every vector. */
const VECTORS = JSON.parse(
  readFileSync(
    new URL('../../../../test/interop/gocosig/testdata/vectors.json', import.meta.url),
    'utf8',
  ),
) as Vectors;

const decoder = new TextDecoder();
const enc = (text: string) => new TextEncoder().encode(text);

/** A cosignature of `text` at `timestamp` by `seed` (noble Ed25519). */
function cosign(seed: Uint8Array, timestamp: number, text: string): Uint8Array {
  return formatCosignature(timestamp, ed25519.sign(cosignedMessage(timestamp, text), seed));
}

describe('cosignature/v1 (c2sp.org/tlog-cosignature)', () => {
  test('the signed message is the spec example byte for byte', () => {
    const ex = VECTORS.specExamples.signedMessage;
    assert.equal(decoder.decode(cosignedMessage(ex.timestamp, ex.checkpoint)), ex.message);
    assert.equal(
      decoder.decode(cosignedMessage(BigInt(ex.timestamp), enc(ex.checkpoint))),
      ex.message,
    );
    assert.equal(
      ex.message,
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });

  test("the spec's example cosignature line has a key id and a 72-byte timestamped signature", () => {
    const ex = VECTORS.specExamples.cosignatureLine;
    const note = `${VECTORS.specExamples.signedMessage.checkpoint}\n${ex.line}\n`;
    const [sig] = parseNote(note).signatures;
    assert.equal(sig!.name, 'witness.example.com/w1');
    assert.equal(sig!.keyId.toString(16).padStart(8, '0'), ex.keyId);
    assert.equal(sig!.signature.length, COSIGNATURE_SIZE);
    assert.equal(cosignatureTimestamp(sig!.signature), BigInt(ex.timestamp));
  });

  test('third-party witness verifier keys parse (type 0x04) with matching key ids', () => {
    for (const { vkey } of VECTORS.keyIds) {
      const v = parseVerifierKey(vkey, SIG_TYPE_COSIGNATURE);
      assert.equal(v.verifierKey, vkey);
      assert.equal(v.type, SIG_TYPE_COSIGNATURE);
      assertNoteError(() => parseVerifierKey(vkey), 'UNKNOWN_KEY_TYPE');
    }
  });

  test('every vector is reproduced exactly: verifier key, key id, message and cosignature', async () => {
    assert.ok(VECTORS.vectors.length >= 3);
    for (const vec of VECTORS.vectors) {
      const seed = fromHex(vec.seed);
      const publicKey = ed25519.getPublicKey(seed);
      assert.equal(formatVerifierKey(vec.name, publicKey, SIG_TYPE_COSIGNATURE), vec.vkey);
      const id = cosignatureKeyId(vec.name, publicKey);
      assert.equal(id.toString(16).padStart(8, '0'), vec.keyId);
      assert.equal(decoder.decode(cosignedMessage(vec.timestamp, vec.checkpoint)), vec.message);
      const bytes = new Uint8Array(4 + COSIGNATURE_SIZE);
      new DataView(bytes.buffer).setUint32(0, id, false);
      bytes.set(cosign(seed, vec.timestamp, vec.checkpoint), 4);
      assert.equal(`\u2014 ${vec.name} ${base64Encode(bytes)}\n`, vec.cosignature);
      const opened = await openNote(`${vec.checkpoint}\n${vec.cosignature}`, [
        parseVerifierKey(vec.vkey, SIG_TYPE_COSIGNATURE),
      ]);
      assert.equal(opened.verified.length, 1);
    }
  });

  test('the key id is SHA-256(name || 0x0A || 0x04 || key)[:4], not the 0x01 one', () => {
    const publicKey = ed25519.getPublicKey(new Uint8Array(32).fill(3));
    const id = cosignatureKeyId('witness.test/k', publicKey);
    assert.equal(id, keyId('witness.test/k', 0x04, publicKey));
    assert.notEqual(id, keyId('witness.test/k', SIG_TYPE_ED25519, publicKey));
    const vkey = formatVerifierKey('witness.test/k', publicKey, SIG_TYPE_COSIGNATURE);
    assert.equal(Buffer.from(vkey.split('+')[2]!, 'base64')[0], 0x04);
    assert.equal(parseVerifierKey(vkey, SIG_TYPE_COSIGNATURE).keyId, id);
    assertNoteError(
      () => cosignatureKeyId('witness.test/k', publicKey.subarray(1)),
      'INVALID_ARGUMENT',
    );
  });

  test('malformed or mistyped witness verifier keys are refused', () => {
    const publicKey = ed25519.getPublicKey(new Uint8Array(32).fill(5));
    const name = 'witness.test/m';
    const vkey = formatVerifierKey(name, publicKey, SIG_TYPE_COSIGNATURE);
    const plain = formatVerifierKey(name, publicKey);
    const bad = [
      vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'),
      // the 0x04 key data under the 0x01 key id
      `${name}+${keyId(name, 1, publicKey).toString(16).padStart(8, '0')}+${vkey.split('+')[2]}`,
      `${vkey}A`,
      'no-plus-signs',
      'name with space+00000000+BA==',
      'x'.repeat(2000),
    ];
    for (const k of bad)
      assertNoteError(() => parseVerifierKey(k, SIG_TYPE_COSIGNATURE), 'MALFORMED_KEY', k);
    // the same key as a plain Ed25519 (0x01) verifier key is not a witness key, and back
    assertNoteError(() => parseVerifierKey(plain, SIG_TYPE_COSIGNATURE), 'UNKNOWN_KEY_TYPE');
    assertNoteError(() => parseVerifierKey(vkey, SIG_TYPE_ED25519), 'UNKNOWN_KEY_TYPE');
    assertNoteError(() => parseVerifierKey(vkey, 0x02), 'INVALID_ARGUMENT');
    assertNoteError(() => formatVerifierKey(name, publicKey, 0x03), 'INVALID_ARGUMENT');
  });

  test('verification fails on any change: text, timestamp, key, length', async () => {
    const seed = new Uint8Array(32).fill(7);
    const v = ed25519Verifier('witness.test/v', ed25519.getPublicKey(seed), SIG_TYPE_COSIGNATURE);
    const text = 'log.test/a\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n';
    const sig = cosign(seed, 1_700_000_000, text);
    assert.equal(await v.verify(enc(text), sig), true);
    assert.equal(await v.verify(enc(text.replace('5', '6')), sig), false);
    const later = sig.slice();
    later[7]! ^= 1;
    assert.equal(await v.verify(enc(text), later), false);
    assert.equal(await v.verify(enc(text), sig.subarray(0, 71)), false);
    // the Ed25519 signature alone (a 0x01 verifier's input) is not a cosignature
    assert.equal(await v.verify(enc(text), sig.subarray(8)), false);
    const other = ed25519Verifier(
      'witness.test/v',
      ed25519.getPublicKey(seed.map((b) => b + 1)),
      4,
    );
    assert.equal(await other.verify(enc(text), sig), false);
    // A timestamp beyond 2^63 - 1 is refused before any signature check.
    const huge = sig.slice();
    huge[0] = 0x80;
    assert.equal(cosignatureTimestamp(huge), undefined);
    let called = false;
    const spy = async () => (called = true);
    assert.equal(await verifyCosignature(spy, enc(text), huge), false);
    assert.equal(called, false);
    assert.equal(await verifyCosignature(spy, 'text' as unknown as Uint8Array, sig), false);
    assert.equal(called, false);
  });

  test('timestamps outside 0..2^63 - 1 and wrong signature sizes cannot be formatted', () => {
    const sig = new Uint8Array(64);
    for (const t of [-1, 1.5, 2n ** 63n, Number.MAX_SAFE_INTEGER + 1]) {
      assertNoteError(() => formatCosignature(t, sig), 'INVALID_ARGUMENT', String(t));
      assertNoteError(() => cosignedMessage(t, 'x\n'), 'INVALID_ARGUMENT', String(t));
    }
    assertNoteError(() => formatCosignature(1, sig.subarray(1)), 'INVALID_ARGUMENT');
    const max = formatCosignature(2n ** 63n - 1n, sig);
    assert.equal(cosignatureTimestamp(max), 2n ** 63n - 1n);
    assert.ok(new NoteError('INVALID_ARGUMENT', 'x') instanceof Error);
  });
});
