/**
 * The public verification pages and log explorer (packages/web) in a real browser: Debian's
 * Chromium driven by playwright-core, against a real server on a free port (built here with
 * buildApp, see lib/web.ts). The pages verify
 * proofs in the browser; these tests check what a visitor sees. scripts/screenshots.mjs
 * takes the screenshots in docs/ from the same fixture.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DOCS_CSP, WEB_CSP } from '@proofline/server';
import {
  RECORDS,
  TAMPERED,
  content,
  launchChromium,
  makeCosigner,
  sha256,
  startWebFixture,
  type WebFixture,
} from './lib/web.js';

describe('web pages in Chromium', () => {
  let fixture: WebFixture;
  let url: string;
  let browser: Browser;

  before(async () => {
    fixture = await startWebFixture();
    url = fixture.url;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    problems = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  });

  afterEach(async () => {
    const cookies = await context.cookies();
    await context.close();
    assert.deepEqual(problems, [], 'no console errors, CSP violations or page errors');
    assert.deepEqual(cookies, [], 'no cookies');
  });

  /** Opens a record page and waits for the verdict. */
  async function openRecord(path: string): Promise<string> {
    const response = await page.goto(`${url}${path}`);
    assert.equal(response?.status(), 200);
    assert.equal(response?.headers()['content-security-policy'], WEB_CSP);
    await page.waitForSelector(
      'body[data-verification="passed"], body[data-verification="failed"]',
    );
    return (await page.getAttribute('body', 'data-verification'))!;
  }

  async function checkStatuses(): Promise<Record<string, string>> {
    return Object.fromEntries(
      await page.$$eval('li[data-check]', (items) =>
        items.map((li) => [li.getAttribute('data-check'), li.getAttribute('data-status')]),
      ),
    );
  }

  it('verifies a real record in the browser: every applicable check passes', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    assert.equal(await openRecord('/r/default-3'), 'passed');
    const statuses = await checkStatuses();
    for (const name of ['bundle', 'record', 'receipt', 'inclusion', 'checkpoint']) {
      assert.equal(statuses[name], 'passed', name);
    }
    assert.ok(Object.values(statuses).every((s) => s === 'passed' || s === 'not-applicable'));
    const verdict = await page.textContent('[data-testid=verdict]');
    assert.match(verdict!, /Verified/);
    assert.match(verdict!, /entry 3 of the log ledger\.example\.com\/logs\/default/);
    const text = await page.textContent('main');
    for (const shown of ['ai.decision', 'case-2026-1403', 'credit-risk-v3', 'SOC2:PI1.4']) {
      assert.ok(text!.includes(shown), shown);
    }
    const key = fixture.keys.get('default')!;
    assert.equal(await page.textContent('[data-testid=key-used]'), key);
    assert.match((await page.textContent('[data-testid=key-source]'))!, /Offered by this server/);
    assert.equal(
      await page.textContent('[data-testid=offline-command]'),
      `proofline verify default-3.bundle.json --log-key '${key}'`,
    );
    // The page asked the server for the proof and the key, never for a verdict.
    assert.ok(requests.includes('/v1/records/default-3/proof'));
    assert.ok(requests.every((p) => !p.startsWith('/v1/') || p === '/v1/records/default-3/proof'));
  });

  /** "2026-11-07 14:03:12", as the page writes times before "(UTC)". */
  const utc = (seconds: number) =>
    new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

  it('lists the witnesses that cosigned, and says when the record existed by', async () => {
    assert.equal(await openRecord('/r/default-3'), 'passed');
    assert.equal((await checkStatuses()).witnesses, 'passed');
    const [w1, w2] = fixture.witnesses;
    const rows = await page.$$eval('[data-testid=witnesses] tbody tr', (trs) =>
      trs.map((tr) => ({
        name: tr.getAttribute('data-witness'),
        verified: tr.getAttribute('data-verified'),
        text: tr.textContent,
      })),
    );
    assert.deepEqual(
      rows.map((r) => [r.name, r.verified]),
      [
        [w1!.name, 'true'],
        [w2!.name, 'true'],
      ],
    );
    assert.ok(rows[0]!.text!.includes(utc(w1!.time)), rows[0]!.text!);
    assert.ok(rows[1]!.text!.includes(utc(w2!.time)), rows[1]!.text!);
    assert.match(
      (await page.textContent('[data-testid=witness-policy]'))!,
      /2 of 2 trusted witnesses \(offered by this server\)/,
    );
    // The earlier of the two verified cosignatures bounds the record, next to the verdict.
    assert.equal(
      (await page.textContent('[data-testid=verdict] [data-testid=existed-by]'))!.replace(
        /\s+/g,
        ' ',
      ),
      `Existed no later than ${utc(w2!.time)} (UTC), as attested by witness ${w2!.name}.`,
    );
    assert.match((await page.textContent('[data-testid=witness-pin-help]'))!, /witnesses=/);
  });

  it('fails when a pinned witness policy is not met, naming the witnesses check', async () => {
    const [w1] = fixture.witnesses;
    const stranger = makeCosigner('witness.stranger.example/w9').verifier.verifierKey;
    const pin = encodeURIComponent(`2:${w1!.vkey},${stranger}`);
    assert.equal(await openRecord(`/r/default-3#witnesses=${pin}`), 'failed');
    const statuses = await checkStatuses();
    assert.equal(statuses.witnesses, 'failed');
    assert.equal(statuses.inclusion, 'passed');
    assert.equal(statuses.checkpoint, 'passed');
    assert.match(
      (await page.textContent('[data-testid=verdict]'))!,
      /Witness cosignatures check failed: 1 of the 2 trusted witnesses cosigned/,
    );
    assert.equal(await page.$('[data-testid=existed-by]'), null);
    assert.match(
      (await page.textContent('[data-testid=witness-policy]'))!,
      /2 of 2 trusted witnesses \(pinned in this page’s address/,
    );
    // The second witness cosigned too, but is not in the pinned policy.
    assert.deepEqual(
      await page.$$eval('[data-testid=witnesses] tbody tr', (trs) =>
        trs.map((tr) => tr.getAttribute('data-verified')),
      ),
      ['true', 'false'],
    );
  });

  it('says calmly when a log has no witnesses', async () => {
    assert.equal(await openRecord('/r/staging-0'), 'passed');
    assert.equal((await checkStatuses()).witnesses, 'not-applicable');
    assert.match(
      (await page.textContent('[data-testid=no-witnesses]'))!,
      /This log does not name any witnesses/,
    );
    assert.equal(await page.$('[data-testid=existed-by]'), null);
  });

  it('shows the RFC 3161 time bound of a timestamped checkpoint (RFC 3161 code loaded on demand)', async () => {
    const scripts: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('.js')) scripts.push(r.url());
    });
    assert.equal(await openRecord('/r/stamped-0'), 'passed');
    assert.match(
      (await page.textContent('[data-testid=existed-by]'))!,
      /Existed no later than .* \(UTC\), as attested by the time-stamping authority .*\(RFC 3161 timestamp\)/,
    );
    // The timestamp verifier is a separate chunk, fetched only for a bundle with tokens.
    assert.ok(scripts.length >= 2, `scripts loaded: ${scripts.join(', ')}`);
    // The bound comes from the first checkpoint that included the record, not the latest.
    assert.equal(await page.getAttribute('[data-testid=existed-by]', 'data-anchor-size'), '1');
    assert.match(
      (await page.textContent('[data-testid=existed-by-anchor]'))!,
      /first checkpoint that included the record \(tree size 1\)/,
    );
    assert.equal(await page.textContent('[data-testid=anchor-size]'), 'tree size 1');
    assert.equal(await page.textContent('[data-testid=latest-size]'), 'tree size 2');
    assert.equal(await page.getAttribute('[data-testid=latest-status]', 'data-status'), 'passed');
    assert.equal((await checkStatuses()).latest, 'passed');
  });

  it('says whether a dropped file is the original, without uploading it', async () => {
    assert.equal(await openRecord('/r/default-5'), 'passed');
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const input = page.locator('[data-testid=content-file]');
    await input.setInputFiles({
      name: 'decision-5.json',
      mimeType: 'application/json',
      buffer: content(5),
    });
    await page.waitForSelector('[data-testid=content-result][data-match=true]');
    assert.match((await page.textContent('[data-testid=content-result]'))!, /Match\./);
    // The original: "Original content" passes and the verdict stays verified.
    assert.equal((await checkStatuses()).content, 'passed');
    assert.equal(await page.getAttribute('body', 'data-verification'), 'passed');
    await input.setInputFiles({
      name: 'decision-6.json',
      mimeType: 'application/json',
      buffer: content(6),
    });
    await page.waitForSelector('[data-testid=content-result][data-match=false]');
    assert.match(
      (await page.textContent('[data-testid=content-result]'))!,
      /No match\. decision-6\.json is not the output/,
    );
    // Not the original: the verdict turns to a plain mismatch naming both digests.
    await page.waitForSelector('body[data-verification="failed"]');
    assert.equal((await checkStatuses()).content, 'failed');
    const verdict = (await page.textContent('[data-testid=verdict]'))!;
    assert.match(verdict, /This file is not the original/);
    assert.ok(
      verdict.includes(
        `This file is not the original: its digest ${sha256(content(6))} differs from the record’s ${sha256(content(5))}.`,
      ),
      verdict,
    );
    // The original again: verified again.
    await input.setInputFiles({
      name: 'decision-5.json',
      mimeType: 'application/json',
      buffer: content(5),
    });
    await page.waitForSelector('body[data-verification="passed"]');
    assert.equal((await checkStatuses()).content, 'passed');
    assert.deepEqual(requests, [], 'the file is never sent anywhere');
  });

  it('fails a record whose stored entry was altered, naming the inclusion proof', async () => {
    assert.equal(await openRecord(`/r/default-${TAMPERED}`), 'failed');
    const statuses = await checkStatuses();
    assert.equal(statuses.inclusion, 'failed');
    assert.equal(statuses.checkpoint, 'passed');
    const verdict = (await page.textContent('[data-testid=verdict]'))!;
    assert.match(verdict, /Verification failed/);
    assert.match(verdict, /Inclusion proof check failed: the entry is not proven at index 7/);
    await page.click('li[data-check=inclusion] summary');
    assert.match((await page.textContent('li[data-check=inclusion] details'))!, /Leaf hash/);
  });

  it('fails with a wrong pinned key, and re-verifies with a pasted one', async () => {
    const other = fixture.keys.get('staging')!;
    assert.equal(await openRecord(`/r/default-3#key=${encodeURIComponent(other)}`), 'failed');
    const statuses = await checkStatuses();
    assert.equal(statuses.checkpoint, 'failed');
    assert.equal(statuses.receipt, 'failed');
    assert.match(
      (await page.textContent('[data-testid=verdict]'))!,
      /Checkpoint signature check failed/,
    );
    assert.equal(await page.textContent('[data-testid=key-used]'), other);
    assert.match((await page.textContent('[data-testid=key-source]'))!, /Pinned in this page/);

    // Paste the right key: the page pins it in the fragment and verifies again.
    const key = fixture.keys.get('default')!;
    await page.fill('#key-input', key);
    await page.press('#key-input', 'Enter');
    await page.waitForSelector('body[data-verification="passed"]');
    assert.equal(new URL(page.url()).hash, `#key=${encodeURIComponent(key)}`);
    assert.match(
      (await page.textContent('[data-testid=key-source]'))!,
      /It is the same key this server offers/,
    );

    // A pasted non-key is refused without touching the pin.
    await page.fill('#key-input', 'not a key');
    await page.click('.key-form button[type=submit]');
    await page.waitForSelector('#key-error');
    assert.equal(await page.getAttribute('body', 'data-verification'), 'passed');
  });

  it('explores the logs: tree size, signature, latest records and lookup by file', async () => {
    const response = await page.goto(url);
    assert.equal(response?.headers()['content-security-policy'], WEB_CSP);
    const card = page.locator('[data-log=default]');
    await card.locator('[data-testid=tree-size]').waitFor();
    assert.equal(await card.locator('[data-testid=tree-size]').textContent(), String(RECORDS));
    assert.match(
      (await card.locator('[data-testid=checkpoint-signature]').textContent())!,
      /valid/,
    );
    await card.locator('table.recent tbody tr').first().waitFor();
    assert.equal(await card.locator('table.recent tbody tr').count(), 5);
    assert.equal(
      await card.locator('table.recent tbody tr').first().locator('a').textContent(),
      `default-${RECORDS - 1}`,
    );
    assert.equal(
      await page.locator('[data-log=staging] [data-testid=tree-size]').textContent(),
      '1',
    );

    await page.setInputFiles('[data-testid=lookup-file]', {
      name: 'decision-12.json',
      mimeType: 'application/json',
      buffer: content(12),
    });
    await page.locator('[data-testid=lookup-result] a').waitFor();
    assert.equal(await page.locator('[data-testid=lookup-result] a').textContent(), 'default-12');

    // Client-side navigation to the record, which verifies.
    await page.click('[data-testid=lookup-result] a');
    await page.waitForSelector('body[data-verification="passed"]');
    assert.equal(new URL(page.url()).pathname, '/r/default-12');

    // The page of one log, by its name.
    await page.goto(`${url}/logs/default`);
    await page.locator('[data-testid=tree-size]').waitFor();
    await page.locator('table.recent tbody tr').nth(24).waitFor(); // the records load after the size
    assert.equal(await page.locator('table.recent tbody tr').count(), 25);
    assert.equal(await page.getAttribute('body', 'data-verification'), null);
  });

  it('serves the pages with strict headers next to the JSON API', async () => {
    const html = await fetch(`${url}/r/default-1`);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(html.headers.get('cache-control'), 'no-cache');
    assert.equal(html.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(html.headers.get('content-security-policy'), WEB_CSP);
    const body = await html.text();
    assert.doesNotMatch(body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(body, /<style|\bstyle=/, 'no inline style');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(body)![1]!;
    const js = await fetch(`${url}${asset}`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.equal((await fetch(`${url}/assets/missing-abc.js`)).status, 404);
    assert.equal((await fetch(`${url}/assets/../index.html`)).status, 404);
    const api = await fetch(`${url}/logs/default/`);
    assert.equal(((await api.json()) as { name: string }).name, 'default');
    assert.match((await fetch(`${url}/logs/default`)).headers.get('content-type')!, /text\/html/);
  });

  it('renders the API documentation (Swagger UI) under its Content-Security-Policy', async () => {
    const response = await page.goto(`${url}/docs`);
    assert.equal(response?.status(), 200);
    assert.equal(response?.headers()['content-security-policy'], DOCS_CSP);
    await page.waitForSelector('.swagger-ui .info .title');
    assert.match((await page.textContent('.swagger-ui .info .title'))!, /Proofline/);
    assert.ok((await page.$$('.opblock')).length > 10, 'the operations are listed');
    const script = await fetch(`${url}/docs/static/swagger-initializer.js`);
    assert.equal(script.headers.get('content-security-policy'), DOCS_CSP);
  });

  it('looks records up by digest, publicly and strictly', async () => {
    const lookup = (query: string) => fetch(`${url}/v1/lookup${query}`);
    const found = await lookup(`?digest=${sha256(content(12))}`);
    assert.equal(found.status, 200);
    assert.deepEqual(await found.json(), {
      records: [{ id: 'default-12', log: 'default', index: 12 }],
    });
    const none = await lookup(`?digest=${sha256(Buffer.from('nothing'))}`);
    assert.deepEqual(await none.json(), { records: [] });
    // The altered entry no longer has its digest; the forged one has the same digest.
    const tampered = (await (await lookup(`?digest=${sha256(content(TAMPERED))}`)).json()) as {
      records: unknown[];
    };
    assert.deepEqual(tampered.records, [
      { id: `default-${TAMPERED}`, log: 'default', index: TAMPERED },
    ]);
    for (const bad of [
      '',
      '?digest=',
      `?digest=${sha256(content(1)).toUpperCase()}`,
      `?digest=sha256:${'0'.repeat(63)}`,
      `?digest=md5:${'0'.repeat(32)}`,
      `?digest=${sha256(content(1))}&digest=${sha256(content(1))}`,
      `?digest=${sha256(content(1))}&log=default`,
    ]) {
      const res = await lookup(bad);
      assert.equal(res.status, 400, bad);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    }
  });
});
