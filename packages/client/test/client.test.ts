import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  base64Decode,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import {
  parseRecord,
  receiptFormat,
  type CompactBatchView,
  type ReceiptView,
} from '@proofline/records';
import { verifyReceipt } from '@proofline/verify';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import { buildApp, generateApiKey } from '@proofline/server';
import { SqliteStorage } from '@proofline/storage-sqlite';
import {
  ProoflineClient,
  ProoflineError,
  UnverifiedWriteError,
  UntrustedResponseError,
  prepareStatement,
} from '../src/index.js';
import { digestFile } from '../src/node.js';

const ORIGIN = 'client.test/logs/main';

describe('ProoflineClient against a real server', () => {
  let dir: string;
  let storage: SqliteStorage;
  let app: FastifyInstance;
  let publisher: Publisher;
  let url: string;
  let apiKey: string;
  let logKey: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-client-'));
    storage = new SqliteStorage(join(dir, 'db'));
    const key = parseSignerKey(generateSignerKey(ORIGIN));
    logKey = formatVerifierKey(ORIGIN, key.publicKey);
    const config = await storage.ensureLog({
      name: 'main',
      tenant: 'acme',
      origin: ORIGIN,
      verifierKey: logKey,
      createdAt: 0,
    });
    const signer = nodeEd25519Signer(ORIGIN, key.seed);
    publisher = new Publisher(storage, config, signer, { receiptFormat, intervalMs: 20 });
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
            config,
            signer,
            sequencer: new Sequencer(storage, 'main', {
              sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
            }),
          },
        ],
      ]),
      publicUrl: 'https://ledger.test',
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await app.close();
    await publisher.stop();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hashes locally, commits private labels, attests and verifies the receipt', async () => {
    const client = new ProoflineClient({ url, apiKey, trust: { logKey } });
    const content = new TextEncoder().encode('the model said yes');
    const { statement, salts } = await prepareStatement({
      content,
      type: 'ai.decision',
      labels: { model: 'm-1' },
      privateLabels: { applicant: 'Alice Example' },
      controls: ['SOC2:PI1.4'],
    });
    assert.equal(statement.digest, `sha256:${createHash('sha256').update(content).digest('hex')}`);
    assert.ok(
      !JSON.stringify(statement).includes('Alice'),
      'private values never enter the statement',
    );
    const salt = Buffer.from(salts.applicant!, 'base64');
    assert.equal(
      statement.commitments!.applicant,
      `sha256:${createHash('sha256')
        .update(Buffer.concat([salt, Buffer.from('Alice Example')]))
        .digest('hex')}`,
    );
    const receipt = await client.attest(statement);
    assert.equal(receipt.verification.ok, true);
    assert.deepEqual(parseRecord(receipt.entry), receipt.record);
    const { bundle, verification } = await waitForBundle(client, receipt.id);
    assert.equal(bundle.index, receipt.index);
    assert.equal(verification.checks.find((c) => c.name === 'inclusion')?.status, 'passed');
    const found = await client.findByDigest(statement.digest);
    assert.deepEqual(
      found.map((r) => r.id),
      [receipt.id],
    );
  });

  it('attests batches and digests files in constant memory', async () => {
    const client = new ProoflineClient({ url, apiKey, trust: { logKey } });
    const file = join(dir, 'report.pdf');
    writeFileSync(file, Buffer.alloc(3_000_000, 7));
    const digest = await digestFile(file);
    assert.equal(
      digest,
      `sha256:${createHash('sha256').update(Buffer.alloc(3_000_000, 7)).digest('hex')}`,
    );
    const statements = await Promise.all(
      [digest, `sha256:${'1'.repeat(64)}`].map(
        async (d) => (await prepareStatement({ digest: d, type: 'doc' })).statement,
      ),
    );
    const receipts = await client.attestBatch(statements);
    assert.equal(receipts[1]!.index, receipts[0]!.index + 1);
  });

  it('attests a batch from the compact answer, verifying like the full one', async () => {
    const accepts: string[] = [];
    const watching: typeof fetch = async (input, init) => {
      if (init?.method === 'POST') accepts.push(new Headers(init.headers).get('accept')!);
      return fetch(input, init);
    };
    const client = new ProoflineClient({ url, apiKey, trust: { logKey }, fetch: watching });
    const statements = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const digest = `sha256:${createHash('sha256').update(`c${i}`).digest('hex')}`;
        return (await prepareStatement({ digest, type: 'doc', labels: { n: String(i) } }))
          .statement;
      }),
    );
    const receipts = await client.attestBatch(statements);
    assert.match(accepts[0]!, /^application\/vnd\.proofline\.batch\.v2\+json/);
    assert.equal(receipts.length, 40);
    for (const r of receipts) {
      assert.equal(r.verification.ok, true);
      const res = await fetch(`${url}/v1/records/${r.id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      const stored = (await res.json()) as ReceiptView;
      assert.equal(stored.entry, Buffer.from(r.entry).toString('base64'));
      assert.equal(stored.receipt, r.receipt);
      assert.deepEqual(stored.receiptProof, r.receiptProof);
      assert.equal(stored.verificationUrl, r.verificationUrl);
      assert.deepEqual(stored.record, JSON.parse(JSON.stringify(r.record)));
      const full = await verifyReceipt(
        stored.receipt!,
        base64Decode(stored.entry),
        { logKey },
        {
          index: stored.index,
          ...(stored.receiptProof ? { receiptProof: stored.receiptProof } : {}),
        },
      );
      assert.deepEqual(r.verification, full);
    }
    // An older server's full answer is verified as it is, to the same receipts.
    const old: typeof fetch = (input, init) =>
      fetch(
        input,
        init?.method === 'POST'
          ? {
              ...init,
              headers: { ...(init.headers as Record<string, string>), accept: 'application/json' },
            }
          : init,
      );
    const again = await new ProoflineClient({
      url,
      apiKey,
      trust: { logKey },
      fetch: old,
    }).attestBatch(statements.slice(0, 3));
    assert.equal(again.length, 3);
    assert.ok(again.every((r) => r.verification.ok));
  });

  it('refuses an altered compact answer with UnverifiedWriteError', async () => {
    const alterations: ((c: CompactBatchView) => unknown)[] = [
      (c) => ({ ...c, time: '2001-01-01T00:00:00.000Z' }),
      (c) => ({ ...c, records: c.records.map((r) => ({ ...r, index: r.index + 1 })) }),
      (c) => ({ ...c, tenant: 'someone-else' }),
      (c) => ({ ...c, rangeProof: [Buffer.alloc(32, 1).toString('base64')] }),
      // A receipt whose signature does not verify (its last signature byte changed).
      (c) => ({
        ...c,
        receipt: c.receipt!.replace(/(.)\n$/, (_, ch: string) => `${ch === 'A' ? 'B' : 'A'}\n`),
      }),
    ];
    for (const [i, alter] of alterations.entries()) {
      const tampering: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method !== 'POST') return res;
        const altered = JSON.stringify(alter((await res.json()) as CompactBatchView));
        return new Response(altered, { status: res.status, headers: res.headers });
      };
      const client = new ProoflineClient({ url, apiKey, trust: { logKey }, fetch: tampering });
      const statements = await Promise.all(
        [1, 2, 3].map(async (n) => {
          const digest = `sha256:${createHash('sha256').update(`t${i}-${n}`).digest('hex')}`;
          return (await prepareStatement({ digest, type: 'doc' })).statement;
        }),
      );
      await assert.rejects(client.attestBatch(statements), (err: unknown) => {
        assert.ok(err instanceof UnverifiedWriteError, `alteration ${i}: ${String(err)}`);
        assert.equal(err.code, 'unverified-write');
        if (i < alterations.length - 1) {
          assert.deepEqual(err.written, [], `alteration ${i}: nothing to keep`);
        } else {
          // It rebuilds, but its signature fails: the views are kept, each with its problem.
          assert.equal(err.written.length, 3);
          assert.ok(err.problems.every((p) => p !== undefined && /receipt/.test(p)));
        }
        return true;
      });
    }
  });

  it('retries transient failures with the same idempotency key, creating one record', async () => {
    const before = await storage.sequencedSize('main');
    let calls = 0;
    const keys = new Set<string>();
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST') return fetch(input, init); // the log check before the write
      calls++;
      keys.add(new Headers(init?.headers).get('idempotency-key')!);
      const res = await fetch(input, init);
      // The first answer is lost after the server committed: the retry must not duplicate.
      if (calls === 1) throw new TypeError('connection reset');
      return res;
    };
    const client = new ProoflineClient({ url, apiKey, trust: { logKey }, fetch: flaky });
    const { statement } = await prepareStatement({
      digest: `sha256:${'2'.repeat(64)}`,
      type: 'retry',
    });
    const receipt = await client.attest(statement);
    assert.equal(calls, 2);
    assert.equal(keys.size, 1);
    assert.equal(await storage.sequencedSize('main'), before + 1);
    assert.equal(receipt.index, before);
  });

  it('refuses receipts that do not verify or do not match the submission', async () => {
    const { statement } = await prepareStatement({
      digest: `sha256:${'3'.repeat(64)}`,
      type: 'tamper',
    });
    const wrongKey = formatVerifierKey(ORIGIN, parseSignerKey(generateSignerKey(ORIGIN)).publicKey);
    await assert.rejects(
      new ProoflineClient({ url, apiKey, trust: { logKey: wrongKey } }).attest(statement),
      UntrustedResponseError,
    );
    const swapping: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST') return fetch(input, init);
      const body = JSON.parse(String(init!.body)) as Record<string, unknown>;
      return fetch(input, { ...init, body: JSON.stringify({ ...body, type: 'something-else' }) });
    };
    await assert.rejects(
      new ProoflineClient({ url, apiKey, trust: { logKey }, fetch: swapping }).attest(statement),
      /other than what was submitted/,
    );
  });

  it('reports problems with their stable code and does not retry 4xx', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => (
      init?.method === 'POST' && calls++,
      fetch(input, init)
    );
    const client = new ProoflineClient({
      url,
      apiKey: 'pl_0000000000000000_' + 'A'.repeat(43),
      trust: { logKey },
      fetch: counting,
    });
    const { statement } = await prepareStatement({ digest: `sha256:${'4'.repeat(64)}`, type: 'x' });
    await assert.rejects(
      client.attest(statement),
      (err: unknown) =>
        err instanceof ProoflineError && err.status === 401 && err.code === 'unauthorized',
    );
    assert.equal(calls, 1);
  });
});

async function waitForBundle(client: ProoflineClient, id: string) {
  for (let i = 0; ; i++) {
    try {
      return await client.bundle(id);
    } catch (err) {
      if (i > 100 || (err as ProoflineError).code !== 'not-yet-checkpointed') throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
