import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CompactRange,
  compactRangeFrom,
  completeRange,
  coveringNodes,
  type NodeId,
} from '../src/index.js';
import { Reference, makeLeaves } from './helpers.js';

/** A log of `n` leaves: its leaf hashes and the reference hashes of nodes. */
function memoryLog(n: number) {
  const leaves = makeLeaves(n);
  const ref = new Reference(leaves);
  const node = (id: NodeId) => ref.mth(id.index * 2 ** id.level, (id.index + 1) * 2 ** id.level);
  return {
    leaves,
    root: (size: number) => ref.mth(0, size),
    reader: (ids: NodeId[]) => ids.map(node),
  };
}

test('coveringNodes: aligned subtrees, left to right, exactly covering the range', () => {
  assert.deepEqual(coveringNodes(0, 0), []);
  assert.deepEqual(coveringNodes(0, 1), [{ level: 0, index: 0 }]);
  assert.deepEqual(coveringNodes(0, 13), [
    { level: 3, index: 0 },
    { level: 2, index: 2 },
    { level: 0, index: 12 },
  ]);
  assert.deepEqual(coveringNodes(5, 16), [
    { level: 0, index: 5 },
    { level: 1, index: 3 },
    { level: 3, index: 1 },
  ]);
  for (let a = 0; a < 40; a++) {
    for (let b = a; b < 40; b++) {
      let at = a;
      for (const n of coveringNodes(a, b)) {
        assert.equal(n.index * 2 ** n.level, at);
        at += 2 ** n.level;
      }
      assert.equal(at, b);
    }
  }
  assert.throws(() => coveringNodes(3, 2), RangeError);
});

test('left hashes + leaves + right hashes give the RFC 6962 root, for every range of small trees', () => {
  const log = memoryLog(37);
  for (let size = 1; size <= 37; size++) {
    const root = log.root(size);
    for (let lo = 0; lo <= size; lo++) {
      for (let hi = lo; hi <= size; hi++) {
        const range = compactRangeFrom(lo, log.reader(coveringNodes(0, lo)));
        for (let i = lo; i < hi; i++) range.appendLeaf(log.leaves[i]!);
        const got = completeRange(range, size, log.reader(coveringNodes(hi, size)));
        assert.deepEqual(got, root, `size ${size} [${lo}, ${hi})`);
      }
    }
  }
});

test('a missing, changed or extra leaf, or a wrong proof length, does not give the root', () => {
  const log = memoryLog(20);
  const root = log.root(20);
  const left = log.reader(coveringNodes(0, 5));
  const right = log.reader(coveringNodes(12, 20));
  const run = (leaves: Uint8Array[], r = right) => {
    const range = compactRangeFrom(5, left);
    for (const l of leaves) range.appendLeaf(l);
    return completeRange(range, 20, r);
  };
  const leaves = log.leaves.slice(5, 12);
  assert.deepEqual(run(leaves), root);
  assert.notDeepEqual(run([...leaves.slice(0, 3), ...leaves.slice(4), leaves[6]!]), root);
  assert.throws(() => run(leaves.slice(1)), RangeError); // shifted: the right part no longer fits
  const changed = leaves.map((l, i) => (i === 2 ? new Uint8Array(32).fill(7) : l));
  assert.notDeepEqual(run(changed), root);
  assert.throws(() => run(leaves, right.slice(1)), RangeError);
  assert.throws(() => compactRangeFrom(5, left.slice(1)), RangeError);
  assert.deepEqual(new CompactRange().root().length, 32);
});
