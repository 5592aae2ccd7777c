import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Decode, base64Encode } from '../src/index.js';
import { nodeBase64Encode } from '../src/node.js';

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
