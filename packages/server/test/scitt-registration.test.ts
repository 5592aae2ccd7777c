import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import {
  CborMap,
  attachReceipts,
  decodeCbor,
  decodeCoseKeySet,
  extractReceipts,
  registeredForm,
  verifyReceipt,
  type CosePublicKey,
} from '@proofline/cose';
import {
  SCITT_STATEMENT_TYPE,
  checkScittRecord,
  coseIssuerKey,
  digestLookupKey,
  formatCoseIssuerKey,
  parseRecord,
  parseStatement,
  registeredStatementDigest,
  signStatement,
} from '@proofline/records';
import {
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import {
  Fixture,
  PUBLIC_URL,
  assertProblem,
  bearer,
  randomDigest,
  request,
  type Response,
} from './helpers.js';
import { signedStatement, testIssuer, type TestIssuer } from './scitt-statements.js';

/**
 * POST /entries (SCRAPI registration): Ed25519 and ES256 statements registered as records
 * whose receipts verify, the transparent statement answer, 303 when no checkpoint comes,
 * idempotent re-registration; an insider's edit of the stored entry breaks the receipt.
 */
describe('SCITT registration', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  /** An app that waits 300 ms for a checkpoint (303 tests). */
  let hasty: FastifyInstance;
  let writer: string;
  const ed = testIssuer('EdDSA');
  const es = testIssuer('ES256');

  before(async () => {
    fx = await Fixture.create([
      { name: 'reg', tenant: 'acme' },
      { name: 'slow', tenant: 'slowco', publish: false },
    ]);
    app = await fx.app(undefined, { registrationWaitMs: 10_000 });
    hasty = await fx.app(undefined, { registrationWaitMs: 300 });
    writer = await fx.apiKey('acme', ['records:write', 'records:read']);
    await trust('acme', ed);
    await trust('acme', es, 'issuer.example');
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

  const register = (
    bytes: Uint8Array,
    headers: Record<string, string> = {},
    on: FastifyInstance = app,
    url = '/entries',
  ) =>
    request(on, {
      method: 'POST',
      url,
      headers: { ...bearer(writer), 'content-type': 'application/cose', ...headers },
      payload: Buffer.from(bytes),
    });

  async function serviceKeys(): Promise<CosePublicKey[]> {
    const res = await request(app, { method: 'GET', url: '/.well-known/scitt-keys' });
    return decodeCoseKeySet(new Uint8Array(res.rawPayload));
  }

  /** Verifies a served receipt ('embedded') and checks its record is the statement's. */
  async function checkReceipt(receipt: Uint8Array, statement: Uint8Array) {
    const verified = verifyReceipt(receipt, 'embedded', await serviceKeys());
    const record = parseRecord(verified.entry!);
    checkScittRecord(record, statement);
    assert.equal(record.type, SCITT_STATEMENT_TYPE);
    return record;
  }

  const body = (res: Response) => new Uint8Array(res.rawPayload);

  for (const [name, issuer] of [
    ['Ed25519', ed],
    ['ES256', es],
  ] as const) {
    it(`registers an ${name} signed statement: 201, a receipt that verifies, its record`, async () => {
      const statement = await signedStatement(issuer);
      const before = await fx.size('reg');
      const res = await register(statement);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['content-type'], 'application/cose');
      assert.match(String(res.headers.location), /^\/entries\/reg-\d+$/);
      const record = await checkReceipt(body(res), statement);
      assert.equal(record.subject, 'pkg:npm/example@1.0.0');
      assert.equal(record.tenant, 'acme');
      assert.equal(await fx.size('reg'), before + 1);
      const again = await request(app, { method: 'GET', url: String(res.headers.location) });
      assert.equal(again.statusCode, 200);
      await checkReceipt(body(again), statement);
    });
  }

  it('answers the receipt as application/scitt-receipt+cose when Accept names it', async () => {
    const statement = await signedStatement(ed);
    const res = await register(statement, { accept: 'application/scitt-receipt+cose' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['content-type'], 'application/scitt-receipt+cose');
    await checkReceipt(body(res), statement);
  });

  it('answers the transparent statement when Accept asks for one', async () => {
    const statement = await signedStatement(es);
    const res = await register(statement, { accept: 'application/scitt-statement+cose' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['content-type'], 'application/scitt-statement+cose');
    const transparent = body(res);
    assert.deepEqual(registeredForm(transparent), registeredForm(statement));
    const receipts = extractReceipts(transparent);
    assert.equal(receipts.length, 1);
    await checkReceipt(receipts[0]!, transparent);
  });

  it('registers a statement once: the same entry again, nothing appended', async () => {
    const statement = await signedStatement(ed);
    const first = await register(statement);
    assert.equal(first.statusCode, 201);
    const size = await fx.size('reg');
    const second = await register(statement);
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.headers.location, first.headers.location);
    await checkReceipt(body(second), statement);
    // Its transparent statement (receipts in 394) is the same registered form.
    const transparent = attachReceipts(statement, [body(first)]);
    const third = await register(transparent, {
      'content-type': 'application/scitt-statement+cose',
    });
    assert.equal(third.statusCode, 200);
    assert.equal(third.headers.location, first.headers.location);
    assert.equal(await fx.size('reg'), size);
  });

  it('registers a transparent statement as the record of its bare statement', async () => {
    const statement = await signedStatement(es);
    const donor = await register(await signedStatement(es));
    const transparent = attachReceipts(statement, [body(donor)]);
    const first = await register(transparent);
    assert.equal(first.statusCode, 201);
    const record = await checkReceipt(body(first), statement);
    assert.equal(record.digest, registeredStatementDigest(statement));
    const bare = await register(statement);
    assert.equal(bare.statusCode, 200);
    assert.equal(bare.headers.location, first.headers.location);
  });

  it('answers 303 with the entry when no checkpoint comes in time; the record is durable', async () => {
    const slow = testIssuer('EdDSA');
    await trust('slowco', slow);
    const key = await fx.apiKey('slowco', ['records:write']);
    const statement = await signedStatement(slow);
    const res = await request(hasty, {
      method: 'POST',
      url: '/entries',
      headers: { ...bearer(key), 'content-type': 'application/cose' },
      payload: Buffer.from(statement),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/entries/slow-0');
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(res.rawPayload.length, 0);
    assert.equal(await fx.size('slow'), 1);
    const pending = await request(app, { method: 'GET', url: '/entries/slow-0' });
    assertProblem(pending, 404, 'not-yet-checkpointed');
    assert.equal(pending.headers['content-type'], 'application/concise-problem-details+cbor');
    fx.log('slow').publisher.start();
    let receipt: Response;
    do {
      await new Promise((r) => setTimeout(r, 20));
      receipt = await request(app, { method: 'GET', url: '/entries/slow-0' }, [404]);
    } while (receipt.statusCode === 404);
    assert.equal(receipt.statusCode, 200);
    await checkReceipt(body(receipt), statement);
  });

  it('a tenant with note and COSE issuer keys: each path takes its own kind', async () => {
    const name = 'issuer.mixed.test';
    const k = parseSignerKey(generateSignerKey(name));
    await fx.storage.addIssuerKey('acme', formatVerifierKey(name, k.publicKey), Date.now());
    const signed = await signStatement(
      parseStatement({ digest: randomDigest(), type: 'test.event' }),
      ed25519Signer(name, k.seed),
    );
    const res = await request(app, {
      method: 'POST',
      url: '/v1/records?log=reg',
      headers: bearer(writer),
      payload: JSON.parse(JSON.stringify(signed)) as object,
    });
    assert.equal(res.statusCode, 201, res.body);
    const forged = { ...(JSON.parse(JSON.stringify(signed)) as object), subject: 'changed' };
    const refused = await request(app, {
      method: 'POST',
      url: '/v1/records?log=reg',
      headers: bearer(writer),
      payload: forged,
    });
    assertProblem(refused, 400, 'invalid-issuer-signature', '/issuer');
    const statement = await signedStatement(ed);
    assert.equal((await register(statement)).statusCode, 201);
  });

  it("serves the older drafts' transparency configuration as a CBOR map", async () => {
    const res = await request(app, {
      method: 'GET',
      url: '/.well-known/transparency-configuration',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/cbor');
    const map = decodeCbor(body(res));
    assert.ok(map instanceof CborMap);
    assert.deepEqual(Object.fromEntries(map.entries), {
      issuer: PUBLIC_URL,
      registration_endpoint: `${PUBLIC_URL}/entries`,
      cose_keys_uri: `${PUBLIC_URL}/.well-known/scitt-keys`,
      supported_signature_algorithms: ['EdDSA', 'ES256'],
    });
  });

  it('answers errors of the SCRAPI resources as concise problem details, JSON when asked', async () => {
    const concise = 'application/concise-problem-details+cbor';
    for (const url of ['/entries/nolog-0', '/.well-known/scitt-keys/not-a-kid']) {
      const res = await request(app, { method: 'GET', url });
      assertProblem(res, 404, url.startsWith('/entries') ? 'record-not-found' : 'not-found');
      assert.equal(res.headers['content-type'], concise);
      const json = await request(app, {
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
      });
      assert.match(String(json.headers['content-type']), /^application\/problem\+json/);
    }
    // The other routes keep JSON problems, whatever Accept says.
    const other = await request(app, {
      method: 'GET',
      url: '/v1/records/nolog-0/receipt.cose',
      headers: { accept: concise },
    });
    assert.match(String(other.headers['content-type']), /^application\/problem\+json/);
  });

  it("an insider's edit of a registered statement's stored entry breaks its receipt", async () => {
    const statement = await signedStatement(ed);
    const res = await register(statement);
    const index = Number(String(res.headers.location).split('-').pop());
    const db = new Database(join(fx.dir, 'db'));
    try {
      const row = db
        .prepare(
          'SELECT data FROM entries WHERE idx = ? AND log_id = (SELECT id FROM logs WHERE name = ?)',
        )
        .get(index, 'reg') as { data: Buffer };
      const edited = Buffer.from(
        row.data.toString('utf8').replace('pkg:npm/example@1.0.0', 'pkg:npm/example@6.6.6'),
      );
      assert.notDeepEqual(edited, row.data);
      db.prepare(
        'UPDATE entries SET data = ? WHERE idx = ? AND log_id = (SELECT id FROM logs WHERE name = ?)',
      ).run(edited, index, 'reg');
    } finally {
      db.close();
    }
    const served = await request(app, { method: 'GET', url: String(res.headers.location) });
    assert.equal(served.statusCode, 200);
    const keys = await serviceKeys();
    assert.throws(() => verifyReceipt(body(served), 'embedded', keys), {
      code: 'INVALID_RECEIPT',
    });
    // The lookup the idempotency check uses still finds it by digest (the index is unchanged).
    const found = await fx.storage.findByLookupKey(
      'reg',
      digestLookupKey(registeredStatementDigest(statement)),
      10,
    );
    assert.ok(found.includes(index));
  });
});
