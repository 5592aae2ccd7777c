import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { formatBundle, parseRecordId } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import { ProofBundles } from '../src/records/bundles.js';
import { Receipts } from '../src/records/receipts.js';
import { Fixture, bearer, request, statement, type ReceiptBody } from './helpers.js';

/**
 * A private log's proof bundles under the head cache: the entry is read once per request (a
 * miss builds from that read), an erasure through this node drops the cached head at once,
 * and one made elsewhere (another node, straight in storage) is a 410 on the next request.
 */
describe('proof bundles of a private log: one read, erasure never served from cache', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  /** readEntries calls of `app`, since the last reset. */
  let reads = 0;
  let reader: string;
  let admin: string;
  let records: ReceiptBody[];

  before(async () => {
    fx = await Fixture.create([{ name: 'hidden', tenant: 'acme', visibility: 'private' }]);
    const counting = new Proxy(fx.storage, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'readEntries') reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as unknown as Storage;
    app = await fx.app(undefined, { storage: counting });
    const writer = await fx.apiKey('acme', ['records:write']);
    reader = await fx.apiKey('acme', ['records:read']);
    admin = await fx.apiKey('acme', ['admin']);
    const res = await request(app, {
      method: 'POST',
      url: '/v1/records/batch',
      headers: bearer(writer),
      payload: { records: Array.from({ length: 6 }, () => statement()) },
    });
    assert.equal(res.statusCode, 201, res.body);
    records = (res.json() as { receipts: ReceiptBody[] }).receipts;
    while (((await fx.storage.latestCheckpoint('hidden'))?.size ?? 0) < records.length) {
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(() => fx.close());

  const proof = (id: string) =>
    request(app, { method: 'GET', url: `/v1/records/${id}/proof`, headers: bearer(reader) });

  /** formatBundle of a build by a fresh ProofBundles (no cache). */
  const fresh = async (id: string) => {
    const { index } = parseRecordId(id);
    const log = fx.log('hidden');
    const receipts = new Receipts(fx.storage, 'http://test');
    const b = await new ProofBundles(fx.storage).build(log.config, id, index, (i) =>
      receipts.creation({ config: log.config }, i),
    );
    return formatBundle(b);
  };

  it('reads the entry once per request, miss or hit, and serves a fresh build’s bytes', async () => {
    for (const r of records.slice(0, 3)) {
      for (let n = 0; n < 3; n++) {
        reads = 0;
        const res = await proof(r.id);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(reads, 1, `${r.id}, request ${n + 1}: one entry read`);
        assert.equal(res.body, await fresh(r.id));
      }
    }
  });

  it('an erasure through this node: the cached bundle is a 410 at once', async () => {
    const id = records[1]!.id;
    for (let n = 0; n < 3; n++) assert.equal((await proof(id)).statusCode, 200);
    const erased = await request(app, {
      method: 'POST',
      url: `/v1/records/${id}/erasure`,
      headers: bearer(admin),
      payload: { reason: 'test' },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    const res = await proof(id);
    assert.equal(res.statusCode, 410, res.body);
    assert.equal((res.json() as { code: string }).code, 'record-erased');
  });

  it('an erasure by another node (storage only, this cache untouched): 410 on the next request', async () => {
    const id = records[2]!.id;
    for (let n = 0; n < 3; n++) assert.equal((await proof(id)).statusCode, 200);
    const { index } = parseRecordId(id);
    assert.equal(await fx.storage.eraseEntry('hidden', index, { timeMs: Date.now() }), true);
    const res = await proof(id);
    assert.equal(res.statusCode, 410, res.body);
    // The others are unchanged: byte for byte a fresh build.
    for (const r of [records[0]!, records[3]!]) {
      const other = await proof(r.id);
      assert.equal(other.statusCode, 200);
      assert.equal(other.body, await fresh(r.id));
    }
  });
});
