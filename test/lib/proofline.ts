/** Helpers for tests that run the real `proofline` command as separate processes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root (this file runs from test/dist/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PROOFLINE_BIN = join(REPO_ROOT, 'packages/cli/bin/proofline.js');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `proofline-${prefix}-`));
}

/** Runs `proofline ARGS` to completion with optional standard input. */
export function runProofline(args: string[], input?: string | Uint8Array) {
  const result = spawnSync(process.execPath, [PROOFLINE_BIN, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `proofline api-key create --data DIR` for `tenant` with `scopes`; throws if it fails. */
export function createApiKey(
  dataDir: string,
  scopes: readonly string[] = ['records:write'],
  tenant = 'default',
): string {
  const args = ['api-key', 'create', '--data', dataDir, '--tenant', tenant];
  for (const scope of scopes) args.push('--scope', scope);
  const made = runProofline(args);
  if (made.status !== 0) throw new Error(`api-key create: ${made.stderr}`);
  return made.stdout.trim();
}

export interface Server {
  readonly process: ChildProcess;
  readonly url: string;
  /** Resolves with the exit code or signal when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/** Starts `proofline serve` (on a free port unless `extra` names one) and resolves once it listens. */
export async function startServer(dataDir: string, extra: string[] = []): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      PROOFLINE_BIN,
      'serve',
      '--data',
      dataDir,
      ...(extra.includes('--port') ? [] : ['--port', '0']),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000);
    // serve says `proofline listening on URL` on stderr (stdout is its JSON log).
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${output}`));
    });
  });
  return { process: child, url, exited };
}

export async function stopServer(server: Server, signal: NodeJS.Signals = 'SIGTERM') {
  if (server.process.exitCode === null && server.process.signalCode === null) {
    server.process.kill(signal);
  }
  return server.exited;
}

/** Fetches the latest checkpoint of a log from a running server. */
export async function fetchCheckpoint(url: string, log = 'default'): Promise<string> {
  const res = await fetch(`${url}/logs/${log}/checkpoint`);
  if (!res.ok) throw new Error(`checkpoint: HTTP ${res.status}`);
  return res.text();
}

/** Polls until the server's checkpoint of `log` has at least `size` entries. */
export async function waitForSize(
  url: string,
  size: number,
  timeoutMs = 30_000,
  log = 'default',
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const note = await fetchCheckpoint(url, log);
    if (Number(note.split('\n')[1]) >= size) return note;
    if (Date.now() > deadline) throw new Error(`checkpoint stuck below ${size}:\n${note}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
