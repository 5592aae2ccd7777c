export {
  CodedError,
  TlogError,
  type CodedErrorOptions,
  type TlogErrorCode,
  type TlogErrorDetails,
} from './errors.js';
export {
  HASH_SIZE,
  emptyTreeHash,
  equalHashes,
  leafHash,
  nodeHash,
  sha256,
  type Hash,
} from './hash.js';
export type { HashReader, NodeHasher, NodeId } from './nodes.js';
export { proveConsistency, proveInclusion, treeHash } from './tree.js';
export { inclusionRoot, verifyConsistency, verifyInclusion } from './verify.js';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  edgeTiles,
  partialTileWidth,
  tileWidth,
  tilesForTreeSize,
  type TileId,
} from './tile.js';
export {
  entryBundlePath,
  formatTileIndex,
  parseTilePath,
  tilePath,
  type ParsedTilePath,
} from './tile-path.js';
export { tileHashReader, type TileHashReaderOptions } from './tile-reader.js';
export {
  FULL_TILE_CACHE_BYTES,
  TileHashCache,
  type HashChildren,
  type HashChildrenInto,
  type TileHashCacheOptions,
} from './tile-cache.js';
export { decodeEntryBundle, encodeEntryBundle } from './bundle.js';
export { integrate, type TileUpdate } from './integrate.js';
export { CompactRange, compactRangeFrom, completeRange, coveringNodes } from './range-proof.js';
