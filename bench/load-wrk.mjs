/**
 * One wrk run (bench/wrk.lua) with the options of bench/load.mjs, reported in load.mjs's
 * JSON shape. wrk (C, epoll, one thread here) costs a fraction of autocannon's CPU, which
 * matters on a 2-core machine where the generator shares the cores with the server under
 * test. Latencies are wrk's (all responses; the run fails on any non-2xx anyway).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

/** CPU seconds (user + system) of the reaped children of this process (/proc/self/stat). */
function childrenCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Runs wrk for `o` (kind single|batch|get, url, path, connections, duration, apiKey, maxId)
 * with `bodies` (POST kinds); resolves with load.mjs's report.
 */
export async function runWrk(o, bodies) {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-wrk-'));
  try {
    const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections)];
    // wrk takes whole seconds only (a fraction is a usage error): a smoke run's 0.3 s is 1 s.
    const wholeSeconds = Math.max(1, Math.ceil(o.duration));
    args.push('-d', `${wholeSeconds}s`, '--timeout', '30s', '-s', join(ROOT, 'bench/wrk.lua'));
    args.push('-H', 'content-type: application/json');
    if (o.apiKey) args.push('-H', `authorization: Bearer ${o.apiKey}`);
    args.push(o.url, '--', o.kind, o.path);
    if (o.kind === 'get') {
      args.push(String(o.maxId));
    } else {
      const file = join(dir, 'bodies');
      writeFileSync(file, bodies.join('\n') + '\n');
      args.push(file);
    }
    const cpuBefore = childrenCpuSeconds();
    const startedAt = Date.now();
    const out = await new Promise((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk ${code}`))));
    });
    const endedAt = Date.now();
    const line = out.split('\n').find((l) => l.startsWith('WRK-RESULT '));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line.slice('WRK-RESULT '.length));
    const seconds = r.durationUs / 1e6;
    const ok = r.requests - r.status;
    return {
      kind: o.kind,
      connections: o.connections,
      generator: 'wrk',
      seconds,
      startedAt,
      endedAt,
      ok,
      rps: ok / seconds,
      non2xx: r.status,
      errors: r.connect + r.read + r.write,
      timeouts: r.timeout,
      statusCounts: { '2xx': ok, 'non-2xx': r.status },
      latencyMs: { p50: r.p50 / 1000, p99: r.p99 / 1000, mean: r.mean / 1000, max: r.max / 1000 },
      loadgenCpuSeconds: childrenCpuSeconds() - cpuBefore,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
