/* global process, console, fetch, performance, Buffer */
/**
 * Proofline on PostgreSQL: attest throughput of one and of three `proofline serve` nodes on
 * one schema, next to the database's own insert rate for the same rows, measured in the same
 * run on the same machine (issue 6). Prints one table; with --md FILE also writes it as a
 * markdown section.
 *
 *   npm run bench:postgres                     # full run (< 6 min on 2 cores)
 *   npm run bench:postgres -- --smoke          # tiny sizes (< 60 s): checks every path works
 *
 * Options: --db URL (default $PROOFLINE_TEST_PG or postgres://postgres@127.0.0.1:5432/test),
 * --runs N, --duration S (per run), --json FILE (raw results), --md FILE (markdown section).
 *
 * Each run of the script uses a fresh schema `proofline_bench_<random>` and drops it at the
 * end. Uses the built packages (packages/* /dist). The nodes, the load generator
 * (bench/load.mjs: wrk or autocannon, one process per node) and pgbench run as separate processes.
 *
 * Figures (each the median of --runs runs, with min–max):
 *  - single-record attest (POST /v1/records) at 64 connections: 1 node; 3 nodes (21/21/22)
 *  - batch attest (POST /v1/records/batch, 1000 records/request) at 6 connections: 1 node;
 *    3 nodes (2/2/2)
 *  - limits: the same entry rows (bytes copied from the Proofline run's `entries`) inserted
 *    into a plain table with the same definition: 1000 rows per transaction (one statement,
 *    as the driver packs them) from 1 connection (serial, as one log's row lock allows) and
 *    from 6 connections; single-row INSERT with a commit per row at 64 connections (pgbench,
 *    or a `pg` pool if pgbench is missing).
 * During every run, pg_stat_activity of the benchmark's connections is sampled every 100 ms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  CLI,
  cpuSeconds,
  freePort,
  log,
  machineBusySeconds,
  run,
  runJson,
  sleep,
  startProcess,
  summary,
  waitForHttp,
} from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    db: { type: 'string' },
    runs: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'string' },
    md: { type: 'string' },
  },
});

const SMOKE = args.smoke === true;
const CFG = {
  runs: SMOKE ? 1 : 3,
  duration: SMOKE ? 1 : 5,
  warmup: SMOKE ? 0.5 : 2,
  singleConnections: 64,
  batchConnections: 6,
  limitBatchConnections: 6,
  limitSingleConnections: 64,
  checkpointIntervalMs: 500,
  batchPerConnPerSecond: 2, // batch requests per connection per second of --duration
};
if (args.runs) CFG.runs = Math.max(1, Number(args.runs));
if (args.duration) CFG.duration = Number(args.duration);

const DB = args.db ?? process.env.PROOFLINE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `proofline_bench_${randomBytes(4).toString('hex')}`;
const APP = `proofline-bench-${SCHEMA}`;
const S = `"${SCHEMA}"`;
const TMP = mkdtempSync(join(tmpdir(), 'proofline-bench-pg-'));
const KEYS = join(TMP, 'keys');
const results = { config: CFG, smoke: SMOKE, schema: SCHEMA, started: new Date().toISOString() };
const cleanups = [];

const admin = new pg.Client({ connectionString: DB, application_name: 'proofline-bench-admin' });

// ---- CPU of the database ----------------------------------------------------------------------

function postgresPids() {
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

/** CPU seconds of every postgres process alive now (backends that exit meanwhile are lost). */
function postgresCpu() {
  const m = new Map();
  for (const pid of postgresPids()) m.set(pid, cpuSeconds(pid));
  return m;
}

function cpuDelta(before, after) {
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return s;
}

/**
 * CPU meter over a window: cores busy in the nodes (`nodePids`), in PostgreSQL, in this
 * process and its children (`childPids`: live ones; reaped ones through cutime/cstime), in
 * the whole machine, and the rest ("other": processes outside the benchmark on the shared
 * machine).
 */
function meter(nodePids = [], childPids = () => []) {
  const own = () =>
    cpuSeconds(process.pid, { withChildren: true }) +
    childPids().reduce((t, pid) => t + cpuSeconds(pid), 0);
  const n0 = nodePids.map((pid) => cpuSeconds(pid));
  const pg0 = postgresCpu();
  const own0 = own();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const nodes = nodePids.reduce((t, pid, i) => t + cpuSeconds(pid) - n0[i], 0);
    const postgres = cpuDelta(pg0, postgresCpu());
    const self = own() - own0;
    const machine = machineBusySeconds() - busy0;
    return {
      seconds: wall,
      nodes: nodes / wall,
      postgres: postgres / wall,
      bench: self / wall,
      machine: machine / wall,
      other: Math.max(0, machine - nodes - postgres - self) / wall,
    };
  };
}

/**
 * Before a measured run: waits (up to 10 s per run, SETTLE_BUDGET s in all) until processes
 * outside the benchmark use under 0.3 cores over 300 ms — the machine may be shared.
 */
let settleLeft = SMOKE ? 0 : 60;
async function settle(nodePids = []) {
  const until = Date.now() + Math.min(10, settleLeft) * 1000;
  const t0 = Date.now();
  for (;;) {
    const m = meter(nodePids);
    await sleep(300);
    if (m().other < 0.3 || Date.now() >= until) break;
  }
  settleLeft = Math.max(0, settleLeft - (Date.now() - t0) / 1000);
}

// ---- wait-event sampling ------------------------------------------------------------------------

/**
 * Samples pg_stat_activity every 100 ms for the benchmark's connections of one kind — the
 * nodes' (the driver names them 'proofline'; the last query names the schema) or the limit
 * runs' — and `stop()` resolves with counts per state and wait event.
 */
function sampleWaits(kind) {
  const where =
    kind === 'nodes'
      ? `application_name = 'proofline' AND query LIKE $1`
      : 'application_name LIKE $1';
  const param = kind === 'nodes' ? `%"${SCHEMA}"%` : `${APP}-limit%`;
  const client = new pg.Client({
    connectionString: DB,
    application_name: 'proofline-bench-sampler',
  });
  const counts = {};
  let samples = 0;
  let stopped = false;
  const done = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query(
        `SELECT state, wait_event_type, wait_event FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND ${where}`,
        [param],
      );
      samples++;
      for (const r of rows) {
        if (r.state === 'idle') continue;
        const ev = r.wait_event_type ? `${r.wait_event_type}:${r.wait_event}` : 'CPU (no wait)';
        const key = `${r.state === 'active' ? 'active' : r.state} ${ev}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      await sleep(100);
    }
    await client.end();
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { samples, counts };
    },
  };
}

function mergeWaits(into, w) {
  into.samples = (into.samples ?? 0) + w.samples;
  into.counts ??= {};
  for (const [k, v] of Object.entries(w.counts)) into.counts[k] = (into.counts[k] ?? 0) + v;
  return into;
}

// ---- Proofline nodes ------------------------------------------------------------------------------

const dbArgs = ['--db', DB, '--keys', KEYS, '--db-schema', SCHEMA];

/** The fresh schema's default log (only create-log and serve create logs), then its key. */
async function createApiKey() {
  await run(process.execPath, [CLI, 'create-log', ...dbArgs]);
  const { stdout } = await run(process.execPath, [
    CLI,
    'api-key',
    'create',
    ...dbArgs,
    '--tenant',
    'default',
    '--scope',
    'records:write',
  ]);
  const key = stdout.split('\n').find((l) => l.startsWith('pl_'));
  if (!key) throw new Error(`no API key in: ${stdout}`);
  return key.trim();
}

async function startNode(i) {
  const port = await freePort();
  const node = startProcess(process.execPath, [
    CLI,
    'serve',
    ...dbArgs,
    '--port',
    String(port),
    '--rate-limit',
    '0',
    '--checkpoint-interval',
    String(CFG.checkpointIntervalMs),
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`);
  } catch (err) {
    await node.stop();
    throw new Error(`${err.message}\n${node.output()}`);
  }
  cleanups.push(() => node.stop());
  log(`node ${i}: ${url} (pid ${node.pid})`);
  return { ...node, url };
}

async function sequencedSize() {
  return (await logTotals()).size;
}

/** Entries sequenced and commits made, over every log of the schema. */
async function logTotals() {
  const { rows } = await admin.query(
    `SELECT coalesce(sum(sequenced_size), 0)::bigint AS n, coalesce(sum(commits), 0)::bigint AS c FROM ${S}.logs`,
  );
  return { size: Number(rows[0].n), commits: Number(rows[0].c) };
}

/** Waits until the log stops growing: no run pays for the backlog of the one before. */
async function drain() {
  const deadline = Date.now() + 60_000;
  let last = -1;
  while (Date.now() < deadline) {
    const n = await sequencedSize();
    if (n === last) return;
    last = n;
    await sleep(200);
  }
}

/**
 * One measured Proofline run: one load process per node, `connections[i]` connections on
 * node i, all started together; records/s from the 2xx responses of all of them.
 */
async function attest(nodes, kind, connections, apiKey, duration = CFG.duration) {
  const perRecord = kind === 'batch' ? 1000 : 1;
  await settle(nodes.map((n) => n.pid));
  const before = await logTotals();
  const sampler = sampleWaits('nodes');
  const cpu = meter(nodes.map((n) => n.pid));
  const loads = await Promise.all(
    nodes.map((n, i) =>
      runJson('load.mjs', {
        url: n.url,
        path: kind === 'batch' ? '/v1/records/batch' : '/v1/records',
        kind,
        apiKey,
        connections: connections[i],
        // A batch request takes long: a fixed number of requests per connection, all
        // awaited, instead of a time window that would cut off the ones in flight.
        ...(kind === 'batch'
          ? {
              distinct: 4,
              amount:
                connections[i] * Math.max(1, Math.round(duration * CFG.batchPerConnPerSecond)),
            }
          : { duration }),
      }),
    ),
  );
  const cores = cpu();
  const waits = await sampler.stop();
  const seconds = Math.max(...loads.map((l) => l.seconds));
  cores.loadgen = loads.reduce((s, l) => s + l.loadgenCpuSeconds, 0) / seconds;
  await drain();
  const after = await logTotals();
  // Latency percentiles over all nodes: weighted by each process's count is not possible
  // from percentiles; with equal connections per node, report the median process's values
  // for p50 and the largest p99 (conservative).
  const ok = loads.reduce((s, l) => s + l.ok, 0);
  const r = {
    kind,
    nodes: nodes.length,
    connections,
    seconds,
    recordsPerSecond:
      kind === 'batch'
        ? (loads.reduce((s, l) => s + l.ok, 0) * perRecord) / seconds
        : loads.reduce((s, l) => s + l.rps, 0),
    ok,
    non2xx: loads.reduce((s, l) => s + l.non2xx, 0),
    errors: loads.reduce((s, l) => s + l.errors + l.timeouts, 0),
    statusCounts: loads.map((l) => l.statusCounts),
    p50: loads.map((l) => l.latencyMs.p50).sort((a, b) => a - b)[Math.floor(loads.length / 2)],
    p99: Math.max(...loads.map((l) => l.latencyMs.p99)),
    recordsSequenced: after.size - before.size,
    commits: after.commits - before.commits,
    cores,
    waits,
  };
  return r;
}

// ---- the database's own limits ------------------------------------------------------------------

/** Entry bytes as the Proofline run stored them (the limit inserts the same rows). */
async function samplePayloads(n) {
  const { rows } = await admin.query(`SELECT data FROM ${S}.entries ORDER BY idx DESC LIMIT $1`, [
    n,
  ]);
  if (rows.length === 0) throw new Error('no entries to copy');
  const out = [];
  for (let i = 0; i < n; i++) out.push(rows[i % rows.length].data);
  return out;
}

/** Packs entries as the driver does: one bytea plus 1-based starts and lengths. */
function pack(entries) {
  const starts = [];
  const lengths = [];
  let pos = 1;
  for (const e of entries) {
    starts.push(pos);
    lengths.push(e.length);
    pos += e.length;
  }
  return { data: Buffer.concat(entries), starts, lengths };
}

let nextIdx = 0;

/** 1000-row transactions into `limit_batch` from `connections` connections, for `duration` s. */
async function limitBatch(payloads, connections, duration = CFG.duration) {
  const packed = pack(payloads);
  const pool = new pg.Pool({
    connectionString: DB,
    max: connections,
    application_name: `${APP}-limit-batch`,
  });
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  await settle();
  const sampler = sampleWaits('limit');
  const cpu = meter();
  const t0 = performance.now();
  const end = t0 + duration * 1000;
  let rows = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const first = nextIdx;
        nextIdx += payloads.length;
        await c.query('BEGIN');
        await c.query(
          `INSERT INTO ${S}.limit_batch (log_id, idx, data)
           SELECT 1, $1::bigint + u.o - 1, substring($2::bytea FROM u.p FOR u.n)
           FROM unnest($3::int4[], $4::int4[]) WITH ORDINALITY AS u(p, n, o)`,
          [first, packed.data, packed.starts, packed.lengths],
        );
        await c.query('COMMIT');
        rows += payloads.length;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cores = cpu();
  const waits = await sampler.stop();
  for (const c of clients) c.release();
  await pool.end();
  return {
    rowsPerSecond: rows / seconds,
    connections,
    seconds,
    cores,
    waits,
  };
}

const PGBENCH = (() => {
  try {
    return execFileSync('which', ['pgbench'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** Single-row INSERTs, a commit per row, from `connections` connections (pgbench or pg). */
async function limitSingle(payload, connections, duration = CFG.duration) {
  const hex = payload.toString('hex');
  await settle();
  const sampler = sampleWaits('limit');
  let rowsPerSecond;
  let tool;
  let cores;
  if (PGBENCH) {
    tool = 'pgbench';
    const script = join(TMP, 'insert.sql');
    writeFileSync(
      script,
      `INSERT INTO ${S}.limit_single (log_id, idx, data) ` +
        `VALUES (1, nextval('${S}.limit_seq'), '\\x${hex}'::bytea);\n`,
    );
    const bench = startProcess(
      PGBENCH,
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(connections),
        '-j',
        '2',
        '-T',
        String(Math.ceil(duration)),
        '-f',
        script,
        DB,
      ],
      { env: { PGAPPNAME: `${APP}-limit-single` } },
    );
    // CPU over the run, read just before pgbench ends (its backends exit with it).
    const cpu = meter([], () => [bench.pid]);
    await sleep(Math.ceil(duration) * 1000 - 300);
    cores = cpu();
    const { code } = await bench.exited;
    const stdout = bench.output();
    if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${stdout}`);
    const m = stdout.match(/tps = ([\d.]+) \(without initial connection time\)/);
    if (!m) throw new Error(`no tps in pgbench output:\n${stdout}`);
    rowsPerSecond = Number(m[1]);
  } else {
    tool = 'pg';
    const pool = new pg.Pool({
      connectionString: DB,
      max: connections,
      application_name: `${APP}-limit-single`,
    });
    const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
    const cpu = meter();
    const start = performance.now();
    const end = start + duration * 1000;
    let rows = 0;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          await c.query(
            `INSERT INTO ${S}.limit_single (log_id, idx, data) VALUES (1, nextval('${S}.limit_seq'), $1)`,
            [payload],
          );
          rows++;
        }
      }),
    );
    rowsPerSecond = rows / ((performance.now() - start) / 1000);
    cores = cpu();
    for (const c of clients) c.release();
    await pool.end();
  }
  const waits = await sampler.stop();
  return {
    rowsPerSecond,
    connections,
    tool,
    cores,
    waits,
  };
}

// ---- reporting ------------------------------------------------------------------------------------

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const range = (s, f = int) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');

function topWaits(w, n = 4) {
  const total = Object.values(w.counts ?? {}).reduce((a, b) => a + b, 0);
  if (!total) return '–';
  return Object.entries(w.counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${Math.round((100 * v) / total)}%`)
    .join(', ');
}

function meanOf(list, f) {
  return list.reduce((s, x) => s + f(x), 0) / list.length;
}

function report() {
  const R = results;
  const lim = {
    batch1: summary(R.limitBatch1.map((x) => x.rowsPerSecond)),
    batchN: summary(R.limitBatchN.map((x) => x.rowsPerSecond)),
    single: summary(R.limitSingle.map((x) => x.rowsPerSecond)),
  };
  const fig = (list) => ({
    rps: summary(list.map((x) => x.recordsPerSecond)),
    p50: summary(list.map((x) => x.p50)),
    p99: summary(list.map((x) => x.p99)),
  });
  const s1 = fig(R.single1);
  const s3 = fig(R.single3);
  const b1 = fig(R.batch1);
  const b3 = fig(R.batch3);
  const c2 = (list, k) => meanOf(list, (x) => x.cores[k] ?? NaN).toFixed(2);
  const cores = (list) =>
    (list[0].cores.loadgen !== undefined
      ? `nodes ${c2(list, 'nodes')}, PostgreSQL ${c2(list, 'postgres')}, load generator ${c2(list, 'loadgen')}`
      : `PostgreSQL ${c2(list, 'postgres')}, client ${c2(list, 'bench')}`) +
    `, whole machine ${c2(list, 'machine')}, of which outside the benchmark ${c2(list, 'other')}`;
  const perCommit = (list) =>
    (
      list.reduce((n, x) => n + x.recordsSequenced, 0) / list.reduce((n, x) => n + x.commits, 0)
    ).toFixed(1);
  const waitsOf = (list) => topWaits(list.reduce((acc, x) => mergeWaits(acc, x.waits), {}));

  const rows = [
    [
      `single attest, 1 node, ${CFG.singleConnections} conn`,
      range(s1.rps),
      range(s1.p50, ms),
      range(s1.p99, ms),
      `single-row INSERT+COMMIT, ${CFG.limitSingleConnections} conn`,
      ratio(s1.rps.median, lim.single.median),
    ],
    [
      `single attest, 3 nodes, ${CFG.singleConnections} conn (${split(CFG.singleConnections).join('/')})`,
      range(s3.rps),
      range(s3.p50, ms),
      range(s3.p99, ms),
      `single-row INSERT+COMMIT, ${CFG.limitSingleConnections} conn`,
      ratio(s3.rps.median, lim.single.median),
    ],
    [
      `batch attest (1000/req), 1 node, ${CFG.batchConnections} conn`,
      range(b1.rps),
      range(b1.p50, ms),
      range(b1.p99, ms),
      `1000-row txn, ${CFG.limitBatchConnections} conn (1 conn)`,
      `${ratio(b1.rps.median, lim.batchN.median)} (${ratio(b1.rps.median, lim.batch1.median)})`,
    ],
    [
      `batch attest (1000/req), 3 nodes, ${CFG.batchConnections} conn (${split(CFG.batchConnections).join('/')})`,
      range(b3.rps),
      range(b3.p50, ms),
      range(b3.p99, ms),
      `1000-row txn, ${CFG.limitBatchConnections} conn (1 conn)`,
      `${ratio(b3.rps.median, lim.batchN.median)} (${ratio(b3.rps.median, lim.batch1.median)})`,
    ],
    [
      `limit: single-row INSERT+COMMIT, ${CFG.limitSingleConnections} conn (${R.limitSingle[0].tool})`,
      range(lim.single),
      '',
      '',
      '',
      '',
    ],
    [`limit: 1000-row txn, ${CFG.limitBatchConnections} conn`, range(lim.batchN), '', '', '', ''],
    [`limit: 1000-row txn, 1 conn (serial)`, range(lim.batch1), '', '', '', ''],
  ];
  const head = ['figure', 'records/s (rows/s)', 'p50 ms', 'p99 ms', 'limit', 'ratio to limit'];

  // plain-text table
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  const text = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const notes = [
    `CPU (mean cores busy over the runs, of ${cpus().length}; "outside" = other processes on the shared machine):`,
    `  single 1 node: ${cores(R.single1)}`,
    `  single 3 nodes: ${cores(R.single3)}`,
    `  batch 1 node: ${cores(R.batch1)}`,
    `  batch 3 nodes: ${cores(R.batch3)}`,
    `  limit single-row: ${cores(R.limitSingle)}`,
    `  limit batch ${CFG.limitBatchConnections} conn: ${cores(R.limitBatchN)}`,
    `  limit batch 1 conn: ${cores(R.limitBatch1)}`,
    `records per commit (entries sequenced ÷ commits made, over the runs): single 1 node ${perCommit(R.single1)}, 3 nodes ${perCommit(R.single3)}; batch 1 node ${perCommit(R.batch1)}, 3 nodes ${perCommit(R.batch3)}`,
    `pg_stat_activity, non-idle backends of the run (share of samples every 100 ms):`,
    `  single 1 node: ${waitsOf(R.single1)}`,
    `  single 3 nodes: ${waitsOf(R.single3)}`,
    `  batch 1 node: ${waitsOf(R.batch1)}`,
    `  batch 3 nodes: ${waitsOf(R.batch3)}`,
    `  limit single-row: ${waitsOf(R.limitSingle)}`,
    `  limit batch ${CFG.limitBatchConnections} conn: ${waitsOf(R.limitBatchN)}`,
    `  limit batch 1 conn: ${waitsOf(R.limitBatch1)}`,
    `errors: non-2xx ${[...R.single1, ...R.single3, ...R.batch1, ...R.batch3].reduce((s, x) => s + x.non2xx, 0)}, socket errors/timeouts ${[...R.single1, ...R.single3, ...R.batch1, ...R.batch3].reduce((s, x) => s + x.errors, 0)}; entries check: ${R.check}`,
    `entry size ${R.entryBytes} B; ${CFG.runs} runs of ${CFG.duration} s per figure (after ${CFG.warmup} s warm-ups); ${R.machine}`,
  ];

  const md = [
    '| figure | records/s (rows/s), median (min–max) | p50 ms | p99 ms | limit measured in the same run | ratio to limit |',
    '| --- | ---: | ---: | ---: | --- | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...notes.map((n) => (n.startsWith('  ') ? `- ${n.trim()}` : `\n${n}\n`)),
  ];
  return { text: [...text, '', ...notes].join('\n'), md: md.join('\n') };
}

/** `total` connections split over three nodes as evenly as possible. */
function split(total, n = 3) {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

// ---- the suite ------------------------------------------------------------------------------------

async function main() {
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  await admin.connect();
  const { rows: v } = await admin.query('SHOW server_version');
  const settings = {};
  for (const name of [
    'synchronous_commit',
    'fsync',
    'wal_sync_method',
    'shared_buffers',
    'max_connections',
  ]) {
    settings[name] = (await admin.query(`SHOW ${name}`)).rows[0][name];
  }
  results.machine = `${cpus().length} cores (${cpuModel}), ${Math.round(totalmem() / 2 ** 30)} GiB, PostgreSQL ${v[0].server_version} on the same machine (${Object.entries(
    settings,
  )
    .map(([k, x]) => `${k}=${x}`)
    .join(', ')}), Node ${process.version}`;
  log(results.machine);
  log(`schema ${SCHEMA}`);
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
    log(`dropped schema ${SCHEMA}`);
  });

  const apiKey = await createApiKey();
  const nodes = [await startNode(1)];
  await admin.query(
    `CREATE TABLE ${S}.limit_batch (log_id bigint NOT NULL, idx bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (log_id, idx))`,
  );
  await admin.query(
    `CREATE TABLE ${S}.limit_single (log_id bigint NOT NULL, idx bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (log_id, idx))`,
  );
  await admin.query(`CREATE SEQUENCE ${S}.limit_seq`);

  const res = await fetch(`${nodes[0].url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: '{"type":"bench.event","digest":"sha256:' + randomBytes(32).toString('hex') + '"}',
  });
  if (res.status !== 201) throw new Error(`attest failed: ${res.status} ${await res.text()}`);

  log('warm-up (1 node)');
  await attest(nodes, 'single', [CFG.singleConnections], apiKey, CFG.warmup);
  await attest(nodes, 'batch', [CFG.batchConnections], apiKey, CFG.warmup);
  const payloads = await samplePayloads(1000);
  results.entryBytes = Math.round(payloads.reduce((s, p) => s + p.length, 0) / payloads.length);
  log(`entries of ${results.entryBytes} B on average; limits insert the same bytes`);
  await limitBatch(payloads, CFG.limitBatchConnections, CFG.warmup);

  results.single1 = [];
  results.batch1 = [];
  results.limitBatch1 = [];
  results.limitBatchN = [];
  results.limitSingle = [];
  for (let i = 0; i < CFG.runs; i++) {
    const ls = await limitSingle(payloads[0], CFG.limitSingleConnections);
    results.limitSingle.push(ls);
    const lb = await limitBatch(payloads, CFG.limitBatchConnections);
    results.limitBatchN.push(lb);
    const l1 = await limitBatch(payloads, 1);
    results.limitBatch1.push(l1);
    const s = await attest(nodes, 'single', [CFG.singleConnections], apiKey);
    results.single1.push(s);
    const b = await attest(nodes, 'batch', [CFG.batchConnections], apiKey);
    results.batch1.push(b);
    log(
      `run ${i + 1}: limit single ${int(ls.rowsPerSecond)}/s, batch ${int(lb.rowsPerSecond)}/s (1 conn ${int(l1.rowsPerSecond)}/s); ` +
        `1 node single ${int(s.recordsPerSecond)}/s p50 ${ms(s.p50)} p99 ${ms(s.p99)}, batch ${int(b.recordsPerSecond)}/s`,
    );
  }

  nodes.push(await startNode(2), await startNode(3));
  log('warm-up (3 nodes)');
  await attest(nodes, 'single', split(CFG.singleConnections), apiKey, CFG.warmup);
  results.single3 = [];
  results.batch3 = [];
  for (let i = 0; i < CFG.runs; i++) {
    const s = await attest(nodes, 'single', split(CFG.singleConnections), apiKey);
    results.single3.push(s);
    const b = await attest(nodes, 'batch', split(CFG.batchConnections), apiKey);
    results.batch3.push(b);
    log(
      `run ${i + 1}: 3 nodes single ${int(s.recordsPerSecond)}/s p50 ${ms(s.p50)} p99 ${ms(s.p99)}, batch ${int(b.recordsPerSecond)}/s`,
    );
  }

  // Every acknowledged record is in the log, at consecutive indices.
  const { rows: c } = await admin.query(
    `SELECT (SELECT count(*) FROM ${S}.entries)::bigint AS n, (SELECT max(idx) + 1 FROM ${S}.entries)::bigint AS top, (SELECT sum(sequenced_size) FROM ${S}.logs)::bigint AS size`,
  );
  const okAll = c[0].n === c[0].top && c[0].n === c[0].size;
  results.check = `${int(Number(c[0].n))} entries, indices 0..${int(Number(c[0].top) - 1)}, sequenced_size ${int(Number(c[0].size))}${okAll ? ' (gap-free)' : ' (MISMATCH)'}`;
  if (!okAll) throw new Error(`entries check failed: ${results.check}`);

  const { text, md } = report();
  console.log(text);
  if (args.md) writeFileSync(args.md, md + '\n');
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
}

const t0 = performance.now();
try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      log(`cleanup: ${err.message}`);
    }
  }
  await admin.end().catch(() => {});
  rmSync(TMP, { recursive: true, force: true });
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
