import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import {
  ALG_EDDSA,
  ALG_ES256,
  CWT_ISS,
  CWT_SUB,
  HEADER_ALG,
  HEADER_CRIT,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
} from '@proofline/cose';
import {
  SCITT_STATEMENT_TYPE,
  coseIssuerKey,
  digestLookupKey,
  formatCoseIssuerKey,
  registeredStatementDigest,
} from '@proofline/records';
import {
  Fixture,
  assertProblem,
  bearer,
  problemBody,
  randomDigest,
  request,
  type Response,
} from './helpers.js';
import {
  claims,
  forgedStatement,
  signedStatement,
  testIssuer,
  type TestIssuer,
} from './scitt-statements.js';

interface Refusal {
  readonly name: string;
  readonly body: () => Promise<Uint8Array> | Uint8Array;
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly headers?: Record<string, string>;
}

/**
 * POST /entries against hostile and careless clients: every refusal is a 4xx concise problem
 * (or a JSON one when asked) naming what failed, and nothing is written: the log's size and
 * the digest lookup are unchanged.
 */
describe('SCITT registration refusals', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  const keys: Record<string, string> = {};
  const ed = testIssuer('EdDSA');
  const es = testIssuer('ES256');
  const bound = testIssuer('EdDSA');
  const revoked = testIssuer('EdDSA');
  const stranger = testIssuer('EdDSA');
  const theirs = testIssuer('ES256');

  before(async () => {
    fx = await Fixture.create([
      { name: 'reg', tenant: 'acme' },
      { name: 'beta', tenant: 'beta' },
    ]);
    app = await fx.app(undefined, { registrationWaitMs: 10_000 });
    keys.writer = await fx.apiKey('acme', ['records:write', 'records:read']);
    keys.reader = await fx.apiKey('acme', ['records:read']);
    await trust('acme', ed);
    await trust('acme', es);
    await trust('acme', bound, 'issuer.example');
    await fx.storage.revokeIssuerKey('acme', await trust('acme', revoked), Date.now());
    await trust('beta', theirs);
  });

  after(() => fx.close());

  async function trust(tenant: string, issuer: TestIssuer, iss?: string): Promise<string> {
    const text = formatCoseIssuerKey(
      coseIssuerKey(issuer.signer.publicKey, iss === undefined ? {} : { issuer: iss }),
    );
    await fx.storage.ensureTenant(tenant, Date.now());
    await fx.storage.addIssuerKey(tenant, text, Date.now());
    return text;
  }

  const post = (
    body: Uint8Array,
    headers: Record<string, string> = {},
    url = '/entries',
  ): Promise<Response> =>
    request(app, {
      method: 'POST',
      url,
      headers: { ...bearer(keys.writer!), 'content-type': 'application/cose', ...headers },
      payload: Buffer.from(body),
    });

  const valid = () => signedStatement(ed);
  const flip = (bytes: Uint8Array, at: number): Uint8Array => {
    const copy = bytes.slice();
    copy[at < 0 ? copy.length + at : at]! ^= 0x01;
    return copy;
  };
  const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

  const refusals: Refusal[] = [
    {
      name: 'bad CBOR',
      body: () => Uint8Array.of(0xff, 0x00),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'truncated',
      body: async () => (await valid()).slice(0, -5),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'trailing bytes',
      body: async () => concat(await valid(), Uint8Array.of(0)),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'wrong tag (17, COSE_Mac0)',
      body: async () => concat(Uint8Array.of(0xd1), (await valid()).slice(1)),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'untagged garbage',
      body: () => new TextEncoder().encode('{"digest":"sha256:00"}'),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'a huge declared length',
      body: () => Uint8Array.of(0xd2, 0x84, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'deep nesting',
      body: () => concat(new Uint8Array(2000).fill(0x81), Uint8Array.of(0)),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'an empty body',
      body: () => new Uint8Array(0),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/',
    },
    {
      name: 'an unknown critical header',
      body: () =>
        forgedStatement(ed, [
          [HEADER_ALG, ALG_EDDSA],
          [HEADER_CRIT, [99]],
          [HEADER_KID, ed.kid],
          [HEADER_CWT_CLAIMS, claims()],
          [99, 1],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/2',
    },
    {
      name: 'alg none (absent)',
      body: () =>
        forgedStatement(ed, [
          [HEADER_KID, ed.kid],
          [HEADER_CWT_CLAIMS, claims()],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/1',
    },
    {
      name: 'alg ES384 (unsupported)',
      body: () =>
        forgedStatement(ed, [
          [HEADER_ALG, -35],
          [HEADER_KID, ed.kid],
          [HEADER_CWT_CLAIMS, claims()],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/1',
    },
    {
      name: 'no kid',
      body: () =>
        forgedStatement(ed, [
          [HEADER_ALG, ALG_EDDSA],
          [HEADER_CWT_CLAIMS, claims()],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/4',
    },
    {
      name: 'no CWT claims',
      body: () =>
        forgedStatement(ed, [
          [HEADER_ALG, ALG_EDDSA],
          [HEADER_KID, ed.kid],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/15',
    },
    {
      name: 'no sub',
      body: () =>
        forgedStatement(ed, [
          [HEADER_ALG, ALG_EDDSA],
          [HEADER_KID, ed.kid],
          [HEADER_CWT_CLAIMS, claims([[CWT_ISS, 'issuer.example']])],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/15/2',
    },
    {
      name: 'an iss that is no text',
      body: () =>
        forgedStatement(ed, [
          [HEADER_ALG, ALG_EDDSA],
          [HEADER_KID, ed.kid],
          [
            HEADER_CWT_CLAIMS,
            claims([
              [CWT_ISS, 7],
              [CWT_SUB, 's'],
            ]),
          ],
        ]),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/protected/15/1',
    },
    {
      name: 'a detached payload',
      body: () => signedStatement(ed, { detached: true }),
      status: 400,
      code: 'invalid-signed-statement',
      field: '/payload',
    },
    {
      name: 'an unknown kid',
      body: () => signedStatement(stranger),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/protected/4',
    },
    {
      name: "another tenant's key",
      body: () => signedStatement(theirs),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/protected/4',
    },
    {
      name: 'a revoked key',
      body: () => signedStatement(revoked),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/protected/4',
    },
    {
      name: "a key of another alg under the statement's kid",
      body: () => signedStatement({ signer: es.signer, kid: ed.kid }),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/protected/1',
    },
    {
      name: "an iss not the key's binding",
      body: () => signedStatement(bound, { iss: 'evil.example' }),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/protected/15/1',
    },
    {
      name: 'a flipped signature',
      body: async () => flip(await valid(), -1),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/signature',
    },
    {
      name: "another key's signature under a trusted kid",
      body: () => signedStatement({ signer: stranger.signer, kid: ed.kid }),
      status: 400,
      code: 'invalid-issuer-signature',
      field: '/signature',
    },
    {
      name: 'a body over 64 KiB',
      body: () => new Uint8Array(64 * 1024 + 1),
      status: 413,
      code: 'payload-too-large',
    },
    {
      name: 'JSON',
      body: () => new TextEncoder().encode('{}'),
      status: 415,
      code: 'unsupported-media-type',
      headers: { 'content-type': 'application/json' },
    },
    {
      name: 'text/plain',
      body: valid,
      status: 415,
      code: 'unsupported-media-type',
      headers: { 'content-type': 'text/plain' },
    },
    {
      name: 'no API key',
      body: valid,
      status: 401,
      code: 'unauthorized',
      headers: { authorization: '' },
    },
    {
      name: 'a read-only key',
      body: valid,
      status: 403,
      code: 'insufficient-scope',
      headers: { authorization: '' },
    },
    {
      name: 'an unknown query parameter',
      body: valid,
      status: 400,
      code: 'invalid-request',
      headers: {},
    },
  ];

  for (const r of refusals) {
    it(`refuses ${r.name}: ${r.status} ${r.code}, concise, nothing written`, async () => {
      const body = await r.body();
      let digest: string | undefined;
      try {
        digest = registeredStatementDigest(body);
      } catch {
        digest = undefined;
      }
      const size = await fx.size('reg');
      const headers = { ...r.headers };
      if (r.name === 'a read-only key') headers.authorization = `Bearer ${keys.reader!}`;
      if (r.name === 'no API key') delete headers.authorization;
      const url = r.name === 'an unknown query parameter' ? '/entries?wait=proof' : '/entries';
      const res = await request(app, {
        method: 'POST',
        url,
        headers: {
          ...(r.name === 'no API key' ? {} : bearer(keys.writer!)),
          'content-type': 'application/cose',
          ...headers,
        },
        payload: Buffer.from(body),
      });
      assertProblem(res, r.status, r.code, r.field, r.name);
      assert.equal(res.headers['content-type'], 'application/concise-problem-details+cbor');
      assert.equal(await fx.size('reg'), size, 'nothing appended');
      if (digest !== undefined) {
        const found = await fx.storage.findByLookupKey('reg', digestLookupKey(digest), 10);
        assert.deepEqual(found, [], 'no record of it');
      }
    });
  }

  it('answers a JSON problem when Accept prefers JSON, concise when it prefers CBOR', async () => {
    const bad = Uint8Array.of(0xff);
    const json = await post(bad, { accept: 'application/problem+json' });
    assert.match(String(json.headers['content-type']), /^application\/problem\+json/);
    assertProblem(json, 400, 'invalid-signed-statement', '/');
    const plain = await post(bad, { accept: 'application/cose, application/json;q=0.5' });
    assert.match(String(plain.headers['content-type']), /^application\/problem\+json/);
    const cbor = await post(bad, {
      accept: 'application/json;q=0.5, application/concise-problem-details+cbor',
    });
    assert.equal(cbor.headers['content-type'], 'application/concise-problem-details+cbor');
    assert.equal(problemBody(cbor).title, 'Bad Request');
  });

  it('names the key problems in the detail', async () => {
    const res = await post(await signedStatement(stranger));
    assert.match(
      problemBody(res).detail,
      /no active issuer key of this tenant has kid [0-9a-f]{64}/,
    );
  });

  it("refuses a tenant's own record of type scitt.signed-statement, single and batch", async () => {
    const statement = { digest: randomDigest(), type: SCITT_STATEMENT_TYPE, subject: 'x' };
    const size = await fx.size('reg');
    const single = await request(app, {
      method: 'POST',
      url: '/v1/records?log=reg',
      headers: bearer(keys.writer!),
      payload: statement,
    });
    assertProblem(single, 400, 'invalid-statement', '/type');
    assert.match(problemBody(single).detail, /reserved for registered SCITT signed statements/);
    const batch = await request(app, {
      method: 'POST',
      url: '/v1/records/batch?log=reg',
      headers: bearer(keys.writer!),
      payload: { records: [{ digest: randomDigest(), type: 'x.y' }, statement] },
    });
    assertProblem(batch, 400, 'invalid-statement', '/records/1/type');
    assert.equal(await fx.size('reg'), size);
  });

  it('refuses a statement for a log of another tenant (?log=) as an unknown log', async () => {
    const res = await post(await valid(), {}, '/entries?log=beta');
    assertProblem(res, 404, 'unknown-log');
    assert.equal(await fx.size('beta'), 0);
  });

  it('takes the COSE media types with parameters and in any case', async () => {
    for (const type of [
      'application/cose; cose-type="cose-sign1"',
      'Application/COSE',
      'application/scitt-statement+cose;charset=binary',
    ]) {
      const res = await post(await valid(), { 'content-type': type });
      assert.equal(res.statusCode, 201, `${type}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
  });

  it("an insider's altered issuer key line is a 500 storage-corrupt, not a trusted key", async () => {
    await fx.storage.ensureTenant('gamma', Date.now());
    await fx.addLog({ name: 'gamma', tenant: 'gamma' });
    const writer = await fx.apiKey('gamma', ['records:write']);
    const issuer = testIssuer('EdDSA');
    const line = formatCoseIssuerKey(coseIssuerKey(issuer.signer.publicKey));
    await fx.storage.addIssuerKey('gamma', `${line}x`, Date.now());
    const logged: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) {
          if (line !== '') logged.push(JSON.parse(line) as Record<string, unknown>);
        }
        callback();
      },
    });
    const app2 = await fx.app(undefined, {
      registrationWaitMs: 10_000,
      logger: { level: 'info', stream },
    });
    const res = await request(
      app2,
      {
        method: 'POST',
        url: '/entries',
        headers: { ...bearer(writer), 'content-type': 'application/cose' },
        payload: Buffer.from(await signedStatement(issuer)),
      },
      [500],
    );
    assertProblem(res, 500, 'storage-corrupt');
    assert.equal(res.headers['content-type'], 'application/concise-problem-details+cbor');
    assert.equal(await fx.size('gamma'), 0);
    const failed = logged.find((l) => l.msg === 'request failed');
    assert.ok(failed, 'the 5xx is logged');
    assert.equal(failed.level, 50);
    assert.equal(failed.problem, 'storage-corrupt');
  });

  it('still registers after all that: the policy refused, it did not break', async () => {
    const res = await post(await signedStatement(bound, { iss: 'issuer.example' }));
    assert.equal(res.statusCode, 201);
    const alg = await post(
      await forgedStatement(es, [
        [HEADER_ALG, ALG_ES256],
        [HEADER_KID, es.kid],
        [
          HEADER_CWT_CLAIMS,
          claims([
            [CWT_SUB, 's'],
            [CWT_ISS, 'i'],
          ]),
        ],
      ]),
    );
    assert.equal(alg.statusCode, 201);
  });
});
