import { nodeHash } from '@proofline/tlog';
import { isHash } from './base64.js';
import { MAX_BATCH_RECEIPT_SIZE, MAX_RECEIPT_PROOF_HASHES } from './batch-receipt.js';
import { RecordError } from './errors.js';

/*
 * Range proofs: what a client needs, besides the leaf hashes of its own consecutive entries
 * [start, end) of a batch of `size` entries, to rebuild the batch's RFC 6962 tree where it
 * covers them — its root and every one of its entries' receipt proofs — without the other
 * entries of the batch (records of other requests sequenced in the same commit).
 *
 * The tree is batchTree's: level 0 is the leaves, level l + 1 hashes the pairs (2j, 2j + 1)
 * of level l and carries an unpaired last node up unchanged. At level l the range covers the
 * nodes [a, b) with a = start >> l and b = ceil(end / 2^l). To go up one level the hashes
 * missing are: when a is odd, node (l, a − 1); when b is odd and b < the level's length,
 * node (l, b). The range proof is those nodes in order of level, the left before the right.
 * They are exactly the left siblings in PATH(start) and the right siblings in PATH(end − 1),
 * so a prover derives it from two inclusion proofs (batchRangeProof). At most
 * 2 × MAX_RECEIPT_PROOF_HASHES hashes; none when the range is the whole batch.
 */

/** The most hashes a range proof has. */
export const MAX_RANGE_PROOF_HASHES = 2 * MAX_RECEIPT_PROOF_HASHES;

/** The lengths of the levels of a tree of `size` leaves, from the leaves up to the root. */
function levelLengths(size: number): number[] {
  const lengths = [size];
  for (let n = size; n > 1;) lengths.push((n = Math.ceil(n / 2)));
  return lengths;
}

function checkRange(size: number, start: number, end: number): void {
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_BATCH_RECEIPT_SIZE) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      `size must be an integer in 1..${MAX_BATCH_RECEIPT_SIZE}`,
    );
  }
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end <= start ||
    end > size
  ) {
    throw new RecordError('INVALID_ARGUMENT', `the range must satisfy 0 <= start < end <= ${size}`);
  }
}

/**
 * The range proof of the entries [start, end) of a batch of `size` entries, from the batch
 * tree's inclusion proofs (`proof(i)` = PATH(i), from the leaf up, hashes in any encoding:
 * e.g. BatchTree.encodedProof). Throws RecordError INVALID_ARGUMENT for a range out of bounds.
 */
export function batchRangeProof<T>(
  size: number,
  start: number,
  end: number,
  proof: (i: number) => readonly T[],
): T[] {
  checkRange(size, start, end);
  const lengths = levelLengths(size);
  const left = size === 1 ? [] : proof(start);
  const right = size === 1 ? [] : end - 1 === start ? left : proof(end - 1);
  const out: T[] = [];
  let l = 0; // hashes of left (PATH(start)) and right (PATH(end − 1)) passed so far
  let r = 0;
  for (let level = 0; level < lengths.length - 1; level++) {
    const n = lengths[level]!;
    const pa = start >> level; // the range's first node at this level
    const pb = (end - 1) >> level; // and its last
    if ((pa ^ 1) < n) {
      if (pa % 2 === 1) out.push(hashAt(left, l, start));
      l++;
    }
    if ((pb ^ 1) < n) {
      if (pb % 2 === 0) out.push(hashAt(right, r, end - 1));
      r++;
    }
  }
  return out;
}

function hashAt<T>(proof: readonly T[], at: number, leaf: number): T {
  if (at >= proof.length) {
    throw new RecordError('INVALID_ARGUMENT', `the inclusion proof of leaf ${leaf} is too short`);
  }
  return proof[at]!;
}

/** The batch tree over a range of its leaves (see batchRangeTree). */
export interface BatchRangeTree {
  /** The root the range and its proof lead to (compare it with the signed one). */
  readonly root: Uint8Array;
  /** PATH(i, D[size]) for start ≤ i < end, from the leaf up: fresh copies. */
  proof(i: number): Uint8Array[];
}

/**
 * Rebuilds the batch tree of `size` leaves where it covers the consecutive leaves
 * `leafHashes` = leaves [start, start + leafHashes.length), with their `rangeProof` (see
 * batchRangeProof): the root they lead to and every one of their inclusion proofs. The
 * proof is untrusted: a range proof with the wrong number of hashes, or hashes that are not
 * 32 bytes, throws RecordError INVALID_RECEIPT (field /rangeProof); a wrong hash yields
 * another root (the caller compares it with the signed root, or checks each proof against
 * it). Arguments of the wrong type or out of bounds throw INVALID_ARGUMENT.
 */
export function batchRangeTree(
  size: number,
  start: number,
  leafHashes: readonly Uint8Array[],
  rangeProof: readonly Uint8Array[],
  hashChildren: (left: Uint8Array, right: Uint8Array) => Uint8Array = nodeHash,
): BatchRangeTree {
  if (!Array.isArray(leafHashes) || !leafHashes.every(isHash)) {
    throw new RecordError('INVALID_ARGUMENT', 'must be an array of 32-byte hashes', {
      field: '/leafHashes',
    });
  }
  const end = start + leafHashes.length;
  checkRange(size, start, end);
  const field = '/rangeProof';
  if (
    !Array.isArray(rangeProof) ||
    rangeProof.length > MAX_RANGE_PROOF_HASHES ||
    !rangeProof.every(isHash)
  ) {
    throw new RecordError(
      'INVALID_RECEIPT',
      `must be an array of at most ${MAX_RANGE_PROOF_HASHES} 32-byte hashes`,
      { field },
    );
  }
  const lengths = levelLengths(size);
  /** Per level: the index of its first known node, and the known nodes. */
  const levels: { from: number; nodes: Uint8Array[] }[] = [];
  let from = start;
  let nodes: Uint8Array[] = leafHashes.map((h) => h.slice());
  let used = 0;
  const take = () => {
    if (used >= rangeProof.length) {
      throw new RecordError('INVALID_RECEIPT', 'too few hashes for the range', { field });
    }
    return rangeProof[used++]!.slice();
  };
  for (let level = 0; level < lengths.length - 1; level++) {
    const n = lengths[level]!;
    if (from % 2 === 1) {
      nodes.unshift(take());
      from--;
    }
    const to = from + nodes.length;
    if (to % 2 === 1 && to < n) nodes.push(take());
    levels.push({ from, nodes });
    const next: Uint8Array[] = [];
    for (let j = 0; j < nodes.length; j += 2) {
      const right = nodes[j + 1];
      next.push(right === undefined ? nodes[j]! : hashChildren(nodes[j]!, right));
    }
    from >>= 1;
    nodes = next;
  }
  if (used !== rangeProof.length) {
    throw new RecordError('INVALID_RECEIPT', 'more hashes than the range needs', { field });
  }
  const root = nodes[0]!;
  return Object.freeze({
    root: root.slice(),
    proof(i: number): Uint8Array[] {
      if (!Number.isSafeInteger(i) || i < start || i >= end) {
        throw new RecordError('INVALID_ARGUMENT', `leaf index must be in ${start}..${end - 1}`);
      }
      const path: Uint8Array[] = [];
      for (let level = 0; level < levels.length; level++) {
        const j = i >> level;
        const sibling = j ^ 1;
        if (sibling < lengths[level]!) {
          const { from: first, nodes: known } = levels[level]!;
          path.push(known[sibling - first]!.slice());
        }
      }
      return path;
    },
  });
}
