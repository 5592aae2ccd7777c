import type { TileId } from '@proofline/tlog';
import { StorageError, type Storage } from './index.js';

/**
 * Reads hash tiles at exactly the requested widths. Stored tiles may be wider (a later
 * partial or the full tile): their first `width` hashes are the requested tile, because a
 * tile's hashes never change once written. A missing or short tile means the store lost
 * data it promised to keep.
 */
export async function readTilesAt(
  storage: Storage,
  log: string,
  tiles: readonly TileId[],
): Promise<Uint8Array[]> {
  const stored = await storage.readTiles(log, tiles);
  return tiles.map((tile, i) => {
    const data = stored[i];
    const want = tile.width * 32;
    if (!data || data.length < want || data.length % 32 !== 0) {
      throw new StorageError(
        'CORRUPT',
        `log ${log}: tile ${tile.level}/${tile.index} has ${data?.length ?? 0} bytes, want at least ${want}`,
      );
    }
    return data.length === want ? data : data.subarray(0, want);
  });
}
