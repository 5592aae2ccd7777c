/**
 * The auditor's workflow end to end: records attested over January, February and March with
 * a controlled log clock and checkpoints published at chosen times; an evidence package for
 * February exported over HTTP with an audit:read key; verified offline; then tampered with in
 * three ways (a corrupted file, a record removed from the population, a checkpoint signed by
 * another key), each detected and named. Also: the sample is the same on every run, and
 * changes with the end-of-period checkpoint.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseNote,
  parseSignerKey,
  signNote,
  type Signer,
} from '@proofline/note';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import type { LogConfig } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { buildApp, generateApiKey, type LogRuntime } from '@proofline/server';
import {
  FILES,
  ZipReader,
  ZipWriter,
  drawSample,
  parseSampleDocument,
  verifyEvidence,
  exportEvidence,
  type EvidenceVerification,
  type Item,
} from '@proofline/evidence';
import type * as EvidenceCommands from '../packages/cli/src/commands/evidence.js';
import type * as PopulationCommands from '../packages/cli/src/commands/population.js';
import type * as SampleCommands from '../packages/cli/src/commands/sample.js';
import { receiptFormat } from '@proofline/records';

/** Modules that the packages do not export (yet): loaded from their build output. */
const repo = new URL('../../', import.meta.url);
const load = <T>(path: string): Promise<T> => import(new URL(path, repo).href) as Promise<T>;

const JAN = Date.UTC(2026, 0, 1);
const FEB = Date.UTC(2026, 1, 1);
const MAR = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface World {
  dir: string;
  storage: SqliteStorage;
  app: FastifyInstance;
  url: string;
  writeKey: string;
  auditKey: string;
  logs: Map<string, { key: string; sequencer: Sequencer; publisher: Publisher; config: LogConfig }>;
  clock: number;
}

let w: World;

async function addLog(storage: SqliteStorage, name: string, clock: () => number) {
  const origin = `proofline.test/logs/${name}`;
  const key = parseSignerKey(generateSignerKey(origin));
  const verifierKey = formatVerifierKey(origin, key.publicKey);
  const config = await storage.ensureLog({
    name,
    tenant: 'acme',
    origin,
    verifierKey,
    createdAt: JAN - 30 * DAY,
  });
  const signer = nodeEd25519Signer(origin, key.seed);
  const sequencer = new Sequencer(storage, name, {
    now: clock,
    sealer: new ReceiptSealer(origin, key.seed, receiptFormat),
  });
  const publisher = new Publisher(storage, config, signer, { receiptFormat, now: clock });
  return {
    key: verifierKey,
    sequencer,
    publisher,
    config,
    runtime: { config, signer, sequencer } as LogRuntime,
  };
}

let counter = 0;
function statement(type: string, controls: string[], env = 'prod'): Record<string, unknown> {
  counter++;
  return {
    digest: `sha256:${createHash('sha256').update(`output ${counter}`).digest('hex')}`,
    type,
    subject: `case-${1000 + counter}`,
    labels: { env, model: type === 'ai.decision' ? 'scorer-v3' : 'etl-2' },
    controls,
  };
}

/** Attests the same statement to each named log at the world's clock. */
async function attest(logs: string[], body: Record<string, unknown>): Promise<void> {
  for (const log of logs) {
    const res = await w.app.inject({
      method: 'POST',
      url: `/v1/records?log=${log}`,
      headers: { authorization: `Bearer ${w.writeKey}`, 'content-type': 'application/json' },
      payload: body,
    });
    assert.equal(res.statusCode, 201, res.body);
  }
}

async function publishAt(time: number, logs = ['acme', 'acme-b']): Promise<void> {
  w.clock = time;
  for (const log of logs) await w.logs.get(log)!.publisher.publish();
}

const CONTROLS: [string, string[]][] = [
  ['ai.decision', ['SOC2:PI1.4', 'ISO42001:A.6.2.8']],
  ['ai.decision', ['SOC2:PI1.4']],
  ['data.export', ['SOC2:CC6.7', 'HIPAA:164.312(b)']],
  ['test.event', ['ISO27001:A.8.15', 'ACME:change-review']],
  ['ai.decision', ['SOC2:PI1.4', 'ISO27001:A.8.15']],
];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-evidence-'));
  const storage = new SqliteStorage(join(dir, 'db'));
  const clockRef = { now: JAN - 2 * DAY };
  const clock = () => clockRef.now;
  const a = await addLog(storage, 'acme', clock);
  const b = await addLog(storage, 'acme-b', clock);
  const app = await buildApp({
    storage,
    access: storage,
    logs: new Map([
      ['acme', a.runtime],
      ['acme-b', b.runtime],
    ]),
    publicUrl: 'https://ledger.test',
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  await storage.ensureTenant('acme', JAN);
  const key = async (scopes: ('records:write' | 'audit:read')[]) => {
    const { key, record } = generateApiKey('acme', scopes, 'test', 0, JAN);
    await storage.createApiKey(record);
    return key;
  };
  w = {
    dir,
    storage,
    app,
    url: address,
    writeKey: await key(['records:write']),
    auditKey: await key(['audit:read']),
    logs: new Map([
      ['acme', a],
      ['acme-b', b],
    ]),
    get clock() {
      return clockRef.now;
    },
    set clock(t: number) {
      clockRef.now = t;
    },
  };
  const both = ['acme', 'acme-b'];
  // December history, then a checkpoint before the year starts.
  for (let i = 0; i < 3; i++) {
    w.clock = JAN - DAY + i * HOUR;
    await attest(both, statement('test.event', ['SOC2:CC7.2']));
  }
  await publishAt(JAN - 2 * HOUR);
  // January, February and March: records every few days, checkpoints now and then.
  for (const [month, days] of [
    [JAN, 31],
    [FEB, 28],
    [MAR, 20],
  ] as const) {
    for (let day = 0; day < days; day += 2) {
      const [type, controls] = CONTROLS[(day / 2) % CONTROLS.length]!;
      w.clock = month + day * DAY + 9 * HOUR + day * 60_000;
      await attest(both, statement(type, controls, day % 6 === 4 ? 'staging' : 'prod'));
      if (day % 3 === 0) {
        w.clock += 30 * 60_000;
        await attest(both, statement('test.event', ['ISO27001:A.8.15']));
      }
      if (day === 12) await publishAt(w.clock + HOUR);
    }
    if (month === JAN) await publishAt(FEB - HOUR); // the last checkpoint before February
    if (month === FEB) {
      // A record right at the end of the period, then one that only acme-b gets on March 1st
      // before either publishes: same February population, different end checkpoints.
      w.clock = MAR - 1;
      await attest(both, statement('ai.decision', ['SOC2:PI1.4']));
      w.clock = MAR + 10 * 60_000;
      await attest(['acme-b'], statement('data.export', ['SOC2:CC6.7']));
      w.clock = MAR + 20 * 60_000;
      await attest(both, statement('test.event', ['ISO27001:A.8.15']));
      await publishAt(MAR + HOUR);
    }
  }
  await publishAt(MAR + 25 * DAY);
});

after(async () => {
  await w.app.close();
  for (const l of w.logs.values()) await l.sequencer.close();
  await w.storage.close();
  rmSync(w.dir, { recursive: true, force: true });
});

const key = (log = 'acme') => w.logs.get(log)!.key;

async function exportFebruary(
  out: string,
  log = 'acme',
  extra: Partial<Parameters<typeof exportEvidence>[0]> = {},
) {
  return exportEvidence({
    url: w.url,
    apiKey: w.auditKey,
    logKey: key(log),
    log,
    from: '2026-02-01',
    to: '2026-03-01',
    filter: { control: 'SOC2:PI1.4' },
    sample: { mode: 'size', size: 4 },
    out,
    now: () => Date.UTC(2026, 3, 2, 10, 0, 0),
    ...extra,
  });
}

/** Rewrites a package member by member; `fixSums` recomputes SHA256SUMS as a forger would. */
async function rewrite(
  src: string,
  dst: string,
  edit: (name: string, data: Buffer) => Buffer | string | undefined,
  fixSums: boolean,
): Promise<void> {
  const zip = await ZipReader.open(src, {
    maxEntries: 1e6,
    maxSize: () => 1 << 30,
    maxTotal: 2 ** 31,
  });
  const members: [string, Buffer][] = [];
  for (const name of zip.names()) {
    const data = edit(name, await zip.read(name)) ?? (await zip.read(name));
    members.push([name, typeof data === 'string' ? Buffer.from(data) : data]);
  }
  zip.close();
  const out = new ZipWriter(dst, new Date());
  const sums = members
    .filter(([n]) => n !== FILES.sums)
    .map(([n, d]) => `${createHash('sha256').update(d).digest('hex')}  ${n}\n`)
    .join('');
  for (const [name, data] of members)
    out.addBuffer(name, name === FILES.sums && fixSums ? sums : data);
  await out.close();
}

const item = (v: EvidenceVerification, name: string): Item => {
  const found = v.items.find((i) => i.name === name);
  assert.ok(found, `no item ${name} in ${v.items.map((i) => i.name).join(', ')}`);
  return found;
};
const failed = (v: EvidenceVerification) => v.items.filter((i) => i.status === 'fail');

function capture(): { io: { stdout: Writable; stderr: Writable }; text: () => string } {
  let text = '';
  const sink = () =>
    new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
  return { io: { stdout: sink(), stderr: sink() }, text: () => text };
}

test('a February evidence package exports and verifies offline, every item named', async () => {
  const out = join(w.dir, 'feb.zip');
  const { manifest } = await exportFebruary(out);
  assert.equal(manifest.log, 'acme');
  assert.equal(manifest.period.from, '2026-02-01T00:00:00.000Z');
  assert.equal(manifest.period.to, '2026-03-01T00:00:00.000Z');
  assert.equal(manifest.counts.sample, 4);
  assert.equal(manifest.sample.seedSource, 'end-checkpoint-root');
  assert.ok(manifest.counts.population > 4 && manifest.counts.population < manifest.counts.segment);
  assert.deepEqual(manifest.warnings, []);

  const v = await verifyEvidence(out, { logKey: key() });
  assert.deepEqual(failed(v), []);
  assert.equal(v.ok, true);
  assert.deepEqual(
    v.items.filter((i) => i.status === 'warn'),
    [],
  );
  for (const name of [
    'archive',
    'checksums',
    'manifest',
    'log-key',
    'start-checkpoint',
    'end-checkpoint',
    'latest-checkpoint',
    'consistency',
    'consistency-latest',
    'checkpoint-files',
    'population',
    'population.csv',
    'sample',
    'controls',
    'README.txt',
    'report.html',
    'report.pdf',
  ]) {
    assert.equal(item(v, name).status, 'pass', name);
  }
  assert.equal(v.items.filter((i) => i.name.startsWith('bundle ')).length, 4);

  // The package's contents: the period's whole segment, the filtered population, the sample.
  const zip = await ZipReader.open(out, {
    maxEntries: 1000,
    maxSize: () => 1 << 26,
    maxTotal: 1 << 28,
  });
  const read = async (name: string) => (await zip.read(name)).toString('utf8');
  const population = (await read(FILES.population)).trim().split('\n');
  const proof = JSON.parse(population[0]!) as {
    range: { start: number; end: number };
    startCheckpoint: unknown;
  };
  assert.equal(population.length, proof.range.end - proof.range.start + 2);
  assert.notEqual(proof.startCheckpoint, null);
  const times = population
    .slice(1, -1)
    .map((l) => (JSON.parse(l) as { record: { time: string } }).record.time);
  assert.ok(times.every((t) => t >= '2026-02-01' && t < '2026-03-01'));
  assert.ok(times.includes('2026-02-28T23:59:59.999Z'), 'the last millisecond is in the period');
  const csv = (await read(FILES.csv)).split('\r\n');
  assert.equal(csv.length - 2, manifest.counts.population);
  assert.ok(csv.slice(1, -1).every((row) => row.includes('SOC2:PI1.4')));
  const sample = parseSampleDocument(JSON.parse(await read(FILES.sample)));
  for (const r of sample.records) {
    assert.ok(zip.has(`bundles/${r.id}.json`) && zip.has(`bundles/${r.id}.tlog-proof`));
  }
  const controls = JSON.parse(await read(FILES.controls)) as {
    controls: { id: string; title: string | null; records: number }[];
  };
  assert.equal(
    controls.controls.find((c) => c.id === 'SOC2:PI1.4')?.records,
    manifest.counts.population,
  );
  assert.equal(controls.controls.find((c) => c.id === 'ACME:change-review')?.title, null);
  assert.match(await read(FILES.reportHtml), /All 4 sampled records verified/);
  assert.ok((await zip.read(FILES.reportPdf)).subarray(0, 5).equals(Buffer.from('%PDF-')));
  assert.match(await read(FILES.readme), /proofline verify-evidence/);
  // A log that never retired a key: no key history, and the manifest does not mention one.
  assert.equal(zip.names().includes(FILES.keyHistory), false);
  assert.equal('keyHistory' in manifest, false);
  assert.doesNotMatch(await read(FILES.manifest), /keyHistory/);
  assert.doesNotMatch(await read(FILES.readme), /key-history/);

  // The sceptic's route: unzip, sha256sum -c, and openssl on the checkpoint signatures.
  const unpacked = join(w.dir, 'unpacked');
  for (const name of zip.names()) {
    mkdirSync(dirname(join(unpacked, name)), { recursive: true });
    writeFileSync(join(unpacked, name), await zip.read(name));
  }
  zip.close();
  const sums = spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], {
    cwd: unpacked,
    encoding: 'utf8',
  });
  if (sums.error === undefined) assert.equal(sums.status, 0, sums.stdout + sums.stderr);
  for (const which of ['start', 'end', 'latest']) {
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', 'log-key.pem', '-rawin'];
    const r = spawnSync(
      'openssl',
      [...args, '-in', `checkpoints/${which}.txt`, '-sigfile', `checkpoints/${which}.sig`],
      {
        cwd: unpacked,
        encoding: 'utf8',
      },
    );
    if (r.error === undefined && !/unknown option|-rawin/.test(r.stderr)) {
      assert.equal(r.status, 0, `openssl ${which}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /Signature Verified Successfully/);
    }
  }
});

test('a corrupted file inside the ZIP is detected and named', async () => {
  const out = join(w.dir, 'feb.zip');
  const bad = join(w.dir, 'corrupt.zip');
  let target = '';
  await rewrite(
    out,
    bad,
    (name, data) => {
      if (target === '' && name.startsWith('bundles/') && name.endsWith('.json')) {
        target = name;
        const text = data.toString('utf8');
        // One character of the inclusion proof flipped.
        const at = text.indexOf('"inclusionProof": [') + 25;
        return text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      }
      return undefined;
    },
    false,
  );
  const v = await verifyEvidence(bad, { logKey: key() });
  assert.equal(v.ok, false);
  assert.equal(item(v, 'checksums').status, 'fail');
  assert.match(
    item(v, 'checksums').detail,
    new RegExp(`content differs from SHA256SUMS: ${target}`),
  );
  const id = target.slice('bundles/'.length, -'.json'.length);
  assert.equal(item(v, `bundle ${id}`).status, 'fail');
  assert.match(item(v, `bundle ${id}`).detail, /inclusion/);
  // The CLI names it too, and exits 1.
  const { verifyEvidenceCommand } = await load<typeof EvidenceCommands>(
    'packages/cli/dist/src/commands/evidence.js',
  );
  const c = capture();
  assert.equal(await verifyEvidenceCommand({ file: bad, logKey: key(), json: false }, c.io), 1);
  assert.match(
    c.text(),
    new RegExp(`FAIL {2}checksums +content differs from SHA256SUMS: ${target}`),
  );
  assert.match(c.text(), /NOT VERIFIED/);
});

test('a SHA256SUMS or sample.json that inflates to hundreds of MiB is refused unread, in bounded memory', async () => {
  const out = join(w.dir, 'feb.zip');
  const bomb = join(w.dir, 'sums-bomb.zip');
  const sampleBomb = join(w.dir, 'sample-bomb.zip');
  const huge = Buffer.alloc(400 << 20, 0x30); // 400 MiB of '0': deflates ~1000:1
  await rewrite(out, bomb, (name) => (name === FILES.sums ? huge : undefined), false);
  await rewrite(out, sampleBomb, (name) => (name === FILES.sample ? huge : undefined), true);
  assert.ok(readFileSync(bomb).length < 2 << 20, 'a small archive');
  // Verified in a child process so that its peak memory is its own (VmHWM: getrusage's maxRSS
  // would carry over this process's from before the exec).
  const script = `
    import { readFileSync } from 'node:fs';
    const { verifyEvidence } = await import(${JSON.stringify(new URL('packages/evidence/dist/src/index.js', repo).href)});
    const v = await verifyEvidence(process.argv[1], { logKey: process.argv[2] });
    console.log(JSON.stringify({ items: v.items, maxRssKiB: Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) }));`;
  for (const [file, name, pattern] of [
    [bomb, 'checksums', /SHA256SUMS is 419430400 bytes, more than the \d+ bytes .*not read/],
    [sampleBomb, 'sample', /sample.json is 419430400 bytes, more than the \d+ bytes .*not read/],
  ] as const) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file, key()], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { items: Item[]; maxRssKiB: number };
    const found = v.items.find((i) => i.name === name);
    assert.equal(found?.status, 'fail');
    assert.match(found.detail, pattern);
    assert.ok(v.maxRssKiB < 200 * 1024, `${name}: peak RSS ${v.maxRssKiB} KiB`);
  }
});

test('a record removed from the population listing is detected and named, even with fixed checksums', async () => {
  const out = join(w.dir, 'feb.zip');
  const bad = join(w.dir, 'removed.zip');
  let removed = -1;
  await rewrite(
    out,
    bad,
    (name, data) => {
      if (name !== FILES.population) return undefined;
      const lines = data.toString('utf8').split('\n');
      const victim = 4;
      removed = (JSON.parse(lines[victim]!) as { index: number }).index;
      const trailer = JSON.parse(lines[lines.length - 2]!) as { records: number; excluded: number };
      lines.splice(victim, 1);
      // The forger also fixes the trailer's count.
      lines[lines.length - 2] = JSON.stringify({
        end: true,
        records: trailer.records - 1,
        excluded: 0,
      });
      return lines.join('\n');
    },
    true,
  );
  const v = await verifyEvidence(bad, { logKey: key() });
  assert.equal(v.ok, false);
  assert.equal(item(v, 'checksums').status, 'pass');
  assert.equal(item(v, 'population').status, 'fail');
  assert.match(
    item(v, 'population').detail,
    new RegExp(`index ${removed} is missing from the listing`),
  );
});

test('a checkpoint replaced by one signed with another key is detected and named', async () => {
  const out = join(w.dir, 'feb.zip');
  const zip = await ZipReader.open(out, {
    maxEntries: 1000,
    maxSize: () => 1 << 26,
    maxTotal: 1 << 28,
  });
  const endNote = (await zip.read('checkpoints/end.checkpoint')).toString('utf8');
  zip.close();
  const origin = 'proofline.test/logs/acme';
  const rogueKey = parseSignerKey(generateSignerKey(origin));
  const rogue: Signer = ed25519Signer(origin, rogueKey.seed);
  const forged = await signNote(parseNote(endNote).text, [rogue]);
  const rogueVkey = formatVerifierKey(origin, rogueKey.publicKey);
  const replace = (text: string) =>
    text.split(JSON.stringify(endNote).slice(1, -1)).join(JSON.stringify(forged).slice(1, -1));
  const forge = (alsoKey: boolean) => (name: string, data: Buffer) => {
    const text = data.toString('utf8');
    if (name === 'checkpoints/end.checkpoint') return forged;
    if (name === 'checkpoints/end.sig')
      return Buffer.from(parseNote(forged).signatures[0]!.signature);
    if (name === FILES.proof || name === FILES.population || name.startsWith('bundles/')) {
      return name.endsWith('.tlog-proof') ? text.replace(endNote, forged) : replace(text);
    }
    if (alsoKey && name === FILES.logKey) return `${rogueVkey}\n`;
    if (alsoKey && name === FILES.logKeyPem) {
      const der = Buffer.concat([
        Buffer.from('302a300506032b6570032100', 'hex'),
        rogueKey.publicKey,
      ]);
      return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
    }
    if (alsoKey && name === FILES.manifest) return text.replace(key(), rogueVkey);
    return undefined;
  };
  const bad = join(w.dir, 'forged.zip');
  await rewrite(out, bad, forge(false), true);
  const v = await verifyEvidence(bad, { logKey: key() });
  assert.equal(v.ok, false);
  assert.equal(item(v, 'checksums').status, 'pass');
  assert.equal(item(v, 'end-checkpoint').status, 'fail');
  assert.match(item(v, 'end-checkpoint').detail, /not signed by the trusted log key/);
  assert.match(item(v, 'population').detail, /end checkpoint did not verify/);

  // A forger who also swaps the package's key: caught by comparing with the key the user trusts.
  const worse = join(w.dir, 'forged-key.zip');
  await rewrite(out, worse, forge(true), true);
  const v2 = await verifyEvidence(worse, { logKey: key() });
  assert.equal(item(v2, 'log-key').status, 'fail');
  assert.match(item(v2, 'log-key').detail, /is NOT the key you trust/);
  assert.equal(item(v2, 'end-checkpoint').status, 'fail');
  // Without --log-key the package looks self-consistent, and the verifier says so loudly.
  const v3 = await verifyEvidence(worse);
  assert.equal(item(v3, 'log-key').status, 'warn');
  assert.match(item(v3, 'log-key').detail, /NO --log-key GIVEN/);
  const { verifyEvidenceCommand } = await load<typeof EvidenceCommands>(
    'packages/cli/dist/src/commands/evidence.js',
  );
  const c = capture();
  await verifyEvidenceCommand({ file: worse, json: false }, c.io);
  assert.match(c.text(), /\*\*\* WARNING: no --log-key given/);
});

test('the sample is the same on every run and for any redraw, and changes with the end checkpoint', async () => {
  const first = join(w.dir, 'feb.zip');
  const second = join(w.dir, 'feb-again.zip');
  const other = join(w.dir, 'feb-b.zip');
  await exportFebruary(second, 'acme', { now: () => Date.UTC(2026, 4, 1) });
  await exportFebruary(other, 'acme-b');
  const sampleOf = async (path: string) => {
    const zip = await ZipReader.open(path, {
      maxEntries: 1000,
      maxSize: () => 1 << 26,
      maxTotal: 1 << 28,
    });
    const s = parseSampleDocument(JSON.parse((await zip.read(FILES.sample)).toString('utf8')));
    zip.close();
    return s;
  };
  const a = await sampleOf(first);
  const b = await sampleOf(second);
  const c = await sampleOf(other);
  assert.deepEqual(b, a, 'identical across runs');
  // acme-b has the same February records but its end checkpoint also covers one more March record.
  assert.equal(c.populationSize, a.populationSize);
  assert.notEqual(c.seed, a.seed);
  assert.notDeepEqual(
    c.records.map((r) => r.position),
    a.records.map((r) => r.position),
  );
  assert.deepEqual(
    a.records.map((r) => r.position),
    drawSample(Buffer.from(a.seed, 'hex'), a.populationSize, 4),
  );
  assert.equal((await verifyEvidence(other, { logKey: key('acme-b') })).ok, true);

  // The CLI: `proofline population` writes and checks the listing; `proofline sample` redraws.
  const { populationCommand } = await load<typeof PopulationCommands>(
    'packages/cli/dist/src/commands/population.js',
  );
  const { sampleCommand } = await load<typeof SampleCommands>(
    'packages/cli/dist/src/commands/sample.js',
  );
  const file = join(w.dir, 'feb.jsonl');
  const p = capture();
  const common = {
    url: w.url,
    apiKey: w.auditKey,
    log: 'acme',
    from: '2026-02-01',
    to: '2026-03-01',
  };
  assert.equal(
    await populationCommand(
      { ...common, logKey: key(), filter: {}, format: 'jsonl', out: file },
      p.io,
    ),
    0,
    p.text(),
  );
  assert.match(p.text(), /PASS {2}population/);
  const s = capture();
  const sampleFile = join(w.dir, 'sample.json');
  assert.equal(
    await sampleCommand(
      {
        population: file,
        size: 4,
        filter: { control: 'SOC2:PI1.4' },
        logKey: key(),
        out: sampleFile,
      },
      s.io,
    ),
    0,
    s.text(),
  );
  assert.deepEqual(parseSampleDocument(JSON.parse(readFileSync(sampleFile, 'utf8'))), a);
  // A CSV listing streams too, and its proof's checkpoints verify.
  const csvOut = join(w.dir, 'feb.csv');
  const q = capture();
  assert.equal(
    await populationCommand(
      { ...common, logKey: key(), filter: { control: 'SOC2:PI1.4' }, format: 'csv', out: csvOut },
      q.io,
    ),
    0,
    q.text(),
  );
  assert.equal(readFileSync(csvOut, 'utf8').split('\r\n').length - 2, a.populationSize);
  const fromCsv = capture();
  assert.equal(
    await sampleCommand({ population: csvOut, size: 4, seed: a.seed }, fromCsv.io),
    0,
    fromCsv.text(),
  );
  assert.deepEqual((JSON.parse(fromCsv.text()) as { records: unknown[] }).records, a.records);
});

test('--all packages every record of the population, and the period with no filter verifies', async () => {
  const out = join(w.dir, 'feb-all.zip');
  const { manifest } = await exportFebruary(out, 'acme', { filter: {}, sample: { mode: 'all' } });
  assert.equal(manifest.counts.sample, manifest.counts.population);
  assert.equal(manifest.counts.population, manifest.counts.segment);
  const v = await verifyEvidence(out, { logKey: key() });
  assert.deepEqual(failed(v), []);
  assert.equal(v.items.filter((i) => i.name.startsWith('bundle ')).length, manifest.counts.segment);
});
