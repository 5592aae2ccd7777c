/**
 * The SCITT verification page (`/verify`, packages/web ScittPage) in Debian's Chromium: a COSE
 * receipt the server serves (GET /entries/<id>) is dropped on the page and verified in the
 * browser against the pinned log key; a tampered one fails, also when pasted as base64; a
 * pasted signed checkpoint confirms the size and index. Nothing is sent to the server.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WEB_CSP } from '@proofline/server';
import { launchChromium, startWebFixture, type WebFixture } from './lib/web.js';

describe('SCITT verification page in Chromium', () => {
  let fixture: WebFixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let receipt: Buffer;
  let checkpoint: string;

  before(async () => {
    fixture = await startWebFixture();
    browser = await launchChromium();
    const res = await fetch(`${fixture.url}/entries/default-3`);
    assert.equal(res.status, 200);
    receipt = Buffer.from(await res.arrayBuffer());
    checkpoint = await (await fetch(`${fixture.url}/logs/default/checkpoint`)).text();
  });

  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });

  afterEach(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no console errors, CSP violations or page errors');
  });

  async function open(): Promise<string[]> {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const key = encodeURIComponent(fixture.keys.get('default')!);
    const response = await page.goto(`${fixture.url}/verify#key=${key}`);
    assert.equal(response?.status(), 200);
    assert.equal(response?.headers()['content-security-policy'], WEB_CSP);
    return requests;
  }

  async function verdict(): Promise<string> {
    await page.waitForSelector(
      'body[data-verification="passed"], body[data-verification="failed"]',
    );
    return (await page.getAttribute('body', 'data-verification'))!;
  }

  async function statuses(): Promise<Record<string, string>> {
    return Object.fromEntries(
      await page.$$eval('[data-testid=scitt-checks] li[data-check]', (items) =>
        items.map((li) => [li.getAttribute('data-check'), li.getAttribute('data-status')]),
      ),
    );
  }

  it('a served receipt passes; its size is confirmed only with the checkpoint', async () => {
    const requests = await open();
    await page.setInputFiles('[data-testid=scitt-file]', {
      name: 'default-3.cose',
      mimeType: 'application/cose',
      buffer: receipt,
    });
    assert.equal(await verdict(), 'passed');
    assert.deepEqual(await statuses(), {
      cose: 'passed',
      record: 'passed',
      service: 'passed',
      checkpoint: 'not-applicable',
    });
    const proven = await page.textContent('[data-testid=scitt-proven]');
    assert.match(proven!, /entry 3 of the log ledger\.example\.com\/logs\/default, logged at /);
    assert.match(proven!, /not signed and were not confirmed/);
    assert.equal(await page.textContent('[data-testid=scitt-keys]'), fixture.keys.get('default'));

    await page.fill('[data-testid=scitt-checkpoint]', checkpoint);
    await page.setInputFiles('[data-testid=scitt-file]', {
      name: 'default-3.cose',
      mimeType: 'application/cose',
      buffer: receipt,
    });
    await page.waitForSelector(
      '[data-testid=scitt-checks] li[data-check=checkpoint][data-status=passed]',
    );
    assert.match(
      (await page.textContent('[data-testid=scitt-proven]'))!,
      /confirmed by the signed checkpoint/,
    );
    // Nothing was sent: only the page and its assets were requested.
    assert.ok(
      requests.every((p) => p === '/verify' || p.startsWith('/assets/')),
      requests.join(' '),
    );
  });

  it('a tampered receipt fails, dropped or pasted as base64', async () => {
    await open();
    const tampered = Buffer.from(receipt);
    tampered[tampered.length - 1]! ^= 1;
    await page.setInputFiles('[data-testid=scitt-file]', {
      name: 'tampered.cose',
      mimeType: 'application/cose',
      buffer: tampered,
    });
    assert.equal(await verdict(), 'failed');
    assert.equal((await statuses()).service, 'failed');
    assert.equal(
      await page.getAttribute('[data-failed-check=service]', 'data-code'),
      'RECEIPT_UNVERIFIED',
    );

    await page.fill('[data-testid=scitt-base64]', tampered.toString('base64'));
    await page.click('[data-testid=scitt-check]');
    await page.waitForSelector('[data-failed-check=service]');
    assert.equal(await verdict(), 'failed');
    // The genuine receipt pasted passes.
    await page.fill('[data-testid=scitt-base64]', receipt.toString('base64'));
    await page.click('[data-testid=scitt-check]');
    await page.waitForSelector('body[data-verification="passed"]');
  });
});
