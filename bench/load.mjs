/* global process, console, performance */
/**
 * The load generator, in its own process: one wrk run (bench/load-wrk.mjs) when `wrk` is on
 * the PATH (scripts/bench-deps.sh installs it) and the run lasts "duration", otherwise one
 * autocannon run. Prints one JSON line: 2xx responses per second, latency percentiles (ms,
 * sub-ms resolution), status counts, the generator used and its CPU time.
 *
 *   node bench/load.mjs '{"url":"http://127.0.0.1:8080","kind":"single","path":"/v1/records",
 *                         "connections":64,"duration":5,"apiKey":"pl_..."}'
 *
 * kinds: single (POST one statement), batch (POST {"records":[1000 statements]}),
 *        get (GET path with "{id}" replaced by a random integer in [0, maxId)).
 * "accept": the Accept header (the batch runs ask for the compact batch answer).
 * With "amount", the run sends that many requests (and waits for all) instead of lasting
 * "duration" seconds.
 */
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { runWrk } from './load-wrk.mjs';
import { quantileSorted, statements } from './lib.mjs';

const o = JSON.parse(process.argv[2]);

/** wrk when it is installed, unless the run counts requests (wrk only runs for a time). */
function useWrk() {
  if (o.amount || o.generator === 'autocannon') return false;
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk prints its version and exits 1; only a missing binary is ENOENT.
    return err.code !== 'ENOENT';
  }
  return true;
}

if (useWrk()) {
  const bodies =
    o.kind === 'single'
      ? statements(o.distinct ?? 4096)
      : o.kind === 'batch'
        ? Array.from({ length: o.distinct ?? 16 }, () => {
            return `{"records":[${statements(o.batchSize ?? 1000).join(',')}]}`;
          })
        : [];
  console.log(JSON.stringify(await runWrk(o, bodies)));
  process.exit(0);
}
const headers = { 'content-type': 'application/json' };
if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
if (o.accept) headers.accept = o.accept;

let requests;
if (o.kind === 'single') {
  // Distinct statements, built before the run; autocannon pre-serialises requests without
  // setupRequest, so the generator spends nothing per request on them. Every connection
  // builds its own copy of the list before the run starts (synchronously, ~20 µs each), so
  // keep it short: 4000 bodies x 64 connections stalled the generator for 5 s.
  requests = statements(o.distinct ?? 128).map((body) => ({
    method: 'POST',
    path: o.path,
    headers,
    body,
  }));
} else if (o.kind === 'batch') {
  const size = o.batchSize ?? 1000;
  requests = [];
  for (let i = 0; i < (o.distinct ?? 16); i++) {
    requests.push({
      method: 'POST',
      path: o.path,
      headers,
      body: `{"records":[${statements(size).join(',')}]}`,
    });
  }
} else if (o.kind === 'get') {
  const [before, after] = o.path.split('{id}');
  requests = [
    {
      method: 'GET',
      path: o.path.replace('{id}', '0'),
      headers: o.apiKey ? { authorization: headers.authorization } : {},
      setupRequest: (req) => {
        req.path = `${before}${Math.floor(Math.random() * o.maxId)}${after}`;
        return req;
      },
    },
  ];
} else {
  throw new Error(`unknown kind ${o.kind}`);
}

let latencies = new Float64Array(1 << 16);
let n = 0;
let started = 0;
let early = 0;
// When the last response came (performance.now(), Date.now()): an "amount" run ends there.
let lastResponse = 0;
let lastResponseEpoch = 0;
const statusCounts = {};
const instance = autocannon({
  url: o.url,
  connections: o.connections,
  ...(o.amount ? { amount: o.amount } : { duration: o.duration }),
  requests,
  timeout: 30,
  // autocannon checks for the end of a run once per sample interval (default 1 s).
  sampleInt: 100,
});
// autocannon builds every connection's requests synchronously, then emits 'start' and starts
// its duration timer: time the run (and count latencies) from 'start'. The first request of
// each connection may have been stamped before that build; such latencies are left out.
let cpuBefore = process.cpuUsage();
let startedAt = Date.now();
instance.on('start', () => {
  started = performance.now();
  startedAt = Date.now();
  cpuBefore = process.cpuUsage();
});
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
  lastResponse = performance.now();
  lastResponseEpoch = Date.now();
  if (performance.now() - responseTime < started) {
    if (statusCode >= 200 && statusCode < 300) early++;
    return;
  }
  if (statusCode >= 200 && statusCode < 300) {
    if (n === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[n++] = responseTime;
  }
});
const result = await instance;
// autocannon notices that an "amount" run is done only at its next sample tick (sampleInt,
// 100 ms): timed to that tick, a run of 0.4 s read up to 25 % slow. Such a run ends with
// its last response; a "duration" run lasts its duration.
const amountRun = Boolean(o.amount) && lastResponse > started;
const seconds = ((amountRun ? lastResponse : performance.now()) - started) / 1000;
const endedAt = amountRun ? lastResponseEpoch : Date.now();
const cpu = process.cpuUsage(cpuBefore);
const sorted = latencies.subarray(0, n).sort();
const ok = n + early;
console.log(
  JSON.stringify({
    kind: o.kind,
    connections: o.connections,
    generator: 'autocannon',
    seconds,
    autocannonSeconds: result.duration,
    early,
    startedAt,
    endedAt,
    ok,
    rps: ok / seconds,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    latencyMs: {
      p50: quantileSorted(sorted, 0.5),
      p99: quantileSorted(sorted, 0.99),
      mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, n),
      max: n ? sorted[n - 1] : NaN,
    },
    loadgenCpuSeconds: (cpu.user + cpu.system) / 1e6,
  }),
);
