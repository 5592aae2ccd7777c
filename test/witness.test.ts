/**
 * Witnessing end to end (c2sp.org/tlog-witness, tlog-cosignature): three real witness
 * processes (`proofline witness`, run from the CLI command's compiled module) cosign the
 * checkpoints of a log whose publisher waits for a 2-of-3 quorum before publishing. The
 * published checkpoints are checked with @proofline/verify's verifyBundle and with an
 * independent Go verifier (test/interop/gocosig). Witnesses are killed (SIGKILL) and
 * restarted: while fewer than two run, nothing new is published; a witness killed in the
 * middle of requests neither loses nor rolls back its state; a fork is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SIG_TYPE_COSIGNATURE,
  formatCheckpoint,
  generateSignerKey,
  openNote,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  formatVerifierKey,
  signNote,
  parseVerifierKey,
} from '@proofline/note';
import { readTilesAt, type LogConfig, type StoredCheckpoint } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import {
  Publisher,
  Sequencer,
  ReceiptSealer,
  nodeEd25519Signer,
  type WitnessingReport,
} from '@proofline/sequencer';
import { buildApp, generateApiKey } from '@proofline/server';
import {
  proveConsistency,
  tileHashReader,
  treeHash,
  verifyConsistency,
  type HashReader,
} from '@proofline/tlog';
import { verifyBundle } from '@proofline/verify';
import {
  TLOG_SIZE_CONTENT_TYPE,
  WitnessClient,
  type CosignOutcome,
  formatAddCheckpoint,
  generateCosignerKey,
  parseCosignerKey,
  thresholdPolicy,
} from '@proofline/witness';
import type { FastifyInstance } from 'fastify';
import { REPO_ROOT, runProofline, tempDir } from './lib/proofline.js';
import { receiptFormat } from '@proofline/records';

const WITNESS_ENTRY = join(REPO_ROOT, 'packages/cli/dist/src/commands/witness.js');
const ORIGIN = 'witness-test.example/logs/default';

interface WitnessProcess {
  readonly name: string;
  readonly dataDir: string;
  readonly configPath: string;
  port: number;
  url: string;
  vkey: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  output: string;
}

/** Starts (or restarts, on the same port and data) a witness process; resolves once it listens. */
async function startWitness(w: WitnessProcess): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      WITNESS_ENTRY,
      'witness',
      ...['--data', w.dataDir, '--config', w.configPath, '--port', String(w.port)],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  w.child = child;
  w.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`witness did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      w.output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output);
      const vkey = /verifier key (\S+)/.exec(output);
      if (url && vkey) {
        clearTimeout(timer);
        w.url = url[1]!;
        w.port = Number(new URL(w.url).port);
        w.vkey = vkey[1]!;
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (w.output += chunk.toString()));
    void w.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`witness exited (${String(code)}) before listening:\n${output}`));
    });
  });
}

async function killWitness(w: WitnessProcess): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await w.exited;
}

function makeWitness(dir: string, name: string, logVkey: string): WitnessProcess {
  const dataDir = join(dir, name.replace(/\W/g, '_'));
  const configPath = join(dir, `${name.replace(/\W/g, '_')}.json`);
  writeFileSync(configPath, JSON.stringify({ name, logs: [{ key: logVkey }] }));
  return {
    name,
    dataDir,
    configPath,
    port: 0,
    url: '',
    vkey: '',
    child: undefined as unknown as ChildProcess,
    exited: Promise.resolve(),
    output: '',
  };
}

/** POSTs an add-checkpoint body straight to a witness. */
async function addCheckpoint(w: WitnessProcess, body: string) {
  const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** Builds the Go cosignature verifier (GOPATH mode on Debian's x/mod, no network). */
function buildGocosig(): string {
  const binary = join(tmpdir(), `proofline-gocosig-${process.pid}`);
  const result = spawnSync('go', ['build', '-o', binary, './test/interop/gocosig'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOCACHE: join(tmpdir(), 'proofline-gocache'),
      GOFLAGS: '',
    },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `cannot build gocosig: ${result.stderr}`);
  return binary;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('witnessing with three witness processes (2-of-3)', () => {
  let dir: string;
  let storage: SqliteStorage;
  let config: LogConfig;
  let sequencer: Sequencer;
  let app: FastifyInstance;
  let apiKey: string;
  let publisher: Publisher;
  let signer: ReturnType<typeof nodeEd25519Signer>;
  let witnesses: WitnessProcess[];
  const reports: WitnessingReport[] = [];
  const outcomes: CosignOutcome[] = [];
  let attested = 0;

  before(async () => {
    dir = tempDir('witness');
    const key = parseSignerKey(generateSignerKey(ORIGIN));
    signer = nodeEd25519Signer(ORIGIN, key.seed);
    storage = new SqliteStorage(join(dir, 'log.db'));
    config = await storage.ensureLog({
      name: 'default',
      tenant: 'default',
      origin: ORIGIN,
      verifierKey: formatVerifierKey(ORIGIN, key.publicKey),
      createdAt: Date.now(),
    });
    sequencer = new Sequencer(storage, 'default', {
      sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
    });
    await storage.ensureTenant('default', Date.now());
    const created = generateApiKey(
      'default',
      ['records:write', 'records:read'],
      'test',
      0,
      Date.now(),
    );
    await storage.createApiKey(created.record);
    apiKey = created.key;
    app = await buildApp({
      storage,
      access: storage,
      logs: new Map([['default', { config, signer, sequencer }]]),
      publicUrl: 'http://127.0.0.1',
    });

    witnesses = [1, 2, 3].map((i) =>
      makeWitness(dir, `witness-test.example/w${i}`, config.verifierKey),
    );
    await Promise.all(witnesses.map(startWitness));
    const client = new WitnessClient({
      policy: thresholdPolicy(
        witnesses.map((w) => ({ url: w.url, verifierKey: w.vkey })),
        2,
      ),
      // Generous: a round ends as soon as every witness answered (a stopped one refuses the
      // connection at once), so these only matter on a loaded machine.
      timeoutMs: 5000,
      graceMs: 2000,
    });
    publisher = new Publisher(storage, config, signer, {
      receiptFormat,
      // The client, recording each round's per-witness results.
      witnesses: {
        cosign: async (request) => {
          const outcome = await client.cosign(request);
          outcomes.push(outcome);
          return outcome;
        },
      },
      onWitnessing: (report) => reports.push(report),
    });
  });

  after(async () => {
    await Promise.all((witnesses ?? []).map(killWitness));
    await app?.close();
    await sequencer?.close();
    await publisher?.stop();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Attests `n` records through the records API; returns the last record's index. */
  async function attest(n: number): Promise<number> {
    let index = -1;
    for (let i = 0; i < n; i++) {
      const subject = `witnessed record ${attested++}`;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/records',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          type: 'ai.decision',
          digest: `sha256:${createHash('sha256').update(subject).digest('hex')}`,
          subject,
        }),
      });
      assert.equal(res.statusCode, 201, res.body);
      index = (res.json() as { index: number }).index;
    }
    return index;
  }

  const latest = async () => (await storage.latestCheckpoint('default'))!;
  const policyFor = (quorum: number, keys = witnesses.map((w) => w.vkey)) => ({
    logKey: config.verifierKey,
    witnesses: { keys, quorum },
  });

  it('publishes checkpoints cosigned by the witnesses; verifyBundle and Go accept them', async () => {
    const index = await attest(5);
    const published = await publisher.publish();
    assert.ok(published, `not published: ${JSON.stringify(reports.at(-1))}`);
    assert.equal(published.size, 5);
    const report = reports.at(-1)!;
    assert.equal(report.satisfied, true);
    assert.ok(report.cosigned.length >= 2);
    assert.equal((await latest()).note, published.note);
    // Log signature first, then one cosignature per witness that answered (all three here).
    const sigs = parseNote(published.note).signatures;
    assert.equal(sigs[0]!.name, ORIGIN);
    assert.ok(sigs.length >= 3);
    const opened = await openNote(
      published.note,
      witnesses.map((w) => parseVerifierKey(w.vkey, SIG_TYPE_COSIGNATURE)),
    );
    assert.ok(opened.verified.length >= 2);

    const res = await app.inject({ method: 'GET', url: `/v1/records/default-${index}/proof` });
    assert.equal(res.statusCode, 200, res.body);
    const bundle = res.body;
    const two = await verifyBundle(bundle, policyFor(2));
    assert.equal(two.ok, true, JSON.stringify(two.checks, null, 1));
    const witnessCheck = two.checks.find((c) => c.name === 'witnesses')!;
    assert.equal(witnessCheck.status, 'passed');
    // A policy naming other witnesses is not satisfied by these cosignatures.
    const strangers = [4, 5].map((i) => {
      const k = parseCosignerKey(generateCosignerKey(`stranger.example/w${i}`));
      return formatVerifierKey(k.name, k.publicKey, SIG_TYPE_COSIGNATURE);
    });
    const other = await verifyBundle(bundle, policyFor(2, [witnesses[0]!.vkey, ...strangers]));
    assert.equal(other.ok, false);
    assert.equal(other.checks.find((c) => c.name === 'witnesses')!.status, 'failed');

    // The same policy on the command line: `proofline verify --witness-key … --witness-quorum`.
    const bundleFile = join(dir, 'cosigned.bundle.json');
    writeFileSync(bundleFile, bundle);
    const cli = (keys: string[]) =>
      runProofline([
        'verify',
        bundleFile,
        '--log-key',
        config.verifierKey,
        ...keys.flatMap((k) => ['--witness-key', k]),
        '--witness-quorum',
        '2',
      ]);
    const passed = cli(witnesses.map((w) => w.vkey));
    assert.equal(passed.status, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout, /^PASS witnesses/m);
    const failed = cli([witnesses[0]!.vkey, ...strangers]);
    assert.equal(failed.status, 1, failed.stdout);
    assert.match(failed.stdout, /^FAIL witnesses/m);

    // The independent Go verifier (standard library Ed25519 + x/mod/sumdb/note framing).
    const gocosig = buildGocosig();
    const file = join(dir, 'checkpoint.cosigned');
    writeFileSync(file, published.note);
    const args = ['-checkpoint', file, '-log-vkey', config.verifierKey];
    for (const w of witnesses) args.push('-witness', w.vkey);
    const go = spawnSync(gocosig, [...args, '-quorum', '2'], { encoding: 'utf8' });
    assert.equal(go.status, 0, go.stdout + go.stderr);
    assert.match(go.stdout, /^OK origin=\S+ size=5 root=\S+ cosigned=3 /);
    // Go refuses a tampered cosignature, and a quorum the checkpoint does not meet.
    const sig = sigs[1]!;
    const tampered = published.note.replace(
      /\n(— \S+ )(\S+)\n$/,
      (_m, prefix: string, b64: string) => {
        const bytes = Buffer.from(b64, 'base64');
        bytes[bytes.length - 1]! ^= 1;
        return `\n${prefix}${bytes.toString('base64')}\n`;
      },
    );
    assert.ok(sig && tampered !== published.note);
    writeFileSync(file, tampered);
    assert.equal(spawnSync(gocosig, [...args, '-quorum', '2'], { encoding: 'utf8' }).status, 1);
    writeFileSync(file, published.note);
    assert.equal(spawnSync(gocosig, [...args, '-quorum', '4'], { encoding: 'utf8' }).status, 1);
    // The shared test vectors, reproduced byte for byte by Go.
    const vectors = spawnSync(
      gocosig,
      ['-vectors', join(REPO_ROOT, 'test/interop/gocosig/testdata/vectors.json')],
      { encoding: 'utf8' },
    );
    assert.equal(vectors.status, 0, vectors.stdout + vectors.stderr);
    rmSync(gocosig, { force: true });
  });

  it('measures the latency witnessing adds to publishing', async (t) => {
    const witnessed: number[] = [];
    const total: number[] = [];
    const perWitness: number[][] = witnesses.map(() => []);
    for (let i = 0; i < 20; i++) {
      await attest(1);
      const started = performance.now();
      assert.ok(await publisher.publish());
      total.push(performance.now() - started);
      witnessed.push(reports.at(-1)!.ms);
      outcomes.at(-1)!.results.forEach((r, k) => perWitness[k]!.push(r.ms));
    }
    // A baseline: the same rounds without witnesses, on another log of the same store.
    const baseKey = parseSignerKey(generateSignerKey('baseline.example/log'));
    const baseline = await storage.ensureLog({
      ...config,
      name: 'baseline',
      origin: baseKey.name,
      verifierKey: formatVerifierKey(baseKey.name, baseKey.publicKey),
    });
    const plain = new Publisher(storage, baseline, nodeEd25519Signer(baseKey.name, baseKey.seed), {
      receiptFormat,
    });
    const seq = new Sequencer(storage, 'baseline');
    const unwitnessed: number[] = [];
    for (let i = 0; i < 20; i++) {
      await seq.append(new TextEncoder().encode(`baseline ${i}`));
      const started = performance.now();
      assert.ok(await plain.publish());
      unwitnessed.push(performance.now() - started);
    }
    await seq.close();
    await plain.stop();
    const ms = (values: number[]) => median(values).toFixed(1);
    t.diagnostic(
      `publish round, median of 20: ${ms(unwitnessed)} ms without witnesses, ${ms(total)} ms ` +
        `with 3 witness processes (2-of-3), of which ${ms(witnessed)} ms waiting for the ` +
        `witnesses (max ${Math.max(...witnessed).toFixed(1)}); per witness ${perWitness.map(ms).join(' / ')} ms`,
    );
    assert.ok(median(witnessed) < 1000);
  });

  it('publishes with one witness down', async () => {
    await killWitness(witnesses[2]!);
    await attest(3);
    const published = await publisher.publish();
    assert.ok(published, JSON.stringify(reports.at(-1)));
    assert.deepEqual([...reports.at(-1)!.cosigned].sort(), [
      witnesses[0]!.name,
      witnesses[1]!.name,
    ]);
    const bundle = (
      await app.inject({ method: 'GET', url: `/v1/records/default-${published.size - 1}/proof` })
    ).body;
    assert.equal((await verifyBundle(bundle, policyFor(2))).ok, true);
  });

  it('does not publish with two witnesses down, until one comes back', async () => {
    await killWitness(witnesses[1]!);
    const before = await latest();
    const index = await attest(4); // sequencing and receipts go on
    for (let round = 0; round < 3; round++) {
      assert.equal(await publisher.publish(), undefined);
      assert.equal(reports.at(-1)!.satisfied, false);
      assert.deepEqual(reports.at(-1)!.cosigned, [witnesses[0]!.name]);
      // Every other witness is named as failed (what the metrics count per witness).
      assert.deepEqual(
        [...reports.at(-1)!.failed].sort(),
        witnesses
          .slice(1)
          .map((w) => w.name)
          .sort(),
      );
    }
    assert.equal((await latest()).note, before.note, 'the witnessed checkpoint stays the latest');
    const pending = await app.inject({ method: 'GET', url: `/v1/records/default-${index}/proof` });
    assert.equal(pending.statusCode, 404);

    await startWitness(witnesses[1]!); // same port, same data
    const published = await publisher.publish();
    assert.ok(published, JSON.stringify(reports.at(-1)));
    assert.equal(published.size, index + 1);
    const bundle = (await app.inject({ method: 'GET', url: `/v1/records/default-${index}/proof` }))
      .body;
    assert.equal((await verifyBundle(bundle, policyFor(2))).ok, true);

    // The third witness comes back behind and catches up from the size it last cosigned.
    await startWitness(witnesses[2]!);
    await attest(1);
    const all = await publisher.publish();
    assert.ok(all);
    assert.equal(reports.at(-1)!.cosigned.length, 3, JSON.stringify(reports.at(-1)));
    assert.equal(
      (
        await verifyBundle(
          (await app.inject({ method: 'GET', url: `/v1/records/default-${all.size - 1}/proof` }))
            .body,
          policyFor(3),
        )
      ).ok,
      true,
    );
  });

  it('a witness that saw a fork refuses to cosign it', async () => {
    const current = await latest();
    const cp = parseCheckpoint(parseNote(current.note).text);
    // The log's own key signs a conflicting checkpoint: same size, another root.
    const forged = await signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size: cp.size,
        rootHash: createHash('sha256').update('a forked tree').digest(),
        extensions: [],
      }),
      [signer],
    );
    const w = witnesses[0]!;
    let res = await addCheckpoint(
      w,
      formatAddCheckpoint({ oldSize: cp.size, proof: [], checkpoint: forged }),
    );
    assert.equal(res.status, 409);
    assert.notEqual(res.type, TLOG_SIZE_CONTENT_TYPE);
    res = await addCheckpoint(
      w,
      formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: forged }),
    );
    assert.deepEqual(
      [res.status, res.type, res.body],
      [409, TLOG_SIZE_CONTENT_TYPE, `${cp.size}\n`],
    );
    // A larger checkpoint of another tree (the log's tiles do not even reach it): 422.
    await attest(2);
    const size = cp.size + 2;
    const proof = [1, 2, 3].map((i) => createHash('sha256').update(`bogus ${i}`).digest());
    const bigger = await signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size,
        rootHash: createHash('sha256').update('another tree').digest(),
        extensions: [],
      }),
      [signer],
    );
    res = await addCheckpoint(
      w,
      formatAddCheckpoint({ oldSize: cp.size, proof, checkpoint: bigger }),
    );
    assert.equal(res.status, 422);
    await waitForOutput(w, /MISBEHAVIOUR fork/);
    await waitForOutput(w, /MISBEHAVIOUR inconsistent/);
    // The genuine next checkpoint is still cosigned by everyone.
    const published = await publisher.publish();
    assert.ok(published);
    assert.equal(reports.at(-1)!.cosigned.length, 3);
  });

  it('a witness killed in the middle of requests neither loses nor rolls back its state', async (t) => {
    const w = makeWitness(dir, 'witness-test.example/crash', config.verifierKey);
    witnesses.push(w);
    await startWitness(w);
    // Enough tree to feed the witness a long chain of checkpoints, one leaf at a time.
    await attest(300);
    await publisherIntegrate();
    const top = await storage.integratedSize('default');
    const bodies = new Map<number, string>(); // size -> body from size - 1
    const checkpoints = new Map<number, string>();
    for (let size = 1; size <= top; size++) {
      const note = await signNote(
        formatCheckpoint({
          origin: ORIGIN,
          size,
          rootHash: await treeHash(size, readerAt(size)),
          extensions: [],
        }),
        [signer],
      );
      checkpoints.set(size, note);
      const proof = size === 1 ? [] : await proveConsistency(size - 1, size, readerAt(size));
      bodies.set(size, formatAddCheckpoint({ oldSize: size - 1, proof, checkpoint: note }));
    }
    const witnessKey = parseVerifierKey(w.vkey, SIG_TYPE_COSIGNATURE);
    let stored = 0;
    for (let round = 0; round < 4 && stored < top - 10; round++) {
      let lastOk = stored;
      let lastSent = stored;
      let killed = false;
      let answered: () => void = () => {};
      const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
      const stream = (async () => {
        for (let size = stored + 1; size <= top && !killed; size++) {
          lastSent = size;
          try {
            const res = await addCheckpoint(w, bodies.get(size)!);
            if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.body}`);
            await openNote(checkpoints.get(size)! + res.body, [witnessKey]);
            lastOk = size;
            answered();
          } catch (err) {
            if (killed) return;
            throw err;
          }
        }
      })();
      // Killed at a random moment once it is answering: a request is then almost always in flight.
      await firstAnswer;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 100)));
      killed = true;
      w.child.kill('SIGKILL');
      await w.exited;
      await stream;
      await startWitness(w);
      // What the restarted witness has, without changing it: checkpoint 1 sent again with
      // old size 1 is re-cosigned if 1 is the stored size; otherwise the 409 body tells.
      const probe = await addCheckpoint(
        w,
        formatAddCheckpoint({ oldSize: 1, proof: [], checkpoint: checkpoints.get(1)! }),
      );
      assert.ok(probe.status === 200 || probe.status === 409, probe.body);
      stored = probe.status === 200 ? 1 : Number(probe.body.trim());
      // Nothing cosigned is lost or rolled back; at most the request in flight was applied.
      assert.ok(
        stored === lastOk || stored === lastSent,
        `stored ${stored}, ok ${lastOk}, sent ${lastSent}`,
      );
      assert.ok(lastOk > 0, 'the witness answered before it was killed');
      t.diagnostic(
        `kill ${round + 1}: last answered ${lastOk}, in flight ${lastSent === lastOk ? 'none' : lastSent}, stored after restart ${stored}`,
      );
    }
    assert.ok(stored > 1 && stored < top);
    // It still refuses an older checkpoint and an inconsistent one...
    let res = await addCheckpoint(
      w,
      formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: checkpoints.get(stored - 1)! }),
    );
    assert.deepEqual([res.status, res.body], [409, `${stored}\n`]);
    res = await addCheckpoint(
      w,
      formatAddCheckpoint({ oldSize: stored, proof: [], checkpoint: checkpoints.get(stored - 1)! }),
    );
    assert.equal(res.status, 400);
    const forged = await signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size: stored,
        rootHash: createHash('sha256').update('fork').digest(),
        extensions: [],
      }),
      [signer],
    );
    res = await addCheckpoint(
      w,
      formatAddCheckpoint({ oldSize: stored, proof: [], checkpoint: forged }),
    );
    assert.equal(res.status, 409);
    // ...and accepts the next consistent one.
    res = await addCheckpoint(w, bodies.get(stored + 1)!);
    assert.equal(res.status, 200, res.body);
    await openNote(checkpoints.get(stored + 1)! + res.body, [witnessKey]);
  });

  it('every checkpoint ever published is consistent with the final tree', async () => {
    const history: StoredCheckpoint[] = await storage.checkpointHistory('default', 1000);
    const final = parseCheckpoint(parseNote(history.at(-1)!.note).text);
    for (const stored of history) {
      const cp = parseCheckpoint(parseNote(stored.note).text);
      const proof = await proveConsistency(cp.size, final.size, readerAt(final.size));
      verifyConsistency(cp.size, final.size, proof, cp.rootHash, final.rootHash);
      assert.ok(parseNote(stored.note).signatures.length >= 3, 'published only with a quorum');
    }
  });

  function readerAt(size: number): HashReader {
    return tileHashReader(size, (tiles) => readTilesAt(storage, 'default', tiles));
  }

  /** Runs publishing rounds until every sequenced entry is integrated into the tiles. */
  async function publisherIntegrate(): Promise<void> {
    const target = await storage.sequencedSize('default');
    while ((await storage.integratedSize('default')) < target) await publisher.publish();
  }

  async function waitForOutput(w: WitnessProcess, pattern: RegExp): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!pattern.test(w.output)) {
      if (Date.now() > deadline) assert.fail(`no ${pattern} in the witness output:\n${w.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
});
