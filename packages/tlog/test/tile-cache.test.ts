import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  FULL_TILE_CACHE_BYTES,
  TileHashCache,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  treeHash,
  type HashReader,
  type NodeId,
  type TileId,
} from '../src/index.js';
import { expandTile } from '../src/tile-cache.js';
import {
  Reference,
  prng,
  randomHashes,
  referenceTile,
  rejectsCode,
  throwsCode,
} from './helpers.js';

const LARGE = 70_000;
const ref = new Reference(randomHashes(LARGE, 1302));

/** Tiles of `ref` as a store would serve them, recording every request. */
function tileSource(): {
  read: (tiles: readonly TileId[]) => Promise<Uint8Array[]>;
  calls: (readonly TileId[])[];
} {
  const calls: (readonly TileId[])[] = [];
  return {
    calls,
    read: async (tiles) => {
      calls.push(tiles);
      return tiles.map((t) => referenceTile(ref, t));
    },
  };
}

/** Every complete node of a tree of `size` at levels 0..17, sampled (first, last, a few inside). */
function sampleNodes(size: number, rand: (min: number, max: number) => number): NodeId[] {
  const nodes: NodeId[] = [];
  for (let level = 0; level <= 17; level++) {
    const n = Math.floor(size / 2 ** level);
    if (n === 0) break;
    nodes.push({ level, index: 0 }, { level, index: n - 1 }, { level, index: rand(0, n - 1) });
  }
  return nodes;
}

/** Asserts both readers give byte-identical answers for nodes, roots and proofs of `size`. */
async function sameAnswers(
  size: number,
  cached: HashReader,
  plain: HashReader,
  rand: (min: number, max: number) => number,
): Promise<void> {
  const nodes = sampleNodes(size, rand);
  assert.deepEqual(await cached(nodes), await plain(nodes), `nodes, size ${size}`);
  assert.deepEqual(await treeHash(size, cached), ref.mth(0, size), `root, size ${size}`);
  for (const index of [0, size - 1, rand(0, size - 1), rand(0, size - 1)]) {
    const proof = await proveInclusion(index, size, cached);
    assert.deepEqual(proof, await proveInclusion(index, size, plain), `PATH(${index}, ${size})`);
    assert.deepEqual(proof, ref.path(index, 0, size), `PATH(${index}, ${size}) vs RFC 9162`);
  }
  const old = rand(0, size);
  assert.deepEqual(
    await proveConsistency(old, size, cached),
    await proveConsistency(old, size, plain),
    `PROOF(${old}, ${size})`,
  );
}

test('a cached tileHashReader answers exactly like the uncached one as the tree grows', async () => {
  const rand = prng(9162);
  const cache = new TileHashCache(64 * 1024 * 1024);
  // Growing sizes: partial tiles at every level fill up and become full, across tile edges.
  const sizes = [1, 2, 3, 7, 100, 255, 256, 257, 300, 511, 512, 513, 4095, 4096, 4097];
  for (let s = 5000; s < LARGE; s += rand(1, 9000)) sizes.push(s);
  sizes.push(65_535, 65_536, 65_537, 69_999, LARGE);
  for (const size of sizes) {
    const source = tileSource();
    const cached = tileHashReader(size, source.read, { cache });
    const plain = tileHashReader(size, tileSource().read);
    await sameAnswers(size, cached, plain, rand);
  }
  // A reader at an older, smaller size (an older checkpoint) after the tree grew.
  for (const size of [1, 255, 257, 300, 4097, 65_535, 65_537]) {
    const cached = tileHashReader(size, tileSource().read, { cache });
    await sameAnswers(size, cached, tileHashReader(size, tileSource().read), rand);
  }
  assert.ok(cache.size > 0);
  assert.ok(cache.bytes <= cache.maxBytes);
});

test('a cached reader reads each tile once, and a partial tile again only once it is wider', async () => {
  const cache = new TileHashCache(64 * 1024 * 1024);
  const first = tileSource();
  const at300 = tileHashReader(300, first.read, { cache });
  assert.deepEqual(await proveInclusion(299, 300, at300), ref.path(299, 0, 300));
  assert.deepEqual(first.calls, [
    [
      { level: 0, index: 1, width: 44 },
      { level: 1, index: 0, width: 1 },
    ],
  ]);
  for (let i = 0; i < 300; i++) await proveInclusion(i, 300, at300);
  assert.deepEqual(first.calls.slice(1), [[{ level: 0, index: 0, width: 256 }]]);
  for (let i = 0; i < 300; i++) await proveInclusion(i, 300, at300);
  await treeHash(300, at300);
  assert.equal(first.calls.length, 2, 'every later proof of that size is served from the cache');

  // The partial tile (0, 1) of width 44 is not the tile of width 45 or 256.
  const grown = tileSource();
  const at301 = tileHashReader(301, grown.read, { cache });
  // PATH(300, 301) only needs nodes over the first 44 hashes of tile (0, 1): cached.
  assert.deepEqual(await proveInclusion(300, 301, at301), ref.path(300, 0, 301));
  assert.deepEqual(grown.calls, []);
  assert.deepEqual(await treeHash(301, at301), ref.mth(0, 301));
  assert.deepEqual(grown.calls, [[{ level: 0, index: 1, width: 45 }]]);
  const full = tileSource();
  const at512 = tileHashReader(512, full.read, { cache });
  assert.deepEqual(await proveInclusion(511, 512, at512), ref.path(511, 0, 512));
  // Node (8, 0) still comes from the cached tile (1, 0) of width 1, though it now has width 2.
  assert.deepEqual(full.calls, [[{ level: 0, index: 1, width: 256 }]]);
  assert.deepEqual(await treeHash(512, at512), ref.mth(0, 512));
  assert.deepEqual(full.calls[1], [{ level: 1, index: 0, width: 2 }]);

  // Older sizes are served by the wider entries without reading.
  const older = tileSource();
  for (const size of [2, 44, 256, 257, 300, 301, 400]) {
    const reader = tileHashReader(size, older.read, { cache });
    assert.deepEqual(await proveInclusion(size - 1, size, reader), ref.path(size - 1, 0, size));
    assert.deepEqual(await treeHash(size, reader), ref.mth(0, size));
  }
  assert.equal(older.calls.length, 0);
  assert.equal(cache.size, 3);
  assert.ok(cache.stats.hits > 0);
  assert.equal(cache.stats.misses, 6);
});

test('readers missing a tile at once share one read and expansion; a narrower one never serves a wider need', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const calls: (readonly TileId[])[] = [];
  const read = async (tiles: readonly TileId[]) => {
    calls.push(tiles);
    await gate;
    return tiles.map((t) => referenceTile(ref, t));
  };
  const cache = new TileHashCache(64 * 1024 * 1024);
  // Tile (0, 2) has width 88 in a tree of 600 and width 8 in one of 520.
  const at600 = tileHashReader(600, read, { cache });
  const at520 = tileHashReader(520, read, { cache });
  const answers = Promise.all([
    at600([{ level: 3, index: 70 }]), // hashes 48..55 of the tile: reads it at width 88
    at520([{ level: 0, index: 515 }]), // hash 3: waits for the wider expansion under way
    at600([
      { level: 0, index: 599 },
      { level: 2, index: 130 },
    ]), // waits as well
  ]);
  release();
  assert.deepEqual(await answers, [
    [ref.mth(560, 568)],
    [ref.mth(515, 516)],
    [ref.mth(599, 600), ref.mth(520, 524)],
  ]);
  assert.deepEqual(calls, [[{ level: 0, index: 2, width: 88 }]]);
  assert.equal(cache.size, 1);

  // Under way at width 8 only: a reader that needs more of the tile reads it itself.
  const fresh = new TileHashCache(64 * 1024 * 1024);
  calls.length = 0;
  const narrow = tileHashReader(520, read, { cache: fresh })([{ level: 0, index: 515 }]);
  const wide = tileHashReader(600, read, { cache: fresh })([{ level: 0, index: 599 }]);
  assert.deepEqual(await Promise.all([narrow, wide]), [[ref.mth(515, 516)], [ref.mth(599, 600)]]);
  assert.deepEqual(calls, [
    [{ level: 0, index: 2, width: 8 }],
    [{ level: 0, index: 2, width: 88 }],
  ]);
});

test('a failed read fails the readers waiting for it and is not kept', async () => {
  let fail = true;
  const calls: (readonly TileId[])[] = [];
  const read = async (tiles: readonly TileId[]) => {
    calls.push(tiles);
    await Promise.resolve();
    if (fail) throw new Error('disk error');
    return tiles.map((t) => referenceTile(ref, t));
  };
  const cache = new TileHashCache(64 * 1024 * 1024);
  const reader = tileHashReader(600, read, { cache });
  const both = [reader([{ level: 0, index: 1 }]), reader([{ level: 1, index: 7 }])];
  await assert.rejects(both[0]!, /disk error/);
  await assert.rejects(both[1]!, /disk error/);
  assert.equal(calls.length, 1, 'the second reader waited for the first read');
  assert.equal(cache.size, 0);
  fail = false;
  assert.deepEqual(await reader([{ level: 0, index: 1 }]), [ref.mth(1, 2)]);
  assert.equal(calls.length, 2, 'the failed read is not kept: the tile is read again');
});

test('the cache stays within its byte bound, evicting the least recently used tiles', async () => {
  const rand = prng(256);
  const maxBytes = 10 * FULL_TILE_CACHE_BYTES;
  const cache = new TileHashCache(maxBytes);
  const source = tileSource();
  const cached = tileHashReader(LARGE, source.read, { cache });
  const plain = tileHashReader(LARGE, tileSource().read);
  for (let i = 0; i < 300; i++) {
    const index = rand(0, LARGE - 1);
    const proof = await proveInclusion(index, LARGE, cached);
    assert.deepEqual(proof, await proveInclusion(index, LARGE, plain));
    assert.ok(cache.bytes <= maxBytes, `${cache.bytes} bytes after ${i + 1} proofs`);
  }
  assert.ok(cache.size >= 9, 'the bound is used, not just respected');
  // Tile (1, 0) is used by every proof of an index below 65,536: recently used, so kept.
  const before = source.calls.length;
  await proveInclusion(10, LARGE, cached);
  const read = source.calls.slice(before).flat();
  assert.ok(!read.some((t) => t.level === 1), 'the hot level-1 tiles stayed cached');

  // Smaller than one tile, or zero: nothing is kept, answers are unchanged.
  for (const bytes of [0, FULL_TILE_CACHE_BYTES - 1]) {
    const tiny = new TileHashCache(bytes);
    const reader = tileHashReader(LARGE, tileSource().read, { cache: tiny });
    assert.deepEqual(await proveInclusion(12_345, LARGE, reader), ref.path(12_345, 0, LARGE));
    assert.ok(tiny.bytes <= bytes);
    assert.ok(bytes > 0 || tiny.size === 0);
  }
  cache.clear();
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
  throwsCode(() => new TileHashCache(-1), 'INVALID_ARGUMENT');
});

test('a cached reader returns copies and caches nothing from bad tile data', async () => {
  const cache = new TileHashCache(1024 * 1024);
  const reader = tileHashReader(300, tileSource().read, { cache });
  const [h] = await reader([{ level: 3, index: 5 }]);
  h!.fill(0);
  assert.deepEqual((await reader([{ level: 3, index: 5 }]))[0], ref.mth(40, 48));

  const fresh = new TileHashCache(1024 * 1024);
  const short = tileHashReader(
    300,
    async (tiles) => tiles.map((t) => referenceTile(ref, t).subarray(32)),
    { cache: fresh },
  );
  await rejectsCode(short([{ level: 0, index: 299 }]), 'BAD_TILE_DATA');
  const missing = tileHashReader(300, async () => [], { cache: fresh });
  await rejectsCode(missing([{ level: 0, index: 0 }]), 'READER_MISBEHAVED');
  assert.equal(fresh.size, 0);
  await rejectsCode(reader([{ level: 0, index: 300 }]), 'INVALID_ARGUMENT');
  throwsCode(
    () => tileHashReader(300, async () => [], { cache: {} as unknown as TileHashCache }),
    'INVALID_ARGUMENT',
  );
});

/** SHA-256(0x01 || left || right) with node:crypto, as a server injects it. */
function nodeCryptoChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest(),
  );
}

test('hashChildren expands every tile width to the same bytes as the default hashing', () => {
  const rand = prng(65);
  for (let width = 1; width <= 256; width++) {
    const data = new Uint8Array(width * 32);
    for (let i = 0; i < data.length; i++) data[i] = rand(0, 255);
    const copy = data.slice();
    let calls = 0;
    const expanded = expandTile(data, width, (left, right) => {
      calls++;
      assert.equal(left.length, 32);
      assert.equal(right.length, 32);
      return nodeCryptoChildren(left, right);
    });
    assert.deepEqual(expanded, expandTile(data, width), `width ${width}`);
    assert.deepEqual(data, copy, 'the tile data is not modified');
    // One hash per complete internal node below the tile's root level.
    let internal = 0;
    for (let r = 1; r < 8; r++) internal += width >> r;
    assert.equal(calls, internal, `width ${width}`);
  }
});

test('a cache with hashChildren answers exactly like one without, and like the uncached reader', async () => {
  const rand = prng(1962);
  const injected = new TileHashCache(64 * 1024 * 1024, { hashChildren: nodeCryptoChildren });
  const portable = new TileHashCache(64 * 1024 * 1024);
  assert.equal(injected.hashChildren, nodeCryptoChildren);
  assert.equal(portable.hashChildren, undefined);
  const sizes = [1, 2, 3, 100, 256, 257, 300, 4097, 20_000, 65_536, 65_537, LARGE];
  for (const size of sizes) {
    // Both caches see the same requests; both answer like the uncached reader.
    const plain = tileHashReader(size, tileSource().read);
    const withHash = tileHashReader(size, tileSource().read, { cache: injected });
    await sameAnswers(size, withHash, plain, prng(size));
    await sameAnswers(
      size,
      tileHashReader(size, tileSource().read, { cache: portable }),
      plain,
      prng(size),
    );
  }
  assert.equal(injected.size, portable.size);
  assert.equal(injected.bytes, portable.bytes);
  // The same hashes as the reference tree's, at every level: proofs of random indices.
  const reader = tileHashReader(LARGE, tileSource().read, { cache: injected });
  for (let i = 0; i < 50; i++) {
    const index = rand(0, LARGE - 1);
    assert.deepEqual(await proveInclusion(index, LARGE, reader), ref.path(index, 0, LARGE));
  }
});

test('hashChildrenInto expands every tile width to the same bytes, and a cache with it answers the same', async () => {
  const into = (src: Uint8Array, at: number, dst: Uint8Array, to: number): void => {
    dst.set(nodeCryptoChildren(src.subarray(at, at + 32), src.subarray(at + 32, at + 64)), to);
  };
  const rand = prng(66);
  for (let width = 1; width <= 256; width++) {
    const data = new Uint8Array(width * 32);
    for (let i = 0; i < data.length; i++) data[i] = rand(0, 255);
    const copy = data.slice();
    assert.deepEqual(expandTile(data, width, undefined, into), expandTile(data, width), `${width}`);
    assert.deepEqual(data, copy, 'the tile data is not modified');
  }
  const cache = new TileHashCache(64 * 1024 * 1024, { hashChildrenInto: into });
  for (const size of [1, 3, 257, 4097, 65_537]) {
    const plain = tileHashReader(size, tileSource().read);
    await sameAnswers(size, tileHashReader(size, tileSource().read, { cache }), plain, prng(size));
  }
  throwsCode(
    () => new TileHashCache(1024, { hashChildrenInto: 1 as unknown as typeof into }),
    'INVALID_ARGUMENT',
  );
});

test('a bad hashChildren is rejected and caches nothing', async () => {
  throwsCode(
    () => new TileHashCache(1024, { hashChildren: 'sha256' as unknown as () => Uint8Array }),
    'INVALID_ARGUMENT',
  );
  for (const bad of [
    () => new Uint8Array(31),
    () => new Uint8Array(33),
    () => Array.from({ length: 32 }, () => 0) as unknown as Uint8Array,
  ]) {
    const cache = new TileHashCache(1024 * 1024, { hashChildren: bad });
    const reader = tileHashReader(300, tileSource().read, { cache });
    await rejectsCode(reader([{ level: 1, index: 0 }]), 'INVALID_ARGUMENT');
    assert.equal(cache.size, 0);
    // With a cache every tile read is expanded, so a level-0 node fails the same way.
    await rejectsCode(reader([{ level: 0, index: 0 }]), 'INVALID_ARGUMENT');
  }
});

test('tilePath: the siblings inside a cached full tile, as the reader gives them; none otherwise', async () => {
  const { read, calls } = tileSource();
  const cache = new TileHashCache(FULL_TILE_CACHE_BYTES * 4);
  const size = 3 * 256 + 100; // tiles 0..2 full, tile 3 partial
  const reader = tileHashReader(size, read, { cache });
  assert.equal(cache.tilePath(0, 1, 5), undefined, 'not cached yet');
  await reader([
    { level: 0, index: 256 },
    { level: 0, index: 3 * 256 },
  ]);
  const before = calls.length;
  for (const p of [0, 1, 5, 128, 254, 255]) {
    const index = 256 + p;
    const siblings = Array.from({ length: 8 }, (_, level) => ({
      level,
      index: Math.floor(index / 2 ** level) ^ 1,
    }));
    assert.deepEqual(cache.tilePath(0, 1, p), await reader(siblings), `p ${p}`);
  }
  assert.equal(calls.length, before, 'nothing read');
  assert.equal(cache.tilePath(0, 3, 0), undefined, 'a partial tile has no full path');
  assert.equal(cache.tilePath(0, 2, 0), undefined, 'a tile never read');
  const path = cache.tilePath(0, 1, 7)!;
  path[0]!.fill(0);
  assert.notDeepEqual(cache.tilePath(0, 1, 7)![0], path[0], 'fresh copies');
  throwsCode(() => cache.tilePath(0, 1, 256), 'INVALID_ARGUMENT');
});
