import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Encode } from '@proofline/note';
import { toBase64 } from '../src/base64.js';

describe('toBase64', () => {
  it("gives note's base64Encode text for every length and for views into larger buffers", () => {
    const big = Uint8Array.from({ length: 700 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let n = 0; n <= 300; n++) {
      for (const offset of [0, 1, 5]) {
        const bytes = big.subarray(offset, offset + n);
        assert.equal(toBase64(bytes), base64Encode(bytes), `length ${n} at ${offset}`);
      }
    }
  });
});
