import { TlogError } from './errors.js';
import { nodeHashInto } from './interior-hash.js';
import type { Hash } from './hash.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tile.js';
import { HASH_SIZE, checkInteger } from './validate.js';

/**
 * Where tile-relative level r (0..7) starts in an expanded tile, in hashes: the 256 stored
 * hashes, then the 128 nodes above them, then 64, ... up to the 2 nodes of level 7 (510 in
 * all; the tile's root is a hash of the tile above, never read from this one).
 * The offsets are the same whatever the width, so an expansion of width w is, level by
 * level, a prefix of the expansion of any wider version of the same tile.
 */
const LEVEL_OFFSET: readonly number[] = Array.from(
  { length: TILE_HEIGHT },
  (_, r) => 2 * TILE_WIDTH - 2 ** (TILE_HEIGHT + 1 - r),
);

/** Bytes counted per entry on top of its hashes (map entry, key, object, array header). */
const ENTRY_OVERHEAD = 160;

/** What a full tile's entry counts for: 510 hashes (16,320 bytes) plus a fixed overhead. */
export const FULL_TILE_CACHE_BYTES = (2 * TILE_WIDTH - 2) * HASH_SIZE + ENTRY_OVERHEAD;

interface Entry {
  /** How many stored hashes the tile had when it was expanded (256: full). */
  readonly width: number;
  /** Every complete node of the tile, laid out by {@link LEVEL_OFFSET}. */
  readonly hashes: Uint8Array;
  readonly bytes: number;
}

/**
 * The RFC 9162 interior node hash SHA-256(0x01 || left || right) of two 32-byte hashes, for
 * {@link TileHashCacheOptions.hashChildren}: it must return exactly what this package's
 * nodeHash(left, right) returns, as a 32-byte Uint8Array it does not keep. `left` and `right`
 * are views into a buffer the caller reuses: it must not keep or modify them.
 */
export type HashChildren = (left: Uint8Array, right: Uint8Array) => Uint8Array;

/**
 * Writes the RFC 9162 interior node hash SHA-256(0x01 || src[at, at + 64)) (the node over the
 * two 32-byte hashes there) to dst[to, to + 32), like @proofline/tlog/node's nodeHashInto: the
 * same bytes as nodeHash, with no copy or allocation.
 */
export type HashChildrenInto = (src: Uint8Array, at: number, dst: Uint8Array, to: number) => void;

export interface TileHashCacheOptions {
  /**
   * Computes the interior hashes when a tile is expanded, instead of this package's
   * browser-safe SHA-256 (e.g. node:crypto on a server, about twice as fast). The hashes,
   * hence every answer of the cache, are the same; a result that is not a 32-byte
   * Uint8Array throws TlogError INVALID_ARGUMENT.
   */
  readonly hashChildren?: HashChildren;
  /**
   * Computes the interior hashes in place instead (see {@link HashChildrenInto}), without a
   * result to check: the tests of whoever passes it must show it gives nodeHash's bytes.
   * Takes precedence over `hashChildren`.
   */
  readonly hashChildrenInto?: HashChildrenInto;
}

/**
 * Every complete node of levels 0..7 inside a tile of `width` stored hashes (`data`, width*32
 * bytes): level r holds floor(width / 2^r) nodes, node (r, j) = nodeHash((r-1, 2j),
 * (r-1, 2j+1)). Fewer than `width` hashes are computed (254 for a full tile), with
 * `hashChildren` when given (see {@link TileHashCacheOptions}).
 */
export function expandTile(
  data: Uint8Array,
  width: number,
  hashChildren?: HashChildren,
  hashChildrenInto?: HashChildrenInto,
): Uint8Array {
  let top = 0;
  while (top < TILE_HEIGHT - 1 && width >> (top + 1) > 0) top++;
  const out = new Uint8Array(((LEVEL_OFFSET[top] as number) + (width >> top)) * HASH_SIZE);
  out.set(data.subarray(0, width * HASH_SIZE));
  const into =
    hashChildrenInto ?? (hashChildren !== undefined ? checkedInto(hashChildren) : nodeHashInto);
  // The children of each node are adjacent in `out`: hashed where they lie.
  for (let r = 0; r < top; r++) {
    const from = (LEVEL_OFFSET[r] as number) * HASH_SIZE;
    const to = (LEVEL_OFFSET[r + 1] as number) * HASH_SIZE;
    const n = width >> (r + 1);
    for (let j = 0; j < n; j++) into(out, from + 2 * j * HASH_SIZE, out, to + j * HASH_SIZE);
  }
  return out;
}

/** `hashChildren` as a HashChildrenInto, each result checked (TlogError INVALID_ARGUMENT). */
function checkedInto(hashChildren: HashChildren): HashChildrenInto {
  return (src, at, dst, to) => {
    const h = hashChildren(
      src.subarray(at, at + HASH_SIZE),
      src.subarray(at + HASH_SIZE, at + 2 * HASH_SIZE),
    );
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new TlogError('INVALID_ARGUMENT', 'hashChildren must return a 32-byte Uint8Array');
    }
    dst.set(h, to);
  };
}

/**
 * A bounded cache of the complete nodes inside hash tiles of ONE log, for
 * {@link tileHashReader}: a tile is expanded once (at most 255 node hashes) and every later
 * node of it costs a lookup, without reading the tile again.
 *
 * Correct because the first w hashes of a tile never change as the tree grows: an entry
 * remembers the width it was expanded from and only answers for tiles of at most that width
 * (a partial tile is never taken for a full one); a wider version of the tile replaces it.
 * Sharing one cache between logs would mix their tiles: use one instance per log.
 *
 * Memory: least recently used entries are evicted so that the counted bytes (hashes plus a
 * fixed per-entry overhead) stay within `maxBytes`; a full tile counts
 * {@link FULL_TILE_CACHE_BYTES} (about 16 KiB).
 *
 * Hashing: tiles are expanded with `options.hashChildrenInto` or `options.hashChildren` when given (see
 * {@link TileHashCacheOptions}), else with this package's SHA-256.
 */
export class TileHashCache {
  private readonly entries = new Map<number, Entry>();
  /** Expansions being read and hashed, by tile key, with their width (see `expanding`). */
  private readonly pending = new Map<
    number,
    { readonly width: number; readonly hashes: Promise<Uint8Array> }
  >();
  private used = 0;
  private hitCount = 0;
  private missCount = 0;
  /** @internal What expands tiles for this cache (undefined: this package's SHA-256). */
  readonly hashChildren: HashChildren | undefined;
  /** @internal What expands tiles in place, if given (precedes hashChildren). */
  readonly hashChildrenInto: HashChildrenInto | undefined;

  constructor(
    readonly maxBytes: number,
    options: TileHashCacheOptions = {},
  ) {
    checkInteger('maxBytes', maxBytes);
    const hashChildren: unknown = options.hashChildren;
    if (hashChildren !== undefined && typeof hashChildren !== 'function') {
      throw new TlogError('INVALID_ARGUMENT', 'hashChildren must be a function');
    }
    this.hashChildren = options.hashChildren;
    const into: unknown = options.hashChildrenInto;
    if (into !== undefined && typeof into !== 'function') {
      throw new TlogError('INVALID_ARGUMENT', 'hashChildrenInto must be a function');
    }
    this.hashChildrenInto = options.hashChildrenInto;
  }

  /** Bytes the cached entries count for (never more than `maxBytes`). */
  get bytes(): number {
    return this.used;
  }

  /** Number of cached tiles. */
  get size(): number {
    return this.entries.size;
  }

  /** Lookups answered from the cache / not, since construction. */
  get stats(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  /**
   * @internal The expansion of tile (level, index) if one of at least `width` is cached: it
   * holds the nodes over the tile's first `width` hashes, whatever the tile's width now.
   */
  lookup(level: number, index: number, width: number): Uint8Array | undefined {
    const key = tileKey(level, index);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.width < width) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    // Most recently used last: Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.hashes;
  }

  /**
   * The inclusion path of stored hash `p` (0..255) inside the full tile (level, index): its
   * sibling at each tile-relative level 0..7, from the bottom up (fresh copies), when the
   * tile's full expansion is cached (a hit, now the most recently used); else undefined (a
   * miss), and nothing is read or hashed.
   */
  tilePath(level: number, index: number, p: number): Hash[] | undefined {
    checkInteger('p', p, 0, TILE_WIDTH - 1);
    const hashes = this.lookup(level, index, TILE_WIDTH);
    if (hashes === undefined) return undefined;
    const path = new Array<Hash>(TILE_HEIGHT);
    for (let r = 0; r < TILE_HEIGHT; r++) path[r] = expandedNode(hashes, r, (p >> r) ^ 1);
    return path;
  }

  /**
   * @internal The expansion of tile (level, index) being read and hashed for a reader of this
   * cache, if one of at least `width` is under way: it will hold the nodes over the tile's
   * first `width` hashes. Readers that miss the same tile at once (requests in flight from a
   * cold start) wait for one expansion instead of each reading and hashing the tile.
   */
  inflight(level: number, index: number, width: number): Promise<Uint8Array> | undefined {
    const under = this.pending.get(tileKey(level, index));
    return under !== undefined && under.width >= width ? under.hashes : undefined;
  }

  /**
   * @internal Registers `hashes`, the expansion of tile (level, index) of `width` under way,
   * until it settles (replacing a narrower one under way). A failed read or expansion is not
   * kept: it fails the readers waiting for it, and the next miss reads the tile again.
   */
  expanding(level: number, index: number, width: number, hashes: Promise<Uint8Array>): void {
    const key = tileKey(level, index);
    const under = this.pending.get(key);
    if (under !== undefined && under.width >= width) return;
    const entry = { width, hashes };
    this.pending.set(key, entry);
    const settled = () => {
      if (this.pending.get(key) === entry) this.pending.delete(key);
    };
    hashes.then(settled, settled);
  }

  /** @internal Caches the expansion of tile (level, index) of `width`, unless a wider one is cached. */
  store(level: number, index: number, width: number, hashes: Uint8Array): void {
    const key = tileKey(level, index);
    const old = this.entries.get(key);
    if (old !== undefined) {
      if (old.width >= width) return;
      this.entries.delete(key);
      this.used -= old.bytes;
    }
    const bytes = hashes.byteLength + ENTRY_OVERHEAD;
    if (bytes > this.maxBytes) return;
    while (this.used + bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.used -= (this.entries.get(oldest.value) as Entry).bytes;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { width, hashes, bytes });
    this.used += bytes;
  }
}

/**
 * @internal A number naming tile (level, index): distinct for every tile of a tree of
 * safe-integer size (levels 0..63; indices below 2^45, so the key stays below 2^51).
 * Cheaper to make and hash than a string.
 */
export function tileKey(level: number, index: number): number {
  return index * 64 + level;
}

/**
 * Node (r, p) of a tile from its expansion, as a fresh copy (callers may mutate it). The
 * caller has checked the node is complete in the tile: p < width >> r.
 */
export function expandedNode(hashes: Uint8Array, r: number, p: number): Hash {
  const at = ((LEVEL_OFFSET[r] as number) + p) * HASH_SIZE;
  return hashes.slice(at, at + HASH_SIZE);
}
