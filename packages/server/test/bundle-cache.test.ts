import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BUNDLE_V2_MEDIA_TYPE,
  formatBundle,
  parseBundle,
  recordId,
  type BundleV2,
} from '@proofline/records';
import type { Storage } from '@proofline/storage';
import { ProofBundles } from '../src/records/bundles.js';
import { Receipts } from '../src/records/receipts.js';
import { Fixture, attestBatch, bearer, request, verifyBundle, type TestLog } from './helpers.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** `storage` with its entries rewritten by `forge` when set: an insider with write access. */
function tampered(storage: Storage): {
  storage: Storage;
  forge?: (entry: Uint8Array) => Uint8Array;
} {
  const box: { storage: Storage; forge?: (entry: Uint8Array) => Uint8Array } = { storage };
  box.storage = new Proxy(storage, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      if (name !== 'readEntries') return value.bind(target);
      return async (...args: [string, number, number]) => {
        const entries = await target.readEntries(...args);
        return box.forge === undefined ? entries : entries.map(box.forge);
      };
    },
  });
  return box;
}

describe('ProofBundles: bundle texts', () => {
  let fx: Fixture;
  let log: TestLog;
  let key: string;
  let receipts: Receipts;

  const attest = async (records: number) => {
    const app = await fx.app();
    const statements = Array.from({ length: records }, (_, i) => ({
      digest: DIGEST,
      type: `t${i}`,
    }));
    const res =
      records === 1
        ? await request(app, {
            method: 'POST',
            url: '/v1/records',
            headers: bearer(key),
            payload: statements[0],
          })
        : await request(app, {
            method: 'POST',
            url: '/v1/records/batch',
            headers: bearer(key),
            payload: { records: statements },
          });
    assert.equal(res.statusCode, 201, res.body);
  };

  before(async () => {
    fx = await Fixture.create([{ name: 'cache-log', tenant: 'acme', publish: false }]);
    log = fx.log('cache-log');
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
    receipts = new Receipts(fx.storage, 'http://test');
    // Singles and batches over more than two full tiles, then a partial one.
    for (const n of [1, 1, 300, 1, 250, 2]) await attest(n);
    await log.publisher.publish();
  });

  after(() => fx.close());

  const creation = (i: number) => receipts.creation({ config: log.config }, i);
  const text = async (bundles: ProofBundles, index: number) =>
    (await bundles.json(log.config, recordId(log.name, index), index, creation)).toString();
  const built = async (index: number) =>
    new ProofBundles(fx.storage).build(log.config, recordId(log.name, index), index, creation);

  it('a miss and a hit give the same bytes: formatBundle of a fresh build, which verifies', async () => {
    const bundles = new ProofBundles(fx.storage);
    const size = (await fx.storage.latestCheckpoint(log.name))!.size;
    assert.ok(size > 512 && size % 256 !== 0);
    for (let index = 0; index < size; index++) {
      const miss = await text(bundles, index);
      const fresh = await built(index);
      assert.equal(miss, formatBundle(fresh), `index ${index}`);
      assert.equal(await text(bundles, index), miss, `index ${index}, requested again: kept`);
      assert.equal(await text(bundles, index), miss, `index ${index}, from the cache`);
      // The object path shares the proof caches: the same proof as a fresh one.
      assert.deepEqual(
        await bundles.build(log.config, recordId(log.name, index), index, creation),
        fresh,
      );
      if (index % 37 === 0 || index === size - 1) {
        const parsed = parseBundle(JSON.parse(JSON.stringify(miss)) as string);
        await verifyBundle(parsed, log);
      }
    }
    assert.equal(bundles.cachedTexts(log.name).count, size);
  });

  it('a new checkpoint empties the cache; texts then carry the new latest', async () => {
    let clock = Date.now();
    const bundles = new ProofBundles(fx.storage, { now: () => clock });
    await text(bundles, 5);
    assert.equal(bundles.cachedTexts(log.name).count, 0, 'kept from the second request on');
    // A checkpoint without tokens is asked for again during TIMESTAMP_WAIT_MS after it was
    // first seen: past that, the snapshot is kept for CHECKPOINT_CACHE_MS.
    clock += 5_000;
    const first = await text(bundles, 5);
    assert.equal(bundles.cachedTexts(log.name).count, 1);
    await attest(3);
    await log.publisher.publish();
    assert.equal(await text(bundles, 5), first, 'within the checkpoint cache time: as before');
    clock += 60_000;
    const second = await text(bundles, 5);
    assert.notEqual(second, first);
    assert.equal(bundles.cachedTexts(log.name).count, 1, 'emptied, then this one');
    const fresh = await built(5);
    assert.ok(fresh.latest !== undefined);
    assert.equal(second, formatBundle(fresh));
    await verifyBundle(parseBundle(second), log);
  });

  it('stays within its memory bound, and keeps nothing with a bound of 0', async () => {
    // Records 2 to 301 are one batch: texts of the same length.
    const one = Buffer.byteLength(await text(new ProofBundles(fx.storage), 2)) + 128;
    const bound = Math.floor(one * 3.5);
    const bundles = new ProofBundles(fx.storage, { bundleCacheBytes: bound });
    for (let index = 2; index < 42; index++) {
      await text(bundles, index);
      assert.equal(await text(bundles, index), formatBundle(await built(index)));
      assert.ok(bundles.cachedTexts(log.name).bytes <= bound);
    }
    assert.equal(bundles.cachedTexts(log.name).count, 3);
    const none = new ProofBundles(fx.storage, { bundleCacheBytes: 0 });
    await text(none, 1);
    await text(none, 1);
    assert.deepEqual(none.cachedTexts(log.name), { count: 0, bytes: 0 });
  });

  it('an entry altered in the database after caching: the cached text is the one first read', async () => {
    const box = tampered(fx.storage);
    const bundles = new ProofBundles(box.storage);
    const original = await text(bundles, 7);
    assert.equal(await text(bundles, 7), original);
    box.forge = (entry) => Uint8Array.from(entry, (b, i) => (i === 20 ? b ^ 1 : b));
    assert.equal(await text(bundles, 7), original, 'cached: as first read (and signed)');
    // Built afresh (not cached), the forged entry is served, and fails verification.
    const forged = await text(bundles, 8);
    await assert.rejects(verifyBundle(parseBundle(forged), log));
  });

  it('the proof route serves the cached text, byte for byte a fresh build', async () => {
    const app = await fx.app();
    for (const index of [0, 300, 554]) {
      const url = `/v1/records/${recordId(log.name, index)}/proof`;
      const [a, b, c] = [
        await request(app, { url }),
        await request(app, { url }),
        await request(app, { url }),
      ];
      assert.equal(a.statusCode, 200, a.body);
      assert.equal(b.body, a.body);
      assert.equal(c.body, a.body);
      assert.equal(a.headers['content-type'], `${BUNDLE_V2_MEDIA_TYPE}; charset=utf-8`);
      assert.equal(a.headers['content-length'], String(Buffer.byteLength(a.body)));
      const expected: BundleV2 = await built(index);
      assert.equal(a.body, formatBundle(expected));
    }
  });
});

describe('ProofBundles: an erased record is never served from the bundle cache', () => {
  it('a private record whose text was cached answers 410 once erased; the others stay', async () => {
    const fx = await Fixture.create([{ name: 'erase-log', tenant: 'acme', visibility: 'private' }]);
    try {
      const app = await fx.app();
      const admin = await fx.apiKey('acme', ['admin']);
      const [gone, kept] = await attestBatch(app, admin, 'erase-log', 2);
      const proof = (id: string) =>
        request(app, { method: 'GET', url: `/v1/records/${id}/proof`, headers: bearer(admin) });
      // Erasure needs the entry integrated: wait for a checkpoint covering both.
      for (let i = 0; (await proof(kept!.id)).statusCode !== 200; i++) {
        assert.ok(i < 500, 'no checkpoint covered the batch');
        await new Promise((r) => setTimeout(r, 10));
      }
      // Requested twice: its text is cached from the second request on.
      const first = await proof(gone!.id);
      assert.equal(first.statusCode, 200);
      assert.equal((await proof(gone!.id)).body, first.body);
      const erased = await request(app, {
        method: 'POST',
        url: `/v1/records/${gone!.id}/erasure`,
        headers: bearer(admin),
        payload: { reason: 'test' },
      });
      assert.equal(erased.statusCode, 200, erased.body);
      assert.equal((await proof(gone!.id)).statusCode, 410);
      assert.equal((await proof(kept!.id)).statusCode, 200);
    } finally {
      await fx.close();
    }
  });
});
