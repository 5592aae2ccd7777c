import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  SIG_TYPE_COSIGNATURE,
  formatSignerKey,
  generateSignerKey,
  openNote,
  signNote,
  cosignatureTimestamp,
  cosignedMessage,
  formatVerifierKey,
  parseVerifierKey,
} from '@proofline/note';
import {
  WitnessError,
  cosigner,
  formatCosignerKey,
  generateCosignerKey,
  parseCosignerKey,
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
  test('every vector is reproduced exactly: keys, key id, message and cosignature', async () => {
    assert.ok(VECTORS.vectors.length >= 3);
    for (const vec of VECTORS.vectors) {
      const seed = Buffer.from(vec.seed, 'hex');
      assert.equal(formatCosignerKey(vec.name, seed), vec.skey);
      const key = parseCosignerKey(vec.skey);
      assert.equal(formatVerifierKey(vec.name, key.publicKey, SIG_TYPE_COSIGNATURE), vec.vkey);
      assert.equal(key.keyId.toString(16).padStart(8, '0'), vec.keyId);
      assert.equal(decoder.decode(cosignedMessage(vec.timestamp, vec.checkpoint)), vec.message);
      const c = cosigner(key);
      assert.equal(c.line(c.cosign(vec.checkpoint, vec.timestamp)), vec.cosignature);
      const opened = await openNote(`${vec.checkpoint}\n${vec.cosignature}`, [
        parseVerifierKey(vec.vkey, SIG_TYPE_COSIGNATURE),
      ]);
      assert.equal(opened.verified.length, 1);
    }
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
