import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  SIG_TYPE_ED25519,
  formatSignerKey,
  generateSignerKey,
  keyId,
  openNote,
  parseNote,
  signNote,
} from '@proofline/note';
import {
  COSIGNATURE_SIZE,
  WitnessError,
  cosignatureKeyId,
  cosignatureTimestamp,
  cosignedMessage,
  cosigner,
  formatCosignerKey,
  formatCosignerVerifierKey,
  generateCosignerKey,
  parseCosignerKey,
  parseCosignerVerifierKey,
} from '../src/index.js';

interface Vectors {
  specExamples: {
    signedMessage: { timestamp: number; checkpoint: string; message: string };
    cosignatureLine: { line: string; keyId: string; timestamp: number };
  };
  keyIds: { vkey: string }[];
  vectors: {
    name: string;
    seed: string;
    skey: string;
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

describe('cosignature/v1 (c2sp.org/tlog-cosignature)', () => {
  test('the signed message is the spec example byte for byte', () => {
    const ex = VECTORS.specExamples.signedMessage;
    assert.equal(decoder.decode(cosignedMessage(ex.timestamp, ex.checkpoint)), ex.message);
    assert.equal(
      ex.message,
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });

  test("the spec's example cosignature line has a key id and a 72-byte timestamped signature", async () => {
    const ex = VECTORS.specExamples.cosignatureLine;
    const note = `${VECTORS.specExamples.signedMessage.checkpoint}\n${ex.line}\n`;
    const [sig] = parseNote(note).signatures;
    assert.equal(sig!.name, 'witness.example.com/w1');
    assert.equal(sig!.keyId.toString(16).padStart(8, '0'), ex.keyId);
    assert.equal(sig!.signature.length, COSIGNATURE_SIZE);
    assert.equal(cosignatureTimestamp(sig!.signature), BigInt(ex.timestamp));
  });

  test('third-party witness verifier keys parse with matching key ids', () => {
    for (const { vkey } of VECTORS.keyIds) {
      const v = parseCosignerVerifierKey(vkey);
      assert.equal(v.verifierKey, vkey);
    }
  });

  test('every vector is reproduced exactly: keys, key id, message and cosignature', async () => {
    assert.ok(VECTORS.vectors.length >= 3);
    for (const vec of VECTORS.vectors) {
      const seed = Buffer.from(vec.seed, 'hex');
      assert.equal(formatCosignerKey(vec.name, seed), vec.skey);
      const key = parseCosignerKey(vec.skey);
      assert.equal(formatCosignerVerifierKey(vec.name, key.publicKey), vec.vkey);
      assert.equal(key.keyId.toString(16).padStart(8, '0'), vec.keyId);
      assert.equal(decoder.decode(cosignedMessage(vec.timestamp, vec.checkpoint)), vec.message);
      const c = cosigner(key);
      assert.equal(c.line(c.cosign(vec.checkpoint, vec.timestamp)), vec.cosignature);
      const opened = await openNote(`${vec.checkpoint}\n${vec.cosignature}`, [
        parseCosignerVerifierKey(vec.vkey),
      ]);
      assert.equal(opened.verified.length, 1);
    }
  });

  test('the key id is SHA-256(name || 0x0A || 0x04 || key)[:4], not the 0x01 one', () => {
    const key = parseCosignerKey(generateCosignerKey('witness.test/k'));
    assert.equal(key.keyId, keyId('witness.test/k', 0x04, key.publicKey));
    assert.notEqual(key.keyId, keyId('witness.test/k', SIG_TYPE_ED25519, key.publicKey));
    assert.equal(cosignatureKeyId('witness.test/k', key.publicKey), key.keyId);
    const vkey = formatCosignerVerifierKey(key.name, key.publicKey);
    assert.equal(Buffer.from(vkey.split('+')[2]!, 'base64')[0], 0x04);
  });

  test('a plain Ed25519 note signer key (type 0x01) is accepted, cosigning with the 0x04 id', () => {
    const seed = new Uint8Array(32).fill(9);
    const plain = parseCosignerKey(formatSignerKey('witness.test/plain', seed));
    const native = parseCosignerKey(formatCosignerKey('witness.test/plain', seed));
    assert.deepEqual(plain, native);
    assert.doesNotThrow(() => parseCosignerKey(generateSignerKey('witness.test/x')));
  });

  test('malformed keys are refused', () => {
    // A key id with a hex letter, so that upper-casing it really changes the key.
    let good = generateCosignerKey('witness.test/m');
    while (!/\+[0-9a-f]*[a-f][0-9a-f]*\+/.test(good)) good = generateCosignerKey('witness.test/m');
    const key = parseCosignerKey(good);
    const vkey = formatCosignerVerifierKey(key.name, key.publicKey);
    const bad = [
      good.slice('PRIVATE+KEY+'.length),
      good.replace(/\+[0-9a-f]{8}\+/, '+00000000+'),
      good.replace(/\+[0-9a-f]{8}\+/, (m) => m.toUpperCase()),
      good + '=',
      // type 0x03 (reserved) instead of 0x04
      `PRIVATE+KEY+${key.name}+${key.keyId.toString(16).padStart(8, '0')}+${Buffer.from([3, ...key.seed]).toString('base64')}`,
    ];
    for (const k of bad) {
      assert.throws(
        () => parseCosignerKey(k),
        (e: WitnessError) => e.code === 'MALFORMED_KEY',
        k,
      );
    }
    const badV = [
      vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'),
      // the same key as a plain Ed25519 (0x01) verifier key: not a witness key
      `${key.name}+${keyId(key.name, 1, key.publicKey).toString(16).padStart(8, '0')}+${Buffer.from([1, ...key.publicKey]).toString('base64')}`,
      `${vkey}A`,
      'no-plus-signs',
      'name with space+00000000+BA==',
      'x'.repeat(2000),
    ];
    for (const k of badV) {
      assert.throws(
        () => parseCosignerVerifierKey(k),
        (e: WitnessError) => e.code === 'MALFORMED_KEY',
        k,
      );
    }
  });

  test('verification fails on any change: text, timestamp, key, length', async () => {
    const c = cosigner(parseCosignerKey(generateCosignerKey('witness.test/v')));
    const text = 'log.test/a\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n';
    const sig = c.cosign(text, 1_700_000_000).signature;
    const v = c.verifier;
    const enc = new TextEncoder();
    assert.equal(await v.verify(enc.encode(text), sig), true);
    assert.equal(await v.verify(enc.encode(text.replace('5', '6')), sig), false);
    const later = sig.slice();
    later[7]! ^= 1;
    assert.equal(await v.verify(enc.encode(text), later), false);
    assert.equal(await v.verify(enc.encode(text), sig.subarray(0, 71)), false);
    const other = cosigner(parseCosignerKey(generateCosignerKey('witness.test/v')));
    assert.equal(await other.verifier.verify(enc.encode(text), sig), false);
    // A timestamp beyond 2^63 - 1 is refused before any signature check.
    const huge = sig.slice();
    huge[0] = 0x80;
    assert.equal(cosignatureTimestamp(huge), undefined);
    assert.equal(await v.verify(enc.encode(text), huge), false);
  });

  test('as a note Signer, signNote produces cosignature lines with the current time', async () => {
    const c = cosigner(parseCosignerKey(generateCosignerKey('witness.test/n')), () => 1234_567);
    const note = await signNote('log.test/a\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n', [
      c,
    ]);
    const opened = await openNote(note, [c.verifier]);
    assert.equal(cosignatureTimestamp(opened.verified[0]!.signature), 1234n);
    assert.throws(() => c.signAt('x\n', -1), WitnessError);
  });
});
