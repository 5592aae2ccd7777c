/**
 * Evidence packages whose sampled bundles are anchored: a witnessed, timestamped log with a
 * checkpoint in mid-February, the end checkpoint after the period and a later one; a February
 * package with every record sampled.
 *
 * - Records sequenced before mid-February are anchored to that checkpoint, with the end
 *   checkpoint as `latest`; the others to the end checkpoint itself. The package verifies, a
 *   sample's time bound (verifyBundle's existedBy) is its anchor's, and the report shows it.
 * - An auditor's suspicion: a bundle whose `latest` is another checkpoint (the later one, with
 *   a valid consistency proof), one without its `latest`, or one anchored after the end
 *   checkpoint, fails even with SHA256SUMS recomputed. A `latest` that is the end checkpoint
 *   with fewer cosignatures (the same signed text) still passes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import {
  BUNDLE_V2_MEDIA_TYPE,
  bundleToTlogProof,
  formatBundle,
  formatTlogProof,
  parseBundle,
  type BundleV2,
  receiptFormat,
} from '@proofline/records';
import { nodeEd25519Signer, Publisher, ReceiptSealer, Sequencer } from '@proofline/sequencer';
import { readTilesAt } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { proveConsistency, proveInclusion, tileHashReader } from '@proofline/tlog';
import { buildApp, generateApiKey, type LogRuntime } from '@proofline/server';
import {
  FILES,
  ZipReader,
  ZipWriter,
  exportEvidence,
  verifyEvidence,
  type EvidenceVerification,
} from '@proofline/evidence';
import { verifyBundle } from '@proofline/verify';
import { cosigner, generateCosignerKey, parseCosignerKey } from '@proofline/witness';
import { LocalTsa, opensslSupportsTs } from '@proofline/timestamp/testing';

const FEB = Date.UTC(2026, 1, 1);
const MAR = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MID_FEB = FEB + 10 * DAY;
const LOG = 'acme';
const ORIGIN = `proofline.test/logs/${LOG}`;
const WITNESS_NAMES = ['w1.example/witness', 'w2.example/witness', 'w3.example/witness'];

let dir: string;
let storage: SqliteStorage;
let app: FastifyInstance;
let sequencer: Sequencer;
let tsa: LocalTsa;
let logKey: string;
let witnessKeys: string[];
let pkg: string;

before(async () => {
  assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`');
  dir = mkdtempSync(join(tmpdir(), 'proofline-evidence-anchor-'));
  tsa = new LocalTsa('Anchor');
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
    // Every witness cosigns at the log's clock: a checkpoint's cosignatures state its time.
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
  const publishAt = async (time: number) => {
    clock.now = time;
    const cp = await publisher.publish();
    assert.ok(cp, 'published');
    const text = new TextEncoder().encode(parseNote(cp.note).text);
    await storage.addCheckpointTimestamp(LOG, cp.size, 'anchor-tsa', tsa.token(text), time);
  };
  let n = 0;
  const attest = async (time: number) => {
    clock.now = time;
    n++;
    const res = await app.inject({
      method: 'POST',
      url: `/v1/records?log=${LOG}`,
      headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
      payload: {
        digest: `sha256:${createHash('sha256').update(`output ${n}`).digest('hex')}`,
        type: 'ai.decision',
        subject: `case-${n}`,
        controls: ['SOC2:PI1.4'],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
  };
  await attest(FEB - 5 * DAY); // index 0
  await publishAt(FEB - DAY); // size 1: the start checkpoint
  for (let day = 0; day < 10; day += 3) await attest(FEB + day * DAY + HOUR); // 1..4
  await publishAt(MID_FEB); // size 5: the anchor of indices 1..4
  for (let day = 12; day < 28; day += 3) await attest(FEB + day * DAY + HOUR); // 5..10
  await attest(MAR + HOUR); // 11
  await publishAt(MAR + 2 * HOUR); // size 12: the end checkpoint
  await attest(MAR + 3 * HOUR); // 12
  await publishAt(MAR + DAY); // size 13: the latest

  pkg = join(dir, 'feb.zip');
  await exportEvidence({
    url,
    apiKey: await apiKey(['audit:read']),
    logKey,
    log: LOG,
    from: '2026-02-01',
    to: '2026-03-01',
    sample: { mode: 'all' },
    out: pkg,
    now: () => Date.UTC(2026, 3, 2),
  });
});

after(async () => {
  await app.close();
  await sequencer.close();
  await storage.close();
  tsa.cleanup();
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

/** Replaces members of the package and recomputes SHA256SUMS, as a forger would. */
async function forge(out: string, replaced: ReadonlyMap<string, string>): Promise<string> {
  const edited = [...(await members(pkg))].map(([name, data]): [string, Buffer] => [
    name,
    replaced.has(name) ? Buffer.from(replaced.get(name)!) : data,
  ]);
  const sums = edited
    .filter(([n]) => n !== FILES.sums)
    .map(([n, d]) => `${createHash('sha256').update(d).digest('hex')}  ${n}\n`)
    .join('');
  const path = join(dir, out);
  const zip = new ZipWriter(path, new Date());
  for (const [name, data] of edited) zip.addBuffer(name, name === FILES.sums ? sums : data);
  await zip.close();
  return path;
}

async function bundleOf(id: string): Promise<BundleV2> {
  const text = (await members(pkg)).get(`bundles/${id}.json`)!.toString('utf8');
  const bundle = parseBundle(text.trimEnd());
  assert.equal(bundle.mediaType, BUNDLE_V2_MEDIA_TYPE);
  return bundle as BundleV2;
}

/** The bundle's JSON member and its tlog-proof, as the exporter writes them. */
const bundleFiles = (b: BundleV2): Map<string, string> =>
  new Map([
    [`bundles/${b.id}.json`, `${formatBundle(b)}\n`],
    [`bundles/${b.id}.tlog-proof`, formatTlogProof(bundleToTlogProof(b))],
  ]);

const reader = (size: number) => tileHashReader(size, (tiles) => readTilesAt(storage, LOG, tiles));

const failures = (v: EvidenceVerification) => v.items.filter((i) => i.status === 'fail');

const policy = () => ({
  logKey,
  witnesses: { keys: witnessKeys, quorum: 2 },
  timestampAuthorities: { roots: [base64Encode(tsa.rootDer)] },
  requireTimestamp: true,
});

test('sampled bundles are anchored to the first checkpoint covering them and tied to the end one', async () => {
  const files = await members(pkg);
  const end = files.get('checkpoints/end.checkpoint')!.toString('utf8');
  const mid = (await storage.checkpointCovering(LOG, 1))!;
  assert.equal(mid.size, 5);
  for (let index = 1; index <= 10; index++) {
    const b = await bundleOf(`${LOG}-${index}`);
    const tlog = files.get(`bundles/${b.id}.tlog-proof`)!.toString('utf8');
    assert.ok(tlog.includes(parseNote(b.checkpoint).text), `${b.id}: tlog-proof on its anchor`);
    if (index <= 4) {
      assert.equal(b.checkpoint, mid.note, `${b.id} anchored mid-February`);
      assert.equal(b.latest?.checkpoint, end, `${b.id}: latest is the end checkpoint`);
      assert.ok(b.timestamps?.length && b.latest.timestamps?.length, 'both carry tokens');
    } else {
      assert.equal(b.checkpoint, end, `${b.id} anchored to the end checkpoint`);
      assert.equal(b.latest, undefined);
    }
  }
  const v = await verifyEvidence(pkg, policy());
  assert.deepEqual(failures(v), []);
  assert.equal(v.complete, true);
  assert.match(
    v.items.find((i) => i.name === `bundle ${LOG}-1`)!.detail,
    /inclusion in its anchor \(size 5\)/,
  );

  // The time bound of a sample is its anchor's: mid-February, not the end checkpoint's.
  const early = await bundleOf(`${LOG}-1`);
  const witnessed = await verifyBundle(early, {
    logKey,
    witnesses: { keys: witnessKeys, quorum: 2 },
  });
  assert.equal(witnessed.ok, true);
  assert.deepEqual(witnessed.existedBy, {
    time: new Date(MID_FEB).toISOString().replace('.000Z', 'Z'),
    source: 'witness',
    by: WITNESS_NAMES[0],
  });
  const late = await verifyBundle(await bundleOf(`${LOG}-5`), {
    logKey,
    witnesses: { keys: witnessKeys, quorum: 2 },
  });
  assert.equal(late.existedBy?.time, new Date(MAR + 2 * HOUR).toISOString().replace('.000Z', 'Z'));

  // The report shows each sampled record's bound as its anchor carries it.
  const html = files.get(FILES.reportHtml)!.toString('utf8');
  assert.match(
    html,
    new RegExp(
      `<td class="mono">${LOG}-1</td>.*?<td class="mono">checkpoint 5: witness 2026-02-11T00:00:00Z TSA \\d{4}-[\\d:T.-]+Z</td>`,
    ),
  );
  assert.match(
    html,
    new RegExp(
      `<td class="mono">${LOG}-5</td>.*?<td class="mono">checkpoint 12: witness 2026-03-01T02:00:00Z`,
    ),
  );
});

test('a bundle whose latest is another checkpoint fails, even with SHA256SUMS recomputed', async () => {
  const b = await bundleOf(`${LOG}-2`);
  const later = (await storage.latestCheckpoint(LOG))!;
  assert.equal(later.size, 13);
  // A genuine checkpoint, consistent with the anchor: only the tie to the end checkpoint fails.
  const swapped: BundleV2 = {
    ...b,
    latest: {
      checkpoint: later.note,
      consistencyProof: await proveConsistency(5, later.size, reader(later.size)),
    },
  };
  const v = await verifyEvidence(await forge('latest-swapped.zip', bundleFiles(swapped)), {
    logKey,
  });
  assert.equal(v.ok, false);
  const item = v.items.find((i) => i.name === `bundle ${b.id}`)!;
  assert.equal(item.status, 'fail');
  assert.match(item.detail, /its latest checkpoint is not the end checkpoint of the package/);
  assert.ok(failures(v).every((i) => i.name === `bundle ${b.id}` || i.name.startsWith('report.')));

  // The end checkpoint with one cosignature fewer is the same signed checkpoint: it passes.
  const end = b.latest!.checkpoint;
  const fewer = end
    .split('\n')
    .filter((line) => !line.startsWith(`\u2014 ${WITNESS_NAMES[2]} `))
    .join('\n');
  assert.notEqual(fewer, end);
  const same = await verifyEvidence(
    await forge(
      'latest-fewer.zip',
      bundleFiles({ ...b, latest: { ...b.latest!, checkpoint: fewer } }),
    ),
    { logKey },
  );
  assert.deepEqual(failures(same), []);
});

test('a bundle anchored after the end checkpoint fails, even with SHA256SUMS recomputed', async () => {
  const b = await bundleOf(`${LOG}-6`);
  const later = (await storage.latestCheckpoint(LOG))!;
  const { latest: _none, ...rest } = b;
  const after: BundleV2 = {
    ...rest,
    checkpoint: later.note,
    inclusionProof: await proveInclusion(6, later.size, reader(later.size)),
    timestamps: (await storage.checkpointTimestamps(LOG, later.size)).map(({ tsa, token }) => ({
      tsa,
      token,
    })),
  };
  // On its own, the bundle is a valid proof under the whole policy.
  assert.equal((await verifyBundle(after, policy())).ok, true);
  const v = await verifyEvidence(await forge('anchored-after.zip', bundleFiles(after)), policy());
  assert.equal(v.ok, false);
  const item = v.items.find((i) => i.name === `bundle ${b.id}`)!;
  assert.equal(item.status, 'fail');
  assert.match(
    item.detail,
    /anchored to a checkpoint of size 13, after the end checkpoint \(size 12\)/,
  );
});

test('an anchored bundle stripped of its latest checkpoint fails: nothing ties it to the end', async () => {
  const b = await bundleOf(`${LOG}-3`);
  const { latest: _dropped, ...stripped } = b;
  assert.ok(_dropped);
  // Still a valid proof on its own (no trusted checkpoint to compare with).
  assert.equal((await verifyBundle(stripped, { logKey })).ok, true);
  const v = await verifyEvidence(await forge('latest-stripped.zip', bundleFiles(stripped)), {
    logKey,
  });
  assert.equal(v.ok, false);
  const item = v.items.find((i) => i.name === `bundle ${b.id}`)!;
  assert.equal(item.status, 'fail');
  assert.match(item.detail, /anchored to a checkpoint of size 5 without a latest checkpoint/);
});
