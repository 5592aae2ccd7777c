/* global process, console, setTimeout, clearTimeout, fetch, performance, Buffer */
/**
 * Helpers shared by the benchmark processes: statistics, child processes, statements.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = resolve(ROOT, 'packages/cli/bin/proofline.js');

// ---- statistics -------------------------------------------------------------------------

/** The q-quantile (0..1) of a sorted array, by linear interpolation. */
export function quantileSorted(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function quantile(values, q) {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

/** Median, min and max of the per-run values of one figure. */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN, runs: values.length, values };
  return {
    median: quantile(v, 0.5),
    min: Math.min(...v),
    max: Math.max(...v),
    runs: v.length,
    values,
  };
}

// ---- statements ---------------------------------------------------------------------------

/** A JSON statement as the issue specifies: {"type":"bench.event","digest":"sha256:<64 hex>"}. */
export function statementJson(digestHex = randomBytes(32).toString('hex')) {
  return `{"type":"bench.event","digest":"sha256:${digestHex}"}`;
}

/** `n` statements as JSON texts (distinct random digests). */
export function statements(n) {
  const hex = randomBytes(32 * n).toString('hex');
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = statementJson(hex.slice(i * 64, i * 64 + 64));
  return out;
}

// ---- processes ----------------------------------------------------------------------------

/** A free loopback TCP port. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers (any status) or `timeoutMs` passes. */
export async function waitForHttp(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} did not come up: ${err.message}`);
      await sleep(50);
    }
  }
}

/**
 * Runs a command to completion; resolves with stdout, stderr, exit code and wall time (ms).
 * Rejects on a non-zero exit unless `allowFail`.
 */
export function run(cmd, args, { input, env, cwd = ROOT, allowFail = false, stdin } = {}) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [stdin ?? (input === undefined ? 'ignore' : 'pipe'), 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result = {
        code,
        signal,
        ms: performance.now() - started,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (code !== 0 && !allowFail) {
        reject(
          new Error(
            `${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${result.stderr.slice(-2000)}`,
          ),
        );
      } else resolveRun(result);
    });
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

/** Runs a bench child script (node) that prints one JSON document on stdout. */
export async function runJson(script, options, nodeArgs = []) {
  const { stdout } = await run(process.execPath, [
    ...nodeArgs,
    resolve(ROOT, 'bench', script),
    JSON.stringify(options),
  ]);
  const last = stdout.trim().split('\n').pop();
  return JSON.parse(last);
}

/** Starts a long-running child; `stop()` sends SIGTERM and waits for its exit. */
export function startProcess(cmd, args, { env, log } = {}) {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const keep = (d) => {
    output.push(d);
    if (output.length > 200) output.shift();
    if (log) process.stderr.write(d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    pid: child.pid,
    output: () => Buffer.concat(output).toString('utf8'),
    exited,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** User + system CPU seconds of a live process (`self`: also its reaped children), or 0. */
export function cpuSeconds(pid, { withChildren = false } = {}) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of /proc/PID/stat (11-14 after the name)
    let ticks = Number(f[11]) + Number(f[12]);
    if (withChildren) ticks += Number(f[13]) + Number(f[14]);
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat, or NaN. */
export function machineBusySeconds() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Runs `fn` and measures how many cores processes outside the benchmark kept busy meanwhile:
 * the machine's busy CPU time minus that of this process, its reaped children and the live
 * benchmark processes `pids()`, over the wall time. Resolves with [result, otherCores].
 */
export async function withNoise(pids, fn) {
  const cpuOf = () =>
    cpuSeconds(process.pid, { withChildren: true }) +
    pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const busy0 = machineBusySeconds();
  const own0 = cpuOf();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const other = (machineBusySeconds() - busy0 - (cpuOf() - own0)) / seconds;
  return [result, Math.max(0, other)];
}

export function log(...args) {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
}
