import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TlogError,
  emptyTreeHash,
  inclusionRoot,
  proveConsistency,
  proveInclusion,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type HashReader,
} from '../src/index.js';
import { Reference, makeLeaves, prng, rejectsCode, throwsCode } from './helpers.js';

const LARGE = 70_000;
const ref = new Reference(makeLeaves(LARGE));
const rand = prng(6962);

function flipBit(h: Hash, bit: number): Hash {
  const g = h.slice();
  g[bit >> 3] = (g[bit >> 3] as number) ^ (1 << (bit & 7));
  return g;
}

/** Every single-bit flip of every proof hash, plus truncations and extensions. */
function mutations(proof: readonly Hash[], flips: boolean): Hash[][] {
  const out: Hash[][] = [];
  if (flips) {
    proof.forEach((h, i) => {
      for (let bit = 0; bit < 256; bit++) {
        out.push(proof.map((p, j) => (j === i ? flipBit(h, bit) : p)));
      }
    });
  }
  const extra = ref.mth(0, 1);
  for (let n = 0; n < proof.length; n++) {
    out.push(proof.slice(0, n), proof.slice(proof.length - n));
  }
  out.push([...proof, extra], [extra, ...proof]);
  if (proof.length > 0) {
    out.push([...proof, proof[proof.length - 1] as Hash]);
  }
  return out;
}

function rejects(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    assert.ok(err instanceof TlogError);
    return true;
  }
}

test('treeHash equals the reference MTH for sizes 0..300 and random larger sizes', async () => {
  const sizes = Array.from({ length: 301 }, (_, i) => i);
  for (let i = 0; i < 40; i++) sizes.push(rand(301, LARGE));
  sizes.push(LARGE, 65_536, 65_535, 65_537);
  for (const size of sizes) {
    const { read, stats } = ref.reader(size);
    const root = await treeHash(size, read);
    assert.deepEqual(root, size === 0 ? emptyTreeHash() : ref.mth(0, size), `size ${size}`);
    assert.equal(stats.calls, size === 0 ? 0 : 1);
    const ones = size.toString(2).replace(/0/g, '').length;
    assert.equal(stats.nodes.length, ones, `size ${size} reads one node per set bit`);
  }
});

test('proveInclusion matches RFC 9162 PATH and verifies, sizes 1..70 and random pairs', async () => {
  const pairs: [number, number][] = [];
  for (let size = 1; size <= 70; size++) {
    for (let index = 0; index < size; index++) pairs.push([index, size]);
  }
  for (let i = 0; i < 100; i++) {
    const size = rand(71, LARGE);
    pairs.push([rand(0, size - 1), size], [size - 1, size], [0, size]);
  }
  for (const [index, size] of pairs) {
    const { read, stats } = ref.reader(size);
    const proof = await proveInclusion(index, size, read);
    assert.deepEqual(proof, ref.path(index, 0, size), `PATH(${index}, ${size})`);
    assert.ok(stats.calls <= 1);
    verifyInclusion(ref.leaves[index] as Hash, index, size, proof, ref.mth(0, size));
    assert.deepEqual(
      inclusionRoot(ref.leaves[index] as Hash, index, size, proof),
      ref.mth(0, size),
    );
  }
});

test('inclusionRoot refuses a path of the wrong length and bad arguments', () => {
  const size = 13;
  const proof = ref.path(5, 0, size);
  const leaf = ref.leaves[5] as Hash;
  throwsCode(() => inclusionRoot(leaf, 5, size, proof.slice(1)), 'INCLUSION_PROOF_INVALID');
  throwsCode(() => inclusionRoot(leaf, 5, size, [...proof, leaf]), 'INCLUSION_PROOF_INVALID');
  throwsCode(() => inclusionRoot(leaf, 13, size, proof), 'INVALID_ARGUMENT');
  throwsCode(() => inclusionRoot(leaf.subarray(1), 5, size, proof), 'INVALID_ARGUMENT');
  throwsCode(() => inclusionRoot(leaf, 5, size, [leaf.subarray(1)]), 'INCLUSION_PROOF_INVALID');
});

test('proveConsistency matches RFC 9162 PROOF and verifies, sizes 0..70 and random pairs', async () => {
  const pairs: [number, number][] = [];
  for (let newSize = 0; newSize <= 70; newSize++) {
    for (let oldSize = 0; oldSize <= newSize; oldSize++) pairs.push([oldSize, newSize]);
  }
  for (let i = 0; i < 100; i++) {
    const newSize = rand(71, LARGE);
    pairs.push([rand(1, newSize), newSize], [newSize - 1, newSize], [1, newSize]);
  }
  const root = (n: number): Hash => (n === 0 ? emptyTreeHash() : ref.mth(0, n));
  for (const [oldSize, newSize] of pairs) {
    const { read, stats } = ref.reader(newSize);
    const proof = await proveConsistency(oldSize, newSize, read);
    assert.deepEqual(proof, ref.proof(oldSize, newSize), `PROOF(${oldSize}, ${newSize})`);
    assert.ok(stats.calls <= 1);
    verifyConsistency(oldSize, newSize, proof, root(oldSize), root(newSize));
  }
});

test('every bit flip, truncation and extension of an inclusion proof is rejected', async () => {
  const pairs: [number, number][] = [];
  for (let size = 1; size <= 7; size++) {
    for (let index = 0; index < size; index++) pairs.push([index, size]);
  }
  for (let i = 0; i < 2; i++) {
    const size = rand(9, 1000);
    pairs.push([rand(0, size - 1), size]);
  }
  for (const [index, size] of pairs) {
    const proof = await proveInclusion(index, size, ref.reader(size).read);
    const leaf = ref.leaves[index] as Hash;
    const root = ref.mth(0, size);
    for (const bad of mutations(proof, true)) {
      assert.ok(
        rejects(() => verifyInclusion(leaf, index, size, bad, root)),
        `${index}/${size}`,
      );
    }
    for (let bit = 0; bit < 256; bit += 7) {
      assert.ok(rejects(() => verifyInclusion(flipBit(leaf, bit), index, size, proof, root)));
      assert.ok(rejects(() => verifyInclusion(leaf, index, size, proof, flipBit(root, bit))));
    }
    if (size > 1) {
      const other = (index + 1) % size;
      assert.ok(rejects(() => verifyInclusion(leaf, other, size, proof, root)));
    }
  }
});

test('every bit flip, truncation and extension of a consistency proof is rejected', async () => {
  const pairs: [number, number][] = [];
  for (let newSize = 1; newSize <= 7; newSize++) {
    for (let oldSize = 0; oldSize <= newSize; oldSize++) pairs.push([oldSize, newSize]);
  }
  for (let i = 0; i < 2; i++) {
    const newSize = rand(9, 1000);
    pairs.push([rand(1, newSize - 1), newSize]);
  }
  const root = (n: number): Hash => (n === 0 ? emptyTreeHash() : ref.mth(0, n));
  for (const [oldSize, newSize] of pairs) {
    const proof = await proveConsistency(oldSize, newSize, ref.reader(newSize).read);
    const r1 = root(oldSize);
    const r2 = root(newSize);
    for (const bad of mutations(proof, true)) {
      assert.ok(rejects(() => verifyConsistency(oldSize, newSize, bad, r1, r2)));
    }
    for (let bit = 0; bit < 256; bit += 7) {
      assert.ok(rejects(() => verifyConsistency(oldSize, newSize, proof, flipBit(r1, bit), r2)));
      if (oldSize > 0) {
        assert.ok(rejects(() => verifyConsistency(oldSize, newSize, proof, r1, flipBit(r2, bit))));
      }
    }
  }
});

test('sizes and indices are validated', async () => {
  const { read } = ref.reader(10);
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '3' as unknown as number]) {
    await rejectsCode(treeHash(bad, read), 'INVALID_ARGUMENT');
    await rejectsCode(proveInclusion(bad, 10, read), 'INVALID_ARGUMENT');
    await rejectsCode(proveInclusion(0, bad, read), 'INVALID_ARGUMENT');
    await rejectsCode(proveConsistency(bad, 10, read), 'INVALID_ARGUMENT');
    await rejectsCode(proveConsistency(1, bad, read), 'INVALID_ARGUMENT');
  }
  await rejectsCode(proveInclusion(10, 10, read), 'INVALID_ARGUMENT');
  await rejectsCode(proveInclusion(0, 0, read), 'INVALID_ARGUMENT');
  await rejectsCode(proveConsistency(5, 4, read), 'INVALID_ARGUMENT');
  const leaf = ref.leaves[0] as Hash;
  const root = ref.mth(0, 1);
  throwsCode(() => verifyInclusion(leaf, 1, 1, [], root), 'INVALID_ARGUMENT');
  throwsCode(() => verifyInclusion(leaf, -1, 1, [], root), 'INVALID_ARGUMENT');
  throwsCode(() => verifyInclusion(leaf, 0, 2 ** 53, [], root), 'INVALID_ARGUMENT');
  throwsCode(() => verifyInclusion(leaf.subarray(1), 0, 1, [], root), 'INVALID_ARGUMENT');
  throwsCode(
    () => verifyInclusion(leaf, 0, 2, [new Uint8Array(31)], root),
    'INCLUSION_PROOF_INVALID',
  );
  throwsCode(() => verifyConsistency(2, 1, [], root, root), 'INVALID_ARGUMENT');
  throwsCode(
    () => verifyConsistency(1, 2, [new Uint8Array(0)], root, root),
    'CONSISTENCY_PROOF_INVALID',
  );
  throwsCode(() => verifyConsistency(1, 1, [], root, root.subarray(0, 16)), 'INVALID_ARGUMENT');
  throwsCode(() => verifyConsistency(0, 0, [], root, root), 'CONSISTENCY_PROOF_INVALID');
  verifyConsistency(0, 5, [], emptyTreeHash(), ref.mth(0, 5));
  verifyConsistency(0, 0, [], emptyTreeHash(), emptyTreeHash());
  verifyInclusion(leaf, 0, 1, [], leaf);
});

test('a misbehaving reader is reported as READER_MISBEHAVED', async () => {
  const { read } = ref.reader(100);
  const short: HashReader = async (nodes) => (await read(nodes)).slice(1);
  const long: HashReader = async (nodes) => [...(await read(nodes)), ref.mth(0, 1)];
  const badHash: HashReader = async (nodes) => (await read(nodes)).map((h) => h.subarray(1));
  const notArray: HashReader = async () => 'x' as unknown as Hash[];
  for (const reader of [short, long, badHash, notArray]) {
    await rejectsCode(treeHash(100, reader), 'READER_MISBEHAVED');
    await rejectsCode(proveInclusion(3, 100, reader), 'READER_MISBEHAVED');
    await rejectsCode(proveConsistency(3, 100, reader), 'READER_MISBEHAVED');
  }
});

test('returned hashes do not alias the reader’s buffers', async () => {
  const stored = ref.mth(0, 64).slice();
  const proof = await proveInclusion(64, 65, async (nodes) => nodes.map(() => stored));
  stored.fill(0);
  assert.deepEqual(proof, [ref.mth(0, 64)]);
});
