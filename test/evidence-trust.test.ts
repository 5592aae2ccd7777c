/**
 * Evidence packages under a trust policy, attacked: a log whose checkpoints three in-process
 * witnesses cosign and a local openssl TSA timestamps; a February package exported from it.
 *
 * - A forger edits manifest.json's report format or pdfkit version, replaces the reports and
 *   recomputes SHA256SUMS: never VERIFIED (FAIL, or INCOMPLETE naming report.pdf).
 * - verify-evidence with --witness-key/--witness-quorum passes, and fails once cosignatures
 *   are stripped from the end checkpoint everywhere in the package (sums recomputed).
 * - With --tsa-root: the right root passes, another TSA's root or stripped tokens fail.
 * - The report lists the witnesses, the trusted time and every sampled record's digest.
 * - `proofline reveal` accepts the attested value and salt and rejects any other.
 * - README.txt refers only to files inside the ZIP.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  SIG_TYPE_COSIGNATURE,
  base64Encode,
  formatVerifierKey,
  generateSignerKey,
  parseNote,
  parseSignerKey,
} from '@proofline/note';
import { commitment, parseBundle, parseRecord, receiptFormat } from '@proofline/records';
import { nodeEd25519Signer, Publisher, ReceiptSealer, Sequencer } from '@proofline/sequencer';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { buildApp, generateApiKey, type LogRuntime } from '@proofline/server';
import {
  FILES,
  ZipReader,
  ZipWriter,
  exportEvidence,
  parseSampleDocument,
  verifyEvidence,
  type EvidenceVerification,
  type Item,
} from '@proofline/evidence';
import { cosigner, generateCosignerKey, parseCosignerKey } from '@proofline/witness';
import { LocalTsa, opensslSupportsTs } from '@proofline/timestamp/testing';
import type * as EvidenceCommands from '../packages/cli/src/commands/evidence.js';
import type * as RevealCommands from '../packages/cli/src/commands/reveal.js';

const repo = new URL('../../', import.meta.url);
const load = <T>(path: string): Promise<T> => import(new URL(path, repo).href) as Promise<T>;

const FEB = Date.UTC(2026, 1, 1);
const MAR = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;
const LOG = 'acme';
const ORIGIN = `proofline.test/logs/${LOG}`;
const WITNESS_NAMES = ['w1.example/witness', 'w2.example/witness', 'w3.example/witness'];

let dir: string;
let storage: SqliteStorage;
let app: FastifyInstance;
let sequencer: Sequencer;
let tsa: LocalTsa;
let otherTsa: LocalTsa;
let logKey: string;
let witnessKeys: string[];
let pkg: string;
/** Per record subject: its private label's value and salt. */
const secrets = new Map<string, { value: string; salt: Uint8Array }>();

before(async () => {
  assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`');
  dir = mkdtempSync(join(tmpdir(), 'proofline-evidence-trust-'));
  tsa = new LocalTsa('Evidence');
  otherTsa = new LocalTsa('Other');
  storage = new SqliteStorage(join(dir, 'db'));
  const clock = { now: FEB - 10 * DAY };
  const now = () => clock.now;
  const key = parseSignerKey(generateSignerKey(ORIGIN));
  logKey = formatVerifierKey(ORIGIN, key.publicKey);
  const config = await storage.ensureLog({
    name: LOG,
    tenant: 'acme',
    origin: ORIGIN,
    verifierKey: logKey,
    createdAt: FEB - 30 * DAY,
  });
  const witnessSecrets = WITNESS_NAMES.map((name) => parseCosignerKey(generateCosignerKey(name)));
  const cosigners = witnessSecrets.map((k) => cosigner(k, now));
  witnessKeys = witnessSecrets.map((k) =>
    formatVerifierKey(k.name, k.publicKey, SIG_TYPE_COSIGNATURE),
  );
  const signer = nodeEd25519Signer(ORIGIN, key.seed);
  sequencer = new Sequencer(storage, LOG, {
    now,
    sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
  });
  const publisher = new Publisher(storage, config, signer, {
    receiptFormat,
    now,
    // Every witness cosigns: the note gets one cosignature line per witness.
    witnesses: {
      cosign: ({ note }) => {
        const text = parseNote(note).text;
        return Promise.resolve({
          satisfied: true,
          note: note + cosigners.map((c) => c.line(c.cosign(text))).join(''),
          cosigned: WITNESS_NAMES,
          results: WITNESS_NAMES.map((witness) => ({ witness, ok: true })),
        });
      },
    },
  });
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
  const auditKey = await apiKey(['audit:read']);
  /** Publishes at `time`, then has the TSA timestamp the new checkpoint's text. */
  const publishAt = async (time: number) => {
    clock.now = time;
    const cp = await publisher.publish();
    assert.ok(cp, 'published');
    const text = new TextEncoder().encode(parseNote(cp.note).text);
    await storage.addCheckpointTimestamp(LOG, cp.size, 'evidence-tsa', tsa.token(text), time);
  };
  let n = 0;
  const attest = async (time: number) => {
    clock.now = time;
    n++;
    const subject = `case-${n}`;
    const salt = createHash('sha256').update(`salt ${n}`).digest();
    const value = `A-${1000 + n}`;
    secrets.set(subject, { value, salt });
    const res = await app.inject({
      method: 'POST',
      url: `/v1/records?log=${LOG}`,
      headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
      payload: {
        digest: `sha256:${createHash('sha256').update(`output ${n}`).digest('hex')}`,
        type: 'ai.decision',
        subject,
        controls: ['SOC2:PI1.4'],
        commitments: { applicant: commitment(salt, value) },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
  };
  await attest(FEB - 5 * DAY);
  await publishAt(FEB - DAY);
  for (let day = 0; day < 28; day += 3) await attest(FEB + day * DAY + 3_600_000);
  await attest(MAR + 3_600_000);
  await publishAt(MAR + 2 * 3_600_000);
  await attest(MAR + 3 * 3_600_000);
  await publishAt(MAR + DAY);

  pkg = join(dir, 'feb.zip');
  await exportEvidence({
    url,
    apiKey: auditKey,
    logKey,
    log: LOG,
    from: '2026-02-01',
    to: '2026-03-01',
    sample: { mode: 'size', size: 4 },
    out: pkg,
    now: () => Date.UTC(2026, 3, 2),
  });
});

after(async () => {
  await app.close();
  await sequencer.close();
  await storage.close();
  tsa.cleanup();
  otherTsa.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const LIMITS = { maxEntries: 1000, maxSize: () => 1 << 26, maxTotal: 1 << 28 };

async function members(path: string): Promise<Map<string, Buffer>> {
  const zip = await ZipReader.open(path, LIMITS);
  const out = new Map<string, Buffer>();
  for (const name of zip.names()) out.set(name, await zip.read(name));
  zip.close();
  return out;
}

/** Rewrites a package member by member and recomputes SHA256SUMS, as a forger would. */
async function forge(
  out: string,
  edit: (name: string, data: Buffer) => Buffer | string | undefined,
): Promise<string> {
  const edited = [...(await members(pkg))].map(([name, data]): [string, Buffer] => {
    const d = edit(name, data) ?? data;
    return [name, typeof d === 'string' ? Buffer.from(d) : d];
  });
  const sums = edited
    .filter(([n]) => n !== FILES.sums)
    .map(([n, d]) => `${createHash('sha256').update(d).digest('hex')}  ${n}\n`)
    .join('');
  const zip = new ZipWriter(join(dir, out), new Date());
  for (const [name, data] of edited) zip.addBuffer(name, name === FILES.sums ? sums : data);
  await zip.close();
  return join(dir, out);
}

const item = (v: EvidenceVerification, name: string): Item => {
  const found = v.items.find((i) => i.name === name);
  assert.ok(found, `no item ${name} in ${v.items.map((i) => i.name).join(', ')}`);
  return found;
};

async function cli(options: Partial<Parameters<typeof EvidenceCommands.verifyEvidenceCommand>[0]>) {
  const { verifyEvidenceCommand } = await load<typeof EvidenceCommands>(
    'packages/cli/dist/src/commands/evidence.js',
  );
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const code = await verifyEvidenceCommand(
    { file: pkg, logKey, json: false, ...options },
    { stdout: sink, stderr: sink },
  );
  return { code, text };
}

const editManifest =
  (change: (report: { format: string; pdfkit: string }) => void) =>
  (name: string, data: Buffer) => {
    if (name !== FILES.manifest) return undefined;
    const m = JSON.parse(data.toString('utf8')) as { report: { format: string; pdfkit: string } };
    change(m.report);
    return `${JSON.stringify(m, null, 2)}\n`;
  };

test('the untouched package verifies, and the verdict names the trust anchors', async () => {
  const r = await cli({});
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /^VERIFIED /m);
  assert.match(r.text, /witnesses: none given, cosignatures NOT checked/);
  assert.match(r.text, /TSA roots: none given, timestamps NOT checked/);
});

test('an edited report.format with a replaced report.html and recomputed sums fails', async () => {
  const bad = await forge('format.zip', (name, data) => {
    if (name === FILES.reportHtml) return '<p>All records verified. Nothing to see.</p>';
    return editManifest((r) => (r.format = 'proofline.dev/report/v0'))(name, data);
  });
  const v = await verifyEvidence(bad, { logKey });
  assert.equal(v.ok, false);
  assert.equal(item(v, 'checksums').status, 'pass');
  assert.equal(item(v, 'manifest').status, 'fail');
  assert.equal(item(v, FILES.reportHtml).status, 'fail');
  const r = await cli({ file: bad });
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.text, /^VERIFIED/m);
  assert.match(r.text, /^NOT VERIFIED/m);
});

test('an edited report.pdfkit with a replaced report.pdf is never VERIFIED', async () => {
  const fake = Buffer.from('%PDF-1.3\n% everything is fine\n%%EOF\n');
  const other = await forge('pdfkit.zip', (name, data) =>
    name === FILES.reportPdf ? fake : editManifest((r) => (r.pdfkit = '0.0.1'))(name, data),
  );
  const v = await verifyEvidence(other, { logKey });
  assert.equal(v.ok, true);
  assert.equal(v.complete, false);
  assert.equal(item(v, FILES.reportPdf).status, 'unverified');
  const r = await cli({ file: other });
  assert.equal(r.code, 3, r.text);
  assert.doesNotMatch(r.text, /^VERIFIED/m);
  assert.match(r.text, /^INCOMPLETE .*report\.pdf NOT verified: it differs/m);
  // With the manifest left alone, a replaced PDF is a plain failure.
  const same = await forge('pdf.zip', (name) => (name === FILES.reportPdf ? fake : undefined));
  const s = await cli({ file: same });
  assert.equal(s.code, 1, s.text);
  assert.match(s.text, /FAIL {2}report\.pdf/);
});

/** Removes the cosignature lines of all witnesses but the first from the end checkpoint. */
async function stripEndCosignatures(out: string): Promise<string> {
  const note = (await members(pkg)).get('checkpoints/end.checkpoint')!.toString('utf8');
  const keep = WITNESS_NAMES.slice(1).map((n) => `\u2014 ${n} `);
  const stripped = note
    .split('\n')
    .filter((line) => !keep.some((k) => line.startsWith(k)))
    .join('\n');
  assert.equal(parseNote(stripped).signatures.length, 2, 'the log signature and one cosignature');
  const escaped = (s: string) => JSON.stringify(s).slice(1, -1);
  return forge(out, (name, data) => {
    const text = data.toString('utf8');
    if (name === 'checkpoints/end.checkpoint') return stripped;
    if (name === FILES.proof || name === FILES.population || name.startsWith('bundles/'))
      return text.split(escaped(note)).join(escaped(stripped)).split(note).join(stripped);
    return undefined;
  });
}

test('a witness policy is enforced on every checkpoint and bundle of the package', async () => {
  const policy = { witnesses: { keys: witnessKeys, quorum: 2 } };
  const v = await verifyEvidence(pkg, { logKey, ...policy });
  assert.deepEqual(
    v.items.filter((i) => i.status === 'fail'),
    [],
  );
  assert.match(item(v, 'witnesses').detail, /cosigned by at least 2 of your 3 witnesses/);
  const bundles = v.items.filter((i) => i.name.startsWith('bundle '));
  assert.ok(bundles.length === 4 && bundles.every((b) => /witnesses/.test(b.detail)));
  const r = await cli({ witnessKeys, witnessQuorum: 2 });
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /witnesses: 2 of w1\.example\/witness\+[0-9a-f]{8}, w2/);

  const bad = await stripEndCosignatures('uncosigned.zip');
  // Without a witness policy only the reports (which list the cosignatures) give it away.
  assert.deepEqual(
    (await verifyEvidence(bad, { logKey })).items
      .filter((i) => i.status === 'fail')
      .map((i) => i.name),
    [FILES.reportHtml, FILES.reportPdf],
  );
  const w = await verifyEvidence(bad, { logKey, ...policy });
  assert.equal(w.ok, false);
  assert.equal(item(w, 'checksums').status, 'pass');
  assert.match(item(w, 'witnesses').detail, /end checkpoint \(size \d+\): cosigned by 1 of your 3/);
  const failedBundles = w.items.filter((i) => i.name.startsWith('bundle ') && i.status === 'fail');
  assert.equal(failedBundles.length, 4);
  assert.match(failedBundles[0]!.detail, /witnesses: 1 of the 3 trusted witnesses/);
  const c = await cli({ file: bad, witnessKeys, witnessQuorum: 2 });
  assert.equal(c.code, 1);
  assert.doesNotMatch(c.text, /^VERIFIED/m);
  // One witness is all the stripped package still has: a quorum of 1 of it passes.
  const one = await verifyEvidence(bad, {
    logKey,
    witnesses: { keys: witnessKeys.slice(0, 1), quorum: 1 },
  });
  assert.equal(item(one, 'witnesses').status, 'pass');
  assert.ok(
    one.items.filter((i) => i.name.startsWith('bundle ')).every((i) => i.status === 'pass'),
  );
});

test('a TSA policy: the right root passes, another root or stripped tokens fail', async () => {
  const root = base64Encode(tsa.rootDer);
  const v = await verifyEvidence(pkg, {
    logKey,
    timestampAuthorities: { roots: [root] },
    requireTimestamp: true,
  });
  assert.deepEqual(
    v.items.filter((i) => i.status === 'fail'),
    [],
  );
  assert.match(item(v, 'timestamp').detail, /O=Proofline Test, CN=Evidence TSA/);
  const r = await cli({ tsaRoots: [tsa.rootPem], requireTimestamp: true });
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /TSA roots: .*root\.pem \(timestamp required\)/);

  const wrong = await verifyEvidence(pkg, {
    logKey,
    timestampAuthorities: { roots: [base64Encode(otherTsa.rootDer)] },
    requireTimestamp: true,
  });
  assert.equal(wrong.ok, false);
  assert.equal(item(wrong, 'timestamp').status, 'fail');
  const o = await cli({ tsaRoots: [otherTsa.rootPem], requireTimestamp: true });
  assert.equal(o.code, 1);
  assert.doesNotMatch(o.text, /^VERIFIED/m);
  // Not required: no trusted time is a warning, never a pass.
  const lax = await verifyEvidence(pkg, {
    logKey,
    timestampAuthorities: { roots: [base64Encode(otherTsa.rootDer)] },
  });
  assert.equal(lax.ok, true);
  assert.equal(item(lax, 'timestamp').status, 'warn');

  const stripped = await forge('untimestamped.zip', (name, data) => {
    if (!name.startsWith('bundles/') || !name.endsWith('.json')) return undefined;
    const b = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    delete b.timestamps;
    return `${JSON.stringify(b, null, 2)}\n`;
  });
  const s = await verifyEvidence(stripped, {
    logKey,
    timestampAuthorities: { roots: [root] },
    requireTimestamp: true,
  });
  assert.equal(s.ok, false);
  assert.match(item(s, 'timestamp').detail, /4 of 4 bundles carry no RFC 3161 timestamp/);
});

test('the report lists the witnesses, the trusted time and every sampled digest', async () => {
  const files = await members(pkg);
  const html = files.get(FILES.reportHtml)!.toString('utf8');
  const note = files.get('checkpoints/end.checkpoint')!.toString('utf8');
  const cosignatures = parseNote(note).signatures.filter((s) => s.signature.length === 72);
  assert.equal(cosignatures.length, 3);
  for (const s of cosignatures) {
    const time = new Date(Number(Buffer.from(s.signature).readBigUInt64BE(0)) * 1000)
      .toISOString()
      .replace('.000Z', 'Z');
    assert.match(
      html,
      new RegExp(
        `<td>${s.name}</td><td class="mono">${s.keyId.toString(16).padStart(8, '0')}</td><td class="mono">${time}</td>`,
      ),
    );
  }
  assert.match(html, /<td>evidence-tsa<\/td><td class="mono">\d{4}-\d\d-\d\dT[\d:.]+Z<\/td>/);
  const sample = parseSampleDocument(JSON.parse(files.get(FILES.sample)!.toString('utf8')));
  assert.equal(sample.records.length, 4);
  const pdf = files.get(FILES.reportPdf)!.toString('latin1');
  for (const r of sample.records) {
    const bundle = parseBundle(files.get(`bundles/${r.id}.json`)!.toString('utf8').trimEnd());
    const { digest } = parseRecord(bundle.entry);
    assert.ok(html.includes(`<td class="mono">${digest}</td>`), `${r.id}: ${digest} in the HTML`);
    // pdfkit writes standard-font text as hex strings; the digest's first line is contiguous.
    const hex = Buffer.from(digest.slice(0, 16), 'latin1').toString('hex');
    assert.ok(pdf.toLowerCase().includes(hex), `${r.id}: ${digest} in the PDF`);
  }
});

test('proofline reveal accepts the attested value and salt, and rejects any other', async () => {
  const { revealCommand } = await load<typeof RevealCommands>(
    'packages/cli/dist/src/commands/reveal.js',
  );
  const files = await members(pkg);
  const sample = parseSampleDocument(JSON.parse(files.get(FILES.sample)!.toString('utf8')));
  const id = sample.records[0]!.id;
  const bundlePath = join(dir, `${id}.json`);
  writeFileSync(bundlePath, files.get(`bundles/${id}.json`)!);
  const subject = parseRecord(
    parseBundle(files.get(`bundles/${id}.json`)!.toString('utf8').trimEnd()).entry,
  ).subject!;
  const { value, salt } = secrets.get(subject)!;
  const run = async (o: Partial<Parameters<typeof revealCommand>[0]>) => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    const code = await revealCommand(
      { bundle: bundlePath, logKey, label: 'applicant', ...o },
      { stdout: sink, stderr: sink },
    );
    return { code, text };
  };
  const right = await run({ value, salt: base64Encode(salt) });
  assert.equal(right.code, 0, right.text);
  assert.match(right.text, /^MATCH: /);
  const wrongValue = await run({ value: `${value}0`, salt: base64Encode(salt) });
  assert.equal(wrongValue.code, 1);
  assert.match(wrongValue.text, /^NO MATCH: .*not the value that was attested/);
  const otherSalt = createHash('sha256').update('another salt').digest();
  assert.equal((await run({ value, salt: base64Encode(otherSalt) })).code, 1);
  assert.equal((await run({ value, salt: base64Encode(salt.subarray(0, 16)) })).code, 1);
  assert.equal((await run({ label: 'other', value, salt: base64Encode(salt) })).code, 1);
  // The salts file `proofline attest` writes.
  const saltsFile = join(dir, 'decision.salts.json');
  writeFileSync(
    saltsFile,
    JSON.stringify({ values: { applicant: value }, salts: { applicant: base64Encode(salt) } }),
  );
  assert.equal((await run({ saltsFile })).code, 0);
  writeFileSync(
    saltsFile,
    JSON.stringify({ values: { applicant: 'A-0' }, salts: { applicant: base64Encode(salt) } }),
  );
  assert.equal((await run({ saltsFile })).code, 1);
  // A bundle that does not verify with the log key opens nothing.
  const rogue = formatVerifierKey(ORIGIN, parseSignerKey(generateSignerKey(ORIGIN)).publicKey);
  const r = await run({ logKey: rogue, value, salt: base64Encode(salt) });
  assert.equal(r.code, 1);
  assert.match(r.text, /does not verify with the log key/);
});

test('README.txt refers only to files inside the ZIP', async () => {
  const files = await members(pkg);
  const readme = files.get(FILES.readme)!.toString('utf8');
  const names = [...files.keys()];
  // Placeholders the README explains: the package itself, the auditee's output and salts file,
  // the auditor's TSA root, and checkpoint and bundle names.
  // Identifiers that are not files: the log's origin, the sample algorithm, a signed prefix.
  const external = new Set([
    'THIS-FILE.zip',
    'NAME.salts.json',
    'TSA-ROOT.pem',
    ORIGIN,
    'proofline.dev/sample/v1',
    'cosignature/v1',
  ]);
  const prose = readme
    .split(logKey)
    .join('')
    .replace(/https?:\/\/\S+|golang\.org\/\S+/g, '');
  const refs = (
    prose.match(
      /[A-Za-z0-9_.*-]*(?:\/[A-Za-z0-9_.*-]+)+|[A-Za-z0-9_.*-]+\.(?:txt|json|jsonl|csv|pem|sig|checkpoint|tlog-proof|pdf|html|md|zip)\b/g,
    ) ?? []
  ).filter((r) => !external.has(r) && !/^\d/.test(r));
  assert.ok(refs.length > 10, refs.join(' '));
  for (const ref of refs) {
    const pattern = new RegExp(
      `(^|/)${ref
        .replace(/[.]/g, '\\.')
        .replace(/\*|\bID\b|\bNAME\b/g, '[^/]+')
        .replace(/\/$/, '/.+')}$`,
    );
    const dirRef = ref.endsWith('/') || !ref.includes('.');
    assert.ok(
      names.some((n) => pattern.test(n) || (dirRef && n.startsWith(`${ref.replace(/\/$/, '')}/`))),
      `README.txt refers to ${ref}, which is not in the package`,
    );
  }
});

test('the proofline command: verify-evidence under the whole policy, reveal, and usage errors', async () => {
  const { runProofline } = await import('./lib/proofline.js');
  const policy = [
    ...witnessKeys.flatMap((k) => ['--witness-key', k]),
    ...['--witness-quorum', '3', '--tsa-root', tsa.rootPem, '--require-timestamp'],
  ];
  const ok = runProofline(['verify-evidence', pkg, '--log-key', logKey, ...policy]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^PASS {2}witnesses +every checkpoint/m);
  assert.match(ok.stdout, /^PASS {2}timestamp +the anchor of every sampled record/m);
  assert.match(ok.stdout, /^checked against: log key proofline\.test\/logs\/acme\+[0-9a-f]{8} /m);
  assert.match(ok.stdout, /^VERIFIED /m);
  const json = runProofline(['verify-evidence', pkg, '--log-key', logKey, '--json']);
  const out = JSON.parse(json.stdout) as { ok: boolean; complete: boolean; anchors: string[] };
  assert.equal(json.status, 0);
  assert.deepEqual([out.ok, out.complete, out.anchors.length], [true, true, 3]);

  const files = await members(pkg);
  const id = parseSampleDocument(JSON.parse(files.get(FILES.sample)!.toString('utf8'))).records[1]!
    .id;
  const bundlePath = join(dir, `${id}.tlog-proof`);
  writeFileSync(bundlePath, files.get(`bundles/${id}.tlog-proof`)!);
  const { subject } = parseRecord(
    parseBundle(files.get(`bundles/${id}.json`)!.toString('utf8').trimEnd()).entry,
  );
  const { value, salt } = secrets.get(subject!)!;
  const reveal = (v: string) =>
    runProofline([
      'reveal',
      bundlePath,
      ...['--log-key', logKey, '--label', 'applicant', '--value', v],
      ...['--salt', base64Encode(salt)],
    ]);
  assert.equal(reveal(value).status, 0, reveal(value).stdout);
  assert.equal(reveal(value.toLowerCase() + ' ').status, 1);

  for (const args of [
    ['reveal', bundlePath, '--log-key', logKey, '--label', 'applicant'],
    ['reveal', bundlePath, '--log-key', logKey, '--label', 'applicant', '--value', value],
    ['verify-evidence', pkg, '--tsa-root', tsa.rootPem, '--witness-quorum', '2'],
    ['verify-evidence', pkg, '--require-timestamp'],
  ]) {
    const r = runProofline(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
});
