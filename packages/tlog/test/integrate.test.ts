import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { nodeHashInto } from '../src/node.js';
import {
  edgeTiles,
  emptyTreeHash,
  integrate,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  tilePath,
  tileWidth,
  tilesForTreeSize,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type HashReader,
  type TileId,
} from '../src/index.js';
import { Reference, prng, randomHashes, referenceTile, throwsCode } from './helpers.js';

/** An in-memory tile store keyed by tile path, as a static-file server would hold it. */
class TileStore {
  readonly tiles = new Map<string, Uint8Array>();
  size = 0;

  /** Integrates `leaves` (this.size onwards) and returns the updated tile ids. */
  append(leaves: readonly Hash[]): TileId[] {
    const edges = new Map(edgeTiles(this.size).map((t) => [t.level, this.get(t)]));
    const updates = integrate(
      this.size,
      (level) => {
        const data = edges.get(level);
        assert.ok(data, `edgeTile(${level}) called for a level without a partial tile`);
        return data;
      },
      leaves,
    );
    for (const { tile, data } of updates) this.tiles.set(tilePath(tile), data);
    this.size += leaves.length;
    return updates.map((u) => u.tile);
  }

  get(tile: TileId): Uint8Array {
    const data = this.tiles.get(tilePath(tile));
    assert.ok(data, `missing ${tilePath(tile)}`);
    return data;
  }

  reader(size = this.size): HashReader {
    return tileHashReader(size, async (tiles) => tiles.map((t) => this.get(t)));
  }
}

/**
 * Tree sizes to stop at: increments of 1..3000 that hit 256 and 65536 boundaries exactly and
 * also cross them (and 2*65536, 3*65536) in single large steps.
 */
function schedule(total: number, seed: number): number[] {
  const rand = prng(seed);
  const sizes: number[] = [];
  let size = 0;
  const jumpTo = (target: number): void => {
    assert.ok(target - size >= 1 && target - size <= 3000);
    size = target;
    sizes.push(size);
  };
  const walkTo = (target: number): void => {
    while (size < target) jumpTo(Math.min(target, size + rand(1, 3000)));
  };
  [1, 2, 255, 256, 257, 511, 513, 3000, 5999].forEach(jumpTo);
  walkTo(64_000);
  [65_535, 65_536, 65_537, 65_792, 68_000].forEach(jumpTo);
  walkTo(130_000);
  jumpTo(132_500);
  walkTo(196_000);
  jumpTo(198_999);
  walkTo(total);
  return sizes;
}

test('integrate builds, step by step, the same tiles as computing them from scratch', async () => {
  const total = 200_000;
  const leaves = randomHashes(total, 9162);
  const ref = new Reference(leaves);
  const root = (n: number): Hash => (n === 0 ? emptyTreeHash() : ref.mth(0, n));
  const store = new TileStore();
  const rand = prng(1);
  const checkpoints: number[] = [0];
  const steps = schedule(total, 42);

  for (const next of steps) {
    const old = store.size;
    const changed = store.append(leaves.slice(old, next));
    const expected = tilesForTreeSize(next).filter(
      (t) => tileWidth(t.level, t.index, old) !== t.width,
    );
    assert.deepEqual(changed, expected, `tiles updated going from ${old} to ${next}`);
    assert.deepEqual(await treeHash(next, store.reader()), root(next), `root at ${next}`);
    checkpoints.push(next);
    if (checkpoints.length % 4 !== 0 && next % 256 !== 0 && next !== total) continue;

    const index = rand(0, next - 1);
    const inclusion = await proveInclusion(index, next, store.reader());
    verifyInclusion(leaves[index]!, index, next, inclusion, root(next));
    const earlier = checkpoints[rand(0, checkpoints.length - 1)]!;
    const consistency = await proveConsistency(earlier, next, store.reader());
    verifyConsistency(earlier, next, consistency, root(earlier), root(next));
  }

  for (const tile of tilesForTreeSize(total)) {
    assert.deepEqual(store.get(tile), referenceTile(ref, tile), tilePath(tile));
  }
});

test('integrate from empty in one call yields every tile of the tree', () => {
  const leaves = randomHashes(70_000, 7);
  const updates = integrate(0, () => assert.fail('no edge tiles in an empty tree'), leaves);
  assert.deepEqual(
    updates.map((u) => u.tile),
    tilesForTreeSize(70_000),
  );
  const ref = new Reference(leaves);
  for (const { tile, data } of updates) {
    assert.equal(data.length, tile.width * 32);
    if (tile.level === 0) assert.deepEqual(data, referenceTile(ref, tile));
  }
});

test('integrate with hashChildrenInto folds each full tile in place to the same tiles', () => {
  const leaves = randomHashes(70_000, 11);
  const expected = integrate(0, () => assert.fail('no edge tiles'), leaves);
  let calls = 0;
  const updates = integrate(
    0,
    () => assert.fail('no edge tiles'),
    leaves,
    () => assert.fail('hashChildren must not be called beside hashChildrenInto'),
    (src, at, dst, to) => {
      calls++;
      nodeHashInto(src, at, dst, to);
    },
  );
  assert.deepEqual(updates, expected);
  // 273 full level-0 tiles and 1 full level-1 tile, 255 interior hashes each.
  assert.equal(calls, 274 * 255);
  // Edge tiles of an existing tree: the same result as without it, step by step.
  const store = new Map<number, Uint8Array>();
  let size = 0;
  for (const step of [300, 1, 255, 65_000, 4_444]) {
    const part = leaves.slice(size, size + step);
    const edge = (level: number) => store.get(level)!;
    const plain = integrate(size, edge, part);
    const inPlace = integrate(size, edge, part, undefined, nodeHashInto);
    assert.deepEqual(inPlace, plain, `step of ${step} from ${size}`);
    for (const u of inPlace) if (u.tile.width < 256) store.set(u.tile.level, u.data);
    size += step;
  }
});

test('integrate validates its arguments and the edge tiles', () => {
  const [a, b] = randomHashes(2, 3) as [Hash, Hash];
  assert.deepEqual(
    integrate(5, () => assert.fail('not called'), []),
    [],
  );
  throwsCode(() => integrate(-1, () => new Uint8Array(0), [a]), 'INVALID_ARGUMENT');
  throwsCode(() => integrate(0.5, () => new Uint8Array(0), [a]), 'INVALID_ARGUMENT');
  throwsCode(
    () => integrate(Number.MAX_SAFE_INTEGER, () => new Uint8Array(0), [a]),
    'INVALID_ARGUMENT',
  );
  throwsCode(() => integrate(0, () => new Uint8Array(0), [a, b.subarray(1)]), 'INVALID_ARGUMENT');
  throwsCode(() => integrate(1, () => new Uint8Array(0), [b]), 'BAD_TILE_DATA');
  throwsCode(() => integrate(1, () => new Uint8Array(64), [b]), 'BAD_TILE_DATA');
  const [update] = integrate(1, () => a, [b]);
  assert.deepEqual(update?.tile, { level: 0, index: 0, width: 2 });
  assert.deepEqual(update?.data, Uint8Array.of(...a, ...b));
});

test('integrate with a hashChildren gives the same tiles, and checks what it returns', () => {
  const leaves = randomHashes(70_000, 11);
  let calls = 0;
  const counted = (left: Hash, right: Hash): Hash => {
    calls++;
    const input = new Uint8Array(65);
    input[0] = 1;
    input.set(left, 1);
    input.set(right, 33);
    return new Uint8Array(createHash('sha256').update(input).digest());
  };
  const edge = () => assert.fail('no edge tiles in an empty tree');
  assert.deepEqual(integrate(0, edge, leaves, counted), integrate(0, edge, leaves));
  // One interior hash per leaf below each full tile: 273 level-0 tiles and one level-1 tile.
  assert.equal(calls, 273 * 255 + 255);
  throwsCode(
    () => integrate(0, edge, leaves.slice(0, 256), () => new Uint8Array(31)),
    'INVALID_ARGUMENT',
  );
  throwsCode(
    () => integrate(0, edge, leaves.slice(0, 1), 'not a function' as never),
    'INVALID_ARGUMENT',
  );
});

test('proveInclusion with a hashChildren folds to the same proofs, and checks what it returns', async () => {
  const leaves = randomHashes(1300, 5);
  const updates = integrate(0, () => new Uint8Array(0), leaves);
  // Tiles by level/index, sliced to the width asked for (as readTilesAt does).
  const store = new Map(updates.map((u) => [`${u.tile.level}/${u.tile.index}`, u.data]));
  const read = async (tiles: readonly TileId[]) =>
    tiles.map((t) => store.get(`${t.level}/${t.index}`)!.subarray(0, t.width * 32));
  const node = (left: Hash, right: Hash): Hash =>
    new Uint8Array(
      createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest(),
    );
  for (const size of [1, 2, 3, 255, 256, 257, 1000, 1300]) {
    const reader = tileHashReader(size, read);
    for (const index of [0, Math.floor(size / 2), size - 1]) {
      assert.deepEqual(
        await proveInclusion(index, size, reader, node),
        await proveInclusion(index, size, reader),
        `index ${index} of ${size}`,
      );
    }
  }
  const reader = tileHashReader(1000, read);
  await assert.rejects(
    proveInclusion(0, 1000, reader, () => new Uint8Array(31)),
    (err: unknown) => (err as { code?: string }).code === 'INVALID_ARGUMENT',
  );
});

test('proveConsistency with a hashChildren folds to the same proofs, and checks what it returns', async () => {
  const leaves = randomHashes(1300, 7);
  const updates = integrate(0, () => new Uint8Array(0), leaves);
  const store = new Map(updates.map((u) => [`${u.tile.level}/${u.tile.index}`, u.data]));
  const read = async (tiles: readonly TileId[]) =>
    tiles.map((t) => store.get(`${t.level}/${t.index}`)!.subarray(0, t.width * 32));
  let calls = 0;
  const node = (left: Hash, right: Hash): Hash => {
    calls++;
    return new Uint8Array(
      createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest(),
    );
  };
  for (const [oldSize, newSize] of [
    [1, 2],
    [3, 7],
    [255, 257],
    [300, 1000],
    [1000, 1300],
    [7, 1300],
  ] as const) {
    const reader = tileHashReader(newSize, read);
    assert.deepEqual(
      await proveConsistency(oldSize, newSize, reader, node),
      await proveConsistency(oldSize, newSize, reader),
      `${oldSize} to ${newSize}`,
    );
  }
  assert.ok(calls > 0, 'the ranges were folded with hashChildren');
  await assert.rejects(
    proveConsistency(7, 1300, tileHashReader(1300, read), () => new Uint8Array(31)),
    (err: unknown) => (err as { code?: string }).code === 'INVALID_ARGUMENT',
  );
});

test('tileHashReader with a hashChildren reads the same nodes, and checks what it returns', async () => {
  const leaves = randomHashes(1300, 6);
  const updates = integrate(0, () => new Uint8Array(0), leaves);
  const store = new Map(updates.map((u) => [`${u.tile.level}/${u.tile.index}`, u.data]));
  const read = async (tiles: readonly TileId[]) =>
    tiles.map((t) => store.get(`${t.level}/${t.index}`)!.subarray(0, t.width * 32));
  let calls = 0;
  const node = (left: Hash, right: Hash): Hash => {
    calls++;
    return new Uint8Array(
      createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest(),
    );
  };
  for (const size of [1, 2, 3, 255, 256, 257, 1000, 1300]) {
    const fast = tileHashReader(size, read, { hashChildren: node });
    assert.deepEqual(
      await treeHash(size, fast),
      await treeHash(size, tileHashReader(size, read)),
      `size ${size}`,
    );
  }
  assert.ok(calls > 0, 'the given hashChildren computed the partial tiles');
  const bad = tileHashReader(1000, read, { hashChildren: () => new Uint8Array(31) });
  await assert.rejects(
    treeHash(1000, bad),
    (err: unknown) => (err as { code?: string }).code === 'INVALID_ARGUMENT',
  );
  throwsCode(
    () => tileHashReader(10, read, { hashChildren: 'not a function' as never }),
    'INVALID_ARGUMENT',
  );
});
