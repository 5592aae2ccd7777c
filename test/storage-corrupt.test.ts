/**
 * The insider with write access to proofline.db overwrites one stored entry with bytes that
 * are not a record. Every read that meets it fails loudly — a 500 `storage-corrupt` problem
 * naming the log and index, logged at error level with its cause — and never answers as if the
 * client were at fault (400 invalid-statement) nor skips the entry in a listing or a search.
 * Entries around it still read normally.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { formatVerifierKey, generateSignerKey, parseSignerKey } from '@proofline/note';
import type { Statement } from '@proofline/records';
import { receiptFormat } from '@proofline/records';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import { buildApp, generateApiKey } from '@proofline/server';
import { SqliteStorage } from '@proofline/storage-sqlite';

const ORIGIN = 'ledger.example.com/logs/default';
const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const statement = (n: number): Statement => ({
  digest: digest(`output ${n}`),
  type: 'ai.decision',
});

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  problem?: string;
  err?: { message: string; stack: string; code?: string };
}

describe('a stored entry an insider corrupted', () => {
  let dir: string;
  let storage: SqliteStorage;
  let sequencer: Sequencer;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  const lines: LogLine[] = [];
  /** A time after the records and before the checkpoint that covers them. */
  let periodEnd: number;

  const get = (url: string, headers: Record<string, string> = auth) =>
    app.inject({ method: 'GET', url, headers });

  /** Asserts the 500 storage-corrupt problem for index 1 and its error-level log line. */
  const assertCorrupt = (res: LightMyRequestResponse, what: string) => {
    assert.equal(res.statusCode, 500, `${what}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const body = res.json() as Record<string, unknown>;
    assert.equal(body.code, 'storage-corrupt', what);
    assert.equal(body.log, 'default', what);
    assert.equal(body.index, 1, what);
    assert.match(String(body.detail), /log default: the stored entry at index 1 is not a record/);
    const logged = lines.filter((l) => l.level >= 50 && l.problem === 'storage-corrupt');
    const line = logged[logged.length - 1];
    assert.ok(line, `${what}: logged at error level`);
    assert.match(line.err?.message ?? '', /index 1 is not a record/);
    // pino prints the cause chain in the stack: the RecordError the parser threw.
    assert.match(line.err?.stack ?? '', /caused by: RecordError/);
    lines.length = 0;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-corrupt-'));
    const dbPath = join(dir, 'db');
    storage = new SqliteStorage(dbPath);
    const key = parseSignerKey(generateSignerKey(ORIGIN));
    const config = await storage.ensureLog({
      name: 'default',
      tenant: 'acme',
      origin: ORIGIN,
      verifierKey: formatVerifierKey(ORIGIN, key.publicKey),
      createdAt: Date.now(),
    });
    const signer = nodeEd25519Signer(ORIGIN, key.seed);
    sequencer = new Sequencer(storage, 'default', {
      sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
    });
    const made = generateApiKey('acme', ['records:write', 'records:read', 'audit:read'], '', 0, 0);
    await storage.createApiKey(made.record);
    auth = { authorization: `Bearer ${made.key}` };
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) {
          if (text !== '') lines.push(JSON.parse(text) as LogLine);
        }
        done();
      },
    });
    app = await buildApp({
      storage,
      access: storage,
      logs: new Map([['default', { config, signer, sequencer }]]),
      publicUrl: 'https://ledger.test',
      logger: { level: 'debug', stream },
    });
    for (const n of [0, 1, 2]) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/records',
        headers: auth,
        payload: statement(n) as object,
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    periodEnd = Date.now() + 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await new Publisher(storage, config, signer, { receiptFormat }).publish();
    // The insider: entry 1 becomes bytes that are not a record.
    const db = new Database(dbPath);
    try {
      const changed = db
        .prepare('UPDATE entries SET data = ? WHERE idx = ?')
        .run(Buffer.from('{"not":"a record"}'), 1).changes;
      assert.equal(changed, 1);
    } finally {
      db.close();
    }
    lines.length = 0;
  });

  after(async () => {
    await app.close();
    await sequencer.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET of the record is a logged 500 storage-corrupt naming the log and index', async () => {
    assertCorrupt(await get('/v1/records/default-1'), 'GET /v1/records/default-1');
    const intact = await get('/v1/records/default-2');
    assert.equal(intact.statusCode, 200, intact.body);
  });

  it('a listing page that holds the entry fails the same way; one before it does not', async () => {
    assertCorrupt(await get('/v1/records?log=default'), 'listing');
    assertCorrupt(await get('/v1/records?log=default&cursor=1&limit=1'), 'listing from 1');
    const before = await get('/v1/records?log=default&limit=1');
    assert.equal(before.statusCode, 200, before.body);
    assert.equal((before.json() as { records: unknown[] }).records.length, 1);
  });

  it('searches that meet it fail too: by digest, the public lookup, the audit population', async () => {
    const d = statement(1).digest;
    assertCorrupt(await get(`/v1/records?digest=${d}`), 'lookup by digest');
    assertCorrupt(await get(`/v1/lookup?digest=${d}`, {}), 'public lookup');
    const period = `from=0&to=${periodEnd}`;
    assertCorrupt(await get(`/v1/audit/population?log=default&${period}`), 'audit population');
    assertCorrupt(await get(`/v1/audit/controls?log=default&${period}`), 'audit controls');
  });

  it('logs client errors below error level', async () => {
    const res = await get('/v1/records/default-99');
    assert.equal(res.statusCode, 404);
    assert.equal(
      lines.some((l) => l.level >= 50),
      false,
      'a 404 is not logged as an error',
    );
    assert.ok(lines.some((l) => l.problem === 'record-not-found' && l.level < 40));
  });
});
