import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EvidenceError, SampleStream, drawSample, parseSeed, sampleSizeFor } from '../src/index.js';

/** Runs from dist/test: the vectors live in testdata/ (made by an independent implementation). */
const vectors = JSON.parse(
  readFileSync(new URL('../../testdata/sample-vectors.json', import.meta.url), 'utf8'),
) as {
  algorithm: string;
  vectors: {
    seed: string;
    populationSize: number;
    sampleSize: number;
    positions: number[];
    rejections: number;
  }[];
  sizes: { populationSize: number; percent: string; min: number; max: number; size: number }[];
};

test('the sample equals every test vector (seed, population size, sample size -> positions)', () => {
  assert.equal(vectors.algorithm, 'proofline.dev/sample/v1');
  assert.ok(vectors.vectors.length >= 10);
  assert.ok(
    vectors.vectors.some((v) => v.rejections > 0),
    'one vector exercises the rejection step',
  );
  for (const v of vectors.vectors) {
    assert.deepEqual(
      drawSample(parseSeed(v.seed), v.populationSize, v.sampleSize),
      v.positions,
      `seed ${v.seed.slice(0, 16)} N=${v.populationSize} k=${v.sampleSize}`,
    );
  }
});

test('sample sizes from a percentage match the vectors (exact decimal arithmetic)', () => {
  for (const s of vectors.sizes) {
    assert.equal(
      sampleSizeFor(s.populationSize, s.percent, s.min, s.max),
      s.size,
      JSON.stringify(s),
    );
  }
});

test('a sample is reproducible, distinct, in range, and changes with the seed', () => {
  const seed = parseSeed('aa'.repeat(32));
  const a = drawSample(seed, 5000, 300);
  assert.deepEqual(drawSample(seed, 5000, 300), a);
  assert.equal(new Set(a).size, 300);
  assert.ok(a.every((p) => Number.isInteger(p) && p >= 0 && p < 5000));
  const b = drawSample(parseSeed('ab'.repeat(32)), 5000, 300);
  assert.notDeepEqual(b, a);
  // A prefix property of partial Fisher-Yates: a smaller sample is the first draws of a larger.
  assert.deepEqual(drawSample(seed, 5000, 100), a.slice(0, 100));
  // The whole population is a permutation.
  assert.deepEqual(
    [...drawSample(seed, 50, 50)].sort((x, y) => x - y),
    [...Array(50).keys()],
  );
});

test('uniform() is unbiased enough to see: every residue of 7 within 10% over 70k draws', () => {
  const stream = new SampleStream(parseSeed('07'));
  const counts = new Array<number>(7).fill(0);
  for (let i = 0; i < 70_000; i++) counts[stream.uniform(7)]!++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 1000, `${counts}`);
  // Every position of a small population is drawn first about equally often.
  const first = new Array<number>(5).fill(0);
  for (let s = 0; s < 5000; s++)
    first[drawSample(parseSeed(s.toString(16).padStart(4, '0')), 5, 1)[0]!]!++;
  for (const c of first) assert.ok(Math.abs(c - 1000) < 150, `${first}`);
});

test('bad arguments are EvidenceError INVALID_ARGUMENT', () => {
  const bad = (fn: () => unknown) =>
    assert.throws(fn, (e: unknown) => e instanceof EvidenceError && e.code === 'INVALID_ARGUMENT');
  bad(() => parseSeed(''));
  bad(() => parseSeed('abc'));
  bad(() => parseSeed('zz'));
  bad(() => parseSeed('00'.repeat(65)));
  bad(() => drawSample(parseSeed('00'), 3, 4));
  bad(() => drawSample(parseSeed('00'), -1, 0));
  bad(() => drawSample(parseSeed('00'), 10, 1.5));
  bad(() => sampleSizeFor(10, '0'));
  bad(() => sampleSizeFor(10, '100.000001'));
  bad(() => sampleSizeFor(10, '1e2'));
  bad(() => sampleSizeFor(10, '5', 10, 5));
  assert.equal(sampleSizeFor(10, '100'), 10);
});
