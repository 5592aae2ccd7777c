import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { TlogError, verifyConsistency, verifyInclusion } from '../src/index.js';
import { b64, repoFile } from './helpers.js';

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function load<T>(kind: string): [string, T][] {
  const dir = repoFile(`testdata/rfc6962-merkle/${kind}/`);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => [f, JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as T]);
}

/** Runs fn and reports whether it threw; anything but a TlogError is a test failure. */
function rejected(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    assert.ok(err instanceof TlogError, `unexpected error type: ${String(err)}`);
    return true;
  }
}

test('RFC 6962 inclusion vectors (transparency-dev/merkle)', () => {
  const vectors = load<InclusionVector>('inclusion');
  assert.equal(vectors.length, 98);
  for (const [file, v] of vectors) {
    const got = rejected(() =>
      verifyInclusion(
        b64(v.leafHash),
        v.leafIdx,
        v.treeSize,
        (v.proof ?? []).map(b64),
        b64(v.root),
      ),
    );
    assert.equal(got, v.wantErr, `${file}: ${v.desc}`);
  }
});

/**
 * The one accepted vector whose roots are 12-byte placeholders rather than hashes: this
 * package rejects any root that is not 32 bytes (INVALID_ARGUMENT), even when the sizes and
 * the placeholders are equal.
 */
const MALFORMED_ACCEPTED = 'additional/sizes-are-equal-one-and-proof-is-empty.json';

test('RFC 6962 consistency vectors (transparency-dev/merkle)', () => {
  const vectors = load<ConsistencyVector>('consistency');
  assert.equal(vectors.length, 98);
  for (const [file, v] of vectors) {
    const run = (): void =>
      verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
    if (file === MALFORMED_ACCEPTED) {
      assert.equal(v.wantErr, false);
      assert.throws(
        run,
        (err: unknown) => err instanceof TlogError && err.code === 'INVALID_ARGUMENT',
      );
      continue;
    }
    assert.equal(rejected(run), v.wantErr, `${file}: ${v.desc}`);
  }
});
