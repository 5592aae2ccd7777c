import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  base64Decode,
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import {
  batchReceiptIncludes,
  openBatchReceipt,
  parseBundle,
  parseReceiptProof,
  parseRecord,
  parseStatement,
  parseTlogProof,
  signStatement,
  type Statement,
} from '@proofline/records';
import { leafHash, nodeHash } from '@proofline/tlog';
import {
  Fixture,
  assertNothingWritten,
  assertProblem,
  bearer,
  randomDigest,
  request,
  statement,
  verifyBundle,
  verifyBundleResponse,
  verifyReceiptView,
  type ReceiptBody,
  type Response,
  type TestLog,
} from './helpers.js';

/** RFC 6962 MTH(D[n]) of leaf hashes, by the recursive definition (§2.1). */
function treeHashOf(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(treeHashOf(leaves.slice(0, k)), treeHashOf(leaves.slice(k)));
}

interface ListBody {
  readonly log: string;
  readonly records: { id: string; index: number; time: string; record: ReceiptBody['record'] }[];
  readonly next: string | null;
}

/** 2030-01-01T00:00:00.000Z: the controllable clock of the listing log starts here. */
const T0 = Date.UTC(2030, 0, 1);

describe('records API', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let acme: TestLog;
  let beta: TestLog;
  let gamma: TestLog;
  let delta: TestLog;
  /** records:write + records:read keys of each tenant. */
  let acmeKey: string;
  let betaKey: string;
  let gammaKey: string;
  let deltaKey: string;
  let clock = T0;

  before(async () => {
    fx = await Fixture.create([
      { name: 'acme-log', tenant: 'acme' },
      { name: 'beta-log', tenant: 'beta' },
      // No running publisher: checkpoints only when a test publishes one.
      { name: 'gamma-log', tenant: 'gamma', publish: false },
      // Records get the times of a clock the test controls.
      { name: 'delta-log', tenant: 'delta', publish: false, sequencer: { now: () => clock } },
    ]);
    [acme, beta, gamma, delta] = ['acme-log', 'beta-log', 'gamma-log', 'delta-log'].map((n) =>
      fx.log(n),
    ) as [TestLog, TestLog, TestLog, TestLog];
    app = await fx.app();
    const rw = ['records:write', 'records:read'] as const;
    acmeKey = await fx.apiKey('acme', rw);
    betaKey = await fx.apiKey('beta', rw);
    gammaKey = await fx.apiKey('gamma', rw);
    deltaKey = await fx.apiKey('delta', rw);
  });

  after(() => fx.close());

  const post = (
    key: string,
    body: unknown,
    url = '/v1/records',
    headers: Record<string, string> = {},
    on: FastifyInstance = app,
  ): Promise<Response> =>
    request(on, {
      method: 'POST',
      url,
      headers: { ...bearer(key), ...headers },
      payload: body as object,
    });

  const get = (url: string, key?: string): Promise<Response> =>
    request(app, { method: 'GET', url, headers: key === undefined ? {} : bearer(key) });

  describe('POST /v1/records', () => {
    it('sequences a statement and answers 201 with a verifiable receipt', async () => {
      const body = statement({
        subject: 'case-42 ✓ \u2028 🙂',
        labels: { env: 'prod', model: 'gpt-x', empty: '' },
        commitments: { name: `sha256:${'c3'.repeat(32)}` },
        controls: ['SOC2:PI1.4', 'ISO27001:A.12'],
      });
      const before = await fx.size('acme-log');
      const t0 = Date.now();
      const res = await post(acmeKey, body);
      const t1 = Date.now();
      assert.equal(res.statusCode, 201, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const view = res.json() as ReceiptBody;
      assert.equal(view.index, before);
      assert.equal(view.id, `acme-log-${before}`);
      assert.equal(res.headers.location, `/v1/records/${view.id}`);
      assert.equal(res.headers['idempotent-replayed'], undefined);
      assert.equal(view.verificationUrl, `https://ledger.test/r/acme-log-${before}`);
      assert.equal(await fx.size('acme-log'), before + 1);

      const record = await verifyReceiptView(view, acme);
      const entry = base64Decode(view.entry);
      assert.deepEqual(JSON.parse(JSON.stringify(parseRecord(entry))), view.record);
      assert.deepEqual(base64Decode(view.leafHash), leafHash(entry));
      assert.deepEqual(JSON.parse(JSON.stringify(record)), {
        ...body,
        schema: 'proofline.dev/record/v1',
        tenant: 'acme',
        time: view.time,
      });
      const time = Date.parse(view.time);
      assert.ok(time >= t0 && time <= t1, `${view.time} within the request`);
      // The stored entry is exactly the one the receipt describes.
      const [stored] = await fx.storage.readEntries('acme-log', view.index, view.index + 1);
      assert.deepEqual(stored, entry);

      const again = await get(`/v1/records/${view.id}`, acmeKey);
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), view);
    });

    it('gives every record of a burst its own consecutive index', async () => {
      const before = await fx.size('acme-log');
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => post(acmeKey, statement())),
      );
      const indices = responses
        .map((r) => {
          assert.equal(r.statusCode, 201);
          return (r.json() as ReceiptBody).index;
        })
        .sort((a, b) => a - b);
      assert.deepEqual(
        indices,
        Array.from({ length: 20 }, (_, i) => before + i),
      );
      assert.equal(await fx.size('acme-log'), before + 20);
    });
  });

  describe('POST /v1/records/batch', () => {
    it('sequences 1000 records with consecutive indices', async () => {
      const statements = Array.from({ length: 1000 }, (_, i) =>
        statement({ subject: `item-${i}`, labels: { n: String(i) } }),
      );
      const before = await fx.size('acme-log');
      const res = await post(acmeKey, { records: statements }, '/v1/records/batch');
      assert.equal(res.statusCode, 201, res.body.slice(0, 300));
      const { receipts } = res.json() as { receipts: ReceiptBody[] };
      assert.equal(receipts.length, 1000);
      assert.equal(await fx.size('acme-log'), before + 1000);
      receipts.forEach((r, i) => {
        assert.equal(r.index, before + i);
        assert.equal(r.id, `acme-log-${before + i}`);
        assert.equal(r.record.digest, statements[i]!.digest);
        assert.equal(r.record.subject, `item-${i}`);
        assert.equal(r.time, receipts[0]!.time, 'one transaction, one time');
        assert.deepEqual(base64Decode(r.leafHash), leafHash(base64Decode(r.entry)));
      });
      for (const i of [0, 1, 537, 998, 999]) await verifyReceiptView(receipts[i]!, acme);
      // One batch receipt, signed once, over all 1000 leaves; each view carries its own proof.
      assert.equal(new Set(receipts.map((r) => r.receipt)).size, 1);
      const batch = await openBatchReceipt(receipts[0]!.receipt, acme.verifier);
      assert.deepEqual(
        { first: batch.first, size: batch.size, time: batch.time },
        { first: before, size: 1000, time: receipts[0]!.time },
      );
      const leaves = receipts.map((r) => base64Decode(r.leafHash));
      assert.deepEqual(batch.root, treeHashOf(leaves));
      receipts.forEach((r, i) => {
        const proof = parseReceiptProof(r.receiptProof);
        assert.ok(batchReceiptIncludes(batch, r.index, leaves[i]!, proof), `record ${i}`);
        assert.ok(!batchReceiptIncludes(batch, r.index, leaves[(i + 1) % 1000]!, proof));
      });
      const entries = await fx.storage.readEntries('acme-log', before, before + 1000);
      entries.forEach((e, i) => assert.equal(parseRecord(e).digest, statements[i]!.digest));
    });

    it('gives a batch of one record the single-record receipt, without a proof', async () => {
      const res = await post(acmeKey, { records: [statement()] }, '/v1/records/batch');
      assert.equal(res.statusCode, 201, res.body.slice(0, 300));
      const [view] = (res.json() as { receipts: ReceiptBody[] }).receipts;
      assert.equal(view!.receiptProof, undefined);
      assert.match(view!.receipt, /^proofline\.dev\/receipt\/v1\n/);
      await verifyReceiptView(view!, acme);
    });

    it('refuses 1001 records with 413 batch-too-large', async () => {
      const records = Array.from({ length: 1001 }, () => statement());
      await assertNothingWritten(fx, ['acme-log'], async () => {
        assertProblem(
          await post(acmeKey, { records }, '/v1/records/batch'),
          413,
          'batch-too-large',
        );
      });
    });

    it('refuses an empty batch and malformed batch bodies with 400', async () => {
      await assertNothingWritten(fx, ['acme-log'], async () => {
        for (const body of [
          { records: [] },
          { records: [statement()], extra: 1 },
          { records: statement() },
          { records: null },
          {},
          [statement()],
          statement(),
        ]) {
          assertProblem(
            await post(acmeKey, body, '/v1/records/batch'),
            400,
            'invalid-request',
            undefined,
            JSON.stringify(body).slice(0, 80),
          );
        }
      });
    });

    it('refuses the whole batch when record 537 is invalid, naming it', async () => {
      const records: unknown[] = Array.from({ length: 1000 }, () => statement());
      records[537] = statement({ digest: 'sha256:XYZ' });
      await assertNothingWritten(fx, ['acme-log'], async () => {
        assertProblem(
          await post(acmeKey, { records }, '/v1/records/batch'),
          400,
          'invalid-statement',
          '/records/537/digest',
        );
        records[537] = statement({ labels: { 'bad key': 'x' } });
        assertProblem(
          await post(acmeKey, { records }, '/v1/records/batch'),
          400,
          'invalid-statement',
          '/records/537/labels/bad key',
        );
        records[537] = 'not an object';
        assertProblem(
          await post(acmeKey, { records }, '/v1/records/batch'),
          400,
          'invalid-statement',
          '/records/537',
        );
      });
    });

    it('names the record of a one-record batch by its position too', async () => {
      await assertNothingWritten(fx, ['acme-log'], async () => {
        assertProblem(
          await post(
            acmeKey,
            { records: [{ digest: 'sha256:00', type: 't' }] },
            '/v1/records/batch',
          ),
          400,
          'invalid-statement',
          '/records/0/digest',
        );
      });
    });
  });

  describe('idempotency', () => {
    it('signs one receipt per commit, and a replay rebuilds it byte for byte', async () => {
      const bodies = Array.from({ length: 24 }, () => statement());
      const keys = bodies.map(() => `commit-${randomBytes(6).toString('hex')}`);
      const attest = () =>
        Promise.all(
          bodies.map((b, i) => post(acmeKey, b, '/v1/records', { 'idempotency-key': keys[i]! })),
        );
      const views = (await attest()).map((r) => {
        assert.equal(r.statusCode, 201, r.body);
        return r.json() as ReceiptBody;
      });
      for (const view of views) await verifyReceiptView(view, acme);
      // Concurrent requests share commits: fewer receipt notes than records, each note a
      // batch receipt (with proofs) unless its commit held one record.
      const notes = new Set(views.map((v) => v.receipt));
      assert.ok(notes.size < views.length, `${notes.size} notes for ${views.length} records`);
      for (const v of views) {
        const alone = views.filter((w) => w.receipt === v.receipt).length === 1;
        assert.equal(v.receiptProof === undefined, alone);
      }
      const replays = await attest();
      replays.forEach((r, i) => {
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['idempotent-replayed'], 'true');
        assert.deepEqual(r.json(), views[i], 'the same receipt and proof');
      });
    });

    it('replays the same receipt for the same key and body', async () => {
      const body = statement();
      const headers = { 'idempotency-key': `single-${randomBytes(4).toString('hex')}` };
      const before = await fx.size('acme-log');
      const first = await post(acmeKey, body, '/v1/records', headers);
      assert.equal(first.statusCode, 201);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const second = await post(acmeKey, body, '/v1/records', headers);
      assert.ok(second.statusCode >= 200 && second.statusCode < 300, `${second.statusCode}`);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      const a = first.json() as ReceiptBody;
      const b = second.json() as ReceiptBody;
      assert.equal(b.id, a.id);
      assert.equal(b.receipt, a.receipt, 'byte-identical receipt note');
      assert.deepEqual(b, a);
      assert.equal(second.headers.location, `/v1/records/${a.id}`);
      // The same statement with its members in another order is the same request.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const third = await post(acmeKey, reordered, '/v1/records', headers);
      assert.equal(third.headers['idempotent-replayed'], 'true');
      assert.equal((third.json() as ReceiptBody).receipt, a.receipt);
      assert.equal(await fx.size('acme-log'), before + 1);
    });

    it('refuses the same key with another body (409) or another log', async () => {
      const headers = { 'idempotency-key': `reuse-${randomBytes(4).toString('hex')}` };
      assert.equal((await post(acmeKey, statement(), '/v1/records', headers)).statusCode, 201);
      await assertNothingWritten(fx, ['acme-log'], async () => {
        assertProblem(
          await post(acmeKey, statement(), '/v1/records', headers),
          409,
          'idempotency-key-reused',
        );
        assertProblem(
          await post(
            acmeKey,
            { records: [statement(), statement()] },
            '/v1/records/batch',
            headers,
          ),
          409,
          'idempotency-key-reused',
        );
      });
    });

    it('keeps the keys of different tenants apart', async () => {
      const key = `shared-${randomBytes(4).toString('hex')}`;
      const body = statement();
      const a = await post(acmeKey, body, '/v1/records', { 'idempotency-key': key });
      const b = await post(betaKey, body, '/v1/records', { 'idempotency-key': key });
      assert.equal(a.statusCode, 201);
      assert.equal(b.statusCode, 201);
      assert.equal(b.headers['idempotent-replayed'], undefined);
      assert.equal((b.json() as ReceiptBody).log, 'beta-log');
      await verifyReceiptView(b.json() as ReceiptBody, beta);
      // And a different body under the same key is fine for the other tenant.
      const c = await post(betaKey, statement(), '/v1/records', { 'idempotency-key': `${key}-2` });
      assert.equal(c.statusCode, 201);
    });

    it('writes exactly one record for 50 parallel requests with one key', async () => {
      const body = statement();
      const headers = { 'idempotency-key': `parallel-${randomBytes(4).toString('hex')}` };
      const before = await fx.size('acme-log');
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => post(acmeKey, body, '/v1/records', headers)),
      );
      for (const r of responses) assert.ok(r.statusCode >= 200 && r.statusCode < 300, r.body);
      const views = responses.map((r) => r.json() as ReceiptBody);
      assert.deepEqual(new Set(views.map((v) => v.id)), new Set([`acme-log-${before}`]));
      assert.equal(new Set(views.map((v) => v.receipt)).size, 1);
      assert.equal(responses.filter((r) => r.statusCode === 201).length, 1);
      assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 49);
      assert.equal(await fx.size('acme-log'), before + 1);
    });

    it('writes exactly one batch for 50 parallel batch requests with one key', async () => {
      const body = { records: Array.from({ length: 5 }, () => statement()) };
      const headers = { 'idempotency-key': `parallel-batch-${randomBytes(4).toString('hex')}` };
      const before = await fx.size('acme-log');
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => post(acmeKey, body, '/v1/records/batch', headers)),
      );
      for (const r of responses) assert.ok(r.statusCode >= 200 && r.statusCode < 300, r.body);
      const first = (responses[0]!.json() as { receipts: ReceiptBody[] }).receipts;
      assert.deepEqual(
        first.map((r) => r.index),
        [0, 1, 2, 3, 4].map((i) => before + i),
      );
      for (const r of responses) assert.deepEqual(r.json(), { receipts: first });
      assert.equal(responses.filter((r) => r.statusCode === 201).length, 1);
      assert.equal(await fx.size('acme-log'), before + 5);
    });

    it('lets only one of several parallel bodies claim a key', async () => {
      const headers = { 'idempotency-key': `race-${randomBytes(4).toString('hex')}` };
      const before = await fx.size('acme-log');
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => post(acmeKey, statement(), '/v1/records', headers)),
      );
      assert.equal(responses.filter((r) => r.statusCode === 201).length, 1);
      for (const r of responses.filter((r) => r.statusCode !== 201)) {
        assertProblem(r, 409, 'idempotency-key-reused');
      }
      assert.equal(await fx.size('acme-log'), before + 1);
    });
  });

  describe('GET /v1/records/{id}', () => {
    it('answers 404 record-not-found for malformed ids and out-of-range indices', async () => {
      assert.equal((await post(acmeKey, statement())).statusCode, 201);
      const size = await fx.size('acme-log');
      assert.equal((await get(`/v1/records/acme-log-${size - 1}`, acmeKey)).statusCode, 200);
      for (const id of [
        'x',
        'acme-log',
        'acme-log-',
        'acme-log-01',
        'acme-log-00',
        'acme-log--1',
        'acme-log-+1',
        'acme-log-1.0',
        'acme-log-1e3',
        'acme-log-0x1',
        'acme-log-99999999999999999999',
        'acme-log-9007199254740992',
        'acme-log-9007199254740991',
        `acme-log-${size}`,
        `acme-log-${size + 1000}`,
        'ACME-LOG-0',
        'nope-0',
        '..%2f',
        '..%2f..%2fetc%2fpasswd',
        'acme-log-0%00',
        '%E2%9C%93-0',
        'acme-log-%D9%A1',
        'acme%E2%80%8B-log-0',
        '%F0%9F%99%82',
      ]) {
        assertProblem(
          await get(`/v1/records/${id}`, acmeKey),
          404,
          'record-not-found',
          undefined,
          id,
        );
        assertProblem(await get(`/v1/records/${id}/proof`), 404, 'record-not-found', undefined, id);
      }
      // A path that does not reach the route is a plain 404.
      assertProblem(await get('/v1/records/%2e%2e', acmeKey), 404, 'not-found');
      assert.equal((await get('/v1/records/acme-log-0?x=1', acmeKey)).statusCode, 400);
    });
  });

  describe('malformed URLs', () => {
    it('answers over-long and badly percent-encoded ids with 4xx problem documents', async () => {
      for (const url of [
        `/v1/records/acme-log-${'1'.repeat(300)}`,
        `/v1/records/${'a'.repeat(300)}/proof`,
        '/v1/records/%zz',
        '/v1/records/acme-log-0%',
        '/v1/records/%C0%AF',
        '/v1/records/%E0%A4%A/proof',
      ]) {
        const res = await get(url, acmeKey);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
      }
    });
  });

  describe('GET /v1/records/{id}/proof', () => {
    it('answers 404 not-yet-checkpointed until a checkpoint covers the record, then a verifiable bundle', async () => {
      const first = await post(gammaKey, statement({ subject: 'first' }));
      assert.equal(first.statusCode, 201);
      const view = first.json() as ReceiptBody;
      for (const url of [
        `/v1/records/${view.id}/proof`,
        `/v1/records/${view.id}/proof?format=tlog-proof`,
      ]) {
        const res = await get(url);
        assertProblem(res, 404, 'not-yet-checkpointed');
        assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
      }

      const checkpoint = await gamma.publisher.publish();
      assert.ok(checkpoint && checkpoint.size > view.index);
      const res = await get(`/v1/records/${view.id}/proof`); // public: no API key
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      const bundle = await verifyBundleResponse(res, gamma);
      assert.equal(bundle.id, view.id);
      assert.equal(bundle.index, view.index);
      assert.equal(bundle.receipt, view.receipt);
      assert.equal(bundle.checkpoint, checkpoint.note);
      assert.deepEqual(bundle.entry, base64Decode(view.entry));
      assert.deepEqual(
        (await get(`/v1/records/${view.id}/proof?format=json`)).body,
        res.body,
        'json is the default',
      );

      const text = await get(`/v1/records/${view.id}/proof?format=tlog-proof`);
      assert.equal(text.statusCode, 200);
      assert.match(String(text.headers['content-type']), /^text\/plain/);
      const proof = parseTlogProof(text.body);
      assert.equal(proof.index, bundle.index);
      assert.deepEqual(proof.inclusionProof, bundle.inclusionProof);
      assert.equal(proof.checkpoint, bundle.checkpoint);
      assert.deepEqual(proof.extra, bundle.entry);
      await verifyBundle({ ...bundle, inclusionProof: proof.inclusionProof }, gamma);

      // A record sequenced after the checkpoint is not covered yet; the earlier one still is.
      const second = (await post(gammaKey, statement())).json() as ReceiptBody;
      assertProblem(await get(`/v1/records/${second.id}/proof`), 404, 'not-yet-checkpointed');
      await gamma.publisher.publish();
      const later = await get(`/v1/records/${second.id}/proof`);
      assert.equal(later.statusCode, 200);
      await verifyBundleResponse(later, gamma);
      const earlier = await verifyBundleResponse(await get(`/v1/records/${view.id}/proof`), gamma);
      // Anchored: still the checkpoint that first covered it, linked to the newer one.
      assert.equal(earlier.checkpoint, bundle.checkpoint, 'the anchor does not move');
      assert.equal(bundle.latest, undefined, 'the anchor was the latest');
      assert.equal(
        earlier.latest?.checkpoint,
        (await fx.storage.latestCheckpoint(gamma.name))?.note,
      );
    });

    it('carries the RFC 3161 tokens stored for the checkpoint it proves against', async () => {
      const view = (await post(gammaKey, statement())).json() as ReceiptBody;
      const checkpoint = await gamma.publisher.publish();
      assert.ok(checkpoint);
      const plain = await verifyBundleResponse(await get(`/v1/records/${view.id}/proof`), gamma);
      assert.equal(plain.timestamps, undefined, 'no token stored yet: no member');
      const token = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x07]);
      await fx.storage.addCheckpointTimestamp(gamma.name, checkpoint.size, 'tsa-b', token, 2);
      await fx.storage.addCheckpointTimestamp(gamma.name, checkpoint.size, 'tsa-a', token, 1);
      await fx.storage.addCheckpointTimestamp(gamma.name, checkpoint.size - 1, 'old', token, 0);
      const bundle = await verifyBundleResponse(await get(`/v1/records/${view.id}/proof`), gamma);
      assert.deepEqual(
        bundle.timestamps?.map((t) => [t.tsa, [...t.token]]),
        [
          ['tsa-a', [...token]],
          ['tsa-b', [...token]],
        ],
      );
    });

    it('refuses unknown formats and parameters with 400', async () => {
      const view = (await post(gammaKey, statement())).json() as ReceiptBody;
      for (const query of [
        'format=xml',
        'format=',
        'format=JSON',
        'format=json&format=json',
        'x=1',
      ]) {
        assertProblem(
          await get(`/v1/records/${view.id}/proof?${query}`),
          400,
          'invalid-request',
          undefined,
          query,
        );
      }
    });
  });

  describe('?wait=proof', () => {
    it('answers a single record with a verified bundle', async () => {
      const res = await post(acmeKey, statement(), '/v1/records?wait=proof');
      assert.equal(res.statusCode, 201, res.body);
      const bundle = await verifyBundleResponse(res, acme);
      assert.ok(bundle.index < (await fx.size('acme-log')));
    });

    it('answers a batch with verified bundles, in order', async () => {
      const statements = Array.from({ length: 5 }, () => statement());
      const res = await post(acmeKey, { records: statements }, '/v1/records/batch?wait=proof');
      assert.equal(res.statusCode, 201, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const { bundles } = res.json() as { bundles: unknown[] };
      assert.equal(bundles.length, 5);
      let previous: number | undefined;
      for (const [i, b] of bundles.entries()) {
        const bundle = parseBundle(JSON.stringify(b));
        const record = await verifyBundle(bundle, acme);
        assert.equal(record.digest, statements[i]!.digest);
        if (previous !== undefined) assert.equal(bundle.index, previous + 1);
        previous = bundle.index;
      }
    });

    it('also takes the Proofline-Wait header', async () => {
      const res = await post(acmeKey, statement(), '/v1/records', { 'proofline-wait': 'proof' });
      assert.equal(res.statusCode, 201);
      await verifyBundleResponse(res, acme);
    });

    it('answers 202 with the receipt when no checkpoint comes within proofWaitMs', async () => {
      const slow = await fx.app(undefined, { proofWaitMs: 200 });
      const before = await fx.size('gamma-log');
      const started = Date.now();
      const res = await post(gammaKey, statement(), '/v1/records?wait=proof', {}, slow);
      assert.ok(Date.now() - started >= 150, 'waited for a checkpoint');
      assert.equal(res.statusCode, 202, res.body);
      const view = res.json() as ReceiptBody;
      assert.equal(view.index, before);
      assert.equal(res.headers.location, `/v1/records/${view.id}`);
      await verifyReceiptView(view, gamma);

      const batch = await post(
        gammaKey,
        { records: [statement(), statement()] },
        '/v1/records/batch?wait=proof',
        {},
        slow,
      );
      assert.equal(batch.statusCode, 202, batch.body);
      const { receipts } = batch.json() as { receipts: ReceiptBody[] };
      assert.deepEqual(
        receipts.map((r) => r.index),
        [before + 1, before + 2],
      );
      for (const r of receipts) await verifyReceiptView(r, gamma);
      assert.equal(await fx.size('gamma-log'), before + 3);
    });
  });

  describe('GET /v1/records?digest=', () => {
    it('finds exactly the records with that digest', async () => {
      // Two digests with the same 48-bit lookup key: the lookup must still tell them apart.
      const prefix = randomBytes(6).toString('hex');
      const tail = () => randomBytes(26).toString('hex');
      const a = `sha256:${prefix}${tail()}`;
      const b = `sha256:${prefix}${tail()}`;
      const c = `sha384:${prefix}${randomBytes(42).toString('hex')}`;
      const ids: Record<string, string[]> = { [a]: [], [b]: [], [c]: [] };
      for (const digest of [a, b, a, c]) {
        const res = await post(acmeKey, statement({ digest }));
        assert.equal(res.statusCode, 201);
        ids[digest]!.push((res.json() as ReceiptBody).id);
      }
      for (const digest of [a, b, c]) {
        const res = await get(`/v1/records?digest=${digest}`, acmeKey);
        assert.equal(res.statusCode, 200);
        const { records } = res.json() as { records: ReceiptBody[] };
        assert.deepEqual(
          records.map((r) => r.id),
          ids[digest],
        );
        for (const r of records) {
          assert.equal(r.record.digest, digest);
          await verifyReceiptView(r, acme);
        }
      }
      const explicit = await get(`/v1/records?digest=${a}&log=acme-log`, acmeKey);
      assert.equal((explicit.json() as { records: unknown[] }).records.length, 2);
      const none = await get(`/v1/records?digest=${randomDigest()}`, acmeKey);
      assert.equal(none.statusCode, 200);
      assert.deepEqual(none.json(), { records: [] });
    });

    it('refuses malformed digests and digests combined with listing parameters', async () => {
      const hex = 'ab'.repeat(32);
      for (const query of [
        `digest=sha256:${hex.toUpperCase()}`,
        `digest=sha256:${hex.slice(1)}`,
        `digest=sha1:${'ab'.repeat(20)}`,
        `digest=sha256:%20${hex}`,
        'digest=',
        `digest=sha256:${hex}&digest=sha256:${hex}`,
        `digest=sha256:${hex}&from=0`,
        `digest=sha256:${hex}&to=0`,
        `digest=sha256:${hex}&limit=10`,
        `digest=sha256:${hex}&cursor=0`,
        `digest=sha256:${hex}&type=t`,
        `digest=sha256:${hex}&label=a:b`,
        `digest=sha256:${hex}&control=c`,
        `digest=sha256:${hex}&unknown=1`,
      ]) {
        assertProblem(
          await get(`/v1/records?${query}`, acmeKey),
          400,
          'invalid-request',
          undefined,
          query,
        );
      }
    });
  });

  describe('GET /v1/records (listing)', () => {
    interface Made {
      readonly id: string;
      readonly index: number;
      readonly timeMs: number;
      readonly type: string;
      readonly env: string;
      readonly controls: readonly string[];
    }
    const made: Made[] = [];

    before(async () => {
      const body = (i: number) => {
        const type = i % 2 === 0 ? 'a' : 'b';
        const env = i % 3 === 0 ? 'prod' : 'dev';
        const controls = i % 5 === 0 ? ['SOC2:PI1.4'] : [];
        return {
          spec: { type, env, controls },
          statement: statement({
            type,
            labels: { env, n: String(i) },
            ...(controls.length > 0 ? { controls } : {}),
          }),
        };
      };
      // Records 0..29 one per second, then 30..32 in one batch at the same time.
      for (let i = 0; i < 30; i++) {
        clock = T0 + i * 1000;
        const { spec, statement: s } = body(i);
        const res = await post(deltaKey, s);
        assert.equal(res.statusCode, 201);
        const view = res.json() as ReceiptBody;
        assert.equal(view.time, new Date(clock).toISOString());
        if (i === 0) await verifyReceiptView(view, delta);
        made.push({ id: view.id, index: view.index, timeMs: clock, ...spec });
      }
      clock = T0 + 30_000;
      const batch = [30, 31, 32].map(body);
      const res = await post(
        deltaKey,
        { records: batch.map((b) => b.statement) },
        '/v1/records/batch',
      );
      assert.equal(res.statusCode, 201);
      (res.json() as { receipts: ReceiptBody[] }).receipts.forEach((view, i) => {
        assert.equal(view.time, new Date(clock).toISOString());
        made.push({ id: view.id, index: view.index, timeMs: clock, ...batch[i]!.spec });
      });
    });

    const iso = (ms: number) => new Date(ms).toISOString();
    const ids = (pick: (m: Made) => boolean) => made.filter(pick).map((m) => m.id);

    async function list(query: string): Promise<ListBody> {
      const res = await get(`/v1/records?${query}`, deltaKey);
      assert.equal(res.statusCode, 200, `${query}: ${res.body.slice(0, 300)}`);
      const body = res.json() as ListBody;
      assert.equal(body.log, 'delta-log');
      for (const r of body.records) {
        const m = made.find((x) => x.id === r.id);
        assert.ok(m, r.id);
        assert.equal(r.index, m.index);
        assert.equal(r.time, iso(m.timeMs));
        assert.equal(r.record.time, r.time);
        assert.equal(r.record.type, m.type);
      }
      return body;
    }

    /** Every page of `query` with `limit`, following `next`. */
    async function listAll(query: string, limit: number): Promise<string[]> {
      const out: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 100, 'pagination ends');
        const page = await list(
          `${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        assert.ok(page.records.length <= limit);
        out.push(...page.records.map((r) => r.id));
        cursor = page.next;
        if (cursor === null) break;
      }
      assert.equal(new Set(out).size, out.length, 'no record twice');
      return out;
    }

    it('lists every record in index order by default', async () => {
      const page = await list('');
      assert.deepEqual(
        page.records.map((r) => r.id),
        ids(() => true),
      );
      assert.equal(page.next, null);
      assert.equal((await list('log=delta-log')).records.length, made.length);
    });

    it('selects by time with from (inclusive) and to (exclusive), RFC 3339 or ms', async () => {
      const between = (from: number, to: number) => ids((m) => m.timeMs >= from && m.timeMs < to);
      const cases: [string, string[]][] = [
        [`from=${iso(T0 + 5000)}&to=${iso(T0 + 10_000)}`, between(T0 + 5000, T0 + 10_000)],
        [`from=${T0 + 5000}&to=${T0 + 10_000}`, between(T0 + 5000, T0 + 10_000)],
        [`from=${iso(T0 + 5500)}&to=${iso(T0 + 9999)}`, between(T0 + 5500, T0 + 9999)],
        [`from=${iso(T0 + 25_000)}`, between(T0 + 25_000, Infinity)],
        [`to=${iso(T0 + 3000)}`, between(0, T0 + 3000)],
        [`from=${T0 + 30_000}`, between(T0 + 30_000, Infinity)],
        [`to=${T0 + 30_000}`, between(0, T0 + 30_000)],
        [`from=${T0 + 7000}&to=${T0 + 7000}`, []],
        [`from=${iso(T0 + 31_000)}`, []],
        [`to=${T0}`, []],
        ['from=0', between(0, Infinity)],
      ];
      for (const [query, expected] of cases) {
        assert.deepEqual(
          (await list(query)).records.map((r) => r.id),
          expected,
          query,
        );
      }
      assert.deepEqual(between(T0 + 5000, T0 + 10_000).length, 5);
      assert.deepEqual(between(T0 + 30_000, Infinity).length, 3);
    });

    it('filters by type, label and control', async () => {
      const cases: [string, string[]][] = [
        ['type=a', ids((m) => m.type === 'a')],
        ['type=b', ids((m) => m.type === 'b')],
        ['type=c', []],
        ['label=env:prod', ids((m) => m.env === 'prod')],
        ['label=env:dev', ids((m) => m.env === 'dev')],
        ['label=env:', []],
        ['label=n:7', ids((m) => m.index === made[7]!.index)],
        ['label=missing:x', []],
        ['control=SOC2:PI1.4', ids((m) => m.controls.includes('SOC2:PI1.4'))],
        ['control=SOC2', []],
        ['type=a&label=env:prod', ids((m) => m.type === 'a' && m.env === 'prod')],
        [
          `type=b&control=SOC2:PI1.4&from=${T0 + 10_000}`,
          ids((m) => m.type === 'b' && m.controls.length > 0 && m.timeMs >= T0 + 10_000),
        ],
      ];
      for (const [query, expected] of cases) {
        assert.deepEqual(
          (await list(query)).records.map((r) => r.id),
          expected,
          query,
        );
      }
    });

    it('pages with limit and next, returning every match exactly once', async () => {
      assert.deepEqual(
        await listAll('', 4),
        ids(() => true),
      );
      assert.deepEqual(
        await listAll('', 1),
        ids(() => true),
      );
      assert.deepEqual(
        await listAll('', 1000),
        ids(() => true),
      );
      assert.deepEqual(
        await listAll('type=a', 3),
        ids((m) => m.type === 'a'),
      );
      assert.deepEqual(
        await listAll('label=env:prod', 2),
        ids((m) => m.env === 'prod'),
      );
      assert.deepEqual(
        await listAll(`from=${iso(T0 + 4000)}&to=${iso(T0 + 31_000)}&type=b`, 2),
        ids((m) => m.type === 'b' && m.timeMs >= T0 + 4000),
      );
      const first = await list('limit=10');
      assert.equal(first.records.length, 10);
      assert.notEqual(first.next, null);
    });

    it('refuses malformed parameters with 400', async () => {
      for (const query of [
        'limit=0',
        'limit=1001',
        'limit=-1',
        'limit=1.5',
        'limit=abc',
        'limit=',
        'limit=00010',
        'cursor=abc',
        'cursor=-1',
        'cursor=01',
        'cursor=1e3',
        'cursor=',
        'from=yesterday',
        'from=2030-01-01',
        'from=2030-01-01T00:00:00Z',
        'from=2030-02-30T00:00:00.000Z',
        'to=tomorrow',
        'to=-1',
        'from=99999999999999999',
        'label=nocolon',
        'label=:value',
        'label=',
        'type=a&type=b',
        'limit=1&limit=2',
        'unknown=1',
      ]) {
        assertProblem(
          await get(`/v1/records?${query}`, deltaKey),
          400,
          'invalid-request',
          undefined,
          query,
        );
      }
    });

    it('refuses from after to with 400', async () => {
      for (const query of [`from=${iso(T0 + 10_000)}&to=${iso(T0)}`, `from=${T0 + 1}&to=${T0}`]) {
        assertProblem(
          await get(`/v1/records?${query}`, deltaKey),
          400,
          'invalid-request',
          undefined,
          query,
        );
      }
    });

    it('answers times in ms beyond 2^53 with 400 or the natural page, never 5xx', async () => {
      const huge = ['9999999999999999', String(Number.MAX_SAFE_INTEGER + 1)];
      const cases: [string, string[]][] = [
        ...huge.map((ms): [string, string[]] => [`from=${ms}`, []]),
        ...huge.map((ms): [string, string[]] => [`to=${ms}`, ids(() => true)]),
      ];
      for (const [query, expected] of cases) {
        const res = await get(`/v1/records?${query}`, deltaKey);
        if (res.statusCode === 400) assertProblem(res, 400, 'invalid-request', undefined, query);
        else {
          assert.equal(res.statusCode, 200, query);
          assert.deepEqual(
            (res.json() as ListBody).records.map((r) => r.id),
            expected,
            query,
          );
        }
      }
    });
  });

  describe('issuer signatures', () => {
    const issuer = (name: string) => {
      const key = parseSignerKey(generateSignerKey(name));
      return {
        signer: ed25519Signer(name, key.seed),
        verifierKey: formatVerifierKey(name, key.publicKey),
      };
    };
    const sign = async (s: Record<string, unknown>, signer: ReturnType<typeof issuer>['signer']) =>
      signStatement(parseStatement(s), signer);
    const plain = (s: Statement) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

    let registered: ReturnType<typeof issuer>;
    let revoked: ReturnType<typeof issuer>;
    let unregistered: ReturnType<typeof issuer>;
    let betas: ReturnType<typeof issuer>;

    before(async () => {
      registered = issuer('issuer.acme.test');
      revoked = issuer('old.issuer.acme.test');
      unregistered = issuer('issuer.acme.test'); // same name, another key
      betas = issuer('issuer.beta.test');
      await fx.storage.addIssuerKey('acme', registered.verifierKey, Date.now());
      await fx.storage.addIssuerKey('acme', revoked.verifierKey, Date.now());
      assert.equal(await fx.storage.revokeIssuerKey('acme', revoked.verifierKey, Date.now()), true);
      await fx.storage.addIssuerKey('beta', betas.verifierKey, Date.now());
    });

    it('accepts a statement signed by a registered issuer key and records the issuer', async () => {
      const signed = await sign(
        statement({ subject: 'signed', labels: { env: 'prod' } }),
        registered.signer,
      );
      const res = await post(acmeKey, plain(signed));
      assert.equal(res.statusCode, 201, res.body);
      const view = res.json() as ReceiptBody;
      assert.deepEqual(view.record.issuer, signed.issuer);
      assert.match(signed.issuer!.key, /^issuer\.acme\.test\+[0-9a-f]{8}$/);
      await verifyReceiptView(view, acme);
      const batch = await post(
        acmeKey,
        { records: [plain(signed), plain(await sign(statement(), registered.signer))] },
        '/v1/records/batch',
      );
      assert.equal(batch.statusCode, 201, batch.body);
    });

    it('refuses unregistered, revoked, foreign and tampered signatures', async () => {
      const good = plain(await sign(statement({ subject: 'original' }), registered.signer));
      const cases: [string, Record<string, unknown>][] = [
        ['unregistered key', plain(await sign(statement(), unregistered.signer))],
        ['revoked key', plain(await sign(statement(), revoked.signer))],
        ["another tenant's key", plain(await sign(statement(), betas.signer))],
        ['tampered subject', { ...good, subject: 'changed' }],
        ['tampered digest', { ...good, digest: randomDigest() }],
        ['added label', { ...good, labels: { env: 'prod' } }],
        [
          'signature of another statement',
          { ...good, issuer: plain(await sign(statement(), registered.signer)).issuer },
        ],
        [
          'zero signature',
          {
            ...good,
            issuer: { key: (good.issuer as { key: string }).key, sig: 'A'.repeat(86) + '==' },
          },
        ],
      ];
      await assertNothingWritten(fx, ['acme-log'], async () => {
        for (const [what, body] of cases) {
          assertProblem(
            await post(acmeKey, body),
            400,
            'invalid-issuer-signature',
            '/issuer',
            what,
          );
        }
        const batch = [statement(), good, { ...good, subject: 'changed' }];
        assertProblem(
          await post(acmeKey, { records: batch }, '/v1/records/batch'),
          400,
          'invalid-issuer-signature',
          '/records/2/issuer',
        );
      });
    });
  });

  describe('documents', () => {
    it('serves the OpenAPI 3.1 document and the docs page', async () => {
      const res = await get('/openapi.json');
      assert.equal(res.statusCode, 200);
      const doc = res.json() as {
        openapi: string;
        paths: Record<string, unknown>;
        components: { schemas: Record<string, unknown> };
      };
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      for (const path of [
        '/v1/records',
        '/v1/records/batch',
        '/v1/records/{id}',
        '/v1/records/{id}/proof',
        '/v1/records/{id}/receipt.cose',
        '/entries',
        '/entries/{id}',
        '/.well-known/scitt-keys',
        '/.well-known/scitt-keys/{kid}',
        '/.well-known/transparency-configuration',
      ]) {
        assert.ok(doc.paths[path], path);
      }
      assert.equal(typeof doc.components.schemas.Statement, 'object');
      assert.equal(typeof doc.components.schemas.Problem, 'object');
      const docs = await get('/docs/');
      assert.equal(docs.statusCode, 200);
      assert.match(String(docs.headers['content-type']), /^text\/html/);
      assert.match(docs.body, /<html/i);
    });
  });
});
