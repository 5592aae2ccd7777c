import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  Fixture,
  assertNothingWritten,
  assertProblem,
  bearer,
  randomDigest,
  request,
  statement,
  type ProblemBody,
  type ReceiptBody,
  type Response,
} from './helpers.js';

/**
 * Hostile input to POST /v1/records: every request below is answered with a 4xx problem
 * naming what is wrong, and none of them writes anything.
 */
describe('records API: hostile input', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let key: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'acme-log', tenant: 'acme', publish: false }]);
    app = await fx.app();
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
  });

  after(() => fx.close());

  const post = (
    payload: string | Buffer,
    headers: Record<string, string> = {},
    url = '/v1/records',
  ): Promise<Response> =>
    request(app, {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...bearer(key), ...headers },
      payload,
    });

  /** Posts `payload` and expects the problem, with nothing written to the log. */
  async function refused(
    what: string,
    payload: string | Buffer,
    status: number,
    code: string,
    field?: string,
    headers: Record<string, string> = {},
    url?: string,
  ): Promise<void> {
    await assertNothingWritten(fx, ['acme-log'], async () => {
      const res = await post(payload, headers, url);
      assertProblem(res, status, code, field, what);
    });
  }

  /** Posts `payload` and expects 400 with one of `codes` (and `field`, if the problem has one). */
  async function refused400(
    what: string,
    payload: string | Buffer,
    codes: readonly string[],
    field?: string,
  ): Promise<void> {
    await assertNothingWritten(fx, ['acme-log'], async () => {
      const res = await post(payload);
      assert.equal(res.statusCode, 400, `${what}: ${res.body.slice(0, 300)}`);
      const body = res.json() as ProblemBody;
      assert.ok(codes.includes(body.code), `${what}: ${body.code}`);
      if (field !== undefined && body.field !== undefined) assert.equal(body.field, field, what);
    });
  }

  const json = (value: unknown): string => JSON.stringify(value);
  const digest = `sha256:${'ab'.repeat(32)}`;
  /** The JSON text of a valid statement with `members` (raw JSON text) appended. */
  const withRaw = (members: string): string => `{"digest":"${digest}","type":"t"${members}}`;

  it('accepts the valid baseline (so the refusals below are about what they change)', async () => {
    const res = await post(withRaw(''));
    assert.equal(res.statusCode, 201);
    const more = await post(json(statement({ subject: 'x'.repeat(256) })));
    assert.equal(more.statusCode, 201);
    const labels = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']));
    assert.equal((await post(json(statement({ labels })))).statusCode, 201);
  });

  it('refuses bodies that are not JSON objects', async () => {
    await refused('truncated JSON', '{"digest":', 400, 'invalid-json');
    await refused('trailing garbage', `${withRaw('')}x`, 400, 'invalid-json');
    await refused('single quotes', "{'digest':'x'}", 400, 'invalid-json');
    await refused('empty body', '', 400, 'invalid-json');
    await refused('array', '[]', 400, 'invalid-request');
    await refused('array of a statement', `[${withRaw('')}]`, 400, 'invalid-request');
    await refused('string', '"sha256:00"', 400, 'invalid-request');
    await refused('number', '42', 400, 'invalid-request');
    await refused('null', 'null', 400, 'invalid-request');
    await refused('boolean', 'true', 400, 'invalid-request');
  });

  it('refuses other media types with 415', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
    ]) {
      await refused(type, withRaw(''), 415, 'unsupported-media-type', undefined, {
        'content-type': type,
      });
    }
    await assertNothingWritten(fx, ['acme-log'], async () => {
      const res = await request(app, {
        method: 'POST',
        url: '/v1/records',
        headers: bearer(key),
        payload: withRaw(''),
      });
      assertProblem(res, 415, 'unsupported-media-type', undefined, 'no content type');
    });
  });

  it('refuses text/plain with 415 (a JSON statement sent as text is not parsed)', async () => {
    await refused('text/plain', withRaw(''), 415, 'unsupported-media-type', undefined, {
      'content-type': 'text/plain',
    });
    await refused(
      'text/plain; charset=utf-8',
      withRaw(''),
      415,
      'unsupported-media-type',
      undefined,
      {
        'content-type': 'text/plain; charset=utf-8',
      },
    );
  });

  it('refuses missing and malformed digests', async () => {
    const hex = 'ab'.repeat(32);
    await refused('no digest', json({ type: 't' }), 400, 'invalid-statement', '/digest');
    await refused('no type', json({ digest }), 400, 'invalid-statement', '/type');
    for (const bad of [
      `sha256:${hex.toUpperCase()}`,
      `sha256:${hex.slice(1)}`,
      `sha256:${hex}0`,
      `sha1:${'ab'.repeat(20)}`,
      `sha256: ${hex}`,
      `sha256:${hex} `,
      ` sha256:${hex}`,
      `sha256 :${hex}`,
      `SHA256:${hex}`,
      `sha256:${'g'.repeat(64)}`,
      `sha384:${hex}`,
      `sha256:`,
      hex,
      '',
    ]) {
      await refused(bad, json({ digest: bad, type: 't' }), 400, 'invalid-statement', '/digest');
    }
  });

  it('refuses wrong types for every field, with the field named', async () => {
    const cases: [unknown, string][] = [
      [{ digest: 123, type: 't' }, '/digest'],
      [{ digest: null, type: 't' }, '/digest'],
      [{ digest: [digest], type: 't' }, '/digest'],
      [{ digest, type: 5 }, '/type'],
      [{ digest, type: ['t'] }, '/type'],
      [{ digest, type: '' }, '/type'],
      [{ digest, type: 'has space' }, '/type'],
      [{ digest, type: 'x'.repeat(129) }, '/type'],
      [{ digest, type: 't', subject: 1 }, '/subject'],
      [{ digest, type: 't', subject: null }, '/subject'],
      [{ digest, type: 't', subject: '' }, '/subject'],
      [{ digest, type: 't', subject: {} }, '/subject'],
      [{ digest, type: 't', labels: [] }, '/labels'],
      [{ digest, type: 't', labels: 'env:prod' }, '/labels'],
      [{ digest, type: 't', labels: null }, '/labels'],
      [{ digest, type: 't', labels: { env: 1 } }, '/labels/env'],
      [{ digest, type: 't', labels: { env: null } }, '/labels/env'],
      [{ digest, type: 't', labels: { env: ['prod'] } }, '/labels/env'],
      [{ digest, type: 't', labels: { env: { a: 'b' } } }, '/labels/env'],
      [{ digest, type: 't', labels: { 'bad key': 'x' } }, '/labels/bad key'],
      [{ digest, type: 't', labels: { '': 'x' } }, '/labels/'],
      [{ digest, type: 't', commitments: 'x' }, '/commitments'],
      [{ digest, type: 't', commitments: [] }, '/commitments'],
      [{ digest, type: 't', commitments: { a: 1 } }, '/commitments/a'],
      [{ digest, type: 't', commitments: { a: 'sha256:zz' } }, '/commitments/a'],
      [{ digest, type: 't', commitments: { a: `sha512:${'ab'.repeat(64)}` } }, '/commitments/a'],
      [{ digest, type: 't', controls: 'SOC2:PI1.4' }, '/controls'],
      [{ digest, type: 't', controls: {} }, '/controls'],
      [{ digest, type: 't', controls: [] }, '/controls'],
      [{ digest, type: 't', controls: [1] }, '/controls/0'],
      [{ digest, type: 't', controls: ['a', 'a'] }, '/controls/1'],
      [{ digest, type: 't', controls: ['a b'] }, '/controls/0'],
      [{ digest, type: 't', issuer: 'me' }, '/issuer'],
      [{ digest, type: 't', issuer: {} }, '/issuer/key'],
      [{ digest, type: 't', issuer: { key: 1, sig: 'x' } }, '/issuer/key'],
      [{ digest, type: 't', issuer: { key: 'me+0000000g', sig: 'x' } }, '/issuer/key'],
      [{ digest, type: 't', issuer: { key: 'me+00000000', sig: 'x' } }, '/issuer/sig'],
      [{ digest, type: 't', issuer: { key: 'me+00000000', sig: 1 } }, '/issuer/sig'],
      [
        { digest, type: 't', issuer: { key: 'me+00000000', sig: 'A'.repeat(88), x: 1 } },
        '/issuer/x',
      ],
    ];
    for (const [body, field] of cases) {
      await refused(json(body), json(body), 400, 'invalid-statement', field);
    }
  });

  it('refuses unknown members and the members the log sets', async () => {
    await refused('unknown', withRaw(',"extra":1'), 400, 'invalid-statement', '/extra');
    await refused('unknown null', withRaw(',"note":null'), 400, 'invalid-statement', '/note');
    await refused(
      'schema',
      withRaw(',"schema":"proofline.dev/record/v1"'),
      400,
      'invalid-statement',
      '/schema',
    );
    await refused('tenant', withRaw(',"tenant":"beta"'), 400, 'invalid-statement', '/tenant');
    await refused(
      'time',
      withRaw(',"time":"2020-01-01T00:00:00.000Z"'),
      400,
      'invalid-statement',
      '/time',
    );
  });

  it('refuses lone surrogates, control characters and NUL', async () => {
    for (const [raw, field] of [
      ['"subject":"\\ud800"', '/subject'],
      ['"subject":"a\\udc00b"', '/subject'],
      ['"subject":"\\udc00\\ud800"', '/subject'],
      ['"labels":{"k":"\\ud800"}', '/labels/k'],
      ['"labels":{"k":"x\\udfff"}', '/labels/k'],
      ['"subject":"bell\\u0007"', '/subject'],
      ['"subject":"line\\nbreak"', '/subject'],
      ['"subject":"\\u001f"', '/subject'],
      ['"subject":"\\u007f"', '/subject'],
      ['"subject":"\\u0085"', '/subject'],
      ['"subject":"\\u009f"', '/subject'],
      ['"labels":{"k":"tab\\t"}', '/labels/k'],
      ['"subject":"nul\\u0000"', '/subject'],
      ['"subject":"\\u0000"', '/subject'],
      ['"labels":{"k":"\\u0000"}', '/labels/k'],
      ['"type":"t\\u0000"', '/type'],
      ['"controls":["a\\u0000"]', '/controls/0'],
    ] as const) {
      const body = raw.startsWith('"type"') ? `{"digest":"${digest}",${raw}}` : withRaw(`,${raw}`);
      await refused(raw, body, 400, 'invalid-statement', field);
    }
    // A NUL in a member name is refused too (as an invalid name, or as invalid JSON).
    await assertNothingWritten(fx, ['acme-log'], async () => {
      const res = await post(withRaw(',"labels":{"a\\u0000":"x"}'));
      assert.equal(res.statusCode, 400);
      const res2 = await post(withRaw(',"a\\u0000":1'));
      assert.equal(res2.statusCode, 400);
    });
  });

  it('refuses over-long subjects, too many labels and over-long names', async () => {
    await refused(
      '300-char subject',
      json(statement({ subject: 's'.repeat(300) })),
      400,
      'invalid-statement',
      '/subject',
    );
    await refused(
      '257-char subject',
      json(statement({ subject: 's'.repeat(257) })),
      400,
      'invalid-statement',
      '/subject',
    );
    const labels = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    await refused(
      '33 labels',
      json(statement({ labels: labels(33) })),
      400,
      'invalid-statement',
      '/labels',
    );
    await refused(
      '64 labels',
      json(statement({ labels: labels(64) })),
      400,
      'invalid-statement',
      '/labels',
    );
    // Beyond the body parser's limit of 64 members per object.
    await refused(
      '3000 labels',
      json(statement({ labels: labels(3000) })),
      413,
      'payload-too-large',
    );
    await refused(
      '65-char label name',
      json(statement({ labels: { ['k'.repeat(65)]: 'v' } })),
      400,
      'invalid-statement',
      `/labels/${'k'.repeat(65)}`,
    );
    await refused(
      '257-char label value',
      json(statement({ labels: { k: 'v'.repeat(257) } })),
      400,
      'invalid-statement',
      '/labels/k',
    );
    await refused(
      '33 controls',
      json(statement({ controls: Array.from({ length: 33 }, (_, i) => `c${i}`) })),
      400,
      'invalid-statement',
      '/controls',
    );
  });

  it('refuses __proto__ as a label name and keeps constructor as plain data', async () => {
    // Refused by the JSON parser (invalid-json) or as an invalid name (invalid-statement).
    const codes = ['invalid-json', 'invalid-statement'];
    await refused400(
      '__proto__ label',
      withRaw(',"labels":{"__proto__":"x"}'),
      codes,
      '/labels/__proto__',
    );
    await refused400(
      '__proto__ object label',
      withRaw(',"labels":{"__proto__":{"polluted":"yes"}}'),
      codes,
      '/labels/__proto__',
    );
    await refused400('__proto__ member', withRaw(',"__proto__":{"type":"x"}'), codes, '/__proto__');
    await refused400(
      'escaped __proto__',
      withRaw(',"labels":{"\\u005f_proto__":"x"}'),
      codes,
      '/labels/__proto__',
    );
    await refused400(
      'constructor.prototype',
      withRaw(',"labels":{"constructor":{"prototype":{"polluted":"yes"}}}'),
      codes,
      '/labels/constructor',
    );
    // `constructor` (and other Object.prototype names) are valid label names: plain data.
    const res = await post(
      json(statement({ labels: { constructor: 'c', toString: 't', hasOwnProperty: 'h' } })),
    );
    assert.equal(res.statusCode, 201, res.body);
    const view = res.json() as ReceiptBody;
    assert.deepEqual(view.record.labels, { constructor: 'c', hasOwnProperty: 'h', toString: 't' });
    const listed = await request(app, {
      method: 'GET',
      url: `/v1/records?label=constructor:c&from=${Date.parse(view.time)}`,
      headers: bearer(key),
    });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      (listed.json() as { records: { id: string }[] }).records.map((r) => r.id),
      [view.id],
    );
    const none = await request(app, {
      method: 'GET',
      url: '/v1/records?label=constructor:Object',
      headers: bearer(key),
    });
    assert.equal(none.statusCode, 200);
    assert.equal((none.json() as { records: unknown[] }).records.length, 0);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  });

  it('refuses duplicated member names', async () => {
    // RFC 8259 leaves them undefined; JSON.parse would silently keep the last one.
    const other = `sha256:${'cd'.repeat(32)}`;
    const codes = ['invalid-json', 'invalid-statement'];
    await refused400(
      'duplicate digest',
      `{"digest":"${digest}","digest":"${other}","type":"t"}`,
      codes,
      '/digest',
    );
    await refused400(
      'duplicate via escape',
      `{"digest":"${digest}","type":"a","\\u0074ype":"b"}`,
      codes,
      '/type',
    );
    await refused400(
      'duplicate label',
      withRaw(',"labels":{"env":"prod","env":"dev"}'),
      codes,
      '/labels/env',
    );
  });

  it('refuses JSON nested deeper than 8 levels, wherever it is, without exhausting the stack', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    await refused('nested label value', withRaw(`,"labels":{"k":${deep}}`), 400, 'invalid-json');
    await refused('nested body', deep, 400, 'invalid-json');
    await refused('nested unknown member', withRaw(`,"x":${deep}`), 400, 'invalid-json');
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    await refused('nested objects', withRaw(`,"labels":{"k":${objects}}`), 400, 'invalid-json');
    const scanned = `${'{"constructor":'.repeat(4_000)}1${'}'.repeat(4_000)}`;
    await refused(
      'nested prototype names',
      withRaw(`,"labels":{"k":${scanned}}`),
      400,
      'invalid-json',
    );
    // Depth 8 is parsed (and then refused by the statement parser), depth 9 is not.
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    await refused('depth 8', withRaw(`,"x":${nested(7)}`), 400, 'invalid-statement', '/x');
    await refused('depth 9', withRaw(`,"x":${nested(8)}`), 400, 'invalid-json');
  });

  it('refuses objects beyond 64 members and arrays beyond 1024 elements with 413', async () => {
    const members = (n: number) =>
      `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`;
    await refused('64 members', withRaw(`,"x":${members(64)}`), 400, 'invalid-statement', '/x');
    await refused('65 members', withRaw(`,"x":${members(65)}`), 413, 'payload-too-large');
    await refused('65 statement members', members(65), 413, 'payload-too-large');
    const elements = (n: number) => `[${'0,'.repeat(n - 1)}0]`;
    await refused(
      '1024 elements',
      withRaw(`,"x":${elements(1024)}`),
      400,
      'invalid-statement',
      '/x',
    );
    await refused('1025 elements', withRaw(`,"x":${elements(1025)}`), 413, 'payload-too-large');
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    await refused(
      '70 KB',
      json(statement({ subject: 's'.repeat(70_000) })),
      413,
      'payload-too-large',
    );
    await refused(
      '70 KB of whitespace',
      `${' '.repeat(70_000)}${withRaw('')}`,
      413,
      'payload-too-large',
    );
  });

  it('refuses bodies that are not valid UTF-8', async () => {
    // Decoding them with replacement characters would sign a subject the client never sent.
    const head = Buffer.from(`{"digest":"${randomDigest()}","type":"t","subject":"a`);
    const codes = ['invalid-json', 'invalid-request'];
    await refused400(
      'invalid UTF-8 in a string',
      Buffer.concat([head, Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      codes,
    );
    await refused400(
      'a lone surrogate encoded in UTF-8',
      Buffer.concat([head, Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      codes,
    );
    await refused400(
      'an over-long encoding of "/"',
      Buffer.concat([head, Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      codes,
    );
  });

  it('refuses unknown and malformed query parameters', async () => {
    const body = withRaw('');
    await refused('unknown', body, 400, 'invalid-request', undefined, {}, '/v1/records?foo=1');
    await refused(
      'repeated log',
      body,
      400,
      'invalid-request',
      undefined,
      {},
      '/v1/records?log=acme-log&log=acme-log',
    );
    await refused(
      'wait=forever',
      body,
      400,
      'invalid-request',
      undefined,
      {},
      '/v1/records?wait=forever',
    );
    await refused('wait=', body, 400, 'invalid-request', undefined, {}, '/v1/records?wait=');
    await refused(
      'repeated wait',
      body,
      400,
      'invalid-request',
      undefined,
      {},
      '/v1/records?wait=proof&wait=proof',
    );
    await refused('wait header', body, 400, 'invalid-request', undefined, {
      'proofline-wait': 'soon',
    });
    await refused(
      'batch: unknown',
      json({ records: [statement()] }),
      400,
      'invalid-request',
      undefined,
      {},
      '/v1/records/batch?limit=1',
    );
  });

  it('refuses invalid Idempotency-Keys', async () => {
    const body = withRaw('');
    for (const [what, value] of [
      ['256 characters', 'k'.repeat(256)],
      ['non-ASCII', 'schlüssel'],
      ['non-Latin-1', '\u952e'],
      ['space', 'a b'],
      ['tab', 'a\tb'],
      ['empty', ''],
      ['DEL', 'a\x7f'],
    ] as const) {
      await refused(what, body, 400, 'invalid-idempotency-key', undefined, {
        'idempotency-key': value,
      });
    }
    const ok = await post(json(statement()), { 'idempotency-key': 'k'.repeat(255) });
    assert.equal(ok.statusCode, 201);
  });

  it('answers unknown methods and paths with problems, never 5xx', async () => {
    for (const [method, url] of [
      ['PUT', '/v1/records'],
      ['DELETE', '/v1/records/acme-log-0'],
      ['PATCH', '/v1/records/batch'],
      ['GET', '/v1/records/batch/x'],
      ['GET', '/v1/nope'],
      ['POST', '/v1/records/acme-log-0/proof'],
    ] as const) {
      const res = await request(app, { method, url, headers: bearer(key), payload: withRaw('') });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} ${url}`);
    }
  });
});
