import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { openCheckpoint, parseVerifierKey } from '../src/index.js';
import { assertRejectsNote, readTestdata } from './helpers.js';

const ORIGIN = 'example.com/log/testdata';
const VKEY = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx';
const verifier = parseVerifierKey(VKEY);

describe('tessera golden log checkpoints', () => {
  for (let n = 0; n <= 15; n++) {
    it(`checkpoint.${n} opens with the log key and has size ${n}`, async () => {
      const bytes = readTestdata(`tessera-golden-log/checkpoint.${n}`);
      const { checkpoint, note } = await openCheckpoint(bytes, ORIGIN, verifier);
      assert.equal(checkpoint.origin, ORIGIN);
      assert.equal(checkpoint.size, n);
      assert.equal(checkpoint.rootHash.length, 32);
      assert.deepEqual(checkpoint.extensions, []);
      assert.equal(note.verified.length, 1);
      assert.equal(note.verified[0]!.keyId, 0x33d7b496);
      // Independent check of the same signature with node:crypto (OpenSSL).
      const jwk = {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from(verifier.publicKey).toString('base64url'),
      };
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      assert.equal(verify(null, Buffer.from(note.text), key, note.verified[0]!.signature), true);
    });
  }

  it('checkpoint (the latest) opens as size 15', async () => {
    const { checkpoint } = await openCheckpoint(
      new TextDecoder().decode(readTestdata('tessera-golden-log/checkpoint')),
      ORIGIN,
      verifier,
    );
    assert.equal(checkpoint.size, 15);
  });

  it('refuses a verifier whose name is not the origin, and an unrelated key', async () => {
    const bytes = readTestdata('tessera-golden-log/checkpoint.3');
    await assertRejectsNote(
      openCheckpoint(bytes, 'example.com/other', verifier),
      'INVALID_ARGUMENT',
    );
    const other = parseVerifierKey(
      'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    );
    await assertRejectsNote(openCheckpoint(bytes, 'PeterNeumann', other), 'UNVERIFIED_NOTE');
  });
});
