import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Storage } from '@proofline/storage';
import {
  attestBatch,
  Fixture,
  bearer,
  randomDigest,
  request,
  type ReceiptBody,
  type Response,
} from './helpers.js';

/**
 * Private logs as an outsider attacks them: anonymous and other-tenant requests for entries,
 * records, proofs, listings and lookups learn nothing, not even whether a record or digest
 * exists (same status, same body, same storage reads), while the checkpoint and hash tiles
 * stay public; the owning tenant reads everything; share links open one record, until
 * revoked or expired.
 */
describe('private logs and share links', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  /** Storage calls of `app`, by method name, since the last reset. */
  let calls: string[] = [];
  const keys: Record<string, string> = {};
  let secret: ReceiptBody[];
  let open: ReceiptBody[];

  before(async () => {
    fx = await Fixture.create([
      { name: 'secret', tenant: 'acme', visibility: 'private' },
      { name: 'open', tenant: 'acme' },
      { name: 'theirs', tenant: 'beta', visibility: 'private' },
    ]);
    const counting = new Proxy(fx.storage, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as unknown as Storage;
    app = await fx.app(undefined, { storage: counting });
    keys.acme = await fx.apiKey('acme', ['records:write', 'records:read']);
    keys.read = await fx.apiKey('acme', ['records:read']);
    keys.audit = await fx.apiKey('acme', ['audit:read']);
    keys.write = await fx.apiKey('acme', ['records:write']);
    keys.beta = await fx.apiKey('beta', ['records:write', 'records:read', 'audit:read']);
    secret = await attest('secret', 3);
    open = await attest('open', 2);
    for (const [log, size] of [
      ['secret', 3],
      ['open', 2],
    ] as const) {
      while (((await fx.storage.latestCheckpoint(log))?.size ?? 0) < size) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });

  after(() => fx.close());

  const attest = (log: string, n: number) => attestBatch(app, keys.acme!, log, n);

  const get = (url: string, headers: Record<string, string> = {}) =>
    request(app, { method: 'GET', url, headers });
  const token = (r: ReceiptBody) =>
    /#t=(pls_[0-9a-f]{16}_[A-Za-z0-9_-]{43})$/.exec(r.verificationUrl)![1]!;
  const share = (t: string) => ({ 'proofline-share': t });

  /** Status, headers that matter and body of a refusal, with `id` replaced by a placeholder. */
  function shape(res: Response, id?: string) {
    return {
      status: res.statusCode,
      type: res.headers['content-type'],
      challenge: res.headers['www-authenticate'],
      body: id === undefined ? res.body : res.body.split(id).join('<id>'),
    };
  }

  /** The responses to two requests, and the storage methods each called (after a warm-up). */
  async function compare(a: () => Promise<Response>, b: () => Promise<Response>) {
    await a();
    await b();
    calls = [];
    const ra = await a();
    const callsA = calls;
    calls = [];
    const rb = await b();
    const callsB = calls;
    return { ra, rb, callsA, callsB };
  }

  it('attest returns a share link for each record of a private log, a plain URL for a public one', () => {
    for (const r of secret) {
      assert.match(r.verificationUrl, new RegExp(`^https://ledger.test/r/${r.id}#t=pls_`));
    }
    assert.equal(new Set(secret.map(token)).size, 3, 'one token per record');
    for (const r of open) assert.equal(r.verificationUrl, `https://ledger.test/r/${r.id}`);
  });

  it('keeps the checkpoint and hash tiles of a private log public, and says it is private', async () => {
    assert.equal((await get('/logs/secret/checkpoint')).statusCode, 200);
    const tile = await get('/logs/secret/tile/0/000.p/3');
    assert.equal(tile.statusCode, 200);
    assert.equal(tile.rawPayload.length, 3 * 32);
    assert.equal((await get('/logs/secret/')).json().visibility, 'private');
    const logs = (await get('/logs')).json().logs as { name: string; visibility: string }[];
    assert.deepEqual(
      logs.map((l) => [l.name, l.visibility]),
      [
        ['open', 'public'],
        ['secret', 'private'],
        ['theirs', 'private'],
      ],
    );
  });

  it('answers anonymous reads of entries and proofs 401, the same for what exists and what does not', async () => {
    const tiles = await compare(
      () => get('/logs/secret/tile/entries/000.p/3'),
      () => get('/logs/secret/tile/entries/x001/000'),
    );
    assert.equal(tiles.ra.statusCode, 401);
    assert.deepEqual(shape(tiles.ra), shape(tiles.rb));
    assert.deepEqual(tiles.callsA, tiles.callsB, 'the same storage reads');
    assert.equal(tiles.ra.json().code, 'unauthorized');
    assert.equal(tiles.ra.headers['www-authenticate'], 'Bearer');

    const proofs = await compare(
      () => get('/v1/records/secret-0/proof'),
      () => get('/v1/records/secret-999/proof'),
    );
    assert.equal(proofs.ra.statusCode, 401);
    assert.deepEqual(shape(proofs.ra), shape(proofs.rb), 'not even the id is echoed');
    assert.deepEqual(proofs.callsA, proofs.callsB);
    assert.deepEqual(proofs.callsA, [], 'decided before any storage read');
    const tlog = await get('/v1/records/secret-0/proof?format=tlog-proof');
    assert.deepEqual(shape(tlog), shape(proofs.ra));

    // Listings and record reads need a key anyway.
    for (const url of [
      '/v1/records/secret-0',
      '/v1/records?log=secret',
      '/v1/audit/controls?log=secret',
    ]) {
      assert.equal((await get(url)).statusCode, 401, url);
    }
  });

  it("answers another tenant's key 404, the same for what exists and what does not", async () => {
    const beta = bearer(keys.beta!);
    const proofs = await compare(
      () => get('/v1/records/secret-1/proof', beta),
      () => get('/v1/records/secret-998/proof', beta),
    );
    assert.equal(proofs.ra.statusCode, 404);
    assert.equal(proofs.ra.json().code, 'record-not-found');
    assert.deepEqual(shape(proofs.ra, 'secret-1'), shape(proofs.rb, 'secret-998'));
    assert.deepEqual(proofs.callsA, proofs.callsB);

    const tiles = await compare(
      () => get('/logs/secret/tile/entries/000.p/3', beta),
      () => get('/logs/secret/tile/entries/000.p/200', beta),
    );
    assert.equal(tiles.ra.statusCode, 404);
    assert.deepEqual(shape(tiles.ra), shape(tiles.rb));
    assert.deepEqual(tiles.callsA, tiles.callsB);

    for (const [exists, missing] of [
      ['/v1/records/secret-0', '/v1/records/secret-997'],
      ['/v1/records/secret-0/shares', '/v1/records/secret-997/shares'],
    ] as const) {
      const a = await get(exists, beta);
      const b = await get(missing, beta);
      assert.equal(a.statusCode, 404, exists);
      assert.deepEqual(shape(a, 'secret-0'), shape(b, 'secret-997'));
    }
    const listing = await get('/v1/records?log=secret', beta);
    assert.equal(listing.statusCode, 404);
    assert.equal(listing.json().code, 'unknown-log');
    const audit = await get('/v1/audit/controls?log=secret', beta);
    assert.equal(audit.json().code, 'unknown-log');
    const digest = secret[0]!.record.digest;
    const byDigest = await get(`/v1/records?digest=${digest}`, beta);
    assert.deepEqual(byDigest.json(), { records: [] });
  });

  it('never finds a private record by digest for anyone but its tenant', async () => {
    const digest = secret[0]!.record.digest;
    const lookups = await compare(
      () => get(`/v1/lookup?digest=${digest}`),
      () => get(`/v1/lookup?digest=${randomDigest()}`),
    );
    assert.deepEqual(shape(lookups.ra), shape(lookups.rb));
    assert.deepEqual(lookups.ra.json(), { records: [] });
    assert.deepEqual(lookups.callsA, lookups.callsB, 'private logs are never searched');
    const beta = await get(`/v1/lookup?digest=${digest}`, bearer(keys.beta!));
    assert.deepEqual(beta.json(), { records: [] });
    const own = await get(`/v1/lookup?digest=${digest}`, bearer(keys.read!));
    assert.deepEqual(own.json(), { records: [{ id: 'secret-0', log: 'secret', index: 0 }] });
    assert.equal(own.headers['cache-control'], 'private, no-store');
    const bad = await get(`/v1/lookup?digest=${digest}`, bearer(`${keys.read!.slice(0, -2)}xx`));
    assert.equal(bad.statusCode, 401);
    // A public log's records are found by anyone, as before.
    const pub = await get(`/v1/lookup?digest=${open[1]!.record.digest}`);
    assert.deepEqual(pub.json(), { records: [{ id: 'open-1', log: 'open', index: 1 }] });
  });

  it("lets the owning tenant's read keys read everything; a key without a read scope gets 403", async () => {
    for (const key of [keys.read!, keys.audit!, keys.acme!]) {
      const h = bearer(key);
      const bundle = await get('/logs/secret/tile/entries/000.p/3', h);
      assert.equal(bundle.statusCode, 200);
      assert.equal(bundle.headers['cache-control'], 'private, no-cache');
      assert.match(String(bundle.headers.vary), /Authorization/);
      const proof = await get('/v1/records/secret-2/proof', h);
      assert.equal(proof.statusCode, 200);
      assert.equal(proof.headers['cache-control'], 'private, no-store');
      assert.equal(proof.json().id, 'secret-2');
    }
    assert.equal((await get('/v1/records?log=secret', bearer(keys.read!))).statusCode, 200);
    const writeOnly = await get('/v1/records/secret-0/proof', bearer(keys.write!));
    assert.equal(writeOnly.statusCode, 403);
    assert.equal(writeOnly.json().code, 'insufficient-scope');
  });

  it('serves public logs to anyone, as before', async () => {
    const bundle = await get('/logs/open/tile/entries/000.p/2');
    assert.equal(bundle.statusCode, 200);
    assert.equal(bundle.headers['cache-control'], 'public, max-age=31536000, immutable');
    const proof = await get('/v1/records/open-0/proof');
    assert.equal(proof.statusCode, 200);
    assert.equal(proof.headers['cache-control'], 'no-cache');
  });

  it('opens one record with its share link, not another, and nothing else', async () => {
    const t0 = token(secret[0]!);
    const ok = await get('/v1/records/secret-0/proof', share(t0));
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().id, 'secret-0');
    const anonymous = shape(await get('/v1/records/secret-1/proof'));
    assert.deepEqual(shape(await get('/v1/records/secret-1/proof', share(t0))), anonymous);
    const tampered = `${t0.slice(0, -1)}${t0.endsWith('A') ? 'B' : 'A'}`;
    assert.deepEqual(
      shape(await get('/v1/records/secret-0/proof', share(tampered))),
      shape(await get('/v1/records/secret-0/proof')),
    );
    assert.equal((await get('/logs/secret/tile/entries/000.p/3', share(t0))).statusCode, 401);
    assert.equal((await get('/v1/records/secret-0', share(t0))).statusCode, 401);
  });

  it('makes, lists and revokes share links through the API, for the owning tenant only', async () => {
    const acme = bearer(keys.acme!);
    const made = await request(app, {
      method: 'POST',
      url: '/v1/records/secret-1/shares',
      headers: acme,
      payload: { expiresInSeconds: 3600 },
    });
    assert.equal(made.statusCode, 201, made.body);
    const link = made.json();
    assert.match(link.token, /^pls_/);
    assert.equal(link.url, `https://ledger.test/r/secret-1#t=${link.token}`);
    assert.equal(link.status, 'active');
    assert.equal(link.createdBy.length, 16);
    assert.ok(Date.parse(link.expiresAt) > Date.now() + 3500_000);
    assert.equal((await get('/v1/records/secret-1/proof', share(link.token))).statusCode, 200);

    const listed = await get('/v1/records/secret-1/shares', bearer(keys.read!));
    assert.equal(listed.statusCode, 200);
    const shares = listed.json().shares as { id: string; status: string }[];
    assert.equal(shares.length, 2, "attest's link and this one");
    assert.ok(!listed.body.includes(link.token.slice(21)), 'no secret is listed');

    const del = (url: string, key: string) =>
      request(app, { method: 'DELETE', url, headers: bearer(key) });
    assert.equal((await del(`/v1/shares/${link.id}`, keys.beta!)).json().code, 'share-not-found');
    assert.equal((await del(`/v1/shares/${link.id}`, keys.read!)).statusCode, 403);
    assert.deepEqual((await del(`/v1/shares/${link.id}`, keys.acme!)).json(), { revoked: 1 });
    assert.deepEqual((await del(`/v1/shares/${link.id}`, keys.acme!)).json(), { revoked: 0 });
    assert.equal((await del('/v1/shares/0000000000000000', keys.acme!)).statusCode, 404);
    assert.equal((await get('/v1/records/secret-1/proof', share(link.token))).statusCode, 401);
    assert.equal(
      (await get('/v1/records/secret-1/proof', share(token(secret[1]!)))).statusCode,
      200,
      "revoking one link leaves the record's others",
    );
    assert.deepEqual((await del('/v1/records/secret-1/shares', keys.acme!)).json(), { revoked: 1 });
    assert.equal(
      (await get('/v1/records/secret-1/proof', share(token(secret[1]!)))).statusCode,
      401,
    );

    const post = (url: string, key: string, payload?: object) =>
      request(app, {
        method: 'POST',
        url,
        headers: bearer(key),
        ...(payload === undefined ? {} : { payload }),
      });
    assert.equal((await post('/v1/records/secret-0/shares', keys.beta!)).statusCode, 404);
    assert.equal((await post('/v1/records/secret-0/shares', keys.read!)).statusCode, 403);
    assert.equal((await post('/v1/records/open-0/shares', keys.acme!)).statusCode, 400);
    for (const payload of [{ expiresInSeconds: 0 }, { expiresInSeconds: 1.5 }, { ttl: 5 }, []]) {
      assert.equal(
        (await post('/v1/records/secret-0/shares', keys.acme!, payload)).statusCode,
        400,
      );
    }
  });

  it('stops opening a record once its link expires', async () => {
    const made = await request(app, {
      method: 'POST',
      url: '/v1/records/secret-2/shares',
      headers: bearer(keys.acme!),
      payload: { expiresInSeconds: 1 },
    });
    const link = made.json();
    assert.equal((await get('/v1/records/secret-2/proof', share(link.token))).statusCode, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await get('/v1/records/secret-2/proof', share(link.token))).statusCode, 401);
    const listed = await get('/v1/records/secret-2/shares', bearer(keys.read!));
    const statuses = (listed.json().shares as { id: string; status: string }[]).map(
      (s) => s.status,
    );
    assert.deepEqual(statuses, ['active', 'expired']);
  });

  it('serves a private log made public to anyone within seconds', async () => {
    await fx.storage.setLogVisibility('theirs', 'public');
    await fx.storage.setLogVisibility('open', 'private');
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await get('/logs/open/tile/entries/000.p/2')).statusCode, 401);
    assert.equal((await get('/v1/records/open-0/proof')).statusCode, 401);
    assert.equal((await get('/logs/theirs/')).json().visibility, 'public');
  });
});
