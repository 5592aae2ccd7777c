import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { CommitRequest } from '@proofline/storage';
import {
  Fixture,
  assertNothingWritten,
  assertProblem,
  bearer,
  gate,
  request,
  statement,
  verifyReceiptView,
  wrapStorage,
  type ReceiptBody,
  type Response,
} from './helpers.js';

/** API keys, scopes, tenants, rate limits and backlog pushback. */
describe('records API: access', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  const keys: Record<string, string> = {};
  /** A record of acme's, for reads. */
  let acmeRecord: ReceiptBody;

  before(async () => {
    fx = await Fixture.create([
      { name: 'acme-log', tenant: 'acme', publish: false },
      { name: 'beta-log', tenant: 'beta', publish: false },
    ]);
    app = await fx.app();
    keys.acme = await fx.apiKey('acme', ['records:write', 'records:read']);
    keys.write = await fx.apiKey('acme', ['records:write']);
    keys.read = await fx.apiKey('acme', ['records:read']);
    keys.audit = await fx.apiKey('acme', ['audit:read']);
    keys.admin = await fx.apiKey('acme', ['admin']);
    keys.revoked = await fx.apiKey('acme', ['records:write', 'records:read', 'admin'], {
      revoked: true,
    });
    keys.limited = await fx.apiKey('acme', ['records:read'], { rateLimit: 2 });
    keys.beta = await fx.apiKey('beta', ['records:write', 'records:read']);
    const res = await post(keys.acme, statement());
    assert.equal(res.statusCode, 201);
    acmeRecord = res.json() as ReceiptBody;
  });

  after(() => fx.close());

  function post(
    key: string | undefined,
    body: unknown,
    url = '/v1/records',
    on: FastifyInstance = app,
    allow: readonly number[] = [],
  ): Promise<Response> {
    return request(
      on,
      {
        method: 'POST',
        url,
        headers: key === undefined ? {} : bearer(key),
        payload: body as object,
      },
      allow,
    );
  }

  const get = (key: string | undefined, url: string, on: FastifyInstance = app) =>
    request(on, { method: 'GET', url, headers: key === undefined ? {} : bearer(key) });

  /** Every authenticated endpoint, as (method, url, body). */
  const endpoints = () =>
    [
      ['POST', '/v1/records', statement()],
      ['POST', '/v1/records/batch', { records: [statement()] }],
      ['GET', `/v1/records/${acmeRecord.id}`, undefined],
      ['GET', `/v1/records?digest=${acmeRecord.record.digest}`, undefined],
      ['GET', '/v1/records', undefined],
    ] as const;

  describe('authentication', () => {
    it('answers 401 with WWW-Authenticate without an Authorization header', async () => {
      await assertNothingWritten(fx, ['acme-log', 'beta-log'], async () => {
        for (const [method, url, body] of endpoints()) {
          const res = await request(app, { method, url, ...(body ? { payload: body } : {}) });
          assertProblem(res, 401, 'unauthorized', undefined, `${method} ${url}`);
          assert.equal(res.headers['www-authenticate'], 'Bearer');
        }
      });
    });

    it('answers 401 before looking at the body', async () => {
      await assertNothingWritten(fx, ['acme-log'], async () => {
        for (const [url, body] of [
          ['/v1/records', '[]'],
          ['/v1/records', 'null'],
          ['/v1/records/batch', '{"records":[]}'],
          ['/v1/records/batch', '{}'],
        ] as const) {
          const res = await request(app, {
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload: body,
          });
          assertProblem(res, 401, 'unauthorized', undefined, `${url} ${body}`);
        }
      });
    });

    it('answers 401 invalid_token for malformed, unknown, wrong and revoked keys', async () => {
      const valid = keys.acme!;
      const [, id, secret] = /^pl_([0-9a-f]{16})_(.{43})$/.exec(valid)!;
      const otherSecret = secret!.startsWith('A') ? `B${secret!.slice(1)}` : `A${secret!.slice(1)}`;
      const headers: string[] = [
        'Bearer',
        'Bearer ',
        'Bearer abc',
        `Basic ${Buffer.from('acme:secret').toString('base64')}`,
        valid,
        `Bearer ${valid} x`,
        `Bearer  ${valid}`,
        `Bearer ${valid}x`,
        `Bearer ${valid.slice(0, -1)}`,
        `Bearer ${valid.toUpperCase()}`,
        `Bearer pl_${id}`,
        `Bearer pl_${id}_`,
        `Bearer pk_${id}_${secret}`,
        `Bearer pl_${'0'.repeat(16)}_${secret}`, // unknown id
        `Bearer pl_${id}_${otherSecret}`, // wrong secret
        `Bearer pl_${id}_${'A'.repeat(43)}`,
        `Bearer ${keys.revoked}`,
        `Bearer ${'x'.repeat(10_000)}`,
      ];
      await assertNothingWritten(fx, ['acme-log'], async () => {
        for (const authorization of headers) {
          for (const [method, url, body] of endpoints()) {
            const res = await request(app, {
              method,
              url,
              headers: { authorization },
              ...(body ? { payload: body } : {}),
            });
            const what = `${authorization.slice(0, 60)} ${method} ${url}`;
            assertProblem(res, 401, 'unauthorized', undefined, what);
            assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', what);
          }
        }
      });
    });

    it('answers 403 insufficient-scope without the scope the endpoint needs', async () => {
      await assertNothingWritten(fx, ['acme-log'], async () => {
        for (const key of [keys.read!, keys.audit!]) {
          assertProblem(await post(key, statement()), 403, 'insufficient-scope');
          assertProblem(
            await post(key, { records: [statement()] }, '/v1/records/batch'),
            403,
            'insufficient-scope',
          );
        }
        for (const key of [keys.write!, keys.audit!]) {
          for (const [method, url] of endpoints().filter(([m]) => m === 'GET')) {
            assertProblem(
              await request(app, { method, url, headers: bearer(key) }),
              403,
              'insufficient-scope',
              undefined,
              url,
            );
          }
        }
      });
      assert.equal((await post(keys.write, statement())).statusCode, 201);
      assert.equal((await get(keys.read, `/v1/records/${acmeRecord.id}`)).statusCode, 200);
    });

    it('lets the admin scope write and read', async () => {
      const res = await post(keys.admin, statement());
      assert.equal(res.statusCode, 201);
      const view = res.json() as ReceiptBody;
      await verifyReceiptView(view, fx.log('acme-log'));
      const batch = await post(keys.admin, { records: [statement()] }, '/v1/records/batch');
      assert.equal(batch.statusCode, 201);
      assert.deepEqual((await get(keys.admin, `/v1/records/${view.id}`)).json(), view);
      const found = await get(keys.admin, `/v1/records?digest=${view.record.digest}`);
      assert.deepEqual(found.json(), { records: [view] });
      assert.equal((await get(keys.admin, '/v1/records')).statusCode, 200);
    });
  });

  describe('tenants', () => {
    it("keeps beta out of acme's log and records", async () => {
      await assertNothingWritten(fx, ['acme-log', 'beta-log'], async () => {
        assertProblem(
          await post(keys.beta, statement(), '/v1/records?log=acme-log'),
          404,
          'unknown-log',
        );
        assertProblem(
          await post(keys.beta, { records: [statement()] }, '/v1/records/batch?log=acme-log'),
          404,
          'unknown-log',
        );
      });
      assertProblem(await get(keys.beta, `/v1/records/${acmeRecord.id}`), 404, 'record-not-found');
      const lookup = await get(keys.beta, `/v1/records?digest=${acmeRecord.record.digest}`);
      assert.equal(lookup.statusCode, 200);
      assert.deepEqual(lookup.json(), { records: [] });
      assertProblem(
        await get(keys.beta, `/v1/records?digest=${acmeRecord.record.digest}&log=acme-log`),
        404,
        'unknown-log',
      );
      assertProblem(await get(keys.beta, '/v1/records?log=acme-log'), 404, 'unknown-log');
      const listed = await get(keys.beta, '/v1/records');
      assert.equal(listed.statusCode, 200);
      for (const r of (listed.json() as { records: ReceiptBody[] }).records) {
        assert.equal(r.record.tenant, 'beta');
      }
      // Unknown logs look exactly like another tenant's.
      const unknown = await post(keys.beta, statement(), '/v1/records?log=nope');
      const foreign = await post(keys.beta, statement(), '/v1/records?log=acme-log');
      assert.equal(unknown.statusCode, 404);
      assert.equal(
        (unknown.json() as { detail: string }).detail.replace('nope', 'X'),
        (foreign.json() as { detail: string }).detail.replace('acme-log', 'X'),
      );
    });

    it("writes to the tenant's only log when ?log is omitted", async () => {
      const res = await post(keys.beta, statement());
      assert.equal(res.statusCode, 201);
      const view = res.json() as ReceiptBody;
      assert.equal(view.log, 'beta-log');
      assert.equal(view.record.tenant, 'beta');
      await verifyReceiptView(view, fx.log('beta-log'));
      const named = await post(keys.beta, statement(), '/v1/records?log=beta-log');
      assert.equal((named.json() as ReceiptBody).log, 'beta-log');
      assertProblem(
        await post(keys.acme, statement(), '/v1/records?log=beta-log'),
        404,
        'unknown-log',
      );
      for (const log of ['nope', 'ACME-LOG', '%00', '..', 'acme-log%2f..']) {
        assert.equal(
          (await post(keys.acme, statement(), `/v1/records?log=${log}`)).statusCode,
          404,
          log,
        );
      }
    });

    it('requires a tenant with two logs to name one (400 log-required)', async () => {
      const second = await fx.addLog({ name: 'acme-log-2', tenant: 'acme', publish: false });
      const both = await fx.app([fx.log('acme-log'), second, fx.log('beta-log')]);
      await assertNothingWritten(fx, ['acme-log', 'acme-log-2'], async () => {
        assertProblem(await post(keys.acme, statement(), '/v1/records', both), 400, 'log-required');
        assertProblem(
          await post(keys.acme, { records: [statement()] }, '/v1/records/batch', both),
          400,
          'log-required',
        );
        assertProblem(await get(keys.acme, '/v1/records', both), 400, 'log-required');
      });
      const digest = acmeRecord.record.digest;
      const res = await post(keys.acme, statement({ digest }), '/v1/records?log=acme-log-2', both);
      assert.equal(res.statusCode, 201);
      const view = res.json() as ReceiptBody;
      assert.equal(view.id, 'acme-log-2-0');
      await verifyReceiptView(view, second);
      assert.deepEqual((await get(keys.acme, '/v1/records/acme-log-2-0', both)).json(), view);
      assert.equal((await get(keys.acme, '/v1/records?log=acme-log-2', both)).statusCode, 200);
      // A digest lookup without ?log searches every log of the tenant.
      const found = await get(keys.acme, `/v1/records?digest=${digest}`, both);
      assert.deepEqual(
        (found.json() as { records: ReceiptBody[] }).records.map((r) => r.id).sort(),
        [acmeRecord.id, view.id].sort(),
      );
      // The beta tenant still has one log.
      assert.equal((await post(keys.beta, statement(), '/v1/records', both)).statusCode, 201);
    });
  });

  describe('rate limits', () => {
    it('answers 429 rate-limited with Retry-After beyond the key’s rate', async () => {
      const url = `/v1/records/${acmeRecord.id}`;
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 3; i++) {
        const res = await get(keys.limited, url);
        statuses.push(res.statusCode);
        if (res.statusCode === 429) limited = res;
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      assertProblem(limited!, 429, 'rate-limited');
      assert.ok(Number(limited!.headers['retry-after']) >= 1);
      // Other keys of the same tenant are not affected.
      assert.equal((await get(keys.read, url)).statusCode, 200);
    });
  });

  describe('pushback', () => {
    it('answers 503 overloaded with Retry-After while the backlog is full', async () => {
      const held = gate();
      let calls = 0;
      const gated = wrapStorage(fx.storage, {
        sequence: async (log: string, commit: CommitRequest) => {
          calls++;
          await held.wait();
          return fx.storage.sequence(log, commit);
        },
      });
      const slow = await fx.addLog({
        name: 'epsilon-log',
        tenant: 'epsilon',
        publish: false,
        sequencer: { maxPending: 1 },
        sequenceStorage: gated,
      });
      const app2 = await fx.app([slow]);
      const key = await fx.apiKey('epsilon', ['records:write']);

      const first = post(key, statement(), '/v1/records', app2);
      try {
        await held.entered;
        assert.equal(await fx.size('epsilon-log'), 0);
        const second = await post(key, statement(), '/v1/records', app2, [503]);
        assertProblem(second, 503, 'overloaded');
        assert.ok(Number(second.headers['retry-after']) >= 1);
        const batch = await post(key, { records: [statement()] }, '/v1/records/batch', app2, [503]);
        assertProblem(batch, 503, 'overloaded');
        assert.equal(await fx.size('epsilon-log'), 0);
      } finally {
        held.open();
      }
      const done = await first;
      assert.equal(done.statusCode, 201);
      assert.equal((done.json() as ReceiptBody).index, 0);
      assert.equal(calls, 1);
      assert.equal(await fx.size('epsilon-log'), 1);
      // A batch larger than the whole backlog can never fit: 413, not "retry later".
      assertProblem(
        await post(key, { records: [statement(), statement()] }, '/v1/records/batch', app2),
        413,
        'batch-too-large',
      );
      const after = await post(key, statement(), '/v1/records', app2);
      assert.equal(after.statusCode, 201);
      assert.equal((after.json() as ReceiptBody).index, 1);
    });
  });
});
