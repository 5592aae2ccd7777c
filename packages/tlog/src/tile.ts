import { checkInteger } from './validate.js';

/** Each tile spans TILE_HEIGHT levels of the tree (C2SP tlog-tiles). */
export const TILE_HEIGHT = 8;
/** A full tile holds TILE_WIDTH = 2^TILE_HEIGHT hashes. */
export const TILE_WIDTH = 256;
/** The largest tile level a path may name (C2SP tlog-tiles allows L in 0..63). */
export const MAX_TILE_LEVEL = 63;

/**
 * Hash tile at `level` L and `index` N: position i holds the tree node at level 8L, index
 * N*256 + i, i.e. MTH(D[(N*256+i)*256^L : (N*256+i+1)*256^L]). `width` is 256 for a full
 * tile, 1..255 for a partial one.
 */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** Validates the fields of a TileId, throwing TlogError INVALID_ARGUMENT. */
export function checkTileId(tile: TileId): void {
  checkInteger('tile level', tile.level, 0, MAX_TILE_LEVEL);
  checkInteger('tile index', tile.index);
  checkInteger('tile width', tile.width, 1, TILE_WIDTH);
}

/** Number of hashes stored at tile level L for tree size s: floor(s / 256^L). Exact: 256^L is a power of two. */
function storedHashes(level: number, treeSize: number): number {
  return Math.floor(treeSize / 2 ** (TILE_HEIGHT * level));
}

/** Width of the partial tile at level L of a tree of size s: floor(s / 256^L) mod 256 (0: none). */
export function partialTileWidth(level: number, treeSize: number): number {
  checkInteger('level', level, 0, MAX_TILE_LEVEL);
  checkInteger('treeSize', treeSize);
  return storedHashes(level, treeSize) % TILE_WIDTH;
}

/**
 * Width of tile (L, N) in a tree of size s: 256 when N < floor(s / 256^(L+1)) (full),
 * partialTileWidth(L, s) when N equals it, 0 beyond (the tile does not exist).
 */
export function tileWidth(level: number, index: number, treeSize: number): number {
  checkInteger('level', level, 0, MAX_TILE_LEVEL);
  checkInteger('index', index);
  checkInteger('treeSize', treeSize);
  const full = Math.floor(storedHashes(level, treeSize) / TILE_WIDTH);
  if (index < full) {
    return TILE_WIDTH;
  }
  return index === full ? storedHashes(level, treeSize) % TILE_WIDTH : 0;
}

/** Every hash tile of a tree of size s, level by level, index ascending: full tiles, then the partial one. */
export function tilesForTreeSize(treeSize: number): TileId[] {
  checkInteger('treeSize', treeSize);
  const tiles: TileId[] = [];
  for (let level = 0; storedHashes(level, treeSize) > 0; level++) {
    const count = storedHashes(level, treeSize);
    const full = Math.floor(count / TILE_WIDTH);
    for (let index = 0; index < full; index++) {
      tiles.push({ level, index, width: TILE_WIDTH });
    }
    if (count % TILE_WIDTH > 0) {
      tiles.push({ level, index: full, width: count % TILE_WIDTH });
    }
  }
  return tiles;
}

/** The partial (right-edge) tiles of a tree of size s, one per level with floor(s / 256^L) mod 256 > 0. */
export function edgeTiles(treeSize: number): TileId[] {
  checkInteger('treeSize', treeSize);
  const tiles: TileId[] = [];
  for (let level = 0; storedHashes(level, treeSize) > 0; level++) {
    const count = storedHashes(level, treeSize);
    if (count % TILE_WIDTH > 0) {
      tiles.push({ level, index: Math.floor(count / TILE_WIDTH), width: count % TILE_WIDTH });
    }
  }
  return tiles;
}
