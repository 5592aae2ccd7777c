import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  entryBundlePath,
  formatTileIndex,
  parseTilePath,
  tilePath,
  type ParsedTilePath,
} from '../src/index.js';
import { prng, throwsCode } from './helpers.js';

test('formatTileIndex uses 3-digit elements, all but the last prefixed x', () => {
  const cases: [number, string][] = [
    [0, '000'],
    [5, '005'],
    [999, '999'],
    [1000, 'x001/000'],
    [1234067, 'x001/x234/067'],
    [Number.MAX_SAFE_INTEGER, 'x009/x007/x199/x254/x740/991'],
  ];
  for (const [index, want] of cases) assert.equal(formatTileIndex(index), want);
  for (const bad of [-1, 0.5, NaN, 2 ** 53])
    throwsCode(() => formatTileIndex(bad), 'INVALID_ARGUMENT');
});

test('tilePath and entryBundlePath add .p/W only for partial tiles', () => {
  assert.equal(tilePath({ level: 0, index: 1234, width: 5 }), 'tile/0/x001/234.p/5');
  assert.equal(tilePath({ level: 2, index: 7, width: 256 }), 'tile/2/007');
  assert.equal(tilePath({ level: 63, index: 0, width: 255 }), 'tile/63/000.p/255');
  assert.equal(entryBundlePath(1234067, 256), 'tile/entries/x001/x234/067');
  assert.equal(entryBundlePath(0, 1), 'tile/entries/000.p/1');
  throwsCode(() => tilePath({ level: 64, index: 0, width: 1 }), 'INVALID_ARGUMENT');
  throwsCode(() => tilePath({ level: 0, index: 0, width: 0 }), 'INVALID_ARGUMENT');
  throwsCode(() => tilePath({ level: 0, index: 0, width: 257 }), 'INVALID_ARGUMENT');
  throwsCode(() => tilePath({ level: 0, index: -1, width: 1 }), 'INVALID_ARGUMENT');
  throwsCode(() => entryBundlePath(0, 0), 'INVALID_ARGUMENT');
  throwsCode(() => entryBundlePath(1.5, 1), 'INVALID_ARGUMENT');
});

test('parseTilePath inverts tilePath and entryBundlePath', () => {
  const rand = prng(256);
  const indices = [0, 1, 255, 256, 999, 1000, 65535, 1234067, Number.MAX_SAFE_INTEGER];
  for (let i = 0; i < 200; i++) indices.push(rand(0, 2 ** 31) * rand(1, 2 ** 21));
  for (const index of indices) {
    for (const width of [1, 17, 255, 256, rand(1, 256)]) {
      const level = rand(0, 63);
      const hash: ParsedTilePath = { kind: 'hash', level, index, width };
      const path = tilePath({ level, index, width });
      assert.deepEqual(parseTilePath(path), hash, path);
      const entries: ParsedTilePath = { kind: 'entries', index, width };
      assert.deepEqual(parseTilePath(entryBundlePath(index, width)), entries);
    }
  }
});

test('parseTilePath rejects non-canonical and hostile paths', () => {
  const hostile = [
    '',
    'tile',
    'tile/',
    'tile/0',
    'tile/0/',
    '/tile/0/000',
    'tile//0/000',
    'tile/0//000',
    'tile/0/000/',
    'tile/0/000.p/5/',
    'tiles/0/000',
    'TILE/0/000',
    'tile/00/000',
    'tile/01/000',
    'tile/64/000',
    'tile/100/000',
    'tile/-1/000',
    'tile/+1/000',
    'tile/1e1/000',
    'tile/a/000',
    'tile/0/0',
    'tile/0/00',
    'tile/0/0000',
    'tile/0/x000',
    'tile/0/x001',
    'tile/0/001/002',
    'tile/0/x000/001',
    'tile/0/x000/x001/002',
    'tile/0/x01/002',
    'tile/0/x0001/002',
    'tile/0/X001/002',
    'tile/0/y001/002',
    'tile/0/x001/x002',
    'tile/0/000.p',
    'tile/0/000.p/',
    'tile/0/000.p/0',
    'tile/0/000.p/05',
    'tile/0/000.p/256',
    'tile/0/000.p/1000',
    'tile/0/000.p/-1',
    'tile/0/000.P/5',
    'tile/0/000.p/5/6',
    'tile/0/000.p.p/5',
    'tile/0/000.p/5.p/6',
    'tile/0/x001.p/5',
    'tile/0/x001.p/002',
    'tile/0/000/.p/5',
    'tile/0/000.q/5',
    'tile/0/../000',
    'tile/0/./000',
    'tile/../tile/0/000',
    'tile/0/000?width=5',
    'tile/0/000#frag',
    'tile/0/000%2f',
    'tile/0/000 ',
    ' tile/0/000',
    'tile/0/000\n',
    'tile/0/000\0',
    'tile\\0\\000',
    'tile/0/\u0660\u0660\u0660',
    'tile/0/００１',
    'tile/0/x009/x007/x199/x254/x740/992',
    'tile/0/x010/x000/x000/x000/x000/000',
    'tile/0/x001/x000/x000/x000/x000/x000/000',
    'tile/entries',
    'tile/entries/',
    'tile/entries/00',
    'tile/entries/x000/001',
    'tile/entries/000.p/0',
    'tile/entries/000.p/256',
    'tile/entries/000.p/01',
    'tile/entry/000',
    'tile/0/entries/000',
    'tile/entries/0/000',
    `tile/0/${'x001/'.repeat(40)}000`,
    `tile/0/${'0'.repeat(1_000_000)}`,
    'tile/0/' + 'x999/'.repeat(5) + '999',
  ];
  for (const path of hostile) {
    throwsCode(() => parseTilePath(path), 'BAD_TILE_PATH', JSON.stringify(path.slice(0, 80)));
  }
  throwsCode(() => parseTilePath(undefined as unknown as string), 'BAD_TILE_PATH');
  throwsCode(() => parseTilePath(42 as unknown as string), 'BAD_TILE_PATH');
});
