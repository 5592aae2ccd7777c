import assert from 'node:assert/strict';
import {
  TILE_HEIGHT,
  TlogError,
  leafHash,
  nodeHash,
  type Hash,
  type HashReader,
  type NodeId,
  type TileId,
} from '../src/index.js';

/** The repository root, from packages/tlog/dist/test/<file>.js. */
export const REPO_ROOT = new URL('../../../../', import.meta.url);

/** A file under the repository root. */
export function repoFile(relative: string): URL {
  return new URL(relative, REPO_ROOT);
}

/** Deterministic PRNG (mulberry32) returning integers in [min, max]. */
export function prng(seed: number): (min: number, max: number) => number {
  let a = seed >>> 0;
  return (min, max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(r * (max - min + 1));
  };
}

/** Leaf hashes of the entries "leaf 0", "leaf 1", ... */
export function makeLeaves(n: number): Hash[] {
  return Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`)));
}

/**
 * Reference Merkle Tree Hash straight from RFC 6962 section 2.1 over leaf hashes:
 * MTH of one leaf is its hash; otherwise split at the largest power of two k < n.
 * The optional memo only caches results, keyed by range.
 */
export class Reference {
  private readonly memo = new Map<string, Hash>();

  constructor(readonly leaves: readonly Hash[]) {}

  static split(n: number): number {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  mth(lo: number, hi: number): Hash {
    assert.ok(hi - lo >= 1);
    if (hi - lo === 1) return this.leaves[lo] as Hash;
    const key = `${lo}:${hi}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const k = Reference.split(hi - lo);
    const h = nodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
    this.memo.set(key, h);
    return h;
  }

  /** RFC 9162 2.1.3.1 PATH(m, D[lo:hi]). */
  path(m: number, lo: number, hi: number): Hash[] {
    if (hi - lo <= 1) return [];
    const k = Reference.split(hi - lo);
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** RFC 9162 2.1.4.1 SUBPROOF(m, D[lo:hi], b). */
  subproof(m: number, lo: number, hi: number, b: boolean): Hash[] {
    if (m === hi - lo) return b ? [] : [this.mth(lo, hi)];
    const k = Reference.split(hi - lo);
    if (m <= k) return [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)];
    return [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  /** RFC 9162 2.1.4.1 PROOF(m, D[n]) for 0 < m < n; empty otherwise. */
  proof(m: number, n: number): Hash[] {
    return m === 0 || m === n ? [] : this.subproof(m, 0, n, true);
  }

  /** A reader serving complete nodes of this tree, counting calls and requested nodes. */
  reader(size = this.leaves.length): CountingReader {
    const stats = { calls: 0, nodes: [] as NodeId[] };
    const read: HashReader = async (nodes) => {
      stats.calls++;
      stats.nodes.push(...nodes);
      return nodes.map(({ level, index }) => {
        const lo = index * 2 ** level;
        const hi = lo + 2 ** level;
        assert.ok(hi <= size, `node (${level}, ${index}) beyond tree size ${size}`);
        return this.mth(lo, hi);
      });
    };
    return { read, stats };
  }
}

/** Tile contents computed from the reference: position i holds MTH of leaves [(N*256+i)*256^L, +256^L). */
export function referenceTile(ref: Reference, tile: TileId): Uint8Array {
  const data = new Uint8Array(tile.width * 32);
  const span = 2 ** (TILE_HEIGHT * tile.level);
  for (let i = 0; i < tile.width; i++) {
    const lo = (tile.index * 256 + i) * span;
    data.set(ref.mth(lo, lo + span), i * 32);
  }
  return data;
}

/** n pseudo-random 32-byte values standing in for leaf hashes (cheaper than hashing). */
export function randomHashes(n: number, seed: number): Hash[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => {
    const h = new Uint8Array(32);
    for (let i = 0; i < 32; i++) h[i] = rand(0, 255);
    return h;
  });
}

export interface CountingReader {
  read: HashReader;
  stats: { calls: number; nodes: NodeId[] };
}

/** Asserts fn throws a TlogError with the given code. */
export function throwsCode(fn: () => unknown, code: string, message?: string): void {
  assert.throws(fn, (err: unknown) => err instanceof TlogError && err.code === code, message);
}

/** Asserts the promise rejects with a TlogError with the given code. */
export async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof TlogError && err.code === code);
}

export function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}
