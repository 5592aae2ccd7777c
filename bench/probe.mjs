/* global process, console, fetch, performance, setTimeout */
/**
 * Receipt → proof as a client sees it, while another process loads the server. Every
 * `intervalMs` it attests one statement (open loop) and notes when the receipt arrived and
 * its index; meanwhile it polls the log's checkpoint every `pollMs` and notes when each new
 * size first became visible. A record's latency is the first time a checkpoint with
 * size > index was seen, minus the time its receipt arrived (0 if the checkpoint was already
 * visible). Resolution: pollMs plus one checkpoint GET under load.
 *
 *   node bench/probe.mjs '{"url":"http://127.0.0.1:8080","apiKey":"pl_...","duration":5}'
 */
import { quantile, statements } from './lib.mjs';

const o = JSON.parse(process.argv[2]);
const intervalMs = o.intervalMs ?? 10;
const pollMs = o.pollMs ?? 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const seen = []; // { t, size } in increasing size
let polling = true;
const poller = (async () => {
  let last = -1;
  while (polling) {
    try {
      const res = await fetch(`${o.url}/logs/${o.log ?? 'default'}/checkpoint`);
      const text = await res.text();
      const t = performance.now();
      if (res.ok) {
        const size = Number(text.split('\n')[1]);
        if (size > last) {
          seen.push({ t, size });
          last = size;
        }
      }
    } catch {
      // retried on the next poll
    }
    await sleep(pollMs);
  }
})();

const receipts = []; // { t, index }
let failures = 0;
const inflight = new Set();
const bodies = statements(Math.ceil((o.duration * 1000) / intervalMs) + 10);
const end = performance.now() + o.duration * 1000;
let i = 0;
while (performance.now() < end) {
  const body = bodies[i++ % bodies.length];
  const p = fetch(`${o.url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` },
    body,
  })
    .then(async (res) => {
      const t = performance.now();
      const json = await res.json();
      if (res.status === 201) receipts.push({ t, index: json.index });
      else failures++;
    })
    .catch(() => failures++)
    .finally(() => inflight.delete(p));
  inflight.add(p);
  await sleep(intervalMs);
}
await Promise.all(inflight);
const maxIndex = Math.max(-1, ...receipts.map((r) => r.index));
const deadline = performance.now() + 10_000;
while ((seen.at(-1)?.size ?? 0) <= maxIndex && performance.now() < deadline) await sleep(pollMs);
polling = false;
await poller;

const latencies = [];
let uncovered = 0;
for (const r of receipts) {
  const cover = seen.find((s) => s.size > r.index);
  if (!cover) uncovered++;
  else latencies.push(Math.max(0, cover.t - r.t));
}
console.log(
  JSON.stringify({
    n: latencies.length,
    uncovered,
    failures,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.length ? Math.max(...latencies) : NaN,
  }),
);
