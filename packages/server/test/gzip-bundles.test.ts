import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { encodeEntryBundle, TILE_WIDTH } from '@proofline/tlog';
import { GzipBundles } from '../src/gzip-bundles.js';

/** `count` distinct entries of various lengths, from `from` on. */
const entries = (from: number, count = TILE_WIDTH) =>
  Array.from({ length: count }, (_, i) =>
    new TextEncoder().encode(`entry ${from + i} `.repeat(1 + (i % 7))),
  );

const unzip = (zipped: Buffer) => new Uint8Array(gunzipSync(zipped));

describe('GzipBundles', () => {
  it('answers the gzip of exactly the bundle, the same bytes again from the cache', async () => {
    const cache = new GzipBundles();
    const bundle = entries(256);
    const first = await cache.get('default', 1, bundle);
    assert.deepEqual(unzip(first), encodeEntryBundle(bundle));
    assert.equal(cache.size, first.length);
    assert.equal(await cache.get('default', 1, entries(256)), first, 'the cached buffer');
  });

  it('never answers a cached form for other bytes (an erased or edited entry)', async () => {
    const cache = new GzipBundles();
    const first = await cache.get('default', 0, entries(0));
    const erased = entries(0);
    erased[5] = new Uint8Array(0);
    const after = await cache.get('default', 0, erased);
    assert.notEqual(after, first);
    assert.deepEqual(unzip(after), encodeEntryBundle(erased));
    assert.equal(cache.size, after.length, 'the stale form is dropped');
    assert.equal(await cache.get('default', 0, erased), after);
  });

  it('keeps no partial bundle', async () => {
    const cache = new GzipBundles();
    const partial = entries(512, 100);
    assert.deepEqual(unzip(await cache.get('default', 2, partial)), encodeEntryBundle(partial));
    assert.equal(cache.size, 0);
  });

  it('keeps logs apart and stays within its bound, dropping the least recently used', async () => {
    const one = (await new GzipBundles().get('default', 0, entries(0))).length;
    const cache = new GzipBundles(Math.floor(one * 2.5));
    const a = await cache.get('default', 0, entries(0));
    const b = await cache.get('other', 0, entries(0));
    assert.notEqual(b, a, 'another log, another entry');
    assert.equal(await cache.get('default', 0, entries(0)), a); // now more recent than other/0
    await cache.get('default', 1, entries(256));
    assert.ok(cache.size <= one * 2.5, `${cache.size} bytes`);
    assert.equal(await cache.get('default', 0, entries(0)), a, 'default/0 kept');
    assert.notEqual(await cache.get('other', 0, entries(0)), b, 'other/0 dropped');
  });

  it('keeps nothing larger than its bound', async () => {
    const cache = new GzipBundles(10);
    const zipped = await cache.get('default', 0, entries(0));
    assert.deepEqual(unzip(zipped), encodeEntryBundle(entries(0)));
    assert.equal(cache.size, 0);
  });
});
