/**
 * Trust before write, and the receipt stage, from the client's side: a wrong pinned key or a
 * server whose checkpoint does not verify gets nothing written; a write whose answer does
 * not verify throws with what was written; waitForProof polls until a checkpoint covers a
 * record and returns it verified, or gives up at its deadline.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { formatVerifierKey, generateSignerKey, parseSignerKey } from '@proofline/note';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import { buildApp, generateApiKey } from '@proofline/server';
import type { LogConfig } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import {
  LogTrustError,
  ProoflineClient,
  ProoflineError,
  UnverifiedWriteError,
  prepareStatement,
} from '../src/index.js';
import { receiptFormat } from '@proofline/records';

const ORIGIN = 'trust.test/logs/main';
const OTHER_ORIGIN = 'trust.test/logs/other';

function keyPair(origin: string) {
  const key = parseSignerKey(generateSignerKey(origin));
  return { key, vkey: formatVerifierKey(origin, key.publicKey) };
}

async function statement(n: number) {
  return (await prepareStatement({ digest: `sha256:${String(n % 10).repeat(64)}`, type: 't' }))
    .statement;
}

describe('ProoflineClient trust before write', () => {
  let dir: string;
  let storage: SqliteStorage;
  let app: FastifyInstance;
  let publisher: Publisher;
  let url: string;
  let apiKey: string;
  const main = keyPair(ORIGIN);
  const other = keyPair(OTHER_ORIGIN);
  let mainConfig: LogConfig;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-client-trust-'));
    storage = new SqliteStorage(join(dir, 'db'));
    mainConfig = await storage.ensureLog({
      name: 'main',
      tenant: 'acme',
      origin: ORIGIN,
      verifierKey: main.vkey,
      createdAt: 0,
    });
    // `other` belongs to acme too and never gets a checkpoint (no publisher).
    const otherConfig = await storage.ensureLog({
      name: 'other',
      tenant: 'acme',
      origin: OTHER_ORIGIN,
      verifierKey: other.vkey,
      createdAt: 0,
    });
    const signer = nodeEd25519Signer(ORIGIN, main.key.seed);
    publisher = new Publisher(storage, mainConfig, signer, { receiptFormat, intervalMs: 20 });
    publisher.start();
    const made = generateApiKey('acme', ['records:write', 'records:read'], 'test', 0, Date.now());
    await storage.createApiKey(made.record);
    apiKey = made.key;
    app = await buildApp({
      storage,
      access: storage,
      logs: new Map([
        [
          'main',
          {
            config: mainConfig,
            signer,
            sequencer: new Sequencer(storage, 'main', {
              sealer: new ReceiptSealer(ORIGIN, main.key.seed, receiptFormat),
            }),
          },
        ],
        [
          'other',
          {
            config: otherConfig,
            signer: nodeEd25519Signer(OTHER_ORIGIN, other.key.seed),
            sequencer: new Sequencer(storage, 'other', {
              sealer: new ReceiptSealer(OTHER_ORIGIN, other.key.seed, receiptFormat),
            }),
          },
        ],
      ]),
      publicUrl: 'https://ledger.test',
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    while ((await storage.latestCheckpoint('main')) === undefined) {
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  after(async () => {
    await app.close();
    await publisher.stop();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fetch that counts the POSTs that reach the server. */
  function counting() {
    const posts: string[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      if (init?.method === 'POST') posts.push(String(input));
      return fetch(input, init);
    };
    return { posts, fetchImpl };
  }

  it('writes nothing with a key of the same origin that is not the log key', async () => {
    const impostor = keyPair(ORIGIN).vkey;
    const before = await storage.sequencedSize('main');
    const { posts, fetchImpl } = counting();
    const client = new ProoflineClient({
      url,
      apiKey,
      log: 'main',
      trust: { logKey: impostor },
      fetch: fetchImpl,
    });
    await assert.rejects(client.attest(await statement(1)), (err: unknown) => {
      assert.ok(err instanceof LogTrustError, String(err));
      assert.equal(err.code, 'log-key-mismatch');
      assert.equal(err.log, 'main');
      assert.equal(err.pinned, impostor.split('+').slice(0, 2).join('+'));
      assert.equal(err.served, main.vkey.split('+').slice(0, 2).join('+'));
      assert.match(err.message, new RegExp(`pinned ${err.pinned.replace('+', '\\+')}`));
      return true;
    });
    await assert.rejects(client.attestBatch([await statement(2)]), LogTrustError);
    assert.deepEqual(posts, [], 'no write was attempted');
    assert.equal(await storage.sequencedSize('main'), before);
  });

  it("writes nothing to a named log with another log's key, nor to an unknown log", async () => {
    const { posts, fetchImpl } = counting();
    await assert.rejects(
      new ProoflineClient({
        url,
        apiKey,
        log: 'main',
        trust: { logKey: other.vkey },
        fetch: fetchImpl,
      }).attest(await statement(3)),
      (err: unknown) =>
        err instanceof LogTrustError &&
        err.code === 'log-key-mismatch' &&
        /origin trust\.test\/logs\/main/.test(err.message),
    );
    await assert.rejects(
      new ProoflineClient({
        url,
        apiKey,
        log: 'nope',
        trust: { logKey: main.vkey },
        fetch: fetchImpl,
      }).attest(await statement(3)),
      (err: unknown) => err instanceof LogTrustError && err.code === 'unknown-log',
    );
    const unknown = keyPair('trust.test/logs/unknown').vkey;
    await assert.rejects(
      new ProoflineClient({ url, apiKey, trust: { logKey: unknown }, fetch: fetchImpl }).attest(
        await statement(3),
      ),
      (err: unknown) =>
        err instanceof LogTrustError &&
        err.code === 'unknown-log' &&
        /it serves main \(key trust\.test\/logs\/main\+/.test(err.message),
    );
    assert.deepEqual(posts, []);
  });

  it('writes nothing when the log lies about its key: its checkpoint must verify', async () => {
    // The description names the pinned key, but the log's checkpoint is signed by its own.
    const impostor = keyPair(ORIGIN);
    const { posts, fetchImpl } = counting();
    const lying: typeof fetch = async (input, init) => {
      const path = new URL(String(input)).pathname;
      if (path === '/logs/main/') {
        return Response.json({ name: 'main', origin: ORIGIN, verifierKey: impostor.vkey });
      }
      return fetchImpl(input, init);
    };
    const client = new ProoflineClient({
      url,
      apiKey,
      log: 'main',
      trust: { logKey: impostor.vkey },
      fetch: lying,
    });
    await assert.rejects(client.attest(await statement(4)), (err: unknown) => {
      assert.ok(err instanceof LogTrustError);
      assert.equal(err.code, 'checkpoint-unverified');
      assert.match(err.message, /does not verify with the pinned key/);
      return true;
    });
    assert.deepEqual(posts, []);
  });

  it('checks the log once, and writes to the log of the pinned key when none is named', async () => {
    let infoReads = 0;
    const { posts, fetchImpl } = counting();
    const watching: typeof fetch = (input, init) => {
      if (new URL(String(input)).pathname.startsWith('/logs')) infoReads++;
      return fetchImpl(input, init);
    };
    const client = new ProoflineClient({
      url,
      apiKey,
      trust: { logKey: main.vkey },
      fetch: watching,
    });
    const first = await client.attest(await statement(5));
    const reads = infoReads;
    const [second] = await client.attestBatch([await statement(6)]);
    assert.equal(infoReads, reads, 'the check is cached');
    assert.equal(first.log, 'main');
    assert.equal(second!.log, 'main');
    assert.ok(
      posts.every((p) => p.endsWith('?log=main')),
      posts.join(),
    );
  });

  it('accepts a log with no checkpoint yet on its description', async () => {
    const client = new ProoflineClient({
      url,
      apiKey,
      log: 'other',
      trust: { logKey: other.vkey },
    });
    const receipt = await client.attest(await statement(7));
    assert.equal(receipt.log, 'other');
    assert.equal(receipt.verification.ok, true);
  });

  it('throws UnverifiedWriteError carrying what was written when a receipt does not verify', async () => {
    const before = await storage.sequencedSize('main');
    // As a server without the compact answer would: full receipts, one per record.
    const tampering: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST') return fetch(input, init);
      const headers = { ...(init.headers as Record<string, string>), accept: 'application/json' };
      const res = await fetch(input, { ...init, headers });
      const body = (await res.json()) as { receipts: { receipt: string }[] };
      body.receipts[1]!.receipt = body.receipts[1]!.receipt.replace(/\d{3}Z/, '999Z');
      return Response.json(body, { status: res.status });
    };
    const client = new ProoflineClient({
      url,
      apiKey,
      log: 'main',
      trust: { logKey: main.vkey },
      fetch: tampering,
    });
    await assert.rejects(
      client.attestBatch([await statement(8), await statement(9)]),
      (err: unknown) => {
        assert.ok(err instanceof UnverifiedWriteError, String(err));
        assert.equal(err.written.length, 2);
        assert.deepEqual(
          err.written.map((r) => r.index),
          [before, before + 1],
        );
        assert.equal(err.problems[0], undefined, 'the first receipt verified');
        assert.match(err.problems[1]!, /receipt/);
        assert.match(
          err.message,
          new RegExp(`1 of 2 written records do not verify: main-${before + 1}`),
        );
        return true;
      },
    );
    assert.equal(await storage.sequencedSize('main'), before + 2, 'both were written');
  });

  it('throws UnverifiedWriteError when the answer to a write cannot be read', async () => {
    const before = await storage.sequencedSize('main');
    const garbling: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      return init?.method === 'POST' ? new Response('<html>', { status: res.status }) : res;
    };
    const client = new ProoflineClient({
      url,
      apiKey,
      log: 'main',
      trust: { logKey: main.vkey },
      fetch: garbling,
    });
    await assert.rejects(client.attest(await statement(12)), (err: unknown) => {
      assert.ok(err instanceof UnverifiedWriteError, String(err));
      assert.deepEqual(err.written, []);
      assert.match(err.message, /accepted the write, but its answer is unreadable/);
      return true;
    });
    assert.equal(await storage.sequencedSize('main'), before + 1);
  });

  it('waitForProof polls with backoff until a checkpoint covers the record', async () => {
    const client = new ProoflineClient({ url, apiKey, log: 'main', trust: { logKey: main.vkey } });
    const receipt = await client.attest(await statement(10));
    const { bundle, verification } = await client.waitForProof(receipt.id, { timeoutMs: 10_000 });
    assert.equal(bundle.id, receipt.id);
    assert.equal(verification.ok, true);
  });

  it('waitForProof gives up at its deadline, honours Retry-After and stops on abort', async () => {
    // `other` has no publisher: no checkpoint ever covers its records.
    let polls = 0;
    const client = new ProoflineClient({
      url,
      apiKey,
      log: 'other',
      trust: { logKey: other.vkey },
      fetch: (input, init) => {
        if (String(input).includes('/proof')) polls++;
        return fetch(input, init);
      },
    });
    const receipt = await client.attest(await statement(11));
    const started = Date.now();
    await assert.rejects(
      client.waitForProof(receipt.id, { timeoutMs: 1500 }),
      (err: unknown) =>
        err instanceof ProoflineError &&
        err.code === 'not-yet-checkpointed' &&
        err.status === 404 &&
        err.retryAfterSeconds === 1,
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400 && elapsed < 5000, `${elapsed} ms`);
    assert.ok(polls >= 2 && polls <= 3, `Retry-After: 1 s between polls, got ${polls} polls`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop waiting')), 200);
    await assert.rejects(
      client.waitForProof(receipt.id, { timeoutMs: 60_000, signal: controller.signal }),
      /stop waiting/,
    );
  });
});
