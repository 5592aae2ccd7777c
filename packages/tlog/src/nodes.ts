import { TlogError } from './errors.js';
import { nodeHash, type Hash } from './hash.js';
import type { HashChildrenInto } from './tile-cache.js';
import { HASH_SIZE, isHash } from './validate.js';

/** Node (level, index) = MTH(D[index*2^level : (index+1)*2^level]); level 0 nodes are leaf hashes. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Returns exactly one hash per requested node, in order. */
export type HashReader = (nodes: readonly NodeId[]) => Promise<readonly Hash[]>;

/** A half-open leaf range [start, end) whose RFC 9162 MTH is wanted. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** k = the largest power of two strictly smaller than n (n >= 2), the split point of RFC 9162 section 2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

/**
 * The complete nodes covering [start, end), largest first. For a range that is a subtree of
 * the RFC 9162 recursion (start a multiple of a power of two >= end - start) these are the
 * nodes of sizes given by the binary digits of end - start, and folding them from the right,
 * h = nodeHash(n_i, h), yields MTH(D[start:end]).
 */
function completeNodes(range: LeafRange): NodeId[] {
  const nodes: NodeId[] = [];
  let start = range.start;
  while (start < range.end) {
    let level = 0;
    let size = 1;
    while (start + size * 2 <= range.end && start % (size * 2) === 0) {
      level++;
      size *= 2;
    }
    nodes.push({ level, index: start / size });
    start += size;
  }
  return nodes;
}

/** An RFC 9162 interior-node hash, SHA-256(0x01 || left || right), e.g. a faster one than nodeHash. */
export type NodeHasher = (left: Hash, right: Hash) => Hash;

/** Folds hashes[from..to) right to left: MTH of the range they cover (see {@link completeNodes}). */
function foldRight(hashes: readonly Hash[], from: number, to: number, hash: NodeHasher): Hash {
  let h = hashes[to - 1] as Hash;
  for (let i = to - 2; i >= from; i--) {
    h = hash(hashes[i] as Hash, h);
  }
  return h;
}

/**
 * Computes MTH(D[start:end]) for every range with a single call to `read` (none when
 * `ranges` is empty), asking only for complete nodes, and checks what the reader returned.
 * `hashChildren` replaces nodeHash and must return the same 32 bytes (checked).
 */
export async function hashRanges(
  ranges: readonly LeafRange[],
  read: HashReader,
  hashChildren?: NodeHasher,
): Promise<Hash[]> {
  if (ranges.length === 0) {
    return [];
  }
  const perRange = ranges.map(completeNodes);
  const nodes = perRange.flat();
  const got = await read(nodes);
  if (!Array.isArray(got) || got.length !== nodes.length) {
    const returned = Array.isArray(got) ? `${got.length} hashes` : 'a non-array';
    throw new TlogError(
      'READER_MISBEHAVED',
      `reader returned ${returned} for ${nodes.length} nodes`,
    );
  }
  const hashes = got.map((h: unknown, i) => {
    if (!isHash(h)) {
      throw new TlogError('READER_MISBEHAVED', `reader returned a malformed hash at position ${i}`);
    }
    return h.slice();
  });
  const hash = hashChildren === undefined ? nodeHash : checkedHasher(hashChildren);
  const out: Hash[] = [];
  let offset = 0;
  for (const group of perRange) {
    out.push(foldRight(hashes, offset, offset + group.length, hash));
    offset += group.length;
  }
  return out;
}

/** `hashChildren`, refusing (TlogError INVALID_ARGUMENT) a result that is not 32 bytes. */
export function checkedHasher(hashChildren: NodeHasher): NodeHasher {
  if (typeof hashChildren !== 'function') {
    throw new TlogError('INVALID_ARGUMENT', 'hashChildren must be a function');
  }
  return (left, right) => {
    const h: unknown = hashChildren(left, right);
    if (!isHash(h)) throw new TlogError('INVALID_ARGUMENT', 'hashChildren must return 32 bytes');
    return h;
  };
}

/**
 * MTH of 2^r consecutive hashes stored contiguously in `data` from hash position `first`,
 * computed by hashing pairs level by level (r levels of RFC 9162 section 2.1.1 nodes) with
 * `hashChildren` (default nodeHash; any replacement must return the same 32 bytes).
 */
export function subtreeHash(
  data: Uint8Array,
  first: number,
  count: number,
  hashChildren: (left: Hash, right: Hash) => Hash = nodeHash,
): Hash {
  if (count === 1) {
    return data.slice(first * HASH_SIZE, (first + 1) * HASH_SIZE);
  }
  let level: Hash[] = [];
  for (let i = first; i < first + count; i++) {
    level.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  }
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(hashChildren(level[i] as Hash, level[i + 1] as Hash));
    }
    level = next;
  }
  return level[0] as Hash;
}

/**
 * subtreeHash with `hashChildrenInto` (see HashChildrenInto): the 2^r hashes are copied once
 * and folded in place, level by level, with no allocation per node; the same hash.
 */
export function subtreeHashInto(
  data: Uint8Array,
  first: number,
  count: number,
  hashChildrenInto: HashChildrenInto,
): Hash {
  const work = data.slice(first * HASH_SIZE, (first + count) * HASH_SIZE);
  // Pair j of a level is read from [64j, 64j + 64) before node j is written to [32j, 32j + 32).
  for (let n = count; n > 1; n /= 2) {
    for (let j = 0; j < n / 2; j++) hashChildrenInto(work, 2 * j * HASH_SIZE, work, j * HASH_SIZE);
  }
  return work.slice(0, HASH_SIZE);
}
