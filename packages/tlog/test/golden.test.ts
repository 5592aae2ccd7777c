import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import {
  decodeEntryBundle,
  entryBundlePath,
  leafHash,
  parseTilePath,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  tilePath,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type HashReader,
} from '../src/index.js';
import { b64, repoFile } from './helpers.js';

/** A 15-entry C2SP tlog-tiles log written by transparency-dev/tessera. */
const LOG = 'testdata/tessera-golden-log/';
const WORDS =
  'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ');
const SIZES = Array.from({ length: 16 }, (_, n) => n);

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(repoFile(LOG + path)));
}

/** Size and root hash: the second and third lines of a checkpoint note. */
function checkpoint(n: number): { size: number; root: Hash } {
  const lines = new TextDecoder().decode(read(`checkpoint.${n}`)).split('\n');
  assert.equal(lines[0], 'example.com/log/testdata');
  return { size: Number(lines[1]), root: b64(lines[2] as string) };
}

function reader(size: number): HashReader {
  return tileHashReader(size, async (tiles) => tiles.map((t) => read(tilePath(t))));
}

test('every tile file name parses as a canonical tile path', () => {
  const files = readdirSync(repoFile(LOG + 'tile/'), { recursive: true, encoding: 'utf8' });
  const paths = files.map((f) => `tile/${f}`).filter((p) => /^tile\/.+\/[0-9]+$/.test(p));
  assert.equal(paths.length, 30);
  for (const path of paths) {
    const parsed = parseTilePath(path);
    const again =
      parsed.kind === 'hash' ? tilePath(parsed) : entryBundlePath(parsed.index, parsed.width);
    assert.equal(again, path);
  }
});

test('entry bundles decode to the entries and level-0 tiles hold their leaf hashes', () => {
  for (const n of SIZES.slice(1)) {
    const entries = decodeEntryBundle(read(entryBundlePath(0, n)));
    assert.deepEqual(
      entries.map((e) => new TextDecoder().decode(e)),
      WORDS.slice(0, n),
    );
    const tile = read(tilePath({ level: 0, index: 0, width: n }));
    assert.equal(tile.length, n * 32);
    entries.forEach((e, i) => assert.deepEqual(tile.subarray(i * 32, (i + 1) * 32), leafHash(e)));
  }
});

test('tree hashes from tiles match checkpoint.N for N = 0..15', async () => {
  for (const n of SIZES) {
    const { size, root } = checkpoint(n);
    assert.equal(size, n);
    assert.deepEqual(await treeHash(n, reader(n)), root, `checkpoint.${n}`);
  }
  assert.deepEqual(read('checkpoint'), read('checkpoint.15'));
});

test('inclusion and consistency proofs from tiles verify against the checkpoints', async () => {
  const entries = decodeEntryBundle(read(entryBundlePath(0, 15)));
  for (const newSize of SIZES) {
    const newRoot = checkpoint(newSize).root;
    for (let index = 0; index < newSize; index++) {
      const proof = await proveInclusion(index, newSize, reader(newSize));
      verifyInclusion(leafHash(entries[index] as Uint8Array), index, newSize, proof, newRoot);
    }
    for (const oldSize of SIZES.slice(0, newSize + 1)) {
      const proof = await proveConsistency(oldSize, newSize, reader(newSize));
      verifyConsistency(oldSize, newSize, proof, checkpoint(oldSize).root, newRoot);
    }
  }
});
