/* global process, console */
/**
 * Server CPU per GET of two builds, interleaved finely: both serve a copy of DIR's log at the
 * same time; the load (bench/load.mjs, 64 connections) alternates between them every SLICE
 * seconds, ROUNDS times (the order reversed every round), and each build's CPU (user + sys,
 * /proc) and 2xx responses are summed over its slices. On a shared machine the load of other
 * processes changes over seconds to minutes: this way it falls on both builds alike, which
 * A/B/A/B runs of a minute each do not manage. Not part of `npm run bench`.
 *
 *   node bench/interleave.mjs DIR PATH MAXID ROOT_A ROOT_B [--slice S] [--rounds N]
 *
 * PATH is the GET path with `{id}` for a random integer in [0, MAXID), e.g.
 * '/v1/records/default-{id}/proof' over a log of bench/proof-serving.mjs `build`; MAXID 2000
 * keeps every bundle text cached (the HTTP floor). On a loaded machine the build listed
 * first can come out cheaper whatever it is (up to 30 % at load 7 on 2 cores): run both orders
 * and take the geometric mean of the two ratios, and ROOT_A = ROOT_B for the spread of the day.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, freePort, runJson, startProcess, waitForHttp } from './lib.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    slice: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '12' },
  },
});
const [dir, path, maxId, ...roots] = positionals;
const tmp = mkdtempSync(join(resolve(dir), '..', 'interleave-'));
const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

const servers = [];
for (const [i, root] of roots.entries()) {
  const data = join(tmp, `data-${i}`);
  cpSync(dir, data, { recursive: true });
  const port = await freePort();
  const server = startProcess(process.execPath, [
    resolve(root, 'packages/cli/bin/proofline.js'),
    ...['serve', '--data', data, '--port', String(port), '--rate-limit', '0'],
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`);
  servers.push({ root, url, server, cpu: 0, ok: 0 });
}
const load = (s, duration) =>
  runJson('load.mjs', {
    kind: 'get',
    maxId: Number(maxId),
    path,
    url: s.url,
    connections: 64,
    duration,
  });
for (const s of servers) await load(s, 3); // warm-up
const loads = [];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const s of round % 2 ? [...servers].reverse() : servers) {
    const before = cpuSeconds(s.server.pid);
    const r = await load(s, Number(values.slice));
    const cpu = cpuSeconds(s.server.pid) - before;
    s.cpu += cpu;
    s.ok += r.ok;
    if (r.non2xx) console.log(`${s.root}: ${r.non2xx} non-2xx responses`);
  }
  loads.push(load1());
}
for (const s of servers) {
  const perRequest = (s.cpu * 1e6) / s.ok;
  console.log(JSON.stringify({ root: s.root, requests: s.ok, cpuUs: +perRequest.toFixed(1) }));
  await s.server.stop();
}
const [a, b] = servers;
console.log(
  JSON.stringify({
    ratio: +(b.cpu / b.ok / (a.cpu / a.ok)).toFixed(3),
    loadAverage: [Math.min(...loads), Math.max(...loads)],
  }),
);
rmSync(tmp, { recursive: true, force: true });
