/**
 * The insider with write access to proofline.db (not the signing key) against creation
 * receipts: receipts are signed once, when a commit is sequenced, and stored with it, so
 * editing an entry afterwards (keeping it canonical JSON) can no longer get a receipt, valid
 * under the log key, for the altered entry — from GET, lookup by digest, idempotent replay or
 * the proof bundle. Deleting the stored receipt makes reads return none, never a fresh one (on
 * a node started after the edit: a running node serves the notes it read, as signed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import {
  base64Decode,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import {
  buildRecord,
  parseBundle,
  parseRecord,
  type Statement,
  receiptFormat,
} from '@proofline/records';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import { buildApp, generateApiKey } from '@proofline/server';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { verifyBundle, verifyReceipt, type TrustPolicy } from '@proofline/verify';

const ORIGIN = 'ledger.example.com/logs/default';

interface View {
  id: string;
  index: number;
  entry: string;
  receipt?: string;
  receiptProof?: string[];
}

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const statement = (n: number): Statement => ({
  digest: digest(`output ${n}`),
  type: 'ai.decision',
  subject: `case-${n}`,
});

describe('stored creation receipts against an insider who edits the database', () => {
  let dir: string;
  let dbPath: string;
  let storage: SqliteStorage;
  let sequencer: Sequencer;
  let publisher: Publisher;
  let app: FastifyInstance;
  let appOptions: Parameters<typeof buildApp>[0];
  let auth: Record<string, string>;
  let policy: TrustPolicy;
  let single: View;
  let batch: View[];

  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, key?: string) => {
    const res = await app.inject({
      method,
      url,
      headers: { ...auth, ...(key ? { 'idempotency-key': key } : {}) },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    assert.ok(res.statusCode < 500, res.body);
    return res;
  };
  const get = async (id: string) => (await call('GET', `/v1/records/${id}`)).json() as View;
  const replaySingle = async () =>
    (await call('POST', '/v1/records', statement(0), 'single')).json() as View;
  const replayBatch = async () =>
    (
      (
        await call('POST', '/v1/records/batch', { records: [1, 2, 3].map(statement) }, 'batch')
      ).json() as { receipts: View[] }
    ).receipts;
  const lookup = async (n: number) =>
    ((await call('GET', `/v1/records?digest=${statement(n).digest}`)).json() as { records: View[] })
      .records;

  /** Whether `view` carries a receipt that verifies over the entry it returns. */
  const verifies = async (view: View) => {
    if (view.receipt === undefined) return false;
    const v = await verifyReceipt(view.receipt, base64Decode(view.entry), policy, {
      index: view.index,
      ...(view.receiptProof ? { receiptProof: view.receiptProof } : {}),
    });
    return v.ok;
  };

  /** Replaces entry `index` with another canonical record of the same tenant and time. */
  const edit = (index: number) => {
    const db = new Database(dbPath);
    try {
      const row = db.prepare('SELECT data FROM entries WHERE idx = ?').get(index) as {
        data: Buffer;
      };
      const original = parseRecord(new Uint8Array(row.data));
      const forged = buildRecord(
        { digest: original.digest, type: original.type, subject: 'forged' },
        original.tenant,
        Date.parse(original.time),
      ).bytes;
      db.prepare('UPDATE entries SET data = ? WHERE idx = ?').run(Buffer.from(forged), index);
    } finally {
      db.close();
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-insider-'));
    dbPath = join(dir, 'db');
    storage = new SqliteStorage(dbPath);
    const key = parseSignerKey(generateSignerKey(ORIGIN));
    const verifierKey = formatVerifierKey(ORIGIN, key.publicKey);
    policy = { logKey: verifierKey };
    const config = await storage.ensureLog({
      name: 'default',
      tenant: 'acme',
      origin: ORIGIN,
      verifierKey,
      createdAt: Date.now(),
    });
    const signer = nodeEd25519Signer(ORIGIN, key.seed);
    sequencer = new Sequencer(storage, 'default', {
      sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
    });
    publisher = new Publisher(storage, config, signer, { receiptFormat });
    const made = generateApiKey('acme', ['records:write', 'records:read'], 'test', 0, Date.now());
    await storage.createApiKey(made.record);
    auth = { authorization: `Bearer ${made.key}` };
    appOptions = {
      storage,
      access: storage,
      logs: new Map([['default', { config, signer, sequencer }]]),
      publicUrl: 'https://ledger.test',
    };
    app = await buildApp(appOptions);
    single = (await call('POST', '/v1/records', statement(0), 'single')).json() as View;
    batch = (
      (
        await call('POST', '/v1/records/batch', { records: [1, 2, 3].map(statement) }, 'batch')
      ).json() as {
        receipts: View[];
      }
    ).receipts;
    await publisher.publish();
  });

  after(async () => {
    await app.close();
    await sequencer.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns, before any edit, exactly the receipts attest returned', async () => {
    for (const original of [single, ...batch]) {
      assert.ok(await verifies(original), `attest's receipt of ${original.id}`);
      const read = await get(original.id);
      assert.equal(read.receipt, original.receipt, `GET ${original.id}: byte-identical`);
      assert.deepEqual(read.receiptProof, original.receiptProof);
      assert.ok(await verifies(read));
    }
    assert.deepEqual(await replaySingle(), single);
    assert.deepEqual(await replayBatch(), batch);
    const bundle = parseBundle((await call('GET', `/v1/records/${single.id}/proof`)).body);
    assert.equal(bundle.receipt, single.receipt);
  });

  it('gives no receipt that verifies over an edited entry, alone or in a batch', async () => {
    const member = batch[1]!;
    edit(single.index);
    edit(member.index);
    for (const [n, original] of [
      [0, single],
      [2, member],
    ] as const) {
      const read = await get(original.id);
      assert.equal(parseRecord(base64Decode(read.entry)).subject, 'forged');
      assert.equal(read.receipt, original.receipt, 'the stored receipt, not a new one');
      assert.equal(await verifies(read), false, `GET ${original.id}`);
      const found = await lookup(n);
      assert.equal(found.length, 1);
      assert.equal(await verifies(found[0]!), false, `lookup of ${original.id}`);
      const res = await call('GET', `/v1/records/${original.id}/proof`);
      assert.equal(res.statusCode, 200);
      const bundle = parseBundle(res.body);
      assert.equal(bundle.receipt, original.receipt);
      const v = await verifyBundle(bundle, policy);
      assert.equal(v.ok, false, `bundle of ${original.id}`);
      const receiptCheck = v.checks.find((c) => c.name === 'receipt');
      assert.equal(receiptCheck?.status, 'failed', `receipt check of ${original.id}'s bundle`);
    }
    const [replayed] = [await replaySingle()];
    assert.equal(await verifies(replayed!), false, 'replay of the single record');
    const replayedBatch = await replayBatch();
    assert.equal(await verifies(replayedBatch[1]!), false, 'replay of the batch member');
    assert.ok(await verifies(replayedBatch[0]!), 'the untouched members still verify');
  });

  it('returns no receipt, never a fresh one, once the stored receipt is deleted', async () => {
    const db = new Database(dbPath);
    db.prepare('DELETE FROM batches WHERE first_idx = ?').run(single.index);
    db.prepare('UPDATE batches SET receipt = NULL WHERE first_idx = ?').run(batch[0]!.index);
    db.close();
    // A running node keeps the commits it has read (server CommitIndex): their notes as first
    // read, i.e. the genuine signatures (over the entries as sequenced), never a fresh one.
    for (const original of [single, ...batch]) {
      const read = await get(original.id);
      assert.equal(read.receipt, original.receipt, `running node: GET ${original.id}`);
    }
    // A node started after the edit reads what is stored now.
    await app.close();
    app = await buildApp(appOptions);
    // The single record's commit row is gone, the batch's has no note: both read as unsealed.
    for (const original of [single, ...batch]) {
      const res = await call('GET', `/v1/records/${original.id}`);
      assert.equal(res.statusCode, 200);
      const read = res.json() as View;
      assert.equal(read.receipt, undefined, `GET ${original.id}`);
      assert.equal(read.receiptProof, undefined);
    }
    assert.equal((await replaySingle()).receipt, undefined);
    for (const view of [...(await lookup(1)), ...(await replayBatch())]) {
      assert.equal(view.receipt, undefined);
    }
    // The bundle carries no receipt (and none signed now); the inclusion proof in the signed
    // checkpoint still proves the untouched entry, and the verdict says the receipt was absent.
    // Asked of a node started after the edit: a running node's bundle cache keeps serving the
    // bundles it built before (receipts as signed, never new ones) until the next checkpoint.
    const fresh = await buildApp(appOptions);
    try {
      for (const id of [single.id, batch[0]!.id]) {
        const res = await fresh.inject({
          method: 'GET',
          url: `/v1/records/${id}/proof`,
          headers: auth,
        });
        assert.equal(res.statusCode, 200);
        const bundle = parseBundle(res.body);
        assert.equal(bundle.receipt, undefined, `bundle of ${id}`);
        const v = await verifyBundle(bundle, policy);
        assert.equal(v.checks.find((c) => c.name === 'receipt')?.status, 'not-applicable');
        // The single record's entry was edited by the previous test: its inclusion fails.
        assert.equal(v.ok, id !== single.id, `bundle of ${id}`);
      }
    } finally {
      await fresh.close();
    }
  });
});
