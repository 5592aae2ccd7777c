/* global process, console, fetch, performance, Buffer */
/**
 * Proofline's benchmark suite (issue 9). Prints one table: every figure is the median of
 * several runs with its min–max, next to the limit or peer measured in the same suite run on
 * the same machine, as a ratio, with the target and pass/miss.
 *
 *   npm run bench                     # full run (< 10 min on 2 cores)
 *   npm run bench -- --smoke          # tiny sizes (< 60 s): checks that every path works
 *   npm run bench -- --profile        # no table: CPU profiles of the server under each load
 *
 * Options: --runs N, --duration S (per HTTP run), --records N (storage/audit log size),
 * --json FILE (all raw results), --keep (keep the temp directory), --dir DIR (temp parent),
 * --settle S (seconds in all to wait for other processes to quieten before runs; full: 40),
 * --batch-answer full (profile mode: batch attests ask for the full receipts, not the compact
 * answer), --private (the server's log is private: share links and full receipts per record),
 * --batch-requests N (1000-record requests per batch figure, default 40; profile mode measures
 * N/2 after N/8 of warm-up: more of them leave less of the JIT's compiling in the figure).
 *
 * Uses the built packages (packages/* /dist): run `npm run build` after changing sources.
 * Processes: the Proofline server (`proofline serve`), a bare fastify server, the load
 * generator (wrk when installed, else autocannon: bench/load.mjs) and each peer run in separate processes; only loopback is used.
 */
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import {
  CLI,
  ROOT,
  cpuSeconds,
  freePort,
  log,
  quantile,
  run,
  runJson,
  sleep,
  startProcess,
  statements,
  summary,
  waitForHttp,
  withNoise,
} from './lib.mjs';
import { analyzeProfile, formatProfile } from './profile.mjs';

/** The Accept header of batch attests: the compact answer (one receipt, ids). */
const BATCH_ACCEPT = 'application/vnd.proofline.batch.v2+json';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    profile: { type: 'boolean' },
    // Profile mode: the batch answer asked for (compact, the default, or full receipts).
    'batch-answer': { type: 'string' },
    only: { type: 'string' },
    'no-cpu-prof': { type: 'boolean' },
    connections: { type: 'string' },
    // The server's log is private (share links, full receipts) instead of public.
    private: { type: 'boolean' },
    runs: { type: 'string' },
    duration: { type: 'string' },
    records: { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean' },
    dir: { type: 'string' },
    settle: { type: 'string' },
    'batch-requests': { type: 'string' },
  },
});

const SMOKE = args.smoke === true;
const CFG = SMOKE
  ? {
      runs: 3,
      duration: 0.5,
      warmup: 0.3,
      connections: [1, 64],
      batchConnections: 4,
      batchRequests: 4,
      proofConnections: 64,
      hypercoreSingleN: 300,
      hypercoreBatchN: 5_000,
      sqliteBatchN: 5_000,
      sqliteLoneN: 200,
      recordFloorN: 2_000,
      storageN: 5_000,
      verifyRuns: 3,
      verifyIterations: 30,
      checkpointIntervalMs: 500,
      checkpointMinIntervalMs: 100,
      settleBudget: 0,
    }
  : {
      runs: 3,
      duration: 5,
      warmup: 2,
      connections: [1, 16, 64],
      batchConnections: 4,
      batchRequests: 40,
      proofConnections: 64,
      hypercoreSingleN: 10_000,
      hypercoreBatchN: 200_000,
      sqliteBatchN: 200_000,
      sqliteLoneN: 3_000,
      recordFloorN: 40_000,
      storageN: 1_000_000,
      verifyRuns: 5,
      verifyIterations: 500,
      checkpointIntervalMs: 500,
      checkpointMinIntervalMs: 100,
      settleBudget: 40,
    };
if (args.runs) CFG.runs = Math.max(1, Number(args.runs));
if (args.duration) CFG.duration = Number(args.duration);
if (args.records) CFG.storageN = Number(args.records);
if (args.settle) CFG.settleBudget = Number(args.settle);
if (args['batch-requests']) CFG.batchRequests = Number(args['batch-requests']);

const TMP = mkdtempSync(join(args.dir ?? tmpdir(), 'proofline-bench-'));
const results = { config: CFG, smoke: SMOKE, started: new Date().toISOString() };
const cleanups = [];
/** Benchmark processes that stay up across runs (servers): not counted as noise. */
const livePids = new Set();

/**
 * Before a measured run, waits (up to 10 s per run and CFG.settleBudget seconds in all) until
 * other processes use less than 0.25 cores over 300 ms: the machine may be shared.
 */
let settleLeft = null;
async function settle() {
  settleLeft ??= CFG.settleBudget;
  const until = performance.now() + Math.min(10, settleLeft) * 1000;
  const start = performance.now();
  while (performance.now() < until) {
    const [, other] = await withNoise(
      () => [...livePids],
      () => sleep(300).then(() => ({})),
    );
    if (other < 0.25) break;
  }
  settleLeft -= (performance.now() - start) / 1000;
  results.settleSeconds = (results.settleSeconds ?? 0) + (performance.now() - start) / 1000;
}

/** Runs `fn` (resolving to an object) and records the cores other processes used meanwhile. */
async function measured(fn) {
  if (CFG.settleBudget > 0) await settle();
  const pids = [...livePids];
  const before = pids.map((pid) => cpuSeconds(pid));
  const [result, otherCores] = await withNoise(() => [...livePids], fn);
  result.otherCores = otherCores;
  // CPU seconds each long-lived benchmark process (server) spent during the run.
  result.serverCpu = Object.fromEntries(pids.map((pid, i) => [pid, cpuSeconds(pid) - before[i]]));
  return result;
}

/** Server CPU time per successful request of a load run, in µs. */
function cpuPerRequest(result, pid) {
  return (result.serverCpu?.[pid] * 1e6) / result.ok;
}

// ---- machine, build -----------------------------------------------------------------------

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  // fdatasync of a 4 KiB append in the benchmark's temp directory: what a durable commit costs.
  const fd = openSync(join(TMP, 'fsync-probe'), 'w');
  const buf = Buffer.alloc(4096, 1);
  const times = [];
  for (let i = 0; i < (SMOKE ? 50 : 300); i++) {
    writeSync(fd, buf);
    const t = performance.now();
    fdatasyncSync(fd);
    times.push(performance.now() - t);
  }
  closeSync(fd);
  return {
    nproc: cpus().length,
    cpu: model,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeGiB: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    fdatasyncMs: { p50: quantile(times, 0.5), p99: quantile(times, 0.99) },
  };
}

function checkBuild() {
  for (const pkg of ['cli', 'server', 'verify', 'records', 'storage-sqlite', 'sequencer']) {
    if (!existsSync(join(ROOT, 'packages', pkg, 'dist'))) {
      throw new Error(`packages/${pkg}/dist is missing: run \`npm run build\` first`);
    }
  }
}

async function buildGo() {
  const bin = join(TMP, 'c2sp-verify');
  try {
    await run('go', ['build', '-o', bin, './test/interop/go'], {
      env: {
        GO111MODULE: 'off',
        GOPATH: '/usr/share/gocode',
        GOCACHE: process.env.GOCACHE ?? '/tmp/gocache',
        GOFLAGS: '',
      },
    });
    return bin;
  } catch (err) {
    if (err.code === 'ENOENT') results.goMissing = true;
    log(`Go reference verifier not built: ${err.message.split('\n')[0]}`);
    return undefined;
  }
}

// ---- Proofline server -----------------------------------------------------------------------

/**
 * A fresh deployment's default log (only create-log and serve create logs), then its key. The
 * log is public, as the peers' logs are: a private log's attest also makes one share link per
 * record and answers full receipts (measured apart with --private).
 */
async function createApiKey(data) {
  const visibility = args.private ? 'private' : 'public';
  await run(process.execPath, [CLI, 'create-log', '--data', data, '--visibility', visibility]);
  const { stdout } = await run(process.execPath, [
    CLI,
    'api-key',
    'create',
    '--data',
    data,
    '--tenant',
    'default',
    '--scope',
    'records:write',
    '--scope',
    'records:read',
  ]);
  const key = stdout.split('\n').find((l) => l.startsWith('pl_'));
  if (!key) throw new Error(`no API key in: ${stdout}`);
  return key.trim();
}

async function logKey(data) {
  const { stdout } = await run(process.execPath, [CLI, 'log-key', '--data', data]);
  return stdout.trim();
}

async function startProofline(data, { nodeArgs = [], serveArgs = [] } = {}) {
  const port = await freePort();
  const server = startProcess(process.execPath, [
    ...nodeArgs,
    CLI,
    'serve',
    '--data',
    data,
    '--port',
    String(port),
    '--rate-limit',
    '0',
    '--checkpoint-interval',
    String(CFG.checkpointIntervalMs),
    '--checkpoint-min-interval',
    String(CFG.checkpointMinIntervalMs),
    ...serveArgs,
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`);
  } catch (err) {
    await server.stop();
    throw new Error(`${err.message}\n${server.output()}`);
  }
  livePids.add(server.pid);
  cleanups.push(() => server.stop());
  return {
    ...server,
    url,
    port,
    stop: () => server.stop().finally(() => livePids.delete(server.pid)),
  };
}

/**
 * A local `proofline witness` (its own process, SQLite state in the temp directory) that
 * cosigns the log with verifier key `logVkey`; resolves with its URL, vkey and pid.
 */
async function startWitness(logVkey) {
  const dir = mkdtempSync(join(TMP, 'witness-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ name: 'bench.example/witness', logs: [{ key: logVkey }] }),
  );
  const port = await freePort();
  const witness = startProcess(process.execPath, [
    CLI,
    'witness',
    ...['--data', join(dir, 'data'), '--config', config, '--port', String(port)],
  ]);
  const deadline = Date.now() + 20_000;
  let vkey;
  // It prints its key after `listening on`.
  while (!(vkey = /verifier key (\S+)/.exec(witness.output())?.[1])) {
    if (Date.now() > deadline || witness.child.exitCode !== null) {
      await witness.stop();
      throw new Error(`the witness did not start:\n${witness.output()}`);
    }
    await sleep(50);
  }
  livePids.add(witness.pid);
  cleanups.push(() => witness.stop());
  return {
    ...witness,
    url: `http://127.0.0.1:${port}`,
    vkey,
    stop: () => witness.stop().finally(() => livePids.delete(witness.pid)),
  };
}

async function startBare(postReplyBytes, batchReplyBytes, getReplyBytes) {
  const port = await freePort();
  const server = startProcess(process.execPath, [
    join(ROOT, 'bench/bare-server.mjs'),
    JSON.stringify({ port, postReplyBytes, batchReplyBytes, getReplyBytes }),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/bare/0`);
  livePids.add(server.pid);
  cleanups.push(() => server.stop());
  return { ...server, url, stop: () => server.stop().finally(() => livePids.delete(server.pid)) };
}

async function checkpointSize(url) {
  const res = await fetch(`${url}/logs/default/checkpoint`);
  if (!res.ok) return 0;
  return Number((await res.text()).split('\n')[1]);
}

async function waitForCheckpoint(url, size, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await checkpointSize(url)) < size) {
    if (Date.now() > deadline)
      throw new Error(`no checkpoint of size ${size} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * After a load run: the load generator closes its connections at the end of a run, but the server
 * still finishes the requests it had accepted. Waits until the log stops growing and
 * /healthz answers quickly, so no run pays for the backlog of the one before.
 */
async function drain(url, dbFile) {
  const deadline = Date.now() + 60_000;
  let last = -1;
  while (Date.now() < deadline) {
    const size = dbFile ? sequencedSize(dbFile) : 0;
    const t = performance.now();
    await (await fetch(`${url}/healthz`)).arrayBuffer();
    if (size === last && performance.now() - t < 5) return;
    last = size;
    await sleep(100);
  }
}

function load(options) {
  return measured(() => runJson('load.mjs', { duration: CFG.duration, ...options }));
}

function peers(options) {
  return measured(() => runJson('peers.mjs', { runs: CFG.runs, dir: TMP, ...options }));
}

/** Sequencer commits (rows of `batches`) whose time lies in [from, to] (epoch ms). */
function commitsIn(dbFile, from, to) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT first_idx, time FROM batches WHERE log_id = 1 ORDER BY first_idx')
      .all();
    const size = db.prepare('SELECT sequenced_size FROM logs WHERE id = 1').pluck().get();
    const checkpoints = db
      .prepare('SELECT size, published_at FROM checkpoints WHERE log_id = 1 ORDER BY id')
      .all();
    const out = [];
    for (let i = 0; i < rows.length; i++) {
      const { first_idx: first, time } = rows[i];
      if (time < from || time > to) continue;
      const next = i + 1 < rows.length ? rows[i + 1].first_idx : size;
      out.push({ first, next, time });
    }
    return { commits: out, checkpoints };
  } finally {
    db.close();
  }
}

/**
 * Receipt → proof from the server's own timestamps, for every record committed in a window:
 * the record's time (the `time` of its receipt, fixed when its commit began) to the
 * `published_at` of the first checkpoint whose size covers it. Weighted per record.
 */
function receiptToProofFromDb(dbFile, from, to) {
  const { commits, checkpoints } = commitsIn(dbFile, from, to);
  const latencies = [];
  let c = 0;
  let uncovered = 0;
  for (const b of commits) {
    while (c < checkpoints.length && checkpoints[c].size < b.next) c++;
    if (c === checkpoints.length) {
      uncovered += b.next - b.first;
      continue;
    }
    const ms = checkpoints[c].published_at - b.time;
    for (let i = b.first; i < b.next; i++) latencies.push(ms);
  }
  return {
    records: latencies.length,
    uncovered,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

function commitStats(dbFile, from, to) {
  const { commits } = commitsIn(dbFile, from, to);
  const seconds = Math.max(0.001, (to - from) / 1000);
  const records = commits.reduce((n, b) => n + b.next - b.first, 0);
  return { commitsPerSecond: commits.length / seconds, recordsPerCommit: records / commits.length };
}

// ---- the suite --------------------------------------------------------------------------------

async function httpSections() {
  const data = join(TMP, 'http-data');
  const apiKey = await createApiKey(data);
  const dbFile = join(data, 'proofline.db');
  const pl = await startProofline(data);
  log(`proofline serve on ${pl.url} (pid ${pl.pid}), data in ${data}`);

  // Sizes of a receipt and a bundle, so the bare server answers with as many bytes.
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  const res = await fetch(`${pl.url}/v1/records`, {
    method: 'POST',
    headers,
    body: statements(1)[0],
  });
  const receipt = await res.text();
  if (res.status !== 201) throw new Error(`attest failed: ${res.status} ${receipt}`);
  const { id } = JSON.parse(receipt);
  await waitForCheckpoint(pl.url, 1);
  const bundle = await (await fetch(`${pl.url}/v1/records/${id}/proof`)).text();
  const batchRes = await fetch(`${pl.url}/v1/records/batch`, {
    method: 'POST',
    headers: { ...headers, accept: BATCH_ACCEPT },
    body: `{"records":[${statements(1000).join(',')}]}`,
  });
  const batchReply = await batchRes.text();
  if (batchRes.status !== 201) throw new Error(`batch failed: ${batchRes.status} ${batchReply}`);
  results.sizes = {
    receiptBytes: Buffer.byteLength(receipt),
    batchReplyBytes: Buffer.byteLength(batchReply),
    bundleBytes: Buffer.byteLength(bundle),
  };
  const bare = await startBare(
    results.sizes.receiptBytes,
    results.sizes.batchReplyBytes,
    results.sizes.bundleBytes,
  );
  log(
    `bare fastify on ${bare.url}; receipt ${receipt.length} B, batch reply ` +
      `${results.sizes.batchReplyBytes} B, bundle ${bundle.length} B`,
  );

  const single = async (target, connections, duration = CFG.duration) => {
    const r =
      target === 'proofline'
        ? await load({
            url: pl.url,
            path: '/v1/records',
            kind: 'single',
            apiKey,
            connections,
            duration,
          })
        : await load({
            url: bare.url,
            path: '/bare',
            kind: 'single',
            apiKey,
            connections,
            duration,
          });
    await drain(
      target === 'proofline' ? pl.url : bare.url,
      target === 'proofline' ? dbFile : undefined,
    );
    r.serverCpuUsPerRequest = cpuPerRequest(r, target === 'proofline' ? pl.pid : bare.pid);
    return r;
  };

  // Single-record attest at each connection count; bare and Proofline runs interleaved.
  log('warm-up');
  await single('bare', 16, CFG.warmup);
  await single('proofline', 16, CFG.warmup);
  results.single = {};
  for (const c of CFG.connections) {
    const r = { proofline: [], bare: [], commits: [] };
    for (let i = 0; i < CFG.runs; i++) {
      r.bare.push(await single('bare', c));
      const x = await single('proofline', c);
      r.proofline.push(x);
      r.commits.push(commitStats(dbFile, x.startedAt, x.endedAt));
      log(
        `single attest ${c} conn run ${i + 1}: proofline ${r.proofline.at(-1).rps.toFixed(0)}/s ` +
          `p99 ${r.proofline.at(-1).latencyMs.p99.toFixed(1)} ms; bare ${r.bare.at(-1).rps.toFixed(0)}/s`,
      );
    }
    results.single[c] = r;
  }

  log('hypercore one at a time');
  results.hypercoreSingle = await peers({ mode: 'hypercore-single', n: CFG.hypercoreSingleN });
  results.sqliteLone = await peers({ mode: 'sqlite-lone', n: CFG.sqliteLoneN });

  // Batch attest: 1000 statements per request.
  log('batch attest');
  await load({
    url: pl.url,
    path: '/v1/records/batch',
    kind: 'batch',
    accept: BATCH_ACCEPT,
    apiKey,
    connections: CFG.batchConnections,
    amount: CFG.batchConnections * 2,
  });
  results.batch = { proofline: [], bare: [], commits: [] };
  for (let i = 0; i < CFG.runs; i++) {
    const b = await load({
      url: bare.url,
      path: '/bare/batch',
      kind: 'batch',
      accept: BATCH_ACCEPT,
      connections: CFG.batchConnections,
      amount: CFG.batchRequests,
    });
    b.recordsPerSecond = b.rps * 1000;
    b.serverCpuUsPerRecord = cpuPerRequest(b, bare.pid) / 1000;
    results.batch.bare.push(b);
    const r = await load({
      url: pl.url,
      path: '/v1/records/batch',
      kind: 'batch',
      accept: BATCH_ACCEPT,
      apiKey,
      connections: CFG.batchConnections,
      amount: CFG.batchRequests,
    });
    results.batch.commits.push(commitStats(dbFile, r.startedAt, r.endedAt));
    r.recordsPerSecond = r.rps * 1000;
    r.serverCpuUsPerRecord = cpuPerRequest(r, pl.pid) / 1000;
    results.batch.proofline.push(r);
    log(
      `batch run ${i + 1}: ${r.recordsPerSecond.toFixed(0)} records/s; ` +
        `bare ${b.recordsPerSecond.toFixed(0)} records/s`,
    );
  }
  log('sqlite and hypercore batches');
  results.sqliteBatch = await peers({ mode: 'sqlite-batch', n: CFG.sqliteBatchN });
  results.hypercoreBatch = await peers({ mode: 'hypercore-batch', n: CFG.hypercoreBatchN });
  results.recordFloor = await peers({ mode: 'record-floor', n: CFG.recordFloorN });

  // Receipt → proof under a 64-connection single-attest load: this server (no witnesses),
  // then a second one whose checkpoints a local witness must cosign (quorum 1).
  results.receiptToProof = await receiptToProofRuns(pl, dbFile, apiKey, 'no witnesses', (c) =>
    single('proofline', c),
  );
  results.receiptToProofWitnessed = await witnessedReceiptToProof();

  // Proof serving: random ids among the checkpointed records.
  const covered = await checkpointSize(pl.url);
  results.proof = { proofline: [], bare: [], records: covered };
  const common = { kind: 'get', maxId: covered, connections: CFG.proofConnections };
  // A warm-up of each, as before the attest figures: the first proof requests of this process
  // compile the read path (round 7 measured a cold first run at 1.2–7.5× the CPU of the next).
  await load({ ...common, url: bare.url, path: '/bare/{id}', duration: CFG.warmup });
  await load({
    ...common,
    url: pl.url,
    path: '/v1/records/default-{id}/proof',
    duration: CFG.warmup,
  });
  for (let i = 0; i < CFG.runs; i++) {
    const b = await load({ ...common, url: bare.url, path: '/bare/{id}' });
    await drain(bare.url);
    b.serverCpuUsPerRequest = cpuPerRequest(b, bare.pid);
    results.proof.bare.push(b);
    const p = await load({ ...common, url: pl.url, path: '/v1/records/default-{id}/proof' });
    await drain(pl.url);
    p.serverCpuUsPerRequest = cpuPerRequest(p, pl.pid);
    results.proof.proofline.push(p);
    log(`proof serving run ${i + 1}: ${results.proof.proofline.at(-1).rps.toFixed(0)}/s`);
  }
  // What wrk's p99 is made of (issue 20): one more Proofline run of the same shape whose every
  // response's latency is logged too (bench/wrk-raw.mjs; the bare GET's bodies name no id).
  // A wrk without LuaJIT's ffi cannot log: the note says n/a.
  if (results.proof.proofline[0]?.generator === 'wrk') {
    try {
      const { stdout } = await run(process.execPath, [
        join(ROOT, 'bench/wrk-raw.mjs'),
        `${pl.url}/v1/records/default-{id}/proof`,
        ...[
          String(covered),
          String(Math.max(1, Math.ceil(CFG.duration))),
          String(common.connections),
        ],
      ]);
      results.proof.wrkRaw = JSON.parse(stdout.trim().split('\n').pop());
    } catch (err) {
      results.proof.wrkRaw = { na: err.message.split('\n')[0] };
    }
    await drain(pl.url);
  }

  // Verification of one real bundle (a record in the middle of the log).
  const middle = Math.floor(covered / 2);
  const bundleFile = join(TMP, 'bundle.json');
  const middleBundle = await fetch(`${pl.url}/v1/records/default-${middle}/proof`);
  writeFileSync(bundleFile, await middleBundle.text());
  const vkey = await logKey(data);
  const verifyOptions = {
    bundleFile,
    logKey: vkey,
    runs: CFG.verifyRuns,
    iterations: CFG.verifyIterations,
    tmp: TMP,
  };
  log('verification (Node, Chromium)');
  results.verifyNode = await measured(() => runJson('verify-node.mjs', verifyOptions));
  try {
    results.verifyBrowser = await measured(() => runJson('verify-browser.mjs', verifyOptions));
  } catch (err) {
    results.verifyBrowser = { na: err.message.split('\n')[0] };
  }

  await bare.stop();
  const exit = await pl.stop();
  if (exit.code !== 0) log(`warning: proofline serve exited with ${JSON.stringify(exit)}`);
}

/**
 * CFG.runs runs of the client probe during a 64-connection single-attest load on `server`
 * (`single(64)`, which drains after it), each measured both ways (see receiptToProofFromDb
 * and bench/probe.mjs); also the publishing rounds a second during each run.
 */
async function receiptToProofRuns(server, dbFile, apiKey, label, single) {
  const out = { db: [], probe: [], load: [], checkpoints: [], roundsPerSecond: [] };
  for (let i = 0; i < CFG.runs; i++) {
    const from = Date.now();
    const [probe, loadResult] = await Promise.all([
      measured(() => runJson('probe.mjs', { url: server.url, apiKey, duration: CFG.duration })),
      single(64),
    ]);
    const to = Date.now();
    await waitForCheckpoint(server.url, await sequencedSize(dbFile));
    out.probe.push(probe);
    out.load.push(loadResult);
    out.db.push(receiptToProofFromDb(dbFile, from, to));
    const { checkpoints } = commitsIn(dbFile, from, to);
    const rounds = checkpoints.filter((c) => c.published_at >= from && c.published_at <= to);
    out.checkpoints.push(rounds.length);
    out.roundsPerSecond.push(rounds.length / Math.max(0.001, (to - from) / 1000));
    log(
      `receipt→proof (${label}) run ${i + 1}: server p99 ${out.db.at(-1).p99} ms, ` +
        `client probe p99 ${probe.p99.toFixed(0)} ms (${probe.n} probes), ` +
        `${out.roundsPerSecond.at(-1).toFixed(1)} checkpoints/s`,
    );
  }
  return out;
}

/**
 * Receipt → proof with witnesses configured: a fresh deployment served with `--witness` (a
 * local `proofline witness`, quorum 1), so every checkpoint a bundle carries is cosigned.
 * Also the witness's CPU per add-checkpoint request.
 */
async function witnessedReceiptToProof() {
  const data = join(TMP, 'witnessed-data');
  const apiKey = await createApiKey(data);
  const dbFile = join(data, 'proofline.db');
  const witness = await startWitness(await logKey(data));
  const pl = await startProofline(data, {
    serveArgs: ['--witness', `${witness.url}=${witness.vkey}`, '--witness-quorum', '1'],
  });
  log(`proofline serve with witness ${witness.url} on ${pl.url} (pid ${pl.pid})`);
  try {
    const single = async (connections, duration = CFG.duration) => {
      const r = await load({
        url: pl.url,
        path: '/v1/records',
        kind: 'single',
        apiKey,
        connections,
        duration,
      });
      await drain(pl.url, dbFile);
      r.serverCpuUsPerRequest = cpuPerRequest(r, pl.pid);
      return r;
    };
    await single(16, CFG.warmup);
    const out = await receiptToProofRuns(pl, dbFile, apiKey, 'witness, quorum 1', single);
    // The witness's CPU during each load run, per checkpoint published in that run.
    out.witnessCpuMsPerCheckpoint = out.load.map(
      (x, i) => ((x.serverCpu?.[witness.pid] ?? NaN) * 1000) / out.checkpoints[i],
    );
    return out;
  } finally {
    const exit = await pl.stop();
    if (exit.code !== 0)
      log(`warning: witnessed proofline serve exited with ${JSON.stringify(exit)}`);
    await witness.stop();
  }
}

function sequencedSize(dbFile) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT sequenced_size FROM logs WHERE id = 1').pluck().get();
  } finally {
    db.close();
  }
}

/** Writes `n` generated statements, one per line, to a child's stdin with backpressure. */
async function feed(stream, n) {
  const chunk = 10_000;
  for (let i = 0; i < n; i += chunk) {
    const text = `${statements(Math.min(chunk, n - i)).join('\n')}\n`;
    if (!stream.write(text)) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
}

async function storageAndAudit(goBin) {
  const n = CFG.storageN;
  const data = join(TMP, 'bulk-data');
  log(`proofline append of ${n} records`);
  // Public: both auditors read the entry bundles without an API key.
  await run(process.execPath, [CLI, 'create-log', '--visibility', 'public', '--data', data]);
  const { spawn } = await import('node:child_process');
  results.append = await measured(async () => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'append', '--data', data], {
      cwd: ROOT,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const stderr = [];
    child.stderr.on('data', (d) => stderr.push(d));
    const exited = new Promise((r) => child.on('close', r));
    await feed(child.stdin, n);
    const code = await exited;
    if (code !== 0) throw new Error(`proofline append failed: ${Buffer.concat(stderr)}`);
    const seconds = (performance.now() - started) / 1000;
    return { records: n, seconds, recordsPerSecond: n / seconds };
  });

  // Bytes on disk after a WAL checkpoint (TRUNCATE), with no other process open.
  const dbFile = join(data, 'proofline.db');
  const db = new Database(dbFile);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const entryBytes = db.prepare('SELECT SUM(length(data)) FROM entries').pluck().get();
  const records = db.prepare('SELECT COUNT(*) FROM entries').pluck().get();
  let tables = [];
  try {
    tables = db
      .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
      .all()
      .filter((t) => t.bytes > 8192);
  } catch {
    // dbstat not compiled in
  }
  db.close();
  const files = readdirSync(data).filter((f) => f.startsWith('proofline.db'));
  const diskBytes = files
    .filter((f) => !f.endsWith('-shm'))
    .reduce((sum, f) => sum + statSync(join(data, f)).size, 0);
  results.storage = {
    records,
    diskBytes,
    entryBytes,
    perRecord: diskBytes / records,
    entryPerRecord: entryBytes / records,
    tables: tables.map((t) => ({ name: t.name, perRecord: t.bytes / records })),
  };
  log(
    `storage: ${results.storage.perRecord.toFixed(1)} B/record on disk, ` +
      `${results.storage.entryPerRecord.toFixed(1)} B/record of entries`,
  );

  // Whole-log audit: proofline audit --no-records beside the Go reference verifier.
  const pl = await startProofline(data);
  const vkey = await logKey(data);
  const prefix = `${pl.url}/logs/default/`;
  results.audit = { proofline: [], go: [], size: records };
  for (let i = 0; i < CFG.runs; i++) {
    const a = await measured(() =>
      run(process.execPath, [CLI, 'audit', prefix, '--log-key', vkey, '--no-records', '--json'], {
        allowFail: true,
      }),
    );
    const parsed = safeJson(a.stdout.trim().split('\n').pop());
    results.audit.proofline.push({
      otherCores: a.otherCores,
      ok: a.code === 0 && parsed?.ok === true,
      seconds: a.ms / 1000,
      entriesPerSecond: records / (a.ms / 1000),
      size: parsed?.size,
      error: a.code === 0 ? undefined : `${a.stdout}${a.stderr}`.slice(-500),
    });
    if (goBin) {
      const g = await measured(() =>
        run(goBin, ['-url', prefix, '-vkey', vkey], { allowFail: true }),
      );
      results.audit.go.push({
        otherCores: g.otherCores,
        ok: g.code === 0,
        seconds: g.ms / 1000,
        entriesPerSecond: records / (g.ms / 1000),
        last: g.stdout.trim().split('\n').pop(),
        error: g.code === 0 ? undefined : `${g.stdout}${g.stderr}`.slice(-500),
      });
    }
    log(
      `audit run ${i + 1}: proofline ${results.audit.proofline.at(-1).seconds.toFixed(2)} s` +
        (goBin ? `, Go ${results.audit.go.at(-1).seconds.toFixed(2)} s` : ''),
    );
  }
  await pl.stop();
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- the table ----------------------------------------------------------------------------

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const dec = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function cell(s, fmt, unit) {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  return `${fmt(s.median)}${unit} [${fmt(s.min)}–${fmt(s.max)}]`;
}

function buildRows() {
  const rows = [];
  // The most cores other processes kept busy during any run behind the current rows.
  let noise = [];
  const noiseOf = (...lists) => lists.flat().map((x) => x?.otherCores);
  const add = (figure, pl, beside, besideName, ratio, target, pass) => {
    const n = noise.filter((x) => Number.isFinite(x));
    const other = n.length ? dec(Math.max(...n), 2) : '–';
    rows.push({ figure, pl, beside, besideName, ratio, target, pass, other });
  };
  const ratioOf = (a, b) =>
    a && b && Number.isFinite(a.median) && Number.isFinite(b.median) && b.median !== 0
      ? `${(a.median / b.median).toFixed(2)}×`
      : 'n/a';
  const verdict = (ok) => (ok === undefined ? '' : ok ? 'pass' : 'MISS');

  const hcSingle = summary(results.hypercoreSingle?.rates ?? []);
  for (const c of CFG.connections) {
    const r = results.single?.[c];
    if (!r) continue;
    const rps = summary(r.proofline.map((x) => x.rps));
    const bareRps = summary(r.bare.map((x) => x.rps));
    const p50 = summary(r.proofline.map((x) => x.latencyMs.p50));
    const p99 = summary(r.proofline.map((x) => x.latencyMs.p99));
    const bp50 = summary(r.bare.map((x) => x.latencyMs.p50));
    const bp99 = summary(r.bare.map((x) => x.latencyMs.p99));
    const is64 = c === 64;
    noise = noiseOf(r.proofline, r.bare);
    add(
      `single attest, ${c} conn: records/s`,
      cell(rps, int, '/s'),
      cell(bareRps, int, '/s'),
      'bare fastify POST',
      ratioOf(rps, bareRps),
      is64 ? '≥ 0.5× bare' : '',
      is64 ? verdict(rps.median >= 0.5 * bareRps.median) : undefined,
    );
    // Issue 20, one connection: p50 within two fsyncs (this run's fdatasync p50) of the bare POST.
    const p50Limit = bp50.median + 2 * results.machine.fdatasyncMs.p50;
    add(
      `single attest, ${c} conn: p50 latency`,
      cell(p50, (x) => dec(x, 2), ' ms'),
      cell(bp50, (x) => dec(x, 2), ' ms'),
      c === 1 ? 'bare fastify POST (target: its p50 + 2 × fdatasync p50)' : 'bare fastify POST',
      ratioOf(p50, bp50),
      c === 1 ? `≤ ${dec(p50Limit, 2)} ms` : '',
      c === 1 ? verdict(p50.median <= p50Limit) : undefined,
    );
    add(
      `single attest, ${c} conn: p99 latency`,
      cell(p99, (x) => dec(x, 2), ' ms'),
      cell(bp99, (x) => dec(x, 2), ' ms'),
      'bare fastify POST',
      ratioOf(p99, bp99),
      is64 ? '≤ 25 ms' : '',
      is64 ? verdict(p99.median <= 25) : undefined,
    );
    if (c === 1) {
      // Issue 20: a lone record's CPU ≤ 250 µs, beside the durable one-row commit that no
      // lone record can do without (a floor outside Proofline, measured in the same run).
      const cpu = summary(r.proofline.map((x) => x.serverCpuUsPerRequest));
      const commitCpu = summary(results.sqliteLone?.cpuUs ?? []);
      noise = noiseOf(r.proofline, results.sqliteLone);
      add(
        'single attest, 1 conn: server CPU per record',
        cell(cpu, int, ' µs'),
        cell(commitCpu, int, ' µs'),
        'better-sqlite3 one-row durable commit, CPU per commit (WAL, synchronous=FULL)',
        ratioOf(cpu, commitCpu),
        '≤ 250 µs',
        verdict(cpu.median <= 250),
      );
    }
    if (is64) {
      noise = noiseOf(r.proofline, results.hypercoreSingle);
      add(
        'single attest, 64 conn: records/s',
        cell(rps, int, '/s'),
        cell(hcSingle, int, '/s'),
        'Hypercore 11 append one at a time (in-process)',
        ratioOf(rps, hcSingle),
        '≥ 1.5× Hypercore',
        verdict(rps.median >= 1.5 * hcSingle.median),
      );
    }
  }

  if (results.batch) {
    const b = summary(results.batch.proofline.map((x) => x.recordsPerSecond));
    const sq = summary(results.sqliteBatch?.rates ?? []);
    const hb = summary(results.hypercoreBatch?.rates ?? []);
    noise = noiseOf(results.batch.proofline, results.sqliteBatch);
    add(
      `batch attest (1000/request, ${CFG.batchConnections} conn): records/s`,
      cell(b, int, '/s'),
      cell(sq, int, '/s'),
      'better-sqlite3 raw inserts, 1000/txn, WAL, synchronous=FULL',
      ratioOf(b, sq),
      '≥ 100,000/s',
      verdict(b.median >= 100_000),
    );
    const bareBatch = summary((results.batch.bare ?? []).map((x) => x.recordsPerSecond));
    noise = noiseOf(results.batch.proofline, results.batch.bare);
    add(
      `batch attest (1000/request, ${CFG.batchConnections} conn): records/s`,
      cell(b, int, '/s'),
      cell(bareBatch, int, '/s'),
      'bare fastify batch POST (same request and reply bytes)',
      ratioOf(b, bareBatch),
      '',
      '',
    );
    const floor = summary(results.recordFloor?.rates ?? []);
    noise = noiseOf(results.batch.proofline, results.recordFloor);
    add(
      `batch attest (1000/request, ${CFG.batchConnections} conn): records/s`,
      cell(b, int, '/s'),
      cell(floor, int, '/s'),
      "Proofline's own per-record work in-process, one core (no HTTP, storage or signature)",
      ratioOf(b, floor),
      '',
      '',
    );
    noise = noiseOf(results.batch.proofline, results.hypercoreBatch);
    add(
      `batch attest (1000/request, ${CFG.batchConnections} conn): records/s`,
      cell(b, int, '/s'),
      cell(hb, int, '/s'),
      'Hypercore 11 append 1000 at a time (in-process)',
      ratioOf(b, hb),
      '≥ Hypercore',
      verdict(b.median >= hb.median),
    );
  }

  // Receipt → proof: without witnesses, beside the publisher's minimum round spacing; then
  // with a witness, beside the figure without (what witnessing adds), against the target.
  const r2p = (r) => ({
    d50: summary(r.db.map((x) => x.p50)),
    d99: summary(r.db.map((x) => x.p99)),
    p50: summary(r.probe.map((x) => x.p50)),
    p99: summary(r.probe.map((x) => x.p99)),
  });
  const ms = (x) => dec(x, 0);
  const bare = results.receiptToProof && r2p(results.receiptToProof);
  if (bare) {
    const spacing = summary([CFG.checkpointMinIntervalMs]);
    const name = `round spacing (--checkpoint-min-interval ${CFG.checkpointMinIntervalMs})`;
    noise = noiseOf(results.receiptToProof.probe, results.receiptToProof.load);
    for (const [key, what] of [
      ['d50', 'p50, server clock, all records'],
      ['d99', 'p99, server clock, all records'],
      ['p50', 'p50, client probe'],
      ['p99', 'p99, client probe'],
    ]) {
      const p99 = key.endsWith('99');
      add(
        `receipt→proof ${what} (64-conn load, no witnesses)`,
        cell(bare[key], ms, ' ms'),
        `${CFG.checkpointMinIntervalMs} ms`,
        name,
        ratioOf(bare[key], spacing),
        p99 ? '≤ 300 ms' : '',
        p99 ? verdict(bare[key].median <= 300) : undefined,
      );
    }
  }
  const witnessed = results.receiptToProofWitnessed && r2p(results.receiptToProofWitnessed);
  if (witnessed) {
    noise = noiseOf(results.receiptToProofWitnessed.probe, results.receiptToProofWitnessed.load);
    for (const [key, what] of [
      ['d50', 'p50, server clock, all records'],
      ['d99', 'p99, server clock, all records'],
      ['p50', 'p50, client probe'],
      ['p99', 'p99, client probe'],
    ]) {
      const p99 = key.endsWith('99');
      add(
        `receipt→proof ${what} (64-conn load, witness, quorum 1)`,
        cell(witnessed[key], ms, ' ms'),
        bare ? cell(bare[key], ms, ' ms') : 'n/a',
        'the same without witnesses',
        ratioOf(witnessed[key], bare?.[key]),
        p99 ? '≤ 300 ms' : '',
        p99 ? verdict(witnessed[key].median <= 300) : undefined,
      );
    }
  }

  if (results.proof) {
    const p = summary(results.proof.proofline.map((x) => x.rps));
    const b = summary(results.proof.bare.map((x) => x.rps));
    noise = noiseOf(results.proof.proofline, results.proof.bare);
    // Issue 20: at least half the bare GET's rate, p99 at most 25 ms.
    add(
      `proof serving, ${CFG.proofConnections} conn, random ids: requests/s`,
      cell(p, int, '/s'),
      cell(b, int, '/s'),
      'bare fastify GET (same reply size)',
      ratioOf(p, b),
      '≥ 0.5× bare',
      verdict(p.median >= 0.5 * b.median),
    );
    const p99 = summary(results.proof.proofline.map((x) => x.latencyMs.p99));
    const bp99 = summary(results.proof.bare.map((x) => x.latencyMs.p99));
    add(
      `proof serving, ${CFG.proofConnections} conn, random ids: p99 latency`,
      cell(p99, (x) => dec(x, 2), ' ms'),
      cell(bp99, (x) => dec(x, 2), ' ms'),
      'bare fastify GET (same reply size)',
      ratioOf(p99, bp99),
      '≤ 25 ms',
      verdict(p99.median <= 25),
    );
  }

  const us = (x) => dec(x, 0);
  for (const [key, label] of [
    ['verifyNode', 'Node'],
    ['verifyBrowser', 'Chromium'],
  ]) {
    const v = results[key];
    if (!v) continue;
    noise = noiseOf(v);
    if (v.na || v.error) {
      add(
        `verify one bundle, ${label}: µs/bundle`,
        `n/a (not run: ${v.na ?? v.error})`,
        '',
        '',
        '',
        '',
      );
      continue;
    }
    const s = summary(v.verifyUs);
    const b = Array.isArray(v.baselineUs) ? summary(v.baselineUs) : undefined;
    add(
      `verify one bundle, ${v.platform}: µs/bundle`,
      cell(s, us, ' µs'),
      b ? cell(b, us, ' µs') : `n/a (${v.baselineUs?.error})`,
      '2 × WebCrypto Ed25519 verify (concurrent) + 1 inclusion check',
      b ? ratioOf(s, b) : 'n/a',
      label === 'Node' ? '≤ 1000 µs' : '',
      label === 'Node' ? verdict(s.median <= 1000) : undefined,
    );
  }

  if (results.audit) {
    const a = summary(results.audit.proofline.map((x) => (x.ok ? x.entriesPerSecond : NaN)));
    const g = summary(results.audit.go.map((x) => (x.ok ? x.entriesPerSecond : NaN)));
    noise = noiseOf(results.audit.proofline, results.audit.go);
    add(
      `audit --no-records, ${int(results.audit.size)} entries: entries/s`,
      cell(a, int, '/s'),
      cell(g, int, '/s'),
      'Go reference C2SP verifier (test/interop/go)',
      ratioOf(a, g),
      '≥ 1.0× Go',
      results.audit.go.length ? verdict(a.median >= g.median) : undefined,
    );
  }

  if (results.storage) {
    const s = results.storage;
    noise = [];
    add(
      `storage after ${int(s.records)} records: bytes/record`,
      `${dec(s.perRecord)} B`,
      `${dec(s.entryPerRecord)} B`,
      'entry bytes (sum of entry lengths / records)',
      `${(s.perRecord / s.entryPerRecord).toFixed(2)}× (+${dec(s.perRecord - s.entryPerRecord)} B)`,
      '≤ entry + 120 B',
      verdict(s.perRecord <= s.entryPerRecord + 120),
    );
  }
  if (results.append) {
    const sq = summary(results.sqliteBatch?.rates ?? []);
    noise = noiseOf(results.append, results.sqliteBatch);
    add(
      `bulk import (proofline append, ${int(results.append.records)} records, 1 run): records/s`,
      `${int(results.append.recordsPerSecond)}/s`,
      cell(sq, int, '/s'),
      'better-sqlite3 raw inserts, 1000/txn, WAL, synchronous=FULL',
      sq.median ? `${(results.append.recordsPerSecond / sq.median).toFixed(2)}×` : 'n/a',
      '',
    );
  }
  return rows;
}

function markdownTable(rows) {
  const header = [
    'figure',
    'Proofline: median [min–max]',
    'beside it: median [min–max]',
    'measured beside',
    'ratio',
    'target',
    'result',
    'other load (cores)',
  ];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    lines.push(
      `| ${[r.figure, r.pl, r.beside, r.besideName, r.ratio, r.target, r.pass ?? '', r.other].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function notes() {
  const m = results.machine;
  const lines = [
    `machine: ${m.nproc} × ${m.cpu}, ${m.memGiB} GiB, Node ${m.node}; ` +
      `fdatasync of 4 KiB in ${TMP}: p50 ${dec(m.fdatasyncMs.p50, 2)} ms, p99 ${dec(m.fdatasyncMs.p99, 2)} ms`,
    `runs per figure: ${CFG.runs} (HTTP runs ${CFG.duration} s each, after a ${CFG.warmup} s warm-up)` +
      (SMOKE ? ' — SMOKE MODE: sizes too small for conclusions' : ''),
  ];
  if (results.single) {
    const parts = CFG.connections.map((c) => {
      const cs = results.single[c].commits;
      return `${c} conn ${int(
        quantile(
          cs.map((x) => x.commitsPerSecond),
          0.5,
        ),
      )} commits/s × ${dec(
        quantile(
          cs.map((x) => x.recordsPerCommit),
          0.5,
        ),
      )} records`;
    });
    lines.push(`sequencer (single attest): ${parts.join('; ')}`);
    const cpu = CFG.connections.map(
      (c) =>
        `${c} conn ${dec(
          quantile(
            results.single[c].proofline.map((x) => x.loadgenCpuSeconds / x.seconds),
            0.5,
          ),
          2,
        )} cores`,
    );
    const generator = results.single[CFG.connections[0]].proofline[0]?.generator ?? 'autocannon';
    lines.push(`load generator CPU (${generator}, Proofline runs): ${cpu.join('; ')}`);
    const errors = [];
    for (const c of CFG.connections) {
      for (const x of results.single[c].proofline) {
        if (x.non2xx || x.errors || x.timeouts) {
          errors.push(
            `${c} conn: ${JSON.stringify(x.statusCounts)} errors ${x.errors} timeouts ${x.timeouts}`,
          );
        }
      }
    }
    if (errors.length) lines.push(`non-2xx or errors: ${errors.join('; ')}`);
  }
  const med = (list, f) => quantile(list.map(f), 0.5);
  if (results.single) {
    const parts = CFG.connections.map((c) => {
      const r = results.single[c];
      return (
        `${c} conn ${int(med(r.proofline, (x) => x.serverCpuUsPerRequest))} µs ` +
        `(bare ${int(med(r.bare, (x) => x.serverCpuUsPerRequest))} µs)`
      );
    });
    lines.push(`server CPU per single attest (user+sys, median): ${parts.join('; ')}`);
  }
  if (results.batch) {
    lines.push(
      `server CPU per batched record: ${dec(med(results.batch.proofline, (x) => x.serverCpuUsPerRecord))} µs` +
        (results.batch.bare?.length
          ? ` (bare batch POST ${dec(med(results.batch.bare, (x) => x.serverCpuUsPerRecord))} µs)`
          : ''),
    );
  }
  if (results.proof) {
    lines.push(
      `server CPU per proof request: ${int(med(results.proof.proofline, (x) => x.serverCpuUsPerRequest))} µs ` +
        `(bare GET ${int(med(results.proof.bare, (x) => x.serverCpuUsPerRequest))} µs); ` +
        `${int(results.proof.records)} records in the log`,
    );
    const w = results.proof.wrkRaw;
    if (w?.na) lines.push(`proof serving p99 of the responses (bench/wrk-raw.mjs): n/a (${w.na})`);
    else if (w) {
      lines.push(
        `proof serving p99, wrk's and the responses' own (one more run, bench/wrk-raw.mjs): ` +
          `wrk reports ${dec(w.reportedP99Ms, 2)} ms (max ${dec(w.reportedMaxMs)} ms), the ` +
          `${int(w.logged)} responses ${dec(w.p99Ms, 2)} ms; wrk adds ${int(w.syntheticSamples)} ` +
          `synthetic samples (stats_correct, interval ${dec(w.intervalMs, 2)} ms) for its slow ` +
          `responses (the slowest ${CFG.proofConnections}: ${dec(w.slowestMs.last)}–` +
          `${dec(w.slowestMs.first)} ms, ${int(w.slowestOfFirstRequests)} of them the first ` +
          `request on a new connection), and ` +
          `that correction redone over the responses gives ${dec(w.recomputedCorrectedP99Ms, 2)} ms`,
      );
    }
  }
  if (results.batch) {
    const cs = results.batch.commits;
    lines.push(
      `sequencer (batch): ${int(
        quantile(
          cs.map((x) => x.commitsPerSecond),
          0.5,
        ),
      )} commits/s × ` +
        `${int(
          quantile(
            cs.map((x) => x.recordsPerCommit),
            0.5,
          ),
        )} records`,
    );
  }
  if (results.receiptToProof) {
    const w = results.receiptToProofWitnessed;
    lines.push(
      `receipt→proof: serve --checkpoint-interval ${CFG.checkpointIntervalMs} ` +
        `--checkpoint-min-interval ${CFG.checkpointMinIntervalMs} (a round on each commit, ` +
        `starts ≥ ${CFG.checkpointMinIntervalMs} ms apart); ` +
        `${dec(med(results.receiptToProof.roundsPerSecond, (x) => x))} checkpoints/s without witnesses` +
        (w
          ? `; with a local \`proofline witness\` (own process, SQLite synchronous=FULL; serve ` +
            `--witness URL=VKEY --witness-quorum 1, a fresh deployment): ` +
            `${dec(med(w.roundsPerSecond, (x) => x))} checkpoints/s, ` +
            `witness CPU ${dec(med(w.witnessCpuMsPerCheckpoint, (x) => x))} ms per checkpoint`
          : ''),
    );
  }
  if (results.storage?.tables?.length) {
    lines.push(
      `storage by table (B/record): ${results.storage.tables.map((t) => `${t.name} ${dec(t.perRecord)}`).join(', ')}`,
    );
  }
  if (results.audit) {
    const bad = [...results.audit.proofline, ...results.audit.go].filter((x) => !x.ok);
    if (bad.length) lines.push(`audit failures: ${bad.map((x) => x.error).join(' | ')}`);
  }
  return lines;
}

/** CPU seconds of a process's main thread (its event loop), from /proc/PID/task/PID/stat. */
function mainThreadCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of each thread of a process, by thread id, with the thread's name. */
function threadCpuSeconds(pid) {
  const threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, { name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return threads;
}

/** The busiest threads between two threadCpuSeconds readings, as "name tid: µs/request". */
function threadBreakdown(before, after, requests) {
  return [...after]
    .map(([tid, t]) => ({
      tid,
      name: t.name,
      us: ((t.cpu - (before.get(tid)?.cpu ?? 0)) * 1e6) / requests,
    }))
    .filter((t) => t.us >= 1)
    .sort((a, b) => b.us - a.us)
    .map((t) => `${t.name} ${t.tid}: ${int(t.us)} µs`)
    .join(', ');
}

// ---- profile mode -------------------------------------------------------------------------------

async function profileMode() {
  const sync = results.machine.fdatasyncMs;
  log(`fdatasync of 4 KiB: p50 ${sync.p50.toFixed(2)} ms, p99 ${sync.p99.toFixed(2)} ms`);
  const scenarios = [
    { name: 'single attest, 64 connections', kind: 'single', path: '/v1/records', connections: 64 },
    { name: 'single attest, 1 connection', kind: 'single', path: '/v1/records', connections: 1 },
    {
      name: `batch attest, 1000/request, ${CFG.batchConnections} connections`,
      kind: 'batch',
      path: '/v1/records/batch',
      connections: CFG.batchConnections,
      amount: Math.ceil(CFG.batchRequests / 2),
      accept: args['batch-answer'] === 'full' ? 'application/json' : BATCH_ACCEPT,
    },
    {
      name: `proof serving, ${CFG.proofConnections} connections`,
      kind: 'get',
      path: '/v1/records/default-{id}/proof',
      connections: CFG.proofConnections,
      preload: SMOKE ? 5_000 : 100_000,
    },
  ];
  for (const [i, s] of scenarios.entries()) {
    if (args.only && s.kind !== args.only) continue;
    if (args.connections && s.connections !== Number(args.connections)) continue;
    const data = join(TMP, `profile-${i}`);
    const apiKey = await createApiKey(data);
    if (s.preload) {
      const child = (await import('node:child_process')).spawn(
        process.execPath,
        [CLI, 'append', '--data', data],
        { cwd: ROOT, stdio: ['pipe', 'ignore', 'ignore'] },
      );
      const done = new Promise((r) => child.on('close', r));
      await feed(child.stdin, s.preload);
      await done;
    }
    const profDir = join(TMP, `profile-${i}-cpu`);
    const profiling = !args['no-cpu-prof'];
    const pl = await startProofline(data, {
      nodeArgs: profiling ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
    });
    // Measure bundles, not 404s: wait until a checkpoint covers the preload. Then warm the
    // server (JIT, caches) with a short run; the profile leaves the warm-up out.
    if (s.preload) await waitForCheckpoint(pl.url, s.preload);
    const scenarioLoad = (duration, amount) =>
      load({
        url: pl.url,
        kind: s.kind,
        path: s.path,
        apiKey,
        connections: s.connections,
        maxId: s.preload,
        duration,
        amount,
        accept: s.accept,
      });
    const warmStarted = performance.now();
    await scenarioLoad(CFG.warmup, s.amount === undefined ? undefined : Math.ceil(s.amount / 4));
    const warmMs = performance.now() - warmStarted;
    const cpuBefore = cpuSeconds(pl.pid);
    const mainBefore = mainThreadCpuSeconds(pl.pid);
    const threadsBefore = threadCpuSeconds(pl.pid);
    const r = await scenarioLoad(CFG.duration, s.amount);
    const cpuUs = ((cpuSeconds(pl.pid) - cpuBefore) * 1e6) / r.ok;
    const mainUs = ((mainThreadCpuSeconds(pl.pid) - mainBefore) * 1e6) / r.ok;
    const threads = threadBreakdown(threadsBefore, threadCpuSeconds(pl.pid), r.ok);
    await pl.stop();
    if (!profiling) {
      console.log(
        `${s.name}: ${int(r.rps)} requests/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, server CPU per request: ${int(cpuUs)} µs in all, ${int(mainUs)} µs on the main thread\n  by thread: ${threads}`,
      );
      continue;
    }
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    const p = analyzeProfile(join(profDir, file), 15, warmMs);
    console.log(
      `\n${formatProfile(p, `${s.name} (${int(r.rps)} requests/s under --cpu-prof)`)}\n  profile: ${join(profDir, file)}`,
    );
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  checkBuild();
  results.machine = machine();
  log(`temp directory ${TMP}`);
  if (args.profile) {
    await profileMode();
    return;
  }
  const [, otherCores] = await withNoise(
    () => [...livePids],
    async () => {
      const goBin = await buildGo();
      await httpSections();
      await storageAndAudit(goBin);
      return {};
    },
  );
  results.otherCoresSuite = otherCores;
  results.seconds = (performance.now() - started) / 1000;
  const rows = buildRows();
  results.rows = rows;
  const command = `npm run bench${SMOKE ? ' -- --smoke' : ''}`;
  console.log(`\nProofline benchmarks (${command}), ${new Date().toISOString()}\n`);
  console.log(markdownTable(rows));
  console.log('');
  for (const line of notes()) console.log(`- ${line}`);
  console.log(
    `- whole suite: ${dec(results.seconds, 0)} s; other processes on the machine used ` +
      `${dec(results.otherCoresSuite, 2)} cores on average meanwhile; ` +
      `${dec(results.settleSeconds ?? 0, 0)} s spent waiting for them to quieten`,
  );
  const jsonFile = args.json ?? join(TMP, 'results.json');
  const problems = findProblems();
  results.problems = problems;
  writeFileSync(jsonFile, JSON.stringify(results, null, 2));
  if (args.json || args.keep) console.log(`- raw results: ${jsonFile}`);
  if (problems.length > 0) {
    console.log(`\nPROBLEMS (the suite fails; a missed target is not a problem):`);
    for (const p of problems) console.log(`- ${p}`);
    process.exitCode = 1;
  }
}

/** Faults that make the figures meaningless: failed requests, failed audits, bad proofs. */
function findProblems() {
  const problems = [];
  const loadRuns = (name, list) => {
    for (const [i, x] of (list ?? []).entries()) {
      if (!(x.ok > 0)) problems.push(`${name} run ${i + 1}: no successful response`);
      if (x.non2xx || x.errors || x.timeouts) {
        problems.push(
          `${name} run ${i + 1}: statuses ${JSON.stringify(x.statusCounts)}, ` +
            `${x.errors} errors, ${x.timeouts} timeouts`,
        );
      }
    }
  };
  for (const c of CFG.connections) {
    loadRuns(`single attest ${c} conn (Proofline)`, results.single?.[c]?.proofline);
    loadRuns(`single attest ${c} conn (bare)`, results.single?.[c]?.bare);
  }
  loadRuns('batch attest', results.batch?.proofline);
  loadRuns('batch attest (bare)', results.batch?.bare);
  loadRuns('proof serving (Proofline)', results.proof?.proofline);
  loadRuns('proof serving (bare)', results.proof?.bare);
  for (const [name, r] of [
    ['receipt→proof', results.receiptToProof],
    ['receipt→proof with a witness', results.receiptToProofWitnessed],
  ]) {
    loadRuns(`${name} load`, r?.load);
    for (const [i, x] of (r?.probe ?? []).entries()) {
      if (x.failures || x.uncovered || !(x.n > 0)) {
        problems.push(`${name} probe run ${i + 1}: ${JSON.stringify(x)}`);
      }
    }
    for (const [i, x] of (r?.db ?? []).entries()) {
      if (x.uncovered || !(x.records > 0)) {
        problems.push(`${name} run ${i + 1}: ${JSON.stringify(x)}`);
      }
    }
  }
  for (const key of ['hypercoreSingle', 'hypercoreBatch', 'sqliteBatch', 'sqliteLone']) {
    if (!results[key]?.rates?.every((r) => r > 0)) problems.push(`${key}: no rates`);
  }
  if (!results.verifyNode?.verifyUs?.every((x) => x > 0)) problems.push('verify on Node failed');
  if (results.verifyBrowser?.na === undefined && !results.verifyBrowser?.verifyUs) {
    problems.push(`verify in Chromium failed: ${JSON.stringify(results.verifyBrowser)}`);
  }
  for (const x of [...(results.audit?.proofline ?? []), ...(results.audit?.go ?? [])]) {
    if (!x.ok) problems.push(`audit failed: ${x.error}`);
  }
  if (results.audit && results.audit.go.length === 0 && !results.goMissing) {
    problems.push('the Go reference verifier did not build');
  }
  if (results.storage?.records !== CFG.storageN) {
    problems.push(`storage: ${results.storage?.records} records, expected ${CFG.storageN}`);
  }
  return problems;
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  if (!args.keep && !args.json?.startsWith(TMP)) rmSync(TMP, { recursive: true, force: true });
}
