import { TlogError } from './errors.js';
import type { Hash } from './hash.js';
import { checkedHasher, subtreeHash, type HashReader, type NodeId } from './nodes.js';
import { TILE_HEIGHT, TILE_WIDTH, tileWidth, type TileId } from './tile.js';
import { HASH_SIZE, checkInteger } from './validate.js';
import {
  TileHashCache,
  expandTile,
  expandedNode,
  tileKey,
  type HashChildren,
} from './tile-cache.js';

/**
 * Where a node's stored hashes live: `count` = 2^`height` hashes from `first` in tile number
 * `slot`; the node is the tile-internal node (height, first / count).
 */
interface Location {
  readonly slot: number;
  readonly first: number;
  readonly count: number;
  readonly height: number;
}

export interface TileHashReaderOptions {
  /**
   * Keeps every tile's internal nodes once computed (see {@link TileHashCache}); must only
   * ever see the tiles of one log. Tiles are expanded with the cache's `hashChildren`, if any.
   */
  readonly cache?: TileHashCache;
  /**
   * Hashes interior nodes when there is no `cache` (default: this package's SHA-256, nodeHash),
   * e.g. @proofline/tlog/node's nodeInteriorHash; it must return exactly nodeHash's 32 bytes
   * (anything else than 32 bytes is refused with TlogError INVALID_ARGUMENT).
   */
  readonly hashChildren?: HashChildren;
}

/**
 * A {@link HashReader} over the hash tiles of a tree of size `treeSize`. Node (l, i) with
 * l = 8L + r (0 <= r < 8) is the MTH of the 2^r level-8L hashes i*2^r .. (i+1)*2^r - 1, all
 * in tile (L, floor(i*2^r / 256)); it is recomputed from them (r = 0: read directly). Each
 * call asks `readTiles` once for all needed tiles, deduplicated, each with its width in a
 * tree of `treeSize`, and checks every tile is exactly width*32 bytes (BAD_TILE_DATA).
 * Requesting a node that is not complete in the tree throws INVALID_ARGUMENT.
 *
 * With `options.cache`, tiles the cache holds wide enough for the requested nodes (maybe from
 * an older or newer tree size) are not read, nor are tiles that another reader of the cache
 * is reading wide enough at that moment (its expansion is awaited; if its read fails, so does
 * this call): `readTiles` is asked only for the others (at their width in this tree), and not
 * at all when there are none; those are expanded (every internal node hashed once) and cached.
 * The hashes are the same.
 */
export function tileHashReader(
  treeSize: number,
  readTiles: (tiles: readonly TileId[]) => Promise<readonly Uint8Array[]>,
  options: TileHashReaderOptions = {},
): HashReader {
  checkInteger('treeSize', treeSize);
  const cache = options.cache;
  if (cache !== undefined && !(cache instanceof TileHashCache)) {
    throw new TlogError('INVALID_ARGUMENT', 'cache must be a TileHashCache');
  }
  const hasher =
    options.hashChildren === undefined ? undefined : checkedHasher(options.hashChildren);
  return async (nodes: readonly NodeId[]): Promise<Hash[]> => {
    if (nodes.length === 0) {
      return [];
    }
    const tiles: TileId[] = [];
    const slots = new Map<number, number>();
    const locations: Location[] = nodes.map((node) => {
      // Levels above 52 never hold a complete node of a safe-integer-sized tree.
      checkInteger('node level', node.level, 0, 63);
      checkInteger('node index', node.index);
      if (node.index >= Math.floor(treeSize / 2 ** node.level)) {
        throw new TlogError(
          'INVALID_ARGUMENT',
          `node (${node.level}, ${node.index}) is not complete in a tree of size ${treeSize}`,
        );
      }
      const level = Math.floor(node.level / TILE_HEIGHT);
      const height = node.level % TILE_HEIGHT;
      const count = 2 ** height;
      const stored = node.index * count;
      const index = Math.floor(stored / TILE_WIDTH);
      const key = tileKey(level, index);
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = tiles.length;
        slots.set(key, slot);
        tiles.push({ level, index, width: tileWidth(level, index, treeSize) });
      }
      return { slot, first: stored % TILE_WIDTH, count, height };
    });
    if (cache !== undefined) {
      return cachedRead(cache, tiles, locations, readTiles);
    }
    const data = await readChecked(readTiles, tiles);
    return locations.map((loc) =>
      subtreeHash(data[loc.slot] as Uint8Array, loc.first, loc.count, hasher),
    );
  };
}

/** `readTiles(tiles)`, checking there is one tile per request of exactly width*32 bytes. */
async function readChecked(
  readTiles: (tiles: readonly TileId[]) => Promise<readonly Uint8Array[]>,
  tiles: readonly TileId[],
): Promise<readonly Uint8Array[]> {
  const data = await readTiles(tiles);
  if (!Array.isArray(data) || data.length !== tiles.length) {
    throw new TlogError('READER_MISBEHAVED', `tile reader returned the wrong number of tiles`);
  }
  tiles.forEach((tile, i) => {
    const bytes: unknown = data[i];
    if (!(bytes instanceof Uint8Array) || bytes.length !== tile.width * HASH_SIZE) {
      throw new TlogError(
        'BAD_TILE_DATA',
        `tile (${tile.level}, ${tile.index}) of width ${tile.width} must be ${tile.width * HASH_SIZE} bytes`,
      );
    }
  });
  return data;
}

/**
 * The nodes at `locations` from the expansions of `tiles`: cached ones, ones another reader of
 * the cache is reading and hashing now (awaited, not read again), and the others read in one
 * `readTiles` call and expanded (each registered as under way until it is cached).
 */
async function cachedRead(
  cache: TileHashCache,
  tiles: readonly TileId[],
  locations: readonly Location[],
  readTiles: (tiles: readonly TileId[]) => Promise<readonly Uint8Array[]>,
): Promise<Hash[]> {
  // A cached expansion narrower than the tile is now still answers for the nodes it holds.
  const needed = tiles.map(() => 0);
  for (const loc of locations) {
    needed[loc.slot] = Math.max(needed[loc.slot] as number, loc.first + loc.count);
  }
  const expansions: (Uint8Array | Promise<Uint8Array> | undefined)[] = tiles.map(
    (t, i) =>
      cache.lookup(t.level, t.index, needed[i] as number) ??
      cache.inflight(t.level, t.index, needed[i] as number),
  );
  const missing = tiles.filter((_, i) => expansions[i] === undefined);
  if (missing.length > 0) {
    const read = readChecked(readTiles, missing).then((data) =>
      missing.map((tile, j) => {
        const hashes = expandTile(
          data[j] as Uint8Array,
          tile.width,
          cache.hashChildren,
          cache.hashChildrenInto,
        );
        cache.store(tile.level, tile.index, tile.width, hashes);
        return hashes;
      }),
    );
    let next = 0;
    tiles.forEach((tile, i) => {
      if (expansions[i] !== undefined) return;
      const j = next++;
      const hashes = read.then((all) => all[j] as Uint8Array);
      cache.expanding(tile.level, tile.index, tile.width, hashes);
      expansions[i] = hashes;
    });
  }
  // Awaited only when some expansion is under way (a warm read stays without a Promise.all).
  const expanded = expansions.every((e) => e instanceof Uint8Array)
    ? (expansions as Uint8Array[])
    : await Promise.all(expansions);
  return locations.map((loc) =>
    expandedNode(expanded[loc.slot] as Uint8Array, loc.height, loc.first / loc.count),
  );
}
