import { TlogError } from './errors.js';
import { emptyTreeHash, type Hash } from './hash.js';
import {
  hashRanges,
  splitPoint,
  type HashReader,
  type LeafRange,
  type NodeHasher,
} from './nodes.js';
import { checkInteger } from './validate.js';

/**
 * MTH(D[0:size]), RFC 9162 section 2.1.1: for n > 1, MTH(D[n]) = SHA-256(0x01 ||
 * MTH(D[0:k]) || MTH(D[k:n])) with k the largest power of two < n. Reads the complete
 * nodes of sizes given by the binary digits of `size` in one call and folds them.
 * Size 0 gives {@link emptyTreeHash} without reading.
 */
export async function treeHash(size: number, read: HashReader): Promise<Hash> {
  checkInteger('size', size);
  if (size === 0) {
    return emptyTreeHash();
  }
  const [root] = await hashRanges([{ start: 0, end: size }], read);
  return root as Hash;
}

/**
 * Inclusion proof PATH(m, D[n]), RFC 9162 section 2.1.3.1: empty for n = 1; otherwise with
 * k the largest power of two < n, PATH(m, D[0:k]) : MTH(D[k:n]) if m < k, else
 * PATH(m - k, D[k:n]) : MTH(D[0:k]). Hashes are ordered from the leaf up. `hashChildren`
 * replaces nodeHash for folding the right edge (see hashRanges).
 */
export async function proveInclusion(
  index: number,
  size: number,
  read: HashReader,
  hashChildren?: NodeHasher,
): Promise<Hash[]> {
  checkInteger('size', size, 1);
  checkInteger('index', index, 0, size - 1);
  const siblings: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const mid = start + splitPoint(end - start);
    if (index < mid) {
      siblings.push({ start: mid, end });
      end = mid;
    } else {
      siblings.push({ start, end: mid });
      start = mid;
    }
  }
  return hashRanges(siblings.reverse(), read, hashChildren);
}

/**
 * Consistency proof PROOF(m, D[n]) = SUBPROOF(m, D[n], true), RFC 9162 section 2.1.4.1:
 * SUBPROOF(m, D[m], b) is empty if b, else {MTH(D[m])}; for m < n, with k the largest power
 * of two < n, SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) if m <= k, else
 * SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). Empty when oldSize is 0 or equals newSize.
 * `hashChildren` replaces nodeHash for folding the ranges' edges (see hashRanges).
 */
export async function proveConsistency(
  oldSize: number,
  newSize: number,
  read: HashReader,
  hashChildren?: NodeHasher,
): Promise<Hash[]> {
  checkInteger('newSize', newSize);
  checkInteger('oldSize', oldSize);
  if (oldSize > newSize) {
    throw new TlogError('INVALID_ARGUMENT', `oldSize ${oldSize} exceeds newSize ${newSize}`);
  }
  if (oldSize === 0 || oldSize === newSize) {
    return [];
  }
  const parts: LeafRange[] = [];
  let start = 0;
  let end = newSize;
  let startsAtLeft = true;
  while (oldSize !== end) {
    const mid = start + splitPoint(end - start);
    if (oldSize <= mid) {
      parts.push({ start: mid, end });
      end = mid;
    } else {
      parts.push({ start, end: mid });
      start = mid;
      startsAtLeft = false;
    }
  }
  if (!startsAtLeft) {
    parts.push({ start, end });
  }
  return hashRanges(parts.reverse(), read, hashChildren);
}
