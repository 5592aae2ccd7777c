import { TlogError } from './errors.js';
import { emptyTreeHash, equalHashes, nodeHash, type Hash } from './hash.js';
import { checkHash, checkInteger } from './validate.js';

const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

function invalidInclusion(at: { index: number; size: number }, message: string): TlogError {
  return new TlogError('INCLUSION_PROOF_INVALID', message, { details: at });
}

function invalidConsistency(
  sizes: { oldSize: number; newSize: number },
  message: string,
): TlogError {
  return new TlogError('CONSISTENCY_PROOF_INVALID', message, { details: sizes });
}

/**
 * The root that an inclusion proof for `leaf` at `index` in a tree of `size` leaves
 * reconstructs, following RFC 9162 section 2.1.3.2: with fn = index, sn = size - 1, r = leaf,
 * for each proof hash p: fail if sn = 0; if fn is odd or fn = sn, r = nodeHash(p, r) and
 * (when fn is even) shift fn and sn right until fn is odd or 0; else r = nodeHash(r, p); then
 * shift fn and sn right once. Fail unless sn = 0 at the end; return r. The result proves
 * nothing by itself: the caller must compare it with a trusted root (verifyInclusion) or check
 * a signature over it (a COSE receipt's detached payload).
 * Throws TlogError INVALID_ARGUMENT (bad sizes or hashes, index >= size) or
 * INCLUSION_PROOF_INVALID (wrong path length, a path entry not 32 bytes).
 */
export function inclusionRoot(
  leaf: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
): Hash {
  checkInteger('size', size, 1);
  checkInteger('index', index, 0, size - 1);
  checkHash('leaf', leaf, 'INVALID_ARGUMENT');
  if (!Array.isArray(proof)) {
    throw new TlogError('INVALID_ARGUMENT', 'proof must be an array');
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const [i, p] of proof.entries()) {
    checkHash(`proof[${i}]`, p, 'INCLUSION_PROOF_INVALID');
    if (sn === 0) {
      throw invalidInclusion(
        { index, size },
        `proof has ${proof.length} hashes, more than the path length`,
      );
    }
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) {
    throw invalidInclusion(
      { index, size },
      `proof has ${proof.length} hashes, fewer than the path length`,
    );
  }
  return r;
}

/**
 * Verifies that `leaf` is the leaf hash at `index` in the tree of `size` leaves with hash
 * `root` (RFC 9162 section 2.1.3.2): {@link inclusionRoot} must equal `root`.
 * Throws TlogError INVALID_ARGUMENT (bad sizes or hashes, index >= size) or
 * INCLUSION_PROOF_INVALID.
 */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): void {
  checkHash('root', root, 'INVALID_ARGUMENT');
  const r = inclusionRoot(leaf, index, size, proof);
  if (!equalHashes(r, root)) {
    throw invalidInclusion({ index, size }, 'computed root does not match the tree hash');
  }
}

/**
 * Verifies that the tree of `newSize` leaves with hash `newRoot` extends the tree of
 * `oldSize` leaves with hash `oldRoot`, following RFC 9162 section 2.1.4.2 for
 * 0 < oldSize < newSize: fail on an empty proof; prepend oldRoot if oldSize is a power of
 * two; fn = oldSize - 1, sn = newSize - 1, shifted right while fn is odd; fr = sr = proof[0];
 * for each later c: fail if sn = 0; if fn is odd or fn = sn, fr = nodeHash(c, fr),
 * sr = nodeHash(c, sr) and (when fn is even) shift fn and sn right until fn is odd or 0;
 * else sr = nodeHash(sr, c); then shift once. Accept iff fr = oldRoot, sr = newRoot, sn = 0.
 * Equal sizes need an empty proof and equal roots; oldSize 0 needs an empty proof and
 * oldRoot = MTH({}). Throws TlogError INVALID_ARGUMENT (bad sizes or hashes,
 * oldSize > newSize) or CONSISTENCY_PROOF_INVALID.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Hash[],
  oldRoot: Hash,
  newRoot: Hash,
): void {
  checkInteger('newSize', newSize);
  checkInteger('oldSize', oldSize, 0, newSize);
  checkHash('oldRoot', oldRoot, 'INVALID_ARGUMENT');
  checkHash('newRoot', newRoot, 'INVALID_ARGUMENT');
  if (!Array.isArray(proof)) {
    throw new TlogError('INVALID_ARGUMENT', 'proof must be an array');
  }
  for (const [i, p] of proof.entries()) {
    checkHash(`proof[${i}]`, p, 'CONSISTENCY_PROOF_INVALID');
  }
  if (oldSize === 0 || oldSize === newSize) {
    if (proof.length !== 0) {
      throw invalidConsistency(
        { oldSize, newSize },
        `expected an empty proof, got ${proof.length} hashes`,
      );
    }
    if (oldSize === 0 && !equalHashes(oldRoot, emptyTreeHash())) {
      throw invalidConsistency({ oldSize, newSize }, 'oldRoot is not the empty tree hash');
    }
    if (oldSize === newSize && !equalHashes(oldRoot, newRoot)) {
      throw invalidConsistency({ oldSize, newSize }, 'equal tree sizes with different roots');
    }
    return;
  }
  if (proof.length === 0) {
    throw invalidConsistency({ oldSize, newSize }, 'empty proof');
  }
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) {
      throw invalidConsistency(
        { oldSize, newSize },
        `proof has ${proof.length} hashes, more than needed`,
      );
    }
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) {
    throw invalidConsistency(
      { oldSize, newSize },
      `proof has ${proof.length} hashes, fewer than needed`,
    );
  }
  if (!equalHashes(fr, oldRoot)) {
    throw invalidConsistency({ oldSize, newSize }, 'computed old root does not match oldRoot');
  }
  if (!equalHashes(sr, newRoot)) {
    throw invalidConsistency({ oldSize, newSize }, 'computed new root does not match newRoot');
  }
}

/** True for 1, 2, 4, 8, ... (n a positive safe integer). */
function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) {
    p *= 2;
  }
  return p === n;
}
