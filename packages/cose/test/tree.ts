import { leafHash, nodeHash, type Hash } from '@proofline/tlog';

/** A reference RFC 9162 §2.1 tree over the given entries (tests only; recursive, small n). */
export class TestTree {
  readonly leaves: Hash[];

  constructor(entries: readonly Uint8Array[], hashed = false) {
    this.leaves = hashed ? [...entries] : entries.map(leafHash);
  }

  mth(lo = 0, hi = this.leaves.length): Hash {
    if (hi - lo === 1) return this.leaves[lo]!;
    const k = 2 ** Math.floor(Math.log2(hi - lo - 1));
    return nodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
  }

  /** PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1. */
  path(m: number, lo = 0, hi = this.leaves.length): Hash[] {
    if (hi - lo === 1) return [];
    const k = 2 ** Math.floor(Math.log2(hi - lo - 1));
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }
}

export const entries = (n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => new TextEncoder().encode(`entry ${i}`));
