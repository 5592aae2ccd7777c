import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  MAX_RANGE_PROOF_HASHES,
  RecordError,
  batchRangeProof,
  batchRangeTree,
  batchTree,
} from '../src/index.js';

function leaves(n: number): Uint8Array[] {
  return Array.from(
    { length: n },
    (_, i) => new Uint8Array(createHash('sha256').update(`leaf ${i}`).digest()),
  );
}

describe('batch range proofs', () => {
  it('rebuild the root and every inclusion proof of any range, for every size up to 20', () => {
    for (let size = 1; size <= 20; size++) {
      const all = leaves(size);
      const tree = batchTree(all);
      for (let start = 0; start < size; start++) {
        for (let end = start + 1; end <= size; end++) {
          const proof = batchRangeProof(size, start, end, (i) => tree.proof(i));
          assert.ok(proof.length <= MAX_RANGE_PROOF_HASHES);
          if (start === 0 && end === size) assert.equal(proof.length, 0);
          const rebuilt = batchRangeTree(size, start, all.slice(start, end), proof);
          assert.deepEqual(rebuilt.root, tree.root, `size ${size} [${start}, ${end})`);
          for (let i = start; i < end; i++) assert.deepEqual(rebuilt.proof(i), tree.proof(i));
        }
      }
    }
  });

  it('works on a 1000-record request inside a 2500-entry commit', () => {
    const all = leaves(2500);
    const tree = batchTree(all);
    const proof = batchRangeProof(2500, 1000, 2000, (i) => tree.proof(i));
    const rebuilt = batchRangeTree(2500, 1000, all.slice(1000, 2000), proof);
    assert.deepEqual(rebuilt.root, tree.root);
    assert.deepEqual(rebuilt.proof(1234), tree.proof(1234));
  });

  it('refuses a range proof with too few or too many hashes (INVALID_RECEIPT)', () => {
    const all = leaves(10);
    const tree = batchTree(all);
    const proof = batchRangeProof(10, 3, 7, (i) => tree.proof(i));
    assert.ok(proof.length > 0);
    for (const bad of [proof.slice(1), [...proof, proof[0]!], [new Uint8Array(31)]]) {
      assert.throws(
        () => batchRangeTree(10, 3, all.slice(3, 7), bad),
        (err: unknown) => err instanceof RecordError && err.code === 'INVALID_RECEIPT',
      );
    }
  });

  it('yields another root for an altered hash or leaf', () => {
    const all = leaves(10);
    const tree = batchTree(all);
    const proof = batchRangeProof(10, 3, 7, (i) => tree.proof(i));
    const altered = proof.map((h) => h.slice());
    altered[0]![0]! ^= 1;
    assert.notDeepEqual(batchRangeTree(10, 3, all.slice(3, 7), altered).root, tree.root);
    const swapped = all.slice(3, 7).reverse();
    assert.notDeepEqual(batchRangeTree(10, 3, swapped, proof).root, tree.root);
  });

  it('refuses ranges out of bounds (INVALID_ARGUMENT)', () => {
    const tree = batchTree(leaves(4));
    for (const [start, end] of [
      [-1, 2],
      [2, 2],
      [3, 5],
    ] as const) {
      assert.throws(
        () => batchRangeProof(4, start, end, (i) => tree.proof(i)),
        (err: unknown) => err instanceof RecordError && err.code === 'INVALID_ARGUMENT',
      );
    }
  });
});
