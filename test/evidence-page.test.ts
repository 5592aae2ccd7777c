/**
 * verify.html, the offline verifier inside every evidence package, in Debian's Chromium
 * (playwright-core): a February package is exported, unzipped into a temporary folder and the
 * page opened from it over file://. The auditor pastes the log key and chooses the folder:
 *
 * - the untouched package passes (every item as verify-evidence names it), over file://, with
 *   no request, console error or CSP violation, and a strict CSP (scripts and styles by hash);
 * - without a pasted key it still checks, but shows that the key is the package's own;
 * - a pasted key of another log fails on the key and every signature; a pasted witness
 *   policy the package does not meet fails, and is shown; pasted TSA roots with no token
 *   over the anchors warn, and fail when a timestamp is required;
 * - an insider's edits with SHA256SUMS recomputed (a sampled bundle's record, a record removed
 *   from the population) fail, as the CLI's verdict on the same files does;
 * - the package ZIP chosen instead (also on a verify.html obtained separately, the
 *   independent route) gives the CLI's items, archive bounds included, ZIP64 too;
 * - an original output chosen for a sampled record is compared with its digest;
 * - verify-evidence passes the package with its verify.html, and does not verify an edited one;
 * - verifyPackage over the folder in Node gives verify-evidence's items (the same code).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import yazl from 'yazl';
import {
  SIG_TYPE_COSIGNATURE,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import { nodeEd25519Signer, Publisher, ReceiptSealer, Sequencer } from '@proofline/sequencer';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { buildApp, generateApiKey, type LogRuntime } from '@proofline/server';
import {
  FILES,
  ZipReader,
  ZipWriter,
  exportEvidence,
  catalogue,
  parseSampleDocument,
  verifyEvidence,
  verifyPackage,
  type PackageFiles,
} from '@proofline/evidence';
import { generateCosignerKey, parseCosignerKey } from '@proofline/witness';
import { LocalTsa, opensslSupportsTs } from '@proofline/timestamp/testing';
import { launchChromium } from './lib/web.js';
import { receiptFormat } from '@proofline/records';

const FEB = Date.UTC(2026, 1, 1);
const MAR = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOG = 'acme';
const ORIGIN = `proofline.test/logs/${LOG}`;

let dir: string;
let storage: SqliteStorage;
let app: FastifyInstance;
let sequencer: Sequencer;
let browser: Browser;
let logKey: string;
let otherKey: string;
let pkg: string;
/** The unzipped package. */
let folder: string;
/** The original outputs, by their record digest. */
const outputs = new Map<string, string>();

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-evidence-page-'));
  storage = new SqliteStorage(join(dir, 'db'));
  const clock = { now: FEB - 10 * DAY };
  const now = () => clock.now;
  const key = parseSignerKey(generateSignerKey(ORIGIN));
  logKey = formatVerifierKey(ORIGIN, key.publicKey);
  otherKey = formatVerifierKey(ORIGIN, parseSignerKey(generateSignerKey(ORIGIN)).publicKey);
  const config = await storage.ensureLog({
    name: LOG,
    tenant: 'acme',
    origin: ORIGIN,
    verifierKey: logKey,
    createdAt: FEB - 30 * DAY,
  });
  const signer = nodeEd25519Signer(ORIGIN, key.seed);
  sequencer = new Sequencer(storage, LOG, {
    now,
    sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
  });
  const publisher = new Publisher(storage, config, signer, { receiptFormat, now });
  app = await buildApp({
    storage,
    access: storage,
    logs: new Map([[LOG, { config, signer, sequencer } as LogRuntime]]),
    publicUrl: 'https://ledger.test',
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  await storage.ensureTenant('acme', FEB - 30 * DAY);
  const apiKey = async (scopes: ('records:write' | 'audit:read')[]) => {
    const { key: k, record } = generateApiKey('acme', scopes, 'test', 0, FEB - 30 * DAY);
    await storage.createApiKey(record);
    return k;
  };
  const writeKey = await apiKey(['records:write']);
  let n = 0;
  const attest = async (time: number) => {
    clock.now = time;
    const output = `decision ${++n}: approved\n`;
    outputs.set(`sha256:${sha256(output)}`, output);
    const res = await app.inject({
      method: 'POST',
      url: `/v1/records?log=${LOG}`,
      headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
      payload: {
        digest: `sha256:${sha256(output)}`,
        type: 'ai.decision',
        subject: `case-${n}`,
        controls: ['SOC2:PI1.4'],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
  };
  const publishAt = async (time: number) => {
    clock.now = time;
    assert.ok(await publisher.publish(), 'published');
  };
  await attest(FEB - 5 * DAY);
  await publishAt(FEB - DAY);
  for (let day = 0; day < 28; day += 3) await attest(FEB + day * DAY + HOUR);
  await attest(MAR + HOUR);
  await publishAt(MAR + 2 * HOUR);

  pkg = join(dir, 'feb.zip');
  await exportEvidence({
    url,
    apiKey: await apiKey(['audit:read']),
    logKey,
    log: LOG,
    from: '2026-02-01',
    to: '2026-03-01',
    sample: { mode: 'size', size: 4 },
    out: pkg,
    now: () => Date.UTC(2026, 3, 2),
  });
  folder = join(dir, 'feb');
  await unzip(pkg, folder);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await sequencer?.close();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function unzip(zipPath: string, out: string): Promise<void> {
  const zip = await ZipReader.open(zipPath, {
    maxEntries: 1000,
    maxSize: () => 1 << 26,
    maxTotal: 1 << 28,
  });
  for (const name of zip.names()) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), await zip.read(name));
  }
  zip.close();
}

/** A copy of the unzipped package with `edit` applied and SHA256SUMS recomputed (a forger). */
function forge(name: string, edit: (files: Map<string, Buffer>) => void): string {
  const out = join(dir, name);
  cpSync(folder, out, { recursive: true });
  const sums = readFileSync(join(out, FILES.sums), 'utf8');
  const files = new Map(
    sums
      .trim()
      .split('\n')
      .map((line) => line.slice(66))
      .map((n) => [n, readFileSync(join(out, n))] as [string, Buffer]),
  );
  edit(files);
  for (const [n, data] of files) writeFileSync(join(out, n), data);
  writeFileSync(
    join(out, FILES.sums),
    [...files].map(([n, data]) => `${sha256(data)}  ${n}\n`).join(''),
  );
  return out;
}

/** The same files as a ZIP, for the CLI's verdict on them. */
async function zipOf(path: string): Promise<string> {
  const out = `${path}.zip`;
  const zip = new ZipWriter(out, new Date(Date.UTC(2026, 3, 2)));
  const names = readFileSync(join(path, FILES.sums), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.slice(66));
  for (const name of [...names, FILES.sums]) zip.addBuffer(name, readFileSync(join(path, name)));
  await zip.close();
  return out;
}

interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
  close(): Promise<void>;
}

/** Opens verify.html of `path` over file://, watching for console errors and requests. */
async function open(path: string): Promise<Opened> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(join(path, FILES.page)).href);
  return { page, problems, requests, close: () => context.close() };
}

/** Pastes `key` (if any), chooses the folder (or a .zip) and waits for the verdict. */
async function verify(o: Opened, path: string, key?: string): Promise<string> {
  if (key !== undefined) await o.page.fill('#log-key', key);
  await o.page.setInputFiles(path.endsWith('.zip') ? '#zip' : '#folder', path);
  await o.page.waitForSelector(
    'body[data-verification="passed"], body[data-verification="failed"]',
    { timeout: 60_000 },
  );
  return (await o.page.getAttribute('body', 'data-verification'))!;
}

async function statuses(page: Page): Promise<Record<string, string>> {
  return Object.fromEntries(
    await page.$$eval('li[data-item]', (items) =>
      items.map((li) => [li.getAttribute('data-item'), li.getAttribute('data-status')]),
    ),
  );
}

test('the untouched package passes in the browser, over file://, with the pasted log key', async () => {
  const o = await open(folder);
  try {
    const csp = await o.page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp!, /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    assert.match(csp!, /connect-src 'none'/);
    assert.doesNotMatch(csp!, /unsafe/);
    assert.equal(await o.page.getAttribute('body', 'data-verification'), 'pending');
    assert.equal(await verify(o, folder, logKey), 'passed');
    const s = await statuses(o.page);
    const cli = await verifyEvidence(pkg, { logKey });
    assert.ok(cli.complete, JSON.stringify(cli.items));
    // The same checks as verify-evidence, item by item; the page adds its container check and
    // cannot re-render report.pdf nor vouch for itself (both warned).
    for (const item of cli.items) {
      if (item.name === 'archive') continue;
      const expected =
        item.name === FILES.reportPdf || item.name === FILES.page ? 'warn' : item.status;
      assert.equal(s[item.name], expected, item.name);
    }
    assert.equal(s.files, 'pass');
    assert.equal(await o.page.textContent('#key-used'), logKey);
    assert.equal(await o.page.getAttribute('#key-source', 'data-source'), 'pinned');
    assert.match((await o.page.textContent('#verdict'))!, /^VERIFIED/);
    assert.deepEqual(
      o.requests.filter((u) => !u.startsWith('file://')),
      [],
      'no request leaves the machine',
    );
    assert.deepEqual(o.problems, [], 'no console error or CSP violation');
  } finally {
    await o.close();
  }
});

test("an original output chosen for a sampled record is compared with the record's digest", async () => {
  const o = await open(folder);
  try {
    assert.equal(await verify(o, folder, logKey), 'passed');
    const rows = await o.page.$$eval('#samples tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-record'), tr.children[3]!.textContent]),
    );
    const sample = parseSampleDocument(
      JSON.parse(readFileSync(join(folder, FILES.sample), 'utf8')),
    );
    assert.deepEqual(
      rows.map(([id]) => id),
      sample.records.map((r) => r.id),
    );
    const [id, digest] = rows[0]!;
    const original = join(dir, 'original.txt');
    writeFileSync(original, outputs.get(digest!)!);
    const row = `#samples tr[data-record="${id}"]`;
    await o.page.setInputFiles(`${row} input`, original);
    await o.page.waitForSelector(`${row}[data-output="match"]`);
    const other = join(dir, 'other.txt');
    writeFileSync(other, `${outputs.get(digest!)!} (edited)`);
    await o.page.setInputFiles(`${row} input`, other);
    await o.page.waitForSelector(`${row}[data-output="mismatch"]`);
    assert.match((await o.page.textContent(`${row} .output`))!, /is NOT the original/);
    assert.deepEqual(o.problems, []);
  } finally {
    await o.close();
  }
});

test("without a pasted key the page checks with the package's own key, and says so", async () => {
  const o = await open(folder);
  try {
    assert.equal(await verify(o, folder), 'passed');
    assert.equal((await statuses(o.page))['log-key'], 'warn');
    assert.equal(await o.page.getAttribute('#key-source', 'data-source'), 'package');
    assert.equal(await o.page.textContent('#key-used'), logKey);
  } finally {
    await o.close();
  }
});

test("a pasted key that is not the package's fails, on the key and every signature", async () => {
  const o = await open(folder);
  try {
    assert.equal(await verify(o, folder, otherKey), 'failed');
    const s = await statuses(o.page);
    assert.equal(s['log-key'], 'fail');
    assert.equal(s['end-checkpoint'], 'fail');
    assert.equal(await o.page.textContent('#key-used'), otherKey);
    assert.match((await o.page.textContent('#verdict'))!, /^NOT VERIFIED/);
  } finally {
    await o.close();
  }
});

test('a sampled bundle edited by an insider (SHA256SUMS recomputed) fails, in the page and the CLI', async () => {
  const sample = parseSampleDocument(JSON.parse(readFileSync(join(folder, FILES.sample), 'utf8')));
  const id = sample.records[0]!.id;
  const forged = forge('bundle-edited', (files) => {
    const name = `bundles/${id}.json`;
    const bundle = JSON.parse(files.get(name)!.toString('utf8')) as { index: number };
    bundle.index += 1;
    files.set(name, Buffer.from(`${JSON.stringify(bundle)}\n`));
  });
  const o = await open(forged);
  try {
    assert.equal(await verify(o, forged, logKey), 'failed');
    const s = await statuses(o.page);
    assert.equal(s.checksums, 'pass');
    assert.equal(s[`bundle ${id}`], 'fail');
  } finally {
    await o.close();
  }
  const cli = await verifyEvidence(await zipOf(forged), { logKey });
  assert.equal(cli.ok, false);
  assert.equal(cli.items.find((i) => i.name === `bundle ${id}`)?.status, 'fail');
});

test('a record removed from the population (SHA256SUMS recomputed) fails, in the page and the CLI', async () => {
  const forged = forge('population-edited', (files) => {
    const lines = files.get(FILES.population)!.toString('utf8').split('\n');
    lines.splice(3, 1);
    files.set(FILES.population, Buffer.from(lines.join('\n')));
  });
  const o = await open(forged);
  try {
    assert.equal(await verify(o, forged, logKey), 'failed');
    assert.equal((await statuses(o.page)).population, 'fail');
    assert.match((await o.page.textContent('li[data-item="population"]'))!, /missing/);
  } finally {
    await o.close();
  }
  const cli = await verifyEvidence(await zipOf(forged), { logKey });
  assert.equal(cli.ok, false);
  assert.equal(cli.items.find((i) => i.name === 'population')?.status, 'fail');
});

test('a file the package does not list fails the page, like an unlisted ZIP member the CLI', async () => {
  const out = join(dir, 'extra-file');
  cpSync(folder, out, { recursive: true });
  writeFileSync(join(out, 'notes.txt'), 'added later\n');
  const o = await open(out);
  try {
    assert.equal(await verify(o, out, logKey), 'failed');
    const s = await statuses(o.page);
    assert.equal(s.checksums, 'fail');
    assert.equal(s.files, 'fail');
  } finally {
    await o.close();
  }
});

test("verify-evidence verifies the package's verify.html, and does not verify an edited one", async () => {
  const ok = await verifyEvidence(pkg, { logKey });
  assert.equal(ok.items.find((i) => i.name === FILES.page)?.status, 'pass');
  assert.ok(readFileSync(join(folder, 'README.txt'), 'utf8').includes('verify.html'));
  const forged = forge('page-edited', (files) => {
    const html = files.get(FILES.page)!.toString('utf8');
    files.set(FILES.page, Buffer.from(html.replace('<title>', '<title>Trust me: ')));
  });
  const cli = await verifyEvidence(await zipOf(forged), { logKey });
  assert.equal(cli.ok, true);
  assert.equal(cli.complete, false, 'INCOMPLETE, never VERIFIED');
  assert.equal(cli.items.find((i) => i.name === FILES.page)?.status, 'unverified');
});

test('the package ZIP, chosen on a verify.html obtained separately, gives the CLI items and verdict', async () => {
  // The independent route: a copy of the page from elsewhere, and the ZIP as received.
  const elsewhere = join(dir, 'own-copy');
  mkdirSync(elsewhere);
  cpSync(join(folder, FILES.page), join(elsewhere, FILES.page));
  const o = await open(elsewhere);
  try {
    assert.equal(await verify(o, pkg, logKey), 'passed');
    const s = await statuses(o.page);
    const cli = await verifyEvidence(pkg, { logKey });
    for (const item of cli.items) {
      const expected =
        item.name === FILES.reportPdf || item.name === FILES.page ? 'warn' : item.status;
      assert.equal(s[item.name], expected, item.name);
    }
    assert.equal(s.archive, 'pass');
    assert.equal(await o.page.textContent('#source'), 'the ZIP feb.zip');
    assert.deepEqual(o.problems, []);
  } finally {
    await o.close();
  }
});

/** A copy of the package ZIP whose central directory declares `size` bytes for `name`. */
function declaring(name: string, size: number): string {
  const zip = readFileSync(pkg);
  const header = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = zip.indexOf(header); at >= 0; at = zip.indexOf(header, at + 4)) {
    const length = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + length) === name) {
      zip.writeUInt32LE(size, at + 24);
      const out = join(dir, `declaring-${size}.zip`);
      writeFileSync(out, zip);
      return out;
    }
  }
  throw new Error(`${name} not in the central directory`);
}

test('a ZIP member declaring more than its bound is refused unread, in the page and the CLI', async () => {
  const bomb = declaring(FILES.sample, 0xfffffff0);
  const o = await open(folder);
  try {
    assert.equal(await verify(o, bomb, logKey), 'failed');
    const s = await statuses(o.page);
    assert.deepEqual(Object.keys(s), ['archive']);
    assert.equal(s.archive, 'fail');
    assert.match(
      (await o.page.textContent('li[data-item="archive"]'))!,
      /sample\.json .* more than/,
    );
  } finally {
    await o.close();
  }
  const cli = await verifyEvidence(bomb, { logKey });
  assert.deepEqual(
    cli.items.map((i) => [i.name, i.status]),
    [['archive', 'fail']],
  );
});

test('an edited bundle in the ZIP (SHA256SUMS recomputed) fails on the page as in the CLI', async () => {
  const sample = parseSampleDocument(JSON.parse(readFileSync(join(folder, FILES.sample), 'utf8')));
  const id = sample.records[1]!.id;
  const forged = forge('bundle-edited-zip', (files) => {
    const name = `bundles/${id}.json`;
    files.set(
      name,
      Buffer.from(files.get(name)!.toString('utf8').replace('"index":', '"index":1')),
    );
  });
  const zip = await zipOf(forged);
  const o = await open(folder);
  try {
    assert.equal(await verify(o, zip, logKey), 'failed');
    assert.equal((await statuses(o.page))[`bundle ${id}`], 'fail');
  } finally {
    await o.close();
  }
});

test('a pasted witness policy is used and shown: a package its witnesses never cosigned fails', async () => {
  const witness = parseCosignerKey(generateCosignerKey('w1.example/witness'));
  const o = await open(folder);
  try {
    await o.page.fill(
      '#witness-keys',
      formatVerifierKey(witness.name, witness.publicKey, SIG_TYPE_COSIGNATURE),
    );
    await o.page.fill('#witness-quorum', '1');
    assert.equal(await verify(o, folder, logKey), 'failed');
    assert.equal((await statuses(o.page)).witnesses, 'fail');
    assert.equal(await o.page.textContent('#witness-used'), '1 of 1 witnesses you gave');
  } finally {
    await o.close();
  }
});

test('pasted TSA roots are used and shown: no trusted time warns, and fails when required', async () => {
  assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`');
  const tsa = new LocalTsa('Page');
  const o = await open(folder);
  try {
    await o.page.fill('#tsa-roots', readFileSync(tsa.rootPem, 'utf8'));
    assert.equal(await verify(o, folder, logKey), 'passed');
    assert.equal((await statuses(o.page)).timestamp, 'warn');
    assert.equal(await o.page.textContent('#tsa-used'), '1 root certificate you gave');
    await o.page.check('#require-timestamp');
    await o.page.click('#verify');
    await o.page.waitForSelector('body[data-verification="failed"]');
    assert.equal((await statuses(o.page)).timestamp, 'fail');
    const cli = await verifyEvidence(pkg, {
      logKey,
      timestampAuthorities: { roots: [Buffer.from(tsa.rootDer).toString('base64')] },
      requireTimestamp: true,
    });
    assert.equal(cli.items.find((i) => i.name === 'timestamp')?.status, 'fail');
  } finally {
    await o.close();
    tsa.cleanup();
  }
});

/** The unzipped folder's files as PackageFiles, in Node. */
function folderFiles(path: string): PackageFiles {
  const names = readFileSync(join(path, FILES.sums), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.slice(66))
    .concat(FILES.sums);
  const read = (name: string) => new Uint8Array(readFileSync(join(path, name)));
  return {
    names: () => names,
    has: (name) => names.includes(name),
    size: (name) => (names.includes(name) ? read(name).length : 0),
    read: (name) => Promise.resolve(read(name)),
    stream: (name) =>
      Promise.resolve(
        (async function* () {
          yield read(name);
        })(),
      ),
  };
}

test('verifyPackage is verify-evidence without the ZIP; without its own page a verifier does not verify verify.html', async () => {
  const sha256Env = () => {
    const h = createHash('sha256');
    return { update: (d: Uint8Array | string) => void h.update(d), digest: () => h.digest('hex') };
  };
  const cli = await verifyEvidence(pkg, { logKey });
  const missing = await verifyPackage(
    folderFiles(folder),
    { sha256: sha256Env, catalogue: catalogue(), page: 'missing' },
    { logKey },
  );
  assert.deepEqual(
    missing.items.map((i) => [i.name, i.status]),
    cli.items
      .filter((i) => i.name !== 'archive')
      .map((i) => [
        i.name,
        i.name === FILES.reportPdf ? 'warn' : i.name === FILES.page ? 'unverified' : i.status,
      ]),
  );
  assert.equal(missing.ok, true);
  assert.equal(missing.complete, false);
});

test('a ZIP64 package (central directory and sizes in ZIP64 records) verifies on the page as in the CLI', async () => {
  const out = join(dir, 'zip64.zip');
  const zip = new yazl.ZipFile();
  const names = readFileSync(join(folder, FILES.sums), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.slice(66));
  for (const name of [...names, FILES.sums]) {
    zip.addBuffer(readFileSync(join(folder, name)), name, { forceZip64Format: true });
  }
  zip.end({ forceZip64Format: true, comment: '' });
  const file = createWriteStream(out);
  zip.outputStream.pipe(file);
  await once(file, 'close');
  assert.ok(readFileSync(out).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'a ZIP64 record');
  const cli = await verifyEvidence(out, { logKey });
  assert.ok(cli.complete, JSON.stringify(cli.items.filter((i) => i.status !== 'pass')));
  const o = await open(folder);
  try {
    assert.equal(await verify(o, out, logKey), 'passed');
    assert.equal((await statuses(o.page)).archive, 'pass');
  } finally {
    await o.close();
  }
});
