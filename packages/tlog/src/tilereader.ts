import { TlogError } from './errors.js';
import type { Hash } from './hash.js';
import { subtreeHash, type HashReader, type NodeId } from './nodes.js';
import { TILE_HEIGHT, TILE_WIDTH, tileWidth, type TileId } from './tile.js';
import { HASH_SIZE, checkInteger } from './validate.js';

/** Where a node's stored hashes live: `count` hashes from `first` in tile number `slot`. */
interface Location {
  readonly slot: number;
  readonly first: number;
  readonly count: number;
}

/**
 * A {@link HashReader} over the hash tiles of a tree of size `treeSize`. Node (l, i) with
 * l = 8L + r (0 <= r < 8) is the MTH of the 2^r level-8L hashes i*2^r .. (i+1)*2^r - 1, all
 * in tile (L, floor(i*2^r / 256)); it is recomputed from them (r = 0: read directly). Each
 * call asks `readTiles` once for all needed tiles, deduplicated, each with its width in a
 * tree of `treeSize`, and checks every tile is exactly width*32 bytes (BAD_TILE_DATA).
 * Requesting a node that is not complete in the tree throws INVALID_ARGUMENT.
 */
export function tileHashReader(
  treeSize: number,
  readTiles: (tiles: readonly TileId[]) => Promise<readonly Uint8Array[]>,
): HashReader {
  checkInteger('treeSize', treeSize);
  return async (nodes: readonly NodeId[]): Promise<Hash[]> => {
    if (nodes.length === 0) {
      return [];
    }
    const tiles: TileId[] = [];
    const slots = new Map<string, number>();
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
      const count = 2 ** (node.level % TILE_HEIGHT);
      const stored = node.index * count;
      const index = Math.floor(stored / TILE_WIDTH);
      const key = `${level}/${index}`;
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = tiles.length;
        slots.set(key, slot);
        tiles.push({ level, index, width: tileWidth(level, index, treeSize) });
      }
      return { slot, first: stored % TILE_WIDTH, count };
    });
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
    return locations.map((loc) => subtreeHash(data[loc.slot] as Uint8Array, loc.first, loc.count));
  };
}
