import { emptyTreeHash, nodeHash, type Hash } from './hash.js';
import type { NodeId } from './nodes.js';

/**
 * The complete, aligned subtrees that cover the leaves `[start, end)`, left to right: from
 * `start`, repeatedly the largest subtree that starts there (its start a multiple of its size)
 * and ends at or before `end`. For `[0, n)` these are the subtrees of sizes given by the binary
 * digits of n, largest first, and folding their hashes from the right is the RFC 6962 root.
 */
export function coveringNodes(start: number, end: number): NodeId[] {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end) {
    throw new RangeError(`invalid leaf range [${start}, ${end})`);
  }
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    let level = 0;
    let size = 1;
    while (at + size * 2 <= end && at % (size * 2) === 0) {
      level++;
      size *= 2;
    }
    nodes.push({ level, index: at / size });
    at += size;
  }
  return nodes;
}

/** Bit `level` of `n` (n a safe integer, level up to 63). */
function bit(n: number, level: number): boolean {
  return Math.floor(n / 2 ** level) % 2 === 1;
}

/**
 * A Merkle "compact range" of the leaves `[0, size)`: the hashes of the subtrees that cover
 * it (see coveringNodes), with which leaves or aligned subtrees are appended one at a time in
 * O(log n) memory, and from which the RFC 6962 root of `[0, size)` is computed. This is how a
 * population listing is checked against a checkpoint without holding it in memory: the
 * hashes left of the listed range, then every listed leaf, then the hashes right of it.
 */
export class CompactRange {
  private readonly stack: Hash[] = [];
  private count = 0;

  /** The number of leaves covered so far. */
  get size(): number {
    return this.count;
  }

  /**
   * Appends the hash of a complete subtree of 2^level leaves whose first leaf is the next one
   * (`size` must be a multiple of 2^level), merging it with the subtrees to its left.
   */
  appendNode(level: number, hash: Hash): void {
    if (!Number.isInteger(level) || level < 0 || level > 63) {
      throw new RangeError(`invalid level ${level}`);
    }
    if (this.count % 2 ** level !== 0) {
      throw new RangeError(`a subtree of level ${level} cannot start at leaf ${this.count}`);
    }
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      throw new RangeError('a node hash is 32 bytes');
    }
    let h = hash;
    let l = level;
    while (bit(this.count, l)) {
      const left = this.stack.pop()!;
      h = nodeHash(left, h);
      l++;
    }
    this.stack.push(h);
    this.count += 2 ** level;
    if (!Number.isSafeInteger(this.count)) throw new RangeError('tree size overflow');
  }

  /** Appends one leaf hash. */
  appendLeaf(hash: Hash): void {
    this.appendNode(0, hash);
  }

  /** The RFC 6962 root of `[0, size)` (the empty tree's hash for size 0). */
  root(): Hash {
    if (this.stack.length === 0) return emptyTreeHash();
    let h = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) h = nodeHash(this.stack[i]!, h);
    return h;
  }
}

/**
 * Starts a compact range at `size` leaves from the hashes of coveringNodes(0, size), in
 * order. Throws RangeError when the number of hashes is not the number of those subtrees.
 */
export function compactRangeFrom(size: number, hashes: readonly Hash[]): CompactRange {
  const nodes = coveringNodes(0, size);
  if (hashes.length !== nodes.length) {
    throw new RangeError(
      `the left part of the proof must have ${nodes.length} hashes for ${size} leaves, not ${hashes.length}`,
    );
  }
  const range = new CompactRange();
  nodes.forEach((node, i) => range.appendNode(node.level, hashes[i]!));
  return range;
}

/**
 * Completes a compact range at `start` leaves to `treeSize` leaves with the hashes of
 * coveringNodes(start, treeSize), in order, and returns the root. Throws RangeError.
 */
export function completeRange(
  range: CompactRange,
  treeSize: number,
  hashes: readonly Hash[],
): Hash {
  const nodes = coveringNodes(range.size, treeSize);
  if (hashes.length !== nodes.length) {
    throw new RangeError(
      `the right part of the proof must have ${nodes.length} hashes for leaves [${range.size}, ${treeSize}), not ${hashes.length}`,
    );
  }
  nodes.forEach((node, i) => range.appendNode(node.level, hashes[i]!));
  return range.root();
}
