import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  BATCH_V2_FORMAT,
  BATCH_V2_MEDIA_TYPE,
  RecordError,
  compactBatchSchema,
  expandCompactBatch,
  openBatchReceipt,
  parseStatement,
  type CompactBatchView,
  type Statement,
} from '@proofline/records';
import {
  Fixture,
  bearer,
  request,
  statement,
  verifyReceiptView,
  type ReceiptBody,
  type Response,
  type TestLog,
} from './helpers.js';

describe('compact batch answer (Accept: application/vnd.proofline.batch.v2+json)', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let acme: TestLog;
  let key: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'acme-log', tenant: 'acme', publish: false }]);
    acme = fx.log('acme-log');
    app = await fx.app();
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
  });

  after(() => fx.close());

  const postBatch = (
    statements: readonly object[],
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    request(app, {
      method: 'POST',
      url: '/v1/records/batch',
      headers: { ...bearer(key), accept: BATCH_V2_MEDIA_TYPE, ...headers },
      payload: { records: statements },
    });

  /** Every view rebuilt from `compact` equals GET /v1/records/:id and verifies. */
  async function checkAgainstStored(compact: CompactBatchView, statements: readonly object[]) {
    const views = expandCompactBatch(
      compact,
      statements.map((s) => parseStatement(s)),
    );
    // Every record of a small answer, every 37th of a large one, against GET.
    const step = views.length > 100 ? 37 : 1;
    for (const [i, view] of views.entries()) {
      await verifyReceiptView(view as ReceiptBody, acme);
      if (i % step !== 0 && i !== views.length - 1) continue;
      const stored = await request(app, {
        method: 'GET',
        url: `/v1/records/${view.id}`,
        headers: bearer(key),
      });
      assert.equal(stored.statusCode, 200);
      assert.deepEqual(JSON.parse(JSON.stringify(view)), stored.json(), view.id);
    }
    return views;
  }

  it('answers 1000 records with one receipt and ids; they rebuild to the stored entries', async () => {
    const statements = Array.from({ length: 1000 }, () => statement());
    const res = await postBatch(statements);
    assert.equal(res.statusCode, 201, res.body);
    assert.match(
      String(res.headers['content-type']),
      /^application\/vnd\.proofline\.batch\.v2\+json/,
    );
    assert.equal(res.headers.vary, 'accept');
    const compact = res.json() as CompactBatchView;
    assert.equal(compact.format, BATCH_V2_FORMAT);
    const schema = compactBatchSchema() as { properties: object; required: string[] };
    for (const member of Object.keys(compact)) assert.ok(Object.hasOwn(schema.properties, member));
    for (const member of schema.required) assert.ok(Object.hasOwn(compact, member), member);
    const openapi = (await request(app, { method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { post: { responses: { '201': { content: object } } } }>;
    };
    const content = openapi.paths['/v1/records/batch']!.post.responses['201'].content;
    assert.ok(Object.hasOwn(content, BATCH_V2_MEDIA_TYPE), 'documented');
    assert.equal(compact.records.length, 1000);
    assert.ok(res.body.length < 80_000, `${res.body.length} bytes`);
    const batch = await openBatchReceipt(compact.receipt!, acme.verifier);
    assert.equal(batch.time, compact.time);
    const views = await checkAgainstStored(compact, statements);
    assert.equal(views.length, 1000);
  });

  it('gives records sharing a commit with other requests a range proof', async () => {
    const groups = Array.from({ length: 8 }, () => Array.from({ length: 30 }, () => statement()));
    const answers = await Promise.all(groups.map((g) => postBatch(g)));
    const compacts = answers.map((r) => {
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as CompactBatchView;
    });
    assert.ok(
      compacts.some((c) => c.rangeProof.length > 0),
      'concurrent batches share a commit',
    );
    for (const [i, c] of compacts.entries()) await checkAgainstStored(c, groups[i]!);
  });

  it('gives a one-record batch committed alone its receipt/v1 and no range proof', async () => {
    const statements = [statement()];
    const compact = (await postBatch(statements)).json() as CompactBatchView;
    assert.deepEqual(compact.rangeProof, []);
    const [view] = await checkAgainstStored(compact, statements);
    assert.equal(view!.receiptProof, undefined);
  });

  it('replays the same compact answer, and the full one to a client asking for it', async () => {
    const statements = Array.from({ length: 5 }, () => statement());
    const headers = { 'idempotency-key': `compact-${randomBytes(4).toString('hex')}` };
    const first = await postBatch(statements, headers);
    const again = await postBatch(statements, headers);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    const full = await postBatch(statements, { ...headers, accept: 'application/json' });
    const receipts = (full.json() as { receipts: ReceiptBody[] }).receipts;
    const rebuilt = expandCompactBatch(
      first.json(),
      statements.map((s) => parseStatement(s)),
    );
    assert.deepEqual(receipts, JSON.parse(JSON.stringify(rebuilt)));
  });

  it('keeps the full answer the default', async () => {
    const res = await postBatch([statement(), statement()], { accept: 'application/json' });
    assert.ok(Array.isArray((res.json() as { receipts: unknown[] }).receipts));
    const none = await request(app, {
      method: 'POST',
      url: '/v1/records/batch',
      headers: bearer(key),
      payload: { records: [statement()] },
    });
    assert.ok(Array.isArray((none.json() as { receipts: unknown[] }).receipts));
  });

  it('cannot be rebuilt once a record field, the range proof or the receipt is altered', async () => {
    const groups = Array.from({ length: 6 }, () => Array.from({ length: 20 }, () => statement()));
    const answers = (await Promise.all(groups.map((g) => postBatch(g)))).map(
      (r) => r.json() as CompactBatchView,
    );
    const at = answers.findIndex((c) => c.rangeProof.length > 0);
    assert.ok(at >= 0, 'a shared commit');
    const c = answers[at]!;
    const statements: Statement[] = groups[at]!.map((s) => parseStatement(s));
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0]! ^= 1;
      return bytes.toString('base64');
    };
    const shifted = c.records.map((r) => ({ id: `acme-log-${r.index + 1}`, index: r.index + 1 }));
    const altered: unknown[] = [
      { ...c, rangeProof: [flip(c.rangeProof[0]!), ...c.rangeProof.slice(1)] },
      { ...c, rangeProof: c.rangeProof.slice(1) },
      { ...c, records: shifted },
      { ...c, time: '2020-01-01T00:00:00.000Z' },
      { ...c, tenant: 'beta' },
      { ...c, records: [...c.records.slice(1), c.records[0]] },
      { ...c, receipt: c.receipt!.replace(/\nroot .*\n/, `\nroot ${'A'.repeat(43)}=\n`) },
      { ...c, extra: 1 },
    ];
    for (const [i, value] of altered.entries()) {
      assert.throws(
        () => expandCompactBatch(value, statements),
        (err: unknown) => err instanceof RecordError && err.code === 'INVALID_RECEIPT',
        `alteration ${i}`,
      );
    }
    // Other statements than those written do not rebuild to the signed root either.
    const others = statements.map(() => parseStatement(statement()));
    assert.throws(() => expandCompactBatch(c, others), RecordError);
  });
});
