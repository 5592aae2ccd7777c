import { TlogError } from './errors.js';
import type { Hash } from './hash.js';
import { checkedHasher, subtreeHash, subtreeHashInto } from './nodes.js';
import type { HashChildrenInto } from './tile-cache.js';
import { TILE_WIDTH, type TileId } from './tile.js';
import { HASH_SIZE, checkHash, checkInteger } from './validate.js';

/** New contents of one hash tile. */
export interface TileUpdate {
  readonly tile: TileId;
  readonly data: Uint8Array;
}

/**
 * Appends leaf hashes to a tiled tree of size `oldSize` without recomputing it. At each tile
 * level L, the new level-8L hashes are appended after the old partial tile (from
 * `edgeTile(L)`, called only when partialTileWidth(L, oldSize) > 0 and required to be exactly
 * that many hashes) and split into tiles; every tile that becomes full adds the MTH of its 256
 * hashes (255 node hashes) as a new level-8(L+1) hash. Partial tiles
 * never feed the level above. Cost: O(new leaves) hashing plus at most one old edge tile
 * per level.
 *
 * Returns every tile whose contents changed, once each, level by level and index ascending:
 * tiles that became full with width 256, the new right-edge tiles with their partial width.
 * Throws TlogError INVALID_ARGUMENT (bad sizes or hashes) or BAD_TILE_DATA (bad edge tile).
 * `hashChildren` replaces nodeHash (e.g. node:crypto on a server); it must return the same
 * 32 bytes, and a result that is not 32 bytes throws INVALID_ARGUMENT. `hashChildrenInto`
 * (see HashChildrenInto; unchecked, its caller's tests must show nodeHash's bytes) takes
 * precedence: each full tile's hashes are then folded in place, nothing allocated per node.
 */
export function integrate(
  oldSize: number,
  edgeTile: (level: number) => Uint8Array,
  newLeafHashes: readonly Hash[],
  hashChildren?: (left: Hash, right: Hash) => Hash,
  hashChildrenInto?: HashChildrenInto,
): TileUpdate[] {
  const hash = hashChildren === undefined ? undefined : checkedHasher(hashChildren);
  checkInteger('oldSize', oldSize);
  if (!Array.isArray(newLeafHashes)) {
    throw new TlogError('INVALID_ARGUMENT', 'newLeafHashes must be an array');
  }
  checkInteger('new tree size', oldSize + newLeafHashes.length);
  for (const [i, h] of newLeafHashes.entries()) {
    checkHash(`newLeafHashes[${i}]`, h, 'INVALID_ARGUMENT');
  }
  const updates: TileUpdate[] = [];
  let added: readonly Hash[] = newLeafHashes;
  let oldCount = oldSize;
  for (let level = 0; added.length > 0; level++) {
    const completed: Hash[] = [];
    let index = Math.floor(oldCount / TILE_WIDTH);
    let prefix = readEdge(level, oldCount % TILE_WIDTH, edgeTile);
    let next = 0;
    while (next < added.length) {
      const kept = prefix.length / HASH_SIZE;
      const take = Math.min(TILE_WIDTH - kept, added.length - next);
      const data = new Uint8Array((kept + take) * HASH_SIZE);
      data.set(prefix);
      for (let j = 0; j < take; j++) {
        data.set(added[next + j] as Hash, (kept + j) * HASH_SIZE);
      }
      updates.push({ tile: { level, index, width: kept + take }, data });
      if (kept + take === TILE_WIDTH) {
        completed.push(
          hashChildrenInto === undefined
            ? subtreeHash(data, 0, TILE_WIDTH, hash)
            : subtreeHashInto(data, 0, TILE_WIDTH, hashChildrenInto),
        );
      }
      next += take;
      index++;
      prefix = new Uint8Array(0);
    }
    added = completed;
    oldCount = Math.floor(oldCount / TILE_WIDTH);
  }
  return updates;
}

/** The old partial tile of `width` hashes at `level`, checked to be width*32 bytes. */
function readEdge(
  level: number,
  width: number,
  edgeTile: (level: number) => Uint8Array,
): Uint8Array {
  if (width === 0) {
    return new Uint8Array(0);
  }
  const data: unknown = edgeTile(level);
  if (!(data instanceof Uint8Array) || data.length !== width * HASH_SIZE) {
    throw new TlogError(
      'BAD_TILE_DATA',
      `edge tile at level ${level} must be ${width * HASH_SIZE} bytes (width ${width})`,
    );
  }
  return data;
}
