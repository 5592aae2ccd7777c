/**
 * Evidence packages with SCITT transparent statements (docs/evidence.md, docs/scitt.md): signed
 * statements of two issuers (Ed25519 and ES256) are registered as records of a log (appended
 * in-process with `proofline append`, the records `scittRecordStatement` derives), a real
 * `proofline serve` issues their receipts (GET /entries/{id}, with the record entry embedded),
 * and `proofline evidence --statement` packages the transparent statements. verify-evidence is
 * VERIFIED only with the auditor's issuer keys (INCOMPLETE without, NOT VERIFIED with a wrong
 * one); the exporter refuses bad statements before writing; a forger who recomputes
 * SHA256SUMS and edits manifest.json (swapping, editing, moving, removing or adding a
 * statement) fails with a specific code; the independent Python verifier accepts a packaged
 * receipt for the listing's entry; the offline page verifies the statements too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import {
  CborMap,
  attachReceipts,
  coseKeyThumbprint,
  extractReceipts,
  ed25519CoseSigner,
  encodeCoseKey,
  es256CoseSigner,
  publicKeyFromPem,
  signSign1,
  type CoseKeySigner,
  type CosePublicKey,
} from '@proofline/cose';
import { parseCheckpoint, parseNote } from '@proofline/note';
import { scittRecordStatement } from '@proofline/records';
import {
  FILES,
  ZipReader,
  ZipWriter,
  parseLine,
  verifyEvidence,
  type EvidenceVerification,
} from '@proofline/evidence';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { checkPythonScittDeps, runPythonScittVerifierBatch } from './lib/python-scitt.js';
import { statementLines } from './lib/statements.js';
import { launchChromium } from './lib/web.js';

const LIMITS = { maxEntries: 1e5, maxSize: () => 1 << 28, maxTotal: 2 ** 31 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A whole second at least one second after now, then at least one second later. */
async function mark(): Promise<string> {
  await sleep(1100);
  const at = new Date(Math.ceil(Date.now() / 1000) * 1000).toISOString();
  await sleep(1100);
  return at;
}

async function members(path: string): Promise<Map<string, Buffer>> {
  const zip = await ZipReader.open(path, LIMITS);
  const out = new Map<string, Buffer>();
  for (const name of zip.names()) out.set(name, Buffer.from(await zip.read(name)));
  zip.close();
  return out;
}

/** A forged copy of `src`: `edit` changes the members, then SHA256SUMS is recomputed. */
async function forge(
  src: string,
  dst: string,
  edit: (files: Map<string, Buffer>) => void,
): Promise<string> {
  const files = await members(src);
  files.delete(FILES.sums);
  edit(files);
  const out = new ZipWriter(dst, new Date());
  for (const [name, data] of files) out.addBuffer(name, data);
  out.addBuffer(
    FILES.sums,
    [...files].map(([n, d]) => `${createHash('sha256').update(d).digest('hex')}  ${n}\n`).join(''),
  );
  await out.close();
  return dst;
}

function editManifest(files: Map<string, Buffer>, edit: (m: Record<string, unknown>) => void) {
  const m = JSON.parse(files.get(FILES.manifest)!.toString()) as Record<string, unknown>;
  edit(m);
  files.set(FILES.manifest, Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** An issuer: its signer, kid (its key's RFC 9679 thumbprint) and key as PEM SPKI. */
interface Issuer {
  readonly name: string;
  readonly signer: CoseKeySigner;
  readonly kid: Uint8Array;
  readonly pem: string;
}

function ed25519Issuer(name: string): Issuer {
  const signer = ed25519CoseSigner(new Uint8Array(randomBytes(32)));
  const key = signer.publicKey as Extract<CosePublicKey, { kty: 'OKP' }>;
  const pem = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: b64url(key.x) },
    format: 'jwk',
  }).export({ type: 'spki', format: 'pem' }) as string;
  return { name, signer, kid: coseKeyThumbprint(signer.publicKey), pem };
}

function es256Issuer(name: string): Issuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const signer = es256CoseSigner(new Uint8Array(d));
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return { name, signer, kid: coseKeyThumbprint(signer.publicKey), pem };
}

/** A signed statement (hash envelope: SHA-256 of `content`), as an issuer registers it. */
function signStatement(issuer: Issuer, subject: string, content: string): Promise<Uint8Array> {
  return signSign1(
    {
      protected: [
        [4, issuer.kid],
        [
          15,
          new CborMap([
            [1, issuer.name],
            [2, subject],
          ]),
        ],
        [258, -16],
        [259, 'application/json'],
      ],
      payload: new Uint8Array(createHash('sha256').update(content).digest()),
    },
    issuer.signer,
  );
}

const registration = (statement: Uint8Array) =>
  `${JSON.stringify(scittRecordStatement(statement).statement)}\n`;

const failed = (v: EvidenceVerification) => v.items.filter((i) => i.status === 'fail');
const codes = (v: EvidenceVerification) => [
  ...new Set(failed(v).flatMap((i) => (i.code ? [i.code] : []))),
];

describe('evidence packages carry SCITT transparent statements', () => {
  let dir: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let logKey: string;
  let pkg: string;
  let exportArgs: string[];
  const a = ed25519Issuer('https://issuer-a.example');
  const b = es256Issuer('https://issuer-b.example');
  const files: Record<string, string> = {};
  /** Transparent statements by name; A (index 6), B (7), A2 (8) in the period, early (3) not. */
  const ts: Record<string, Uint8Array> = {};
  const keys: Record<string, CosePublicKey> = {};

  before(async () => {
    dir = tempDir('evidence-scitt');
    const data = join(dir, 'data');
    assert.equal(runProofline(['create-log', '--data', data]).status, 0);
    const apiKey = createApiKey(data, ['audit:read']);
    logKey = runProofline(['log-key', '--data', data]).stdout.trim();
    const signed = {
      early: await signStatement(a, 'release-0.9', 'early'),
      a: await signStatement(a, 'release-1.0', 'a'),
      b: await signStatement(b, 'sbom-1.0', 'b'),
      a2: await signStatement(a, 'release-1.1', 'a2'),
    };
    const append = (lines: string) => {
      const r = runProofline(['append', '--data', data], lines);
      assert.equal(r.status, 0, r.stderr);
    };
    append(statementLines('scitt evidence', 0, 3) + registration(signed.early)); // 0..3
    const from = await mark();
    append(
      statementLines('scitt evidence', 4, 6) +
        registration(signed.a) +
        registration(signed.b) +
        registration(signed.a2),
    ); // 4..8
    const to = await mark();
    append(statementLines('scitt evidence', 9, 11)); // 9..10
    server = await startServer(data, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 11);
    const receipt = async (index: number) => {
      const res = await fetch(`${server!.url}/entries/default-${index}`, {
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/cose' },
      });
      assert.equal(res.status, 200, await res.clone().text());
      return new Uint8Array(await res.arrayBuffer());
    };
    const receipts = { early: await receipt(3), a: await receipt(6), b: await receipt(7) };
    ts.early = attachReceipts(signed.early, [receipts.early]);
    ts.a = attachReceipts(signed.a, [receipts.a]);
    ts.b = attachReceipts(signed.b, [receipts.b]);
    ts.a2 = attachReceipts(signed.a2, [await receipt(8)]);
    ts.plain = signed.a;
    ts.moved = attachReceipts(signed.b, [receipts.a]);
    // Another issuer's statement with the same claims, carrying A's receipt.
    const mallory = ed25519Issuer(a.name);
    ts.swapped = attachReceipts(
      await signStatement({ ...mallory, kid: a.kid }, 'release-1.0', 'a'),
      [receipts.a],
    );
    for (const [name, bytes] of Object.entries(ts)) {
      files[name] = join(dir, `${name}.cose`);
      writeFileSync(files[name], bytes);
    }
    files.keyA = join(dir, 'issuer-a.cbor'); // a COSE_Key
    writeFileSync(files.keyA, encodeCoseKey(a.signer.publicKey));
    files.keyB = join(dir, 'issuer-b.pem'); // a PEM SubjectPublicKeyInfo
    writeFileSync(files.keyB, b.pem);
    keys.a = a.signer.publicKey;
    keys.b = publicKeyFromPem(b.pem);

    pkg = join(dir, 'package.zip');
    exportArgs = [
      ...['evidence', '--url', server.url, '--api-key', apiKey, '--log-key', logKey],
      ...['--from', from, '--to', to, '--sample', '2'],
    ];
    const exported = runProofline([
      ...exportArgs,
      ...['--statement', files.a!, '--statement', files.b!, '--statement', files.a2!],
      ...['--statement-key', files.keyA!, '--statement-key', files.keyB!, '--out', pkg],
    ]);
    assert.equal(exported.status, 0, exported.stdout + exported.stderr);
    assert.match(exported.stdout, /5 records in .*, 3 transparent statements\n/);
  });

  after(async () => {
    await browser?.close();
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the package holds each statement as given, named for its record, listed and reported', async () => {
    const m = await members(pkg);
    assert.deepEqual(Buffer.compare(m.get('statements/default-6.cose')!, Buffer.from(ts.a!)), 0);
    assert.deepEqual(Buffer.compare(m.get('statements/default-7.cose')!, Buffer.from(ts.b!)), 0);
    assert.ok(m.has('statements/default-8.cose'));
    const manifest = JSON.parse(m.get(FILES.manifest)!.toString()) as Record<string, unknown>;
    assert.deepEqual(manifest.statements, ['default-6', 'default-7', 'default-8']);
    assert.match(m.get(FILES.sums)!.toString(), / {2}statements\/default-7\.cose\n/);
    const html = m.get(FILES.reportHtml)!.toString();
    assert.match(html, /Transparent statements \(SCITT\)/);
    assert.match(html, /default-7<\/td><td>https:\/\/issuer-b\.example<\/td><td>sbom-1\.0<\/td>/);
    assert.match(m.get(FILES.readme)!.toString(), /3 SCITT transparent statements/);
    // The issuer keys are the auditor's: the package carries none.
    for (const [name, data] of m) {
      if (name !== FILES.page) assert.ok(!data.includes(Buffer.from(b.pem.split('\n')[1]!)), name);
    }
  });

  it('verify-evidence: VERIFIED with the issuer keys, INCOMPLETE without, NOT VERIFIED with a wrong one', () => {
    const base = ['verify-evidence', pkg, '--log-key', logKey];
    const ok = runProofline([
      ...base,
      ...['--statement-key', files.keyA!, '--statement-key', files.keyB!],
    ]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(
      ok.stdout,
      /PASS\s+statement statements\/default-7\.cose.*issuer https:\/\/issuer-b\.example, subject sbom-1\.0: registered as record default-7/,
    );
    assert.match(ok.stdout, /its root is the (end|latest) checkpoint's/);
    assert.match(ok.stdout, /^VERIFIED /m);
    const none = runProofline(base);
    assert.equal(none.status, 3, none.stdout + none.stderr);
    assert.match(none.stdout, /issuer signature is NOT verified/);
    assert.match(none.stdout, /statement issuer keys: none given/);
    const wrong = runProofline([...base, '--statement-key', files.keyA!, '--json']);
    assert.equal(wrong.status, 1, wrong.stdout + wrong.stderr);
    const items = (
      JSON.parse(wrong.stdout) as { items: { name: string; status: string; code?: string }[] }
    ).items;
    const item = (n: number) =>
      items.find((i) => i.name === `statement statements/default-${n}.cose`)!;
    assert.equal(item(6).status, 'pass');
    assert.equal(item(7).status, 'fail');
    assert.equal(item(7).code, 'INVALID_ISSUER_SIGNATURE');
  });

  it('evidence refuses a statement that does not hold, before writing anything', () => {
    const out = join(dir, 'refused.zip');
    const cases: [string, string[], RegExp][] = [
      ['plain', [], /not a transparent statement of a Proofline log: it carries no receipt/],
      ['moved', [], /not the registration of this signed statement/],
      ['swapped', [], /not the registration of this signed statement/],
      ['early', [], /not an entry of the period's listing/],
      [
        'b',
        ['--statement-key', files.keyA!],
        /not signed by an issuer key you gave \(ISSUER_UNTRUSTED\)/,
      ],
      ['a', ['--statement', files.a!], /also registered as default-6/],
    ];
    for (const [name, extra, why] of cases) {
      const r = runProofline([
        ...exportArgs,
        ...['--statement', files[name]!, ...extra, '--out', out],
      ]);
      assert.equal(r.status !== 0, true, `${name}: ${r.stdout}`);
      assert.match(r.stderr, why, name);
      assert.equal(existsSync(out), false, name);
    }
    const bad = runProofline([...exportArgs, '--statement-key', files.a!, '--out', out]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--statement-key .*a\.cose is not an Ed25519 or P-256 public key/);
  });

  it("the independent Python verifier accepts a packaged statement's receipt for the listing's entry", async () => {
    checkPythonScittDeps();
    const m = await members(pkg);
    const keySet = join(dir, 'scitt-keys.cbor');
    const res = await fetch(`${server!.url}/.well-known/scitt-keys`);
    writeFileSync(keySet, new Uint8Array(await res.arrayBuffer()));
    const line = m
      .get(FILES.population)!
      .toString()
      .split('\n')
      .find((l) => l.startsWith('{"index":7,'))!;
    const listed = parseLine(line, 'default', 'line');
    assert.equal(listed.kind, 'record');
    const entry = join(dir, 'entry-7.json');
    writeFileSync(entry, listed.kind === 'record' ? listed.entry : '');
    const receipt = join(dir, 'receipt-7.cose');
    writeFileSync(
      receipt,
      extractReceipts(new Uint8Array(m.get('statements/default-7.cose')!))[0]!,
    );
    const latest = parseCheckpoint(
      parseNote(m.get('checkpoints/latest.checkpoint')!.toString()).text,
    );
    const [verdict] = await runPythonScittVerifierBatch([
      [
        ...['--receipt', receipt, '--entry', entry, '--key', keySet],
        ...['--expect-root', Buffer.from(latest.rootHash).toString('hex')],
        ...['--expect-tree-size', String(latest.size)],
      ],
    ]);
    assert.equal(verdict!.ok, true, JSON.stringify(verdict));
    assert.equal(verdict!.leaf_index, 7);
  });

  it('forged packages fail with specific codes', async () => {
    const trust = { logKey, statementKeys: [keys.a!, keys.b!] };
    const check = async (name: string, edit: (f: Map<string, Buffer>) => void, code: string) => {
      const v = await verifyEvidence(await forge(pkg, join(dir, `${name}.zip`), edit), trust);
      assert.equal(v.ok, false, name);
      assert.ok(codes(v).includes(code), `${name}: ${JSON.stringify(failed(v))}`);
      return v;
    };
    const A = 'statements/default-6.cose';
    // Another issuer's statement (same claims) with A's receipt, in A's place.
    await check('swapped', (f) => f.set(A, Buffer.from(ts.swapped!)), 'STATEMENT_MISMATCH');
    // B's statement carrying A's receipt.
    await check('moved', (f) => f.set(A, Buffer.from(ts.moved!)), 'STATEMENT_MISMATCH');
    // B's own transparent statement in A's place.
    await check('renamed', (f) => f.set(A, Buffer.from(ts.b!)), 'STATEMENT_UNLISTED');
    // One byte of the signed payload (the hash) changed.
    await check(
      'edited',
      (f) => {
        const bytes = Buffer.from(ts.a!);
        const at = bytes.indexOf(Buffer.from(createHash('sha256').update('a').digest()));
        bytes[at + 5]! ^= 1;
        f.set(A, bytes);
      },
      'STATEMENT_MISMATCH',
    );
    await check('removed', (f) => f.delete(A), 'STATEMENT_UNLISTED');
    await check(
      'added',
      (f) => f.set('statements/default-3.cose', Buffer.from(ts.early!)),
      'STATEMENT_UNLISTED',
    );
    await check(
      'unlisted',
      (f) => editManifest(f, (m) => delete m.statements),
      'STATEMENT_UNLISTED',
    );
    // Listed and present, but registered before the period.
    await check(
      'early',
      (f) => {
        f.set('statements/default-3.cose', Buffer.from(ts.early!));
        editManifest(
          f,
          (m) => (m.statements = ['default-3', 'default-6', 'default-7', 'default-8']),
        );
      },
      'STATEMENT_NOT_IN_LISTING',
    );
    // Every statement removed, and the manifest with it: the package still verifies (nothing
    // signs the set of statements), but the verdict says none is there.
    const gone = await forge(pkg, join(dir, 'gone.zip'), (f) => {
      for (const n of [...f.keys()]) if (n.startsWith('statements/')) f.delete(n);
      editManifest(f, (m) => delete m.statements);
    });
    const g = await verifyEvidence(gone, trust);
    const warned = g.items.find((i) => i.name === 'statements');
    assert.equal(warned?.status, 'warn');
    assert.match(warned.detail, /carries no transparent statement/);
  });

  it('the offline page verifies the statements with the issuer keys pasted', async () => {
    const folder = join(dir, 'unzipped');
    for (const [name, data] of await members(pkg)) {
      mkdirSync(dirname(join(folder, name)), { recursive: true });
      writeFileSync(join(folder, name), data);
    }
    browser = await launchChromium();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      const run = async (issuerKeys: string) => {
        await page.goto(pathToFileURL(join(folder, FILES.page)).href);
        await page.fill('#log-key', logKey);
        await page.fill('#statement-keys', issuerKeys);
        await page.setInputFiles('#folder', folder);
        await page.waitForSelector(
          'body[data-verification="passed"], body[data-verification="failed"]',
          { timeout: 60_000 },
        );
        return {
          verdict: await page.getAttribute('body', 'data-verification'),
          statuses: Object.fromEntries(
            await page.$$eval('li[data-item]', (items) =>
              items.map((li) => [li.getAttribute('data-item'), li.getAttribute('data-status')]),
            ),
          ) as Record<string, string>,
        };
      };
      const both = await run(a.pem + b.pem);
      assert.equal(both.verdict, 'passed', JSON.stringify(both.statuses));
      assert.equal(both.statuses['statement statements/default-7.cose'], 'pass');
      const none = await run('');
      assert.equal(none.verdict, 'failed');
      assert.equal(none.statuses['statement statements/default-6.cose'], 'unverified');
      assert.match((await page.textContent('#verdict'))!, /^INCOMPLETE/);
      const wrong = await run(a.pem);
      assert.equal(wrong.statuses['statement statements/default-7.cose'], 'fail');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
