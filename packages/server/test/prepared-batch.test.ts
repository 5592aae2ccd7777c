import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import {
  BATCH_V2_MEDIA_TYPE,
  ERASURE_TYPE,
  SCITT_STATEMENT_TYPE,
  buildRecord,
  digestLookupKey,
  packStatements,
  parseRecord,
  parseStatement,
  signStatement,
  type Statement,
} from '@proofline/records';
import { BodyParserPool, BodyPoolError } from '../src/body-pool.js';
import { THREAD_THRESHOLD } from '../src/body.js';
import {
  MalformedPreparedBatch,
  PreparedBatch,
  prepareBatch,
  preparedFromMessage,
  preparesBody,
  type PreparedMessage,
} from '../src/records/prepared-batch.js';
import { checkStatement } from '../src/records/statement-check.js';
import { ServiceError } from '../src/service-error.js';
import {
  Fixture,
  assertNothingWritten,
  assertProblem,
  bearer,
  request,
  statement,
  type Response,
  type TestLog,
} from './helpers.js';

const FAKE_WORKER = new URL('./fake-body-worker.js', import.meta.url);

/** `count` statements whose JSON exceeds THREAD_THRESHOLD: parsed on the pool's threads. */
function largeBatch(count = 1000, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const pad = 'p'.repeat(Math.min(240, Math.ceil((2 * THREAD_THRESHOLD) / count)));
  return Array.from({ length: count }, (_, i) =>
    statement({ subject: `item-${i} ${pad}`, labels: { n: String(i) }, ...extra }),
  );
}

/** The chunks of a body for BodyParserPool.parse (each owning its buffer). */
const chunksOf = (body: unknown) => [new Uint8Array(Buffer.from(JSON.stringify(body)))];

/** A valid message for `statements` (validated here). */
function messageOf(statements: readonly Statement[]): Extract<PreparedMessage, { keys: unknown }> {
  const { bytes, offsets } = packStatements(statements);
  return {
    count: statements.length,
    bytes,
    offsets,
    keys: Float64Array.from(statements, (s) => digestLookupKey(s.digest)),
    issuers: statements.flatMap((s, i) => (s.issuer ? [i] : [])),
  };
}

describe('prepareBatch (on the body parser thread)', () => {
  it('leaves every body that is not a batch of 1 to 1000 statements to the route', () => {
    for (const body of [
      null,
      [],
      'x',
      {},
      { records: [] },
      { records: {} },
      { records: [statement()], extra: 1 },
      { records: Array.from({ length: 1001 }, () => statement()) },
    ]) {
      assert.equal(prepareBatch(body), undefined, JSON.stringify(body).slice(0, 80));
    }
  });

  it('refuses the first invalid statement exactly as the event loop does', () => {
    const records: unknown[] = Array.from({ length: 20 }, () => statement());
    const cases: [unknown, string][] = [
      [{ digest: 'sha256:XYZ', type: 't' }, '/records/7/digest'],
      [statement({ labels: { 'bad key': 'x' } }), '/records/7/labels/bad key'],
      ['not an object', '/records/7'],
      [statement({ type: ERASURE_TYPE }), '/records/7/type'],
      [statement({ schema: 'x' }), '/records/7/schema'],
    ];
    for (const [bad, field] of cases) {
      records[7] = bad;
      records[12] = { digest: 'later' }; // only the first is named
      const message = prepareBatch({ records });
      let expected: ServiceError | undefined;
      try {
        checkStatement(bad, 7, true, undefined);
      } catch (err) {
        expected = err as ServiceError;
      }
      assert.ok(expected instanceof ServiceError);
      assert.deepEqual(message, {
        count: 20,
        refusal: { message: expected.message, field },
      });
      assert.equal(expected.details?.field, field);
    }
  });

  it('packs valid statements with their lookup keys and the indexes of signed ones', async () => {
    const key = parseSignerKey(generateSignerKey('issuer.test'));
    const signed = await signStatement(
      parseStatement(statement({ subject: 's' })),
      ed25519Signer('issuer.test', key.seed),
    );
    const records = [statement(), JSON.parse(JSON.stringify(signed)), statement({ subject: 'x' })];
    const message = prepareBatch({ records });
    const statements = records.map((r) => parseStatement(r));
    assert.deepEqual(message, messageOf(statements));
    const batch = preparedFromMessage(message);
    assert.deepEqual(batch.issuers, [1]);
    assert.deepEqual(batch.statement(1), statements[1]);
    assert.deepEqual(
      batch.lookupKeys,
      statements.map((s) => digestLookupKey(s.digest)),
    );
    assert.ok(formatVerifierKey('issuer.test', key.publicKey));
  });
});

describe('preparesBody', () => {
  it('prepares only batch attests that ask for the compact answer', () => {
    const compact = BATCH_V2_MEDIA_TYPE;
    assert.equal(preparesBody('POST', '/v1/records/batch', compact), true);
    assert.equal(preparesBody('POST', '/v1/records/batch', `text/html, ${compact};q=0.9`), true);
    assert.equal(preparesBody('POST', '/v1/records/batch', compact.toUpperCase()), true);
    assert.equal(preparesBody('POST', '/v1/records/batch', 'application/json'), false);
    assert.equal(preparesBody('POST', '/v1/records/batch', `${compact}x`), false);
    assert.equal(preparesBody('POST', '/v1/records/batch', undefined), false);
    assert.equal(preparesBody('PUT', '/v1/records/batch', compact), false);
    assert.equal(preparesBody('POST', '/v1/records', compact), false);
    assert.equal(preparesBody('POST', undefined, compact), false);
  });
});

describe('preparedFromMessage (on the event loop)', () => {
  const statements = Array.from({ length: 5 }, () => parseStatement(statement()));

  it('accepts a valid message and its refusal form', () => {
    const batch = preparedFromMessage(messageOf(statements));
    assert.ok(batch instanceof PreparedBatch);
    assert.equal(batch.count, 5);
    assert.deepEqual(batch.statements().bytes, packStatements(statements).bytes);
    const refused = preparedFromMessage({
      count: 5,
      refusal: { message: 'must be a string', field: '/records/2/type' },
    });
    assert.throws(
      () => refused.statements(),
      (err: unknown) =>
        err instanceof ServiceError &&
        err.code === 'INVALID_STATEMENT' &&
        err.details?.field === '/records/2/type',
    );
  });

  it('refuses every malformed message (a broken thread: the request is a 500)', () => {
    const good = messageOf(statements);
    const bad: [string, unknown][] = [
      ['not an object', 42],
      ['null', null],
      ['count 0', { ...good, count: 0 }],
      ['count 1001', { ...good, count: 1001 }],
      ['count not an integer', { ...good, count: 4.5 }],
      ['count differs from the offsets', { ...good, count: 4 }],
      ['offsets shifted', { ...good, offsets: good.offsets.map((o, i) => (i === 9 ? o + 1 : o)) }],
      ['offsets as a plain array', { ...good, offsets: [...good.offsets] }],
      ['bytes cut', { ...good, bytes: good.bytes.subarray(0, -3) }],
      ['keys missing', { ...good, keys: undefined }],
      ['keys too few', { ...good, keys: good.keys.subarray(1) }],
      ['a key of 2^48', { ...good, keys: good.keys.map((k, i) => (i === 2 ? 2 ** 48 : k)) }],
      ['a negative key', { ...good, keys: good.keys.map((k, i) => (i === 2 ? -1 : k)) }],
      ['a fractional key', { ...good, keys: good.keys.map((k, i) => (i === 2 ? 0.5 : k)) }],
      ['a NaN key', { ...good, keys: good.keys.map((k, i) => (i === 2 ? Number.NaN : k)) }],
      ['issuers not an array', { ...good, issuers: 1 }],
      ['issuer out of range', { ...good, issuers: [5] }],
      ['issuers unsorted', { ...good, issuers: [3, 1] }],
      ['issuers repeated', { ...good, issuers: [1, 1] }],
      ['refusal without a field', { count: 5, refusal: { message: 'x' } }],
      ['refusal field not a pointer', { count: 5, refusal: { message: 'x', field: 'records' } }],
    ];
    for (const [what, message] of bad) {
      assert.throws(() => preparedFromMessage(message), MalformedPreparedBatch, what);
    }
  });
});

describe('BodyParserPool with prepared batches', () => {
  it('answers a prepared batch only when asked for one', async () => {
    const pool = new BodyParserPool(1);
    try {
      const body = { records: [statement(), statement()] };
      const plain = await pool.parse(chunksOf(body));
      assert.deepEqual(plain, { ok: true, value: body });
      const prepared = await pool.parse(chunksOf(body), true);
      assert.ok(prepared.ok && prepared.value instanceof PreparedBatch);
      const notBatch = await pool.parse(chunksOf({ records: 'x' }), true);
      assert.deepEqual(notBatch, { ok: true, value: { records: 'x' } });
      const bad = await pool.parse([new Uint8Array(Buffer.from('{"records":[1,}'))], true);
      assert.equal(bad.ok, false);
    } finally {
      await pool.close();
    }
  });

  it('fails a body with MALFORMED or CRASHED when its thread breaks, then recovers', async () => {
    const pool = new BodyParserPool(1, 8, FAKE_WORKER);
    const rejectsWith = async (body: unknown, code: string) =>
      assert.rejects(pool.parse(chunksOf(body), true), (err: unknown) => {
        assert.ok(err instanceof BodyPoolError, String(err));
        assert.equal(err.code, code);
        return true;
      });
    try {
      const ok = { records: [statement(), statement()] };
      await rejectsWith({ records: [statement({ subject: 'MALFORMED-ANSWER' })] }, 'MALFORMED');
      assert.ok(((await pool.parse(chunksOf(ok), true)) as { value: unknown }).value);
      await rejectsWith({ records: [statement({ subject: 'NOT-THE-PROTOCOL' })] }, 'MALFORMED');
      await rejectsWith({ records: [statement({ subject: 'CRASH-THE-THREAD' })] }, 'CRASHED');
      // A prepared answer to a body that did not ask for one is outside the protocol too.
      await assert.rejects(
        pool.parse(chunksOf({ records: [statement({ subject: 'MALFORMED-ANSWER' })] })),
        (err: unknown) => err instanceof BodyPoolError && err.code === 'MALFORMED',
      );
      const again = await pool.parse(chunksOf(ok), true);
      assert.ok(again.ok && again.value instanceof PreparedBatch);
    } finally {
      await pool.close();
    }
  });
});

describe('POST /v1/records/batch through the body parser threads', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let broken: FastifyInstance;
  let acme: TestLog;
  let key: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'acme-log', tenant: 'acme' }]);
    acme = fx.log('acme-log');
    app = await fx.app();
    broken = await fx.app(undefined, { bodyParsers: new BodyParserPool(1, 8, FAKE_WORKER) });
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
  });
  after(() => fx.close());

  const post = (
    target: FastifyInstance,
    body: string | object,
    headers: Record<string, string> = {},
    allow: number[] = [],
  ): Promise<Response> =>
    request(
      target,
      {
        method: 'POST',
        url: '/v1/records/batch',
        headers: {
          ...bearer(key),
          'content-type': 'application/json',
          accept: BATCH_V2_MEDIA_TYPE,
          ...headers,
        },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      },
      allow,
    );

  it('stores exactly the records the event loop would build, in either answer', async () => {
    const records = largeBatch(600);
    for (const accept of ['application/json', 'application/vnd.proofline.batch.v2+json']) {
      const res = await post(app, { records }, { accept });
      assert.equal(res.statusCode, 201, res.body.slice(0, 300));
      const body = res.json() as {
        receipts?: { index: number; entry: string; record: unknown }[];
        records?: { index: number }[];
        time: string;
      };
      const indexes = (body.receipts ?? body.records)!.map((r) => r.index);
      const entries = await fx.storage.readEntries('acme-log', indexes[0]!, indexes[0]! + 600);
      const time = parseRecord(entries[0]!).time;
      for (const [i, entry] of entries.entries()) {
        const expected = buildRecord(parseStatement(records[i]), 'acme', Date.parse(time));
        assert.deepEqual(entry, expected.bytes, `record ${i}`);
        if (body.receipts)
          assert.deepEqual(body.receipts[i]!.record, JSON.parse(JSON.stringify(expected.record)));
      }
    }
  });

  it('takes a batch of 1000 statements of the largest shape (about 9 MB) whole', async () => {
    const labels = Object.fromEntries(
      Array.from({ length: 32 }, (_, i) => [`label-${i}`, `\u00e9${'v'.repeat(254)}\u{1F600}`]),
    );
    const records = Array.from({ length: 1000 }, (_, i) =>
      statement({ subject: `${i}`.padEnd(256, 's'), labels }),
    );
    const res = await post(app, { records });
    assert.equal(res.statusCode, 201, res.body.slice(0, 300));
    const { records: ids } = res.json() as { records: { index: number }[] };
    const [first, last] = [ids[0]!.index, ids[999]!.index];
    const [a, b] = await Promise.all(
      [first, last].map(async (i) => (await fx.storage.readEntries('acme-log', i, i + 1))[0]!),
    );
    const time = Date.parse(parseRecord(a!).time);
    assert.deepEqual(a, buildRecord(parseStatement(records[0]), 'acme', time).bytes);
    assert.deepEqual(b, buildRecord(parseStatement(records[999]), 'acme', time).bytes);
  });

  it('refuses an invalid statement of a large batch with its position, writing nothing', async () => {
    const records: unknown[] = largeBatch();
    records[999] = { ...(records[999] as object), controls: [] };
    await assertNothingWritten(fx, ['acme-log'], async () => {
      assertProblem(
        await post(app, { records }),
        400,
        'invalid-statement',
        '/records/999/controls',
      );
      records[999] = statement({ type: ERASURE_TYPE });
      assertProblem(await post(app, { records }), 400, 'invalid-statement', '/records/999/type');
      records[999] = statement({ type: SCITT_STATEMENT_TYPE });
      assertProblem(await post(app, { records }), 400, 'invalid-statement', '/records/999/type');
    });
  });

  it('checks issuer signatures of a large batch', async () => {
    const name = 'issuer.prepared.test';
    const k = parseSignerKey(generateSignerKey(name));
    await fx.storage.addIssuerKey('acme', formatVerifierKey(name, k.publicKey), Date.now());
    const signer = ed25519Signer(name, k.seed);
    const records: unknown[] = largeBatch(500);
    for (const i of [3, 400]) {
      records[i] = JSON.parse(
        JSON.stringify(await signStatement(parseStatement(records[i]), signer)),
      );
    }
    const forged = JSON.parse(JSON.stringify(records)) as { subject: string }[];
    forged[400]!.subject = 'changed after signing';
    await assertNothingWritten(fx, ['acme-log'], async () => {
      assertProblem(
        await post(app, { records: forged }),
        400,
        'invalid-issuer-signature',
        '/records/400/issuer',
      );
    });
    const res = await post(app, { records });
    assert.equal(res.statusCode, 201, res.body.slice(0, 300));
  });

  it('hashes an idempotent request the same on the event loop and on a thread', async () => {
    const records = Array.from({ length: 100 }, () => statement({ subject: 'idem' }));
    const compact = JSON.stringify({ records });
    assert.ok(Buffer.byteLength(compact) <= THREAD_THRESHOLD);
    // The same statements, padded with whitespace past the threshold: parsed on a thread.
    const padded = `${compact}${' '.repeat(THREAD_THRESHOLD)}`;
    assert.ok(Buffer.byteLength(padded) > THREAD_THRESHOLD);
    const headers = { 'idempotency-key': `prepared-${Date.now()}` };
    const first = await post(app, padded, headers);
    assert.equal(first.statusCode, 201, first.body.slice(0, 300));
    const replay = await post(app, compact, headers);
    assert.equal(replay.statusCode, 200, replay.body.slice(0, 300));
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json(), first.json());
    const other = JSON.stringify({ records: records.map((r, i) => (i === 50 ? statement() : r)) });
    const padding = ' '.repeat(THREAD_THRESHOLD);
    assertProblem(await post(app, `${other}${padding}`, headers), 409, 'idempotency-key-reused');
    // And the other way round: first on the event loop, then replayed from a thread.
    const headers2 = { 'idempotency-key': `prepared-2-${Date.now()}` };
    assert.equal((await post(app, compact, headers2)).statusCode, 201);
    const replay2 = await post(app, padded, headers2);
    assert.equal(replay2.statusCode, 200, replay2.body.slice(0, 300));
  });

  it('answers 500 and writes nothing when the thread dies or breaks its protocol mid-batch, then recovers', async () => {
    for (const marker of ['CRASH-THE-THREAD', 'MALFORMED-ANSWER', 'NOT-THE-PROTOCOL']) {
      const records = largeBatch();
      records[500] = statement({ subject: marker });
      await assertNothingWritten(fx, ['acme-log'], async () => {
        assertProblem(await post(broken, { records }, {}, [500]), 500, 'internal');
      });
      const res = await post(broken, { records: largeBatch() });
      assert.equal(res.statusCode, 201, `${marker}: ${res.body.slice(0, 300)}`);
    }
    const healthz = await request(broken, { method: 'GET', url: '/healthz' });
    assert.equal(healthz.statusCode, 200);
    assert.ok(acme);
  });
});
