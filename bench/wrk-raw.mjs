/* global process, console, URL */
/**
 * What wrk's latency percentiles are made of (issue 20). wrk 4 (the bench's generator) runs
 * `stats_correct` before it reports: for each latency n >= 2·i, with i = run time ÷ (responses
 * ÷ connections), it adds synthetic samples n−i, n−2i, … down to > i. One run of
 * `wrk -t1 -c C -d S` (as bench/load-wrk.mjs) at GET URL with {id} random in [0, MAXID), which
 * also logs every response's own latency (bench/wrk-trace.lua; the body must name the id, as
 * a proof bundle does); prints one JSON line: wrk's reported p99 and max, the p99 of the
 * responses themselves, and that p99 after wrk's correction recomputed from them (it matches
 * the reported one), with the synthetic sample count, the C slowest responses' latencies and
 * how many of them answer the run's first C requests (the first on each new connection).
 *
 *   node bench/wrk-raw.mjs http://127.0.0.1:8080/v1/records/default-{id}/proof 400000 [10] [64]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';
import { wrkCorrect, wrkInterval, wrkPercentile } from './wrk-stats.mjs';

const [url, maxId, seconds = '10', connections = '64'] = process.argv.slice(2);
const n = Number(connections);
const { origin, pathname } = new URL(url.replace('{id}', '__ID__'));
const path = decodeURI(pathname).replace('__ID__', '{id}');
const dir = mkdtempSync(join(tmpdir(), 'proofline-wrk-raw-'));
const file = join(dir, 'latencies');
const run = spawnSync(
  'wrk',
  [
    ...['-t', '1', '-c', connections, '-d', `${seconds}s`, '--timeout', '30s'],
    ...['-s', join(ROOT, 'bench/wrk-trace.lua'), origin, '--', path, maxId, file],
  ],
  { encoding: 'utf8' },
);
if (run.status !== 0) throw new Error(`wrk exited with ${run.status}: ${run.stderr}`);
const line = run.stdout.split('\n').find((l) => l.startsWith('WRK-REPORTED '));
const reported = JSON.parse(line.slice('WRK-REPORTED '.length));
const pairs = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(' ').map(Number));
rmSync(dir, { recursive: true, force: true });

const latencies = pairs.map(([sent, done]) => Math.round(done - sent));
const counts = new Map();
for (const v of latencies) counts.set(v, (counts.get(v) ?? 0) + 1);
const interval = wrkInterval(reported.durationUs, reported.requests, n);
const corrected = wrkCorrect(counts, interval);
const total = (c) => [...c.values()].reduce((a, b) => a + b, 0);
const ms = (us) => +(us / 1000).toFixed(2);
// The n slowest responses, and how many of them answer the run's first n requests (one per
// connection: wrk opens them all at the start).
const firstSent = [...pairs].sort((a, b) => a[0] - b[0])[n - 1]?.[0] ?? Infinity;
const slowestPairs = [...pairs].sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, n);
const slowest = slowestPairs.map(([sent, done]) => Math.round(done - sent));
console.log(
  JSON.stringify({
    requests: reported.requests,
    logged: latencies.length,
    intervalMs: ms(interval),
    reportedP99Ms: ms(reported.p99),
    reportedMaxMs: ms(reported.max),
    p99Ms: ms(wrkPercentile(counts, 99)),
    recomputedCorrectedP99Ms: ms(wrkPercentile(corrected, 99)),
    syntheticSamples: total(corrected) - latencies.length,
    slowestMs: { first: ms(slowest[0]), last: ms(slowest.at(-1)) },
    slowestOfFirstRequests: slowestPairs.filter(([sent]) => sent <= firstSent).length,
  }),
);
