/**
 * Builds and runs the independent Go programs of test/interop: `go` (a C2SP tile-log client)
 * and `goproof` (receipts and tlog-proof files).
 */
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './proofline.js';

const GOCACHE = join(tmpdir(), 'proofline-gocache');
const built = new Map<string, string>();

/**
 * Go in GOPATH mode against Debian's golang.org/x/mod sources: no module download, no
 * network. `scripts/test-deps.sh` (run before the tests) installs both packages.
 */
function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: '/usr/share/gocode',
    GOCACHE,
    GOFLAGS: '',
  };
}

/** Builds `test/interop/<program>` once per test process; returns the binary's path. */
export function buildGoProgram(program: 'go' | 'goproof'): string {
  const existing = built.get(program);
  if (existing) return existing;
  const binary = join(tmpdir(), `proofline-${program}-${process.pid}`);
  const result = spawnSync('go', ['build', '-o', binary, `./test/interop/${program}`], {
    cwd: REPO_ROOT,
    env: goEnv(),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `cannot build the Go verifier (run scripts/test-deps.sh): ${result.error ?? ''}\n${result.stderr}`,
    );
  }
  built.set(program, binary);
  return binary;
}

/** Runs `go test` on `test/interop/<program>` (its own unit tests); returns its output. */
export function goTest(program: 'go' | 'goproof'): { status: number | null; output: string } {
  const result = spawnSync('go', ['test', `./test/interop/${program}`], {
    cwd: REPO_ROOT,
    env: goEnv(),
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export interface GoResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the Go tile-log verifier (test/interop/go). */
export function runGoVerifier(args: string[]): Promise<GoResult> {
  return runGo('go', args);
}

/** Runs a Go program asynchronously (a server under test may run in this process's loop). */
export function runGo(program: 'go' | 'goproof', args: string[]): Promise<GoResult> {
  const child = spawn(buildGoProgram(program), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}
