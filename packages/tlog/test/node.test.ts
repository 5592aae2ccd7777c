import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leafHash, nodeHash } from '../src/index.js';
import { createHash, randomBytes } from 'node:crypto';
import {
  nodeHashInto,
  nodeInteriorHash,
  nodeLeafHash,
  nodeLeafHashInto,
  nodeLeafHashes,
} from '../src/node.js';
import { nodeHashInto as jsNodeHashInto } from '../src/interior-hash.js';

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

describe('nodeLeafHashes', () => {
  test('equals tlog leafHash of each entry, in order, across input buffer growth', () => {
    // Lengths around and beyond the reused input buffer (1024) make it grow mid-call.
    const lengths = [0, 1, 193, 1023, 1024, 1025, 5, 4000, 65535, 2];
    const entries = lengths.map((n) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff),
    );
    const leaves = nodeLeafHashes(entries);
    assert.equal(leaves.length, entries.length);
    entries.forEach((e, i) => {
      assert.equal(leaves[i]!.length, 32);
      assert.equal(hex(leaves[i]!), hex(leafHash(e)), `length ${lengths[i]}`);
    });
    // A later call does not touch the earlier call's hashes, and views of a larger buffer work.
    const big = new Uint8Array(300).fill(9);
    const again = nodeLeafHashes([big.subarray(100, 200), big.subarray(0, 7)]);
    assert.deepEqual(
      again.map(hex),
      [leafHash(big.subarray(100, 200)), leafHash(big.subarray(0, 7))].map(hex),
    );
    entries.forEach((e, i) => assert.equal(hex(leaves[i]!), hex(leafHash(e))));
    assert.deepEqual(nodeLeafHashes([]), []);
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

describe('nodeLeafHashInto', () => {
  test('hashes an entry behind its overwritten prefix byte into dst, copying nothing', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 300]) {
      const entry = Uint8Array.from({ length: n }, (_, i) => (i * 11 + n) & 0xff);
      const buffer = new Uint8Array(n + 5).fill(0xaa);
      buffer.set(entry, 3);
      const dst = Buffer.alloc(70, 0xbb);
      nodeLeafHashInto(buffer, 2, 3 + n, dst, 7);
      assert.equal(hex(dst.subarray(7, 39)), hex(leafHash(entry)), `length ${n}`);
      assert.ok(
        dst.subarray(0, 7).every((b) => b === 0xbb),
        'nothing before',
      );
      assert.ok(
        dst.subarray(39).every((b) => b === 0xbb),
        'nothing after',
      );
      assert.equal(buffer[2], 0, 'the prefix byte is the leaf prefix');
      assert.deepEqual(buffer.subarray(3, 3 + n), entry, 'the entry is untouched');
    }
  });

  test('writes every byte value exactly (no text encoding on the way)', () => {
    for (let n = 0; n < 200; n++) {
      const entry = randomBytes(n);
      const buffer = new Uint8Array(n + 1);
      buffer.set(entry, 1);
      const dst = Buffer.alloc(32);
      nodeLeafHashInto(buffer, 0, n + 1, dst, 0);
      assert.equal(hex(dst), hex(leafHash(entry)), `length ${n}`);
    }
  });

  test('refuses a range outside the buffers', () => {
    const buffer = new Uint8Array(10);
    const dst = Buffer.alloc(64);
    for (const [at, end, to] of [
      [-1, 5, 0],
      [5, 5, 0],
      [5, 11, 0],
      [1.5, 4, 0],
      [1, 4, 33],
      [1, 4, -1],
      [1, 4, 0.5],
    ] as const) {
      assert.throws(() => nodeLeafHashInto(buffer, at, end, dst, to), RangeError, `${at}..${end}`);
    }
  });
});

for (const [name, hashInto] of [
  ['nodeHashInto', nodeHashInto],
  ['the JavaScript SHA-256 (nodeHashInto before Node 20.12)', jsNodeHashInto],
] as const) {
  describe(name, () => {
    const node = (l: Uint8Array, r: Uint8Array) =>
      createHash('sha256').update(Uint8Array.of(1)).update(l).update(r).digest();

    test('equals node:crypto at any offset, also writing over its own input', () => {
      for (let k = 0; k < 200; k++) {
        const src = randomBytes(70);
        const at = k % 7;
        const want = node(src.subarray(at, at + 32), src.subarray(at + 32, at + 64));
        const out = new Uint8Array(40);
        hashInto(src, at, out, 3);
        assert.deepEqual(Buffer.from(out.subarray(3, 35)), want);
        hashInto(src, at, src, at + 1); // overlapping: all input is read first
        assert.deepEqual(src.subarray(at + 1, at + 33), want);
      }
    });
  });
}
