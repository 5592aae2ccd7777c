import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  decodeEntryBundle,
  edgeTiles,
  encodeEntryBundle,
  partialTileWidth,
  proveInclusion,
  tileHashReader,
  tileWidth,
  tilesForTreeSize,
  treeHash,
  type NodeId,
  type TileId,
} from '../src/index.js';
import { Reference, randomHashes, referenceTile, rejectsCode, throwsCode } from './helpers.js';

const count = (tiles: TileId[], level: number, width: number): number =>
  tiles.filter((t) => t.level === level && t.width === width).length;

test('tilesForTreeSize(70000) lists 273 full + 1 partial (112) level-0 tiles, 1 + 1 (17) level-1, 1 (1) level-2', () => {
  assert.equal(TILE_HEIGHT, 8);
  assert.equal(TILE_WIDTH, 256);
  const tiles = tilesForTreeSize(70_000);
  assert.equal(tiles.length, 273 + 1 + 1 + 1 + 1);
  assert.equal(count(tiles, 0, 256), 273);
  assert.deepEqual(tiles[273], { level: 0, index: 273, width: 112 });
  assert.deepEqual(tiles.slice(274), [
    { level: 1, index: 0, width: 256 },
    { level: 1, index: 1, width: 17 },
    { level: 2, index: 0, width: 1 },
  ]);
  assert.deepEqual(edgeTiles(70_000), [
    { level: 0, index: 273, width: 112 },
    { level: 1, index: 1, width: 17 },
    { level: 2, index: 0, width: 1 },
  ]);
  assert.deepEqual(tilesForTreeSize(256), [
    { level: 0, index: 0, width: 256 },
    { level: 1, index: 0, width: 1 },
  ]);
  assert.deepEqual(edgeTiles(256), [{ level: 1, index: 0, width: 1 }]);
  assert.deepEqual(tilesForTreeSize(0), []);
  assert.deepEqual(edgeTiles(0), []);
  assert.deepEqual(tilesForTreeSize(1), [{ level: 0, index: 0, width: 1 }]);
  assert.deepEqual(edgeTiles(65536 * 256), [{ level: 3, index: 0, width: 1 }]);
});

test('partialTileWidth and tileWidth', () => {
  assert.equal(partialTileWidth(0, 70_000), 112);
  assert.equal(partialTileWidth(1, 70_000), 17);
  assert.equal(partialTileWidth(2, 70_000), 1);
  assert.equal(partialTileWidth(3, 70_000), 0);
  assert.equal(partialTileWidth(63, Number.MAX_SAFE_INTEGER), 0);
  assert.equal(partialTileWidth(6, Number.MAX_SAFE_INTEGER), 31);
  assert.equal(tileWidth(0, 272, 70_000), 256);
  assert.equal(tileWidth(0, 273, 70_000), 112);
  assert.equal(tileWidth(0, 274, 70_000), 0);
  assert.equal(tileWidth(1, 0, 70_000), 256);
  assert.equal(tileWidth(1, 1, 70_000), 17);
  assert.equal(tileWidth(2, 0, 70_000), 1);
  assert.equal(tileWidth(2, 1, 70_000), 0);
  assert.equal(tileWidth(0, 0, 256), 256);
  assert.equal(tileWidth(0, 1, 256), 0);
  for (const [l, i, s] of [
    [-1, 0, 1],
    [64, 0, 1],
    [0, -1, 1],
    [0, 0, -1],
    [0, 0, 2 ** 53],
    [0.5, 0, 1],
  ] as const) {
    throwsCode(() => tileWidth(l, i, s), 'INVALID_ARGUMENT');
  }
  throwsCode(() => partialTileWidth(0, NaN), 'INVALID_ARGUMENT');
  throwsCode(() => tilesForTreeSize(-1), 'INVALID_ARGUMENT');
  throwsCode(() => edgeTiles(1.5), 'INVALID_ARGUMENT');
});

test('entry bundles round-trip and are decoded strictly', () => {
  const entries = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(65535).fill(7)];
  const bundle = encodeEntryBundle(entries);
  assert.equal(bundle.length, 6 + 3 + 65535);
  assert.deepEqual([...bundle.subarray(0, 7)], [0, 0, 0, 3, 1, 2, 3]);
  assert.deepEqual([...bundle.subarray(7, 9)], [0xff, 0xff]);
  assert.deepEqual(decodeEntryBundle(bundle), entries);
  const full = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
  assert.deepEqual(decodeEntryBundle(encodeEntryBundle(full)), full);

  throwsCode(() => encodeEntryBundle([new Uint8Array(65536)]), 'INVALID_ARGUMENT');
  throwsCode(() => encodeEntryBundle([]), 'INVALID_ARGUMENT');
  throwsCode(() => encodeEntryBundle([...full, Uint8Array.of(0)]), 'INVALID_ARGUMENT');
  throwsCode(() => encodeEntryBundle(['x' as unknown as Uint8Array]), 'INVALID_ARGUMENT');

  const tooMany = new Uint8Array(257 * 2);
  for (const bad of [
    new Uint8Array(0),
    Uint8Array.of(0),
    Uint8Array.of(0, 2, 1),
    Uint8Array.of(0, 1, 1, 0),
    Uint8Array.of(0xff, 0xff),
    bundle.subarray(0, bundle.length - 1),
    Uint8Array.of(...bundle.subarray(0, 7), 0),
    tooMany,
  ]) {
    throwsCode(() => decodeEntryBundle(bad), 'BAD_ENTRY_BUNDLE');
  }
  assert.equal(decodeEntryBundle(tooMany.subarray(0, 512)).length, 256);
});

test('tileHashReader batches tile reads and recomputes inner levels', async () => {
  const size = 70_000;
  const ref = new Reference(randomHashes(size, 70));
  const calls: (readonly TileId[])[] = [];
  const reader = tileHashReader(size, async (tiles) => {
    calls.push(tiles);
    return tiles.map((t) => referenceTile(ref, t));
  });
  const nodes: NodeId[] = [];
  for (let level = 0; level <= 16; level++) {
    const n = Math.floor(size / 2 ** level);
    nodes.push({ level, index: 0 }, { level, index: n - 1 }, { level, index: Math.floor(n / 3) });
  }
  const got = await reader(nodes);
  assert.equal(calls.length, 1);
  const keys = calls[0]!.map((t) => `${t.level}/${t.index}`);
  assert.equal(new Set(keys).size, keys.length, 'tiles are deduplicated');
  for (const t of calls[0]!) assert.equal(t.width, tileWidth(t.level, t.index, size));
  nodes.forEach(({ level, index }, i) => {
    const lo = index * 2 ** level;
    assert.deepEqual(got[i], ref.mth(lo, lo + 2 ** level), `node (${level}, ${index})`);
  });
  assert.deepEqual(await treeHash(size, reader), ref.mth(0, size));
  assert.deepEqual(await proveInclusion(69_999, size, reader), ref.path(69_999, 0, size));
  assert.deepEqual(await reader([]), [], 'no nodes, no tile read');
  assert.equal(calls.length, 3);
});

test('tileHashReader rejects incomplete nodes and bad tile data', async () => {
  const ref = new Reference(randomHashes(300, 300));
  const good = tileHashReader(300, async (tiles) => tiles.map((t) => referenceTile(ref, t)));
  await rejectsCode(good([{ level: 0, index: 300 }]), 'INVALID_ARGUMENT');
  await rejectsCode(good([{ level: 8, index: 1 }]), 'INVALID_ARGUMENT');
  await rejectsCode(good([{ level: 2, index: 75 }]), 'INVALID_ARGUMENT');
  await rejectsCode(good([{ level: -1, index: 0 }]), 'INVALID_ARGUMENT');
  await rejectsCode(good([{ level: 0, index: 0.5 }]), 'INVALID_ARGUMENT');
  assert.equal((await good([{ level: 2, index: 74 }])).length, 1);
  throwsCode(() => tileHashReader(-1, async () => []), 'INVALID_ARGUMENT');

  const short = tileHashReader(300, async (tiles) =>
    tiles.map((t) => referenceTile(ref, t).subarray(32)),
  );
  await rejectsCode(short([{ level: 0, index: 299 }]), 'BAD_TILE_DATA');
  const missing = tileHashReader(300, async () => []);
  await rejectsCode(missing([{ level: 0, index: 0 }]), 'READER_MISBEHAVED');
  const notBytes = tileHashReader(300, async (tiles) =>
    tiles.map(() => 'x' as unknown as Uint8Array),
  );
  await rejectsCode(notBytes([{ level: 0, index: 0 }]), 'BAD_TILE_DATA');
});
