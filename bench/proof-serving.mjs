/* global process, console, fetch, setTimeout */
/**
 * Proof serving on a log of the full benchmark's shape (many small commits), A/B between
 * builds. Not part of `npm run bench`.
 *
 *   node bench/proof-serving.mjs build DIR [SECONDS]     a log: single attests at 64 and 1
 *                                                         connections, then batches of 1000
 *   node bench/proof-serving.mjs serve DIR ROOT... [--runs N] [--duration S] [--cpu-prof D]
 *   node bench/proof-serving.mjs bundles DIR ROOT... [--runs N] [--requests N]
 *   node bench/proof-serving.mjs live TMPDIR ROOT... [--runs N] [--duration S] [--seconds S]
 *
 * `serve` copies DIR for each run, serves the copy with each ROOT's build in turn (A/B/A/B:
 * ROOT is a checkout with packages/*\/dist and node_modules), drives
 * GET /v1/records/default-{random}/proof at 64 connections (after a warm-up as long as the
 * run), and beside it a bare fastify GET of the same reply size; prints requests/s, p99 and
 * server CPU µs per request (user+sys ÷ 2xx responses) for each.
 *
 * `bundles` is the same comparison without HTTP, steadier on a shared machine: in a fresh
 * process per ROOT and run, ProofBundles.json with Receipts.creation over DIR's database
 * (read-only use), random ids: CPU µs per bundle over the first N (cold caches), then over N
 * more after N warm ones.
 *
 * `live` is the full benchmark's shape, which `serve` (a fresh process, warmed up) does not
 * show: per ROOT and run (A/B/A/B), a new log under DIR built by that ROOT's server (as
 * `build`, for --seconds), then from the same process, without a warm-up, three proof runs of
 * --duration (as `npm run bench` runs them): per run requests/s, p50, p99 and the server's CPU
 * µs per request, all threads and the main thread alone (the rest: the collector's and the
 * compiler's threads, SQLite's).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLI,
  ROOT,
  cpuSeconds,
  freePort,
  log,
  run,
  runJson,
  startProcess,
  waitForHttp,
} from './lib.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '2' },
    duration: { type: 'string', default: '8' },
    'cpu-prof': { type: 'string' },
    // Random ids among the first N records only (N small: every bundle text cached, the floor).
    ids: { type: 'string' },
    requests: { type: 'string', default: '5000' },
    // live: how long the log is built for (the single-attest run at 64 connections).
    seconds: { type: 'string', default: '30' },
  },
});
const [mode, dir, ...rest] = positionals;

async function serve(root, data, nodeArgs = []) {
  const port = await freePort();
  const server = startProcess(process.execPath, [
    ...nodeArgs,
    resolve(root, 'packages/cli/bin/proofline.js'),
    ...['serve', '--data', data, '--port', String(port), '--rate-limit', '0'],
    ...['--checkpoint-interval', '500', '--checkpoint-min-interval', '100'],
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`);
  return { ...server, url };
}

async function checkpointSize(url) {
  const res = await fetch(`${url}/logs/default/checkpoint`);
  return res.ok ? Number((await res.text()).split('\n')[1]) : 0;
}

/** One load run against `pid`: its report plus the server's CPU µs per 2xx response. */
async function measure(pid, options) {
  const before = cpuSeconds(pid);
  const r = await runJson('load.mjs', { connections: 64, ...options });
  return { ...r, cpuUs: ((cpuSeconds(pid) - before) * 1e6) / r.ok };
}

/** A new public log in `data` and an API key that may attest to it and read it. */
async function createLog(data) {
  await run(process.execPath, [CLI, 'create-log', '--data', data, '--visibility', 'public']);
  const { stdout } = await run(process.execPath, [
    ...[CLI, 'api-key', 'create', '--data', data, '--tenant', 'default'],
    ...['--scope', 'records:write', '--scope', 'records:read'],
  ]);
  return stdout
    .split('\n')
    .find((l) => l.startsWith('pl_'))
    .trim();
}

/**
 * The log's records as the full benchmark attests them, through the server at `url`: single
 * attests at 64 and 1 connections, then 40 batches of 1000; resolves once they are checkpointed.
 */
async function attest(url, apiKey, seconds) {
  const attest = { url, apiKey, path: '/v1/records' };
  for (const [kind, connections, duration] of [
    ['single', 64, seconds],
    ['single', 1, Math.ceil(seconds / 4)],
  ]) {
    const r = await runJson('load.mjs', { ...attest, kind, connections, duration });
    log(`${kind} ${connections} conn: ${r.ok} records`);
  }
  await runJson('load.mjs', {
    ...attest,
    path: '/v1/records/batch',
    kind: 'batch',
    accept: 'application/vnd.proofline.batch.v2+json',
    connections: 4,
    amount: 40,
  });
  await new Promise((r) => setTimeout(r, 3000));
  const size = await checkpointSize(url);
  log(`log of ${size} records checkpointed`);
  return size;
}

async function build(seconds) {
  const apiKey = await createLog(dir);
  const pl = await serve(ROOT, dir);
  await attest(pl.url, apiKey, seconds);
  await pl.stop();
}

/** CPU seconds (user + system) of the main thread of process `pid`. */
function mainThreadCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function live(roots) {
  const duration = Number(values.duration);
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, 'live-'));
  for (let i = 0; i < Number(values.runs); i++) {
    for (const [j, root] of roots.entries()) {
      const data = join(tmp, `data-${i}-${j}`);
      const apiKey = await createLog(data);
      const pl = await serve(root, data);
      const maxId = await attest(pl.url, apiKey, Number(values.seconds));
      const get = { kind: 'get', maxId, path: '/v1/records/default-{id}/proof', url: pl.url };
      for (let k = 1; k <= 3; k++) {
        const [cpu, main] = [cpuSeconds(pl.pid), mainThreadCpuSeconds(pl.pid)];
        const r = await runJson('load.mjs', { ...get, connections: 64, duration });
        const us = (seconds) => Math.round((seconds * 1e6) / r.ok);
        const line = {
          run: i + 1,
          proofRun: k,
          root,
          records: maxId,
          rps: Math.round(r.rps),
          p50Ms: r.latencyMs.p50,
          p99Ms: r.latencyMs.p99,
          cpuUs: us(cpuSeconds(pl.pid) - cpu),
          mainThreadCpuUs: us(mainThreadCpuSeconds(pl.pid) - main),
          non2xx: r.non2xx,
        };
        console.log(JSON.stringify(line));
      }
      await pl.stop();
      rmSync(data, { recursive: true, force: true });
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

async function compare(roots) {
  const duration = Number(values.duration);
  const tmp = mkdtempSync(join(dir, '..', 'proof-serving-'));
  const results = [];
  for (let i = 0; i < Number(values.runs); i++) {
    for (const [j, root] of roots.entries()) {
      const data = join(tmp, `data-${i}-${j}`);
      cpSync(dir, data, { recursive: true });
      const prof = values['cpu-prof'] && [
        '--cpu-prof',
        '--cpu-prof-dir',
        join(values['cpu-prof'], `${i}-${j}`),
      ];
      const pl = await serve(root, data, prof || []);
      const maxId = Number(values.ids ?? (await checkpointSize(pl.url)));
      const bundleBytes = (
        await (await fetch(`${pl.url}/v1/records/default-0/proof`)).arrayBuffer()
      ).byteLength;
      const get = { kind: 'get', maxId, path: '/v1/records/default-{id}/proof', url: pl.url };
      await runJson('load.mjs', { ...get, connections: 64, duration });
      const p = await measure(pl.pid, { ...get, duration });
      await pl.stop();
      rmSync(data, { recursive: true, force: true });
      const port = await freePort();
      const bare = startProcess(process.execPath, [
        join(ROOT, 'bench/bare-server.mjs'),
        JSON.stringify({
          port,
          postReplyBytes: 100,
          batchReplyBytes: 100,
          getReplyBytes: bundleBytes,
        }),
      ]);
      const bareUrl = `http://127.0.0.1:${port}`;
      await waitForHttp(`${bareUrl}/bare/0`);
      const b = await measure(bare.pid, {
        kind: 'get',
        maxId,
        path: '/bare/{id}',
        url: bareUrl,
        duration,
      });
      await bare.stop();
      const line = {
        run: i + 1,
        root,
        records: maxId,
        bundleBytes,
        rps: Math.round(p.rps),
        p99Ms: p.latencyMs.p99,
        cpuUs: Math.round(p.cpuUs),
        non2xx: p.non2xx,
        bareRps: Math.round(b.rps),
        bareCpuUs: Math.round(b.cpuUs),
        ratio: +(p.rps / b.rps).toFixed(2),
      };
      results.push(line);
      console.log(JSON.stringify(line));
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

/** In this process: CPU µs per bundle text of `root`'s build over `dir`'s log. */
async function bundlesChild(root) {
  const dist = (p) => resolve(root, 'packages', p);
  const { SqliteStorage } = await import(dist('storage-sqlite/dist/src/index.js'));
  const { ProofBundles } = await import(dist('server/dist/src/records/bundles.js'));
  const { Receipts } = await import(dist('server/dist/src/records/receipts.js'));
  const storage = new SqliteStorage(join(dir, 'proofline.db'));
  const config = (await storage.listLogs()).find((l) => l.name === 'default');
  const bundles = new ProofBundles(storage);
  // Builds before the shared tile cache take two arguments (the third is ignored).
  const receipts = new Receipts(storage, 'http://bench', (l) => bundles.tileCache(l));
  const size = (await storage.latestCheckpoint('default')).size;
  const n = Number(values.requests);
  const cpuUs = async () => {
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const x = Math.floor(Math.random() * size);
      await bundles.json(config, `default-${x}`, x, (j) => receipts.creation({ config }, j));
    }
    const used = process.cpuUsage(before);
    return Math.round((used.user + used.system) / n);
  };
  const cold = await cpuUs();
  await cpuUs();
  console.log(JSON.stringify({ root, records: size, coldCpuUs: cold, warmCpuUs: await cpuUs() }));
  process.exit(0);
}

async function bundlesCompare(roots) {
  for (let i = 0; i < Number(values.runs); i++) {
    for (const root of roots) {
      const args = ['bundles-child', dir, root, '--requests', values.requests];
      const { stdout } = await run(process.execPath, [
        join(ROOT, 'bench/proof-serving.mjs'),
        ...args,
      ]);
      console.log(stdout.trim());
    }
  }
}

if (mode === 'build') await build(Number(rest[0] ?? 20));
else if (mode === 'serve') await compare(rest.length > 0 ? rest : [ROOT]);
else if (mode === 'bundles') await bundlesCompare(rest.length > 0 ? rest : [ROOT]);
else if (mode === 'bundles-child') await bundlesChild(rest[0]);
else if (mode === 'live') await live(rest.length > 0 ? rest : [ROOT]);
else
  throw new Error('usage: proof-serving.mjs build DIR [SECONDS] | serve|bundles|live DIR ROOT...');
