/**
 * A private log's records in Chromium: a share link (`/r/<id>#t=<token>`) verifies its record
 * in the browser exactly as a public record does, the token reaching the server only in a
 * request header; without it, or once revoked or expired, the page says the record is
 * private and nothing more. The explorer shows the log's tree without its entries.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { formatVerifierKey, generateSignerKey, parseSignerKey } from '@proofline/note';
import { receiptFormat } from '@proofline/records';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { buildApp, generateApiKey } from '@proofline/server';
import { launchChromium } from './lib/web.js';

const ORIGIN = 'ledger.example.com/logs/secret';

describe('private logs and share links in Chromium', () => {
  let dir: string;
  let storage: SqliteStorage;
  let sequencer: Sequencer;
  let publisher: Publisher;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let apiKey: string;
  /** Record id → its share link token, from attest. */
  const tokens = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-web-private-'));
    storage = new SqliteStorage(join(dir, 'db'));
    const key = parseSignerKey(generateSignerKey(ORIGIN));
    const config = await storage.ensureLog({
      name: 'secret',
      tenant: 'acme',
      origin: ORIGIN,
      verifierKey: formatVerifierKey(ORIGIN, key.publicKey),
      createdAt: Date.now(),
      visibility: 'private',
    });
    const signer = nodeEd25519Signer(ORIGIN, key.seed);
    sequencer = new Sequencer(storage, 'secret', {
      sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
    });
    publisher = new Publisher(storage, config, signer, { receiptFormat, intervalMs: 20 });
    publisher.start();
    const made = generateApiKey(
      'acme',
      ['records:write', 'records:read'],
      'web test',
      0,
      Date.now(),
    );
    await storage.createApiKey(made.record);
    apiKey = made.key;
    app = await buildApp({
      storage,
      access: storage,
      logs: new Map([['secret', { config, signer, sequencer }]]),
      publicUrl: 'http://127.0.0.1',
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${url}/v1/records/batch?wait=proof`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [0, 1, 2].map((i) => ({
          digest: `sha256:${String(i).repeat(64)}`,
          type: 'ai.decision',
          subject: `case-${i}`,
        })),
      }),
    });
    assert.equal(res.status, 201);
    // ?wait=proof answers with bundles; the share links come with receipts.
    const again = await fetch(`${url}/v1/records/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [3, 4].map((i) => ({ digest: `sha256:${String(i).repeat(64)}`, type: 't' })),
      }),
    });
    const { receipts } = (await again.json()) as {
      receipts: { id: string; verificationUrl: string }[];
    };
    for (const r of receipts) {
      const token = r.verificationUrl.split('#t=')[1] ?? '';
      assert.ok(token.startsWith('pls_'), r.verificationUrl);
      tokens.set(r.id, token);
    }
    while (((await storage.latestCheckpoint('secret'))?.size ?? 0) < 5) {
      await new Promise((r) => setTimeout(r, 20));
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await publisher?.stop();
    await sequencer?.close();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  /** Every request the page made, with its share header. */
  let requests: { url: string; share: string | undefined }[];

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    problems = [];
    requests = [];
    page.on('request', (r) =>
      requests.push({ url: r.url(), share: r.headers()['proofline-share'] }),
    );
    page.on('console', (message) => {
      // The refused proof fetch of a private record is logged by Chromium itself.
      if (/status of 401/.test(message.text())) return;
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  });

  afterEach(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no console errors, CSP violations or page errors');
  });

  async function verdict(path: string): Promise<{ state: string; headline: string }> {
    const response = await page.goto(`${url}${path}`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector(
      'body[data-verification="passed"], body[data-verification="failed"]',
    );
    return {
      state: (await page.getAttribute('body', 'data-verification')) ?? '',
      headline: (await page.textContent('h1')) ?? '',
    };
  }

  it('verifies a record opened with its share link, sending the token only in a header', async () => {
    const token = tokens.get('secret-3')!;
    const { state } = await verdict(`/r/secret-3#t=${token}`);
    assert.equal(state, 'passed');
    for (const r of requests) assert.ok(!r.url.includes(token), `token in a URL: ${r.url}`);
    const proof = requests.filter((r) => r.url.endsWith('/v1/records/secret-3/proof'));
    assert.equal(proof.length, 1);
    assert.equal(proof[0]!.share, token);
    const download = await page.getAttribute('a[download$=".bundle.json"]', 'href');
    assert.match(download!, /^data:application\/json/, 'downloads need no token');
  });

  it('says a record is private, and nothing more, without a link or with another record’s', async () => {
    const none = await verdict('/r/secret-3');
    assert.equal(none.state, 'failed');
    assert.match(none.headline, /This record is private/);
    const missing = await verdict('/r/secret-999');
    assert.equal(missing.headline, none.headline, 'an absent record looks the same');
    const other = await verdict(`/r/secret-4#t=${tokens.get('secret-3')!}`);
    assert.match(other.headline, /This record is private/);
    assert.match((await page.textContent('main'))!, /does not open it/);
  });

  it('stops verifying a record once its link is revoked or has expired', async () => {
    const token = tokens.get('secret-4')!;
    assert.equal((await verdict(`/r/secret-4#t=${token}`)).state, 'passed');
    const revoke = await fetch(`${url}/v1/shares/${token.slice(4, 20)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.deepEqual(await revoke.json(), { revoked: 1 });
    await page.close();
    page = await context.newPage();
    const revoked = await verdict(`/r/secret-4#t=${token}`);
    assert.match(revoked.headline, /This record is private/);

    // Long enough for a loaded machine to open the page before it expires.
    const made = await fetch(`${url}/v1/records/secret-1/shares`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ expiresInSeconds: 6 }),
    });
    const link = (await made.json()) as { token: string; expiresAt: string };
    page = await context.newPage();
    assert.equal((await verdict(`/r/secret-1#t=${link.token}`)).state, 'passed');
    await new Promise((r) =>
      setTimeout(r, Math.max(0, Date.parse(link.expiresAt) - Date.now() + 50)),
    );
    page = await context.newPage();
    assert.match((await verdict(`/r/secret-1#t=${link.token}`)).headline, /private/);
  });

  it('shows a private log’s tree in the explorer, without its entries', async () => {
    await page.goto(`${url}/logs/secret`);
    await page.waitForSelector('[data-testid="private-entries"]');
    assert.equal(await page.textContent('[data-testid="tree-size"]'), '5');
    assert.match((await page.textContent('[data-testid="checkpoint-signature"]'))!, /valid/);
    assert.ok(await page.$('[data-testid="private-log"]'));
    assert.equal(await page.$('table.recent'), null);
    assert.ok(
      !requests.some((r) => r.url.includes('/tile/entries/')),
      'no entry bundle is even asked for',
    );
  });
});
