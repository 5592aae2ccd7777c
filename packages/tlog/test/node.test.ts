import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leafHash, nodeHash } from '../src/index.js';
import { nodeInteriorHash, nodeLeafHash } from '../src/node.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('nodeLeafHash', () => {
  test('equals tlog leafHash', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 193, 1000, 65535]) {
      const entry = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
      assert.equal(hex(nodeLeafHash(entry)), hex(leafHash(entry)), `length ${n}`);
    }
    const big = new Uint8Array(300).fill(9);
    assert.equal(hex(nodeLeafHash(big.subarray(100, 200))), hex(leafHash(big.subarray(100, 200))));
  });
});

describe('nodeInteriorHash', () => {
  test('equals tlog nodeHash, and is ordered', () => {
    for (let n = 0; n < 20; n++) {
      const left = Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + n) & 0xff);
      const right = Uint8Array.from({ length: 32 }, (_, i) => (i * 31 + 7 * n) & 0xff);
      assert.equal(hex(nodeInteriorHash(left, right)), hex(nodeHash(left, right)), `pair ${n}`);
      assert.notEqual(hex(nodeInteriorHash(left, right)), hex(nodeInteriorHash(right, left)));
    }
    const buf = new Uint8Array(100).fill(3);
    const [l, r] = [buf.subarray(1, 33), buf.subarray(40, 72)];
    assert.equal(hex(nodeInteriorHash(l, r)), hex(nodeHash(l, r)));
  });

  test('results stay correct call after call (its input buffer is reused)', () => {
    const pairs = Array.from({ length: 200 }, (_, n) => [
      Uint8Array.from({ length: 32 }, (_, i) => (i * 17 + n * 3) & 0xff),
      Uint8Array.from({ length: 32 }, (_, i) => (i * 5 + n * 11) & 0xff),
    ]);
    const results = pairs.map(([l, r]) => nodeInteriorHash(l!, r!));
    pairs.forEach(([l, r], i) => assert.equal(hex(results[i]!), hex(nodeHash(l!, r!))));
  });
});
