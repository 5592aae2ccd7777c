/** Builds and runs the independent Go C2SP client (test/interop/go) for interop tests. */
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './proofline.js';

const GOCACHE = join(tmpdir(), 'proofline-gocache');
const BINARY = join(tmpdir(), `proofline-c2sp-verify-${process.pid}`);
let built: string | undefined;

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

export function buildGoVerifier(): string {
  if (built) return built;
  const result = spawnSync('go', ['build', '-o', BINARY, './test/interop/go'], {
    cwd: REPO_ROOT,
    env: goEnv(),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `cannot build the Go verifier (run scripts/test-deps.sh): ${result.error ?? ''}\n${result.stderr}`,
    );
  }
  built = BINARY;
  return built;
}

export interface GoResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the Go verifier asynchronously (the server under test runs in this process's loop). */
export function runGoVerifier(args: string[]): Promise<GoResult> {
  const child = spawn(buildGoVerifier(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}
