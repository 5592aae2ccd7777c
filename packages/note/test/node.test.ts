import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Decode, base64Encode } from '../src/index.js';
import { sign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { nodeBase64Encode, nodeEd25519PrivateKey, pkcs8Ed25519 } from '../src/node.js';
import { assertNoteError } from './helpers.js';

describe('nodeBase64Encode', () => {
  it('gives base64Encode text for every length and for views into larger buffers', () => {
    const big = Uint8Array.from({ length: 700 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let n = 0; n <= 300; n++) {
      for (const offset of [0, 1, 5]) {
        const bytes = big.subarray(offset, offset + n);
        const text = nodeBase64Encode(bytes);
        assert.equal(text, base64Encode(bytes), `length ${n} at ${offset}`);
        assert.deepEqual(base64Decode(text), bytes, `round trip of length ${n} at ${offset}`);
      }
    }
  });
});

describe('nodeEd25519PrivateKey', () => {
  it('signs as the seed does under RFC 8032 (noble), byte for byte', () => {
    for (let k = 0; k < 5; k++) {
      const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + k * 7) & 0xff);
      const message = Uint8Array.from({ length: 10 * k }, (_, i) => i);
      const signature = new Uint8Array(sign(null, message, nodeEd25519PrivateKey(seed)));
      assert.deepEqual(signature, ed25519.sign(message, seed));
    }
  });

  it('refuses a seed that is not 32 bytes', () => {
    for (const n of [0, 31, 33, 64]) {
      assertNoteError(() => pkcs8Ed25519(new Uint8Array(n)), 'INVALID_ARGUMENT', String(n));
    }
  });
});
