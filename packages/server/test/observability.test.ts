import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ServerMetrics } from '../src/index.js';
import {
  Fixture,
  assertProblem,
  bearer,
  request,
  statement,
  wrapStorage,
  type Response,
} from './helpers.js';

/** One sample: its metric name, labels, value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict parser of the Prometheus text exposition format (0.0.4): every sample belongs to
 * a family declared by `# TYPE` (with `_bucket`/`_sum`/`_count` for histograms), label
 * values are quoted with only \\, \" and \n escaped, values are floats, no series repeats.
 */
function parseExposition(text: string): Sample[] {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const types = new Map<string, string>();
  const seen = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      assert.match(meta[2]!, NAME, line);
      if (meta[1] === 'TYPE') {
        assert.ok(TYPES.has(meta[3]!), line);
        assert.ok(!types.has(meta[2]!), `TYPE repeated: ${line}`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    assert.ok(!line.startsWith('#'), `a comment line: ${line}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const [, name, labelText = '', valueText] = m;
    const labels: Record<string, string> = {};
    let rest = labelText;
    while (rest !== '') {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
      assert.ok(l, `labels of ${line}`);
      assert.ok(!(l[1]! in labels), `label repeated: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    const family = [name!, name!.replace(/_(bucket|sum|count)$/, '')].find((f) => types.has(f));
    assert.ok(family, `no TYPE for ${name}`);
    if (family !== name) assert.equal(types.get(family), 'histogram', line);
    // Go's ParseFloat, as Prometheus reads values: NaN and Inf in any case (prom-client: Nan).
    assert.match(valueText!, /^(-?\d+(\.\d+)?(e[+-]?\d+)?|nan|[+-]inf)$/i, line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    assert.ok(!seen.has(key), `series repeated: ${line}`);
    seen.add(key);
    const value = /inf$/i.test(valueText!)
      ? valueText!.startsWith('-')
        ? -Infinity
        : Infinity
      : Number(valueText);
    samples.push({ name: name!, labels, value });
  }
  return samples;
}

/** The value of the series `name` whose labels include `labels` (0 when absent). */
function value(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(found.length <= 1, `one series ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

async function scrape(app: FastifyInstance): Promise<{ text: string; samples: Sample[] }> {
  const res = await request(app, { method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return { text: res.body, samples: parseExposition(res.body) };
}

describe('metrics', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let key: string;
  const metrics = new ServerMetrics();

  before(async () => {
    fx = await Fixture.create([]);
    await fx.addLog({
      name: 'acme-log',
      tenant: 'acme',
      sequencer: metrics.sequencerHooks('acme-log'),
    });
    app = await fx.app(undefined, { metrics });
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
  });

  after(() => fx.close());

  const attest = (url: string, payload: object, headers = {}): Promise<Response> =>
    request(app, { method: 'POST', url, headers: { ...bearer(key), ...headers }, payload }, [429]);

  it('count requests by route pattern and status, records, commits and checkpoints', async () => {
    const before = (await scrape(app)).samples;
    for (let i = 0; i < 5; i++) {
      assert.equal((await attest('/v1/records', statement())).statusCode, 201);
    }
    const batch = await attest('/v1/records/batch', {
      records: [statement(), statement(), statement()],
    });
    assert.equal(batch.statusCode, 201);
    const id = (batch.json() as { receipts: { id: string }[] }).receipts[0]!.id;
    const read = await request(app, {
      method: 'GET',
      url: `/v1/records/${id}`,
      headers: bearer(key),
    });
    assert.equal(read.statusCode, 200);
    await request(app, { method: 'GET', url: '/no/such/secret-path-abc' });
    // Wait for a checkpoint of all 8 records.
    let after = (await scrape(app)).samples;
    for (let i = 0; value(after, 'proofline_checkpoint_size', { log: 'acme-log' }) < 8; i++) {
      assert.ok(i < 200, 'a checkpoint of 8 records within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = (await scrape(app)).samples;
    }
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    const http = 'proofline_http_request_duration_seconds_count';
    assert.equal(delta(http, { method: 'POST', route: '/v1/records', status: '201' }), 5);
    assert.equal(delta(http, { method: 'POST', route: '/v1/records/batch', status: '201' }), 1);
    assert.equal(delta(http, { method: 'GET', route: '/v1/records/:id', status: '200' }), 1);
    assert.equal(delta(http, { route: 'unmatched', status: '404' }), 1);
    assert.ok(delta(http, { method: 'GET', route: '/metrics', status: '200' }) >= 1);
    assert.equal(delta('proofline_records_sequenced_total', { log: 'acme-log' }), 8);
    assert.equal(delta('proofline_commit_batch_entries_sum', { log: 'acme-log' }), 8);
    const commits = delta('proofline_commit_batch_entries_count', { log: 'acme-log' });
    assert.ok(commits >= 2 && commits <= 6, `${commits} commits`);
    assert.equal(
      delta('proofline_commit_duration_seconds_count', { log: 'acme-log', result: 'ok' }),
      commits,
    );
    assert.equal(value(after, 'proofline_sequencer_backlog', { log: 'acme-log' }), 0);
    const age = value(after, 'proofline_checkpoint_age_seconds', { log: 'acme-log' });
    assert.ok(age >= 0 && age < 10, `checkpoint age ${age}`);
    assert.ok(value(after, 'proofline_process_cpu_seconds_total') > 0, 'process metrics');
    // Never the raw URL, a key or a tenant.
    const { text } = await scrape(app);
    assert.doesNotMatch(text, /secret-path-abc|pl_|acme"/);
  });

  it('count rate-limited requests and failing storage operations', async () => {
    const limitedKey = await fx.apiKey('acme', ['records:write'], { rateLimit: 1 });
    const before = (await scrape(app)).samples;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(
        app,
        {
          method: 'POST',
          url: '/v1/records',
          headers: bearer(limitedKey),
          payload: statement(),
        },
        [429],
      );
      statuses.push(res.statusCode);
    }
    const limited = statuses.filter((s) => s === 429).length;
    assert.ok(limited >= 2, statuses.join());
    const broken = await fx.app(undefined, {
      metrics,
      storage: wrapStorage(fx.storage, { listLogs: () => Promise.reject(new Error('down')) }),
    });
    assert.equal((await broken.inject({ method: 'GET', url: '/logs' })).statusCode, 500);
    const after = (await scrape(app)).samples;
    assert.equal(
      value(after, 'proofline_rate_limited_requests_total') -
        value(before, 'proofline_rate_limited_requests_total'),
      limited,
    );
    assert.equal(
      value(after, 'proofline_storage_errors_total', { operation: 'listLogs' }) -
        value(before, 'proofline_storage_errors_total', { operation: 'listLogs' }),
      1,
    );
    // A caller's error (an unknown log) is no storage failure.
    await request(app, { method: 'GET', url: '/logs/nope/' });
    const later = (await scrape(app)).samples;
    assert.equal(
      later
        .filter((s) => s.name === 'proofline_storage_errors_total')
        .reduce((sum, s) => sum + s.value, 0),
      after
        .filter((s) => s.name === 'proofline_storage_errors_total')
        .reduce((sum, s) => sum + s.value, 0),
    );
  });

  it('count witness and TSA results through the publisher hooks', async () => {
    const hooks = metrics.publisherHooks('acme-log');
    hooks.onWitnessing({
      size: 9,
      satisfied: false,
      cosigned: ['w1'],
      failures: ['w2: timeout'],
      failed: ['w2'],
      ms: 12,
    });
    hooks.onTimestamp({ tsa: 'tsa-a', size: 9, genTimeMs: Date.now() });
    hooks.onTimestampFailure({ tsa: 'tsa-b', size: 9 });
    const { samples } = await scrape(app);
    const at = (name: string, labels: Record<string, string>) => value(samples, name, labels);
    const witness = 'proofline_witness_requests_total';
    assert.equal(at(witness, { log: 'acme-log', witness: 'w1', result: 'success' }), 1);
    assert.equal(at(witness, { log: 'acme-log', witness: 'w2', result: 'failure' }), 1);
    assert.equal(
      at('proofline_witnessing_rounds_total', { log: 'acme-log', result: 'no-quorum' }),
      1,
    );
    const tsa = 'proofline_timestamp_requests_total';
    assert.equal(at(tsa, { log: 'acme-log', tsa: 'tsa-a', result: 'success' }), 1);
    assert.equal(at(tsa, { log: 'acme-log', tsa: 'tsa-b', result: 'failure' }), 1);
  });
});

describe('/readyz and /healthz', () => {
  let fx: Fixture;
  let key: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'quiet-log', tenant: 'acme', publish: false }]);
    key = await fx.apiKey('acme', ['records:write']);
  });

  after(() => fx.close());

  it('is ready while storage answers and no log falls behind', async () => {
    const app = await fx.app();
    const ready = await request(app, { method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
    // An entry waits for a checkpoint (the publisher is stopped): ready until it is too old.
    const res = await request(app, {
      method: 'POST',
      url: '/v1/records',
      headers: bearer(key),
      payload: statement(),
    });
    assert.equal(res.statusCode, 201);
    assert.equal((await request(app, { method: 'GET', url: '/readyz' })).statusCode, 200);
    const strict = await fx.app(undefined, { readyMaxCheckpointAgeMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const behind = await request(strict, { method: 'GET', url: '/readyz' }, [503]);
    const problem = assertProblem(behind, 503, 'not-ready');
    assert.match(problem.detail, /^log quiet-log: 1 entries wait for a checkpoint/);
    assert.equal((await request(strict, { method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  it('is not ready when storage does not answer; /healthz still is', async () => {
    const app = await fx.app(undefined, {
      storage: wrapStorage(fx.storage, { listLogs: () => Promise.reject(new Error('down')) }),
    });
    const res = await request(app, { method: 'GET', url: '/readyz' }, [503]);
    assert.equal(assertProblem(res, 503, 'not-ready').detail, 'the storage does not answer');
    assert.equal((await request(app, { method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});

describe('access log', () => {
  it('writes one line per request: id, tenant, route, status, latency; no key, body or URL', async () => {
    const fx = await Fixture.create([{ name: 'acme-log', tenant: 'acme', publish: false }]);
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) {
          if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        callback();
      },
    });
    const raw: string[] = [];
    try {
      const app = await fx.app(undefined, { logger: { level: 'info', stream } });
      const key = await fx.apiKey('acme', ['records:write']);
      const body = statement({ subject: 'subject-secret-xyz' });
      const created = await request(app, {
        method: 'POST',
        url: '/v1/records?log=acme-log',
        headers: { ...bearer(key), 'x-request-id': 'ignored' },
        payload: body,
      });
      assert.equal(created.statusCode, 201);
      await request(app, { method: 'GET', url: '/healthz' });
      await request(app, { method: 'GET', url: '/no/such/path-secret' });
      const refused = await request(app, {
        method: 'POST',
        url: '/v1/records',
        headers: {
          authorization: 'Bearer pl_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrong',
        },
        payload: body,
      });
      assert.equal(refused.statusCode, 401);
      for (const line of lines) raw.push(JSON.stringify(line));
      assert.equal(lines.length, 4, raw.join('\n'));
      for (const line of lines) {
        assert.equal(line.msg, 'request');
        assert.equal(typeof line.reqId, 'string');
        assert.equal(typeof line.ms, 'number');
        assert.ok((line.ms as number) >= 0);
      }
      assert.deepEqual(
        lines.map((l) => [l.method, l.route, l.status, l.tenant]),
        [
          ['POST', '/v1/records', 201, 'acme'],
          ['GET', '/healthz', 200, undefined],
          ['GET', 'unmatched', 404, undefined],
          ['POST', '/v1/records', 401, undefined],
        ],
      );
      assert.equal(new Set(lines.map((l) => l.reqId)).size, 4, 'a request id each');
      const all = raw.join('\n');
      for (const secret of [
        key,
        key.slice('pl_0123456789abcdef_'.length), // the secret (base64url, may hold '_')
        'wrongwrong',
        'subject-secret-xyz',
        body.digest as string,
        'path-secret',
        'log=acme-log',
      ]) {
        assert.ok(!all.includes(secret), `the log must not contain ${secret}`);
      }
      assert.doesNotMatch(all, /incoming request|request completed/);
      // A node that is not ready says so in its access line, not as an error.
      lines.length = 0;
      const broken = await fx.app(undefined, {
        logger: { level: 'info', stream },
        storage: wrapStorage(fx.storage, { listLogs: () => Promise.reject(new Error('down')) }),
      });
      await request(broken, { method: 'GET', url: '/readyz' }, [503]);
      assert.deepEqual(
        lines.map((l) => [l.level, l.msg, l.route, l.status]),
        [[30, 'request', '/readyz', 503]],
      );
    } finally {
      await fx.close();
    }
  });
});
