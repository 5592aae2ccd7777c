import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const APP = new URL('../src/app.js', import.meta.url).href;
const SQLITE = import.meta.resolve('@proofline/storage-sqlite');

/**
 * Runs an app with `logger: { level: 'info' }` (no destination: the default, batched stdout)
 * in a child process: two requests, then `end` (script text); its stdout.
 */
async function childStdout(end: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-access-log-'));
  try {
    const script = `
      import { SqliteStorage } from ${JSON.stringify(SQLITE)};
      import { buildApp } from ${JSON.stringify(APP)};
      import { writeSync } from 'node:fs';
      const storage = new SqliteStorage(process.argv[1], { checkpointIntervalMs: 0 });
      const app = await buildApp({ storage, access: storage, logs: new Map(),
        publicUrl: 'https://ledger.test', logger: { level: 'info' } });
      await app.inject({ url: '/healthz' });
      await app.inject({ url: '/no/such/path' });
      ${end}`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      script,
      join(dir, 'proofline.db'),
    ]);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function accessLines(stdout: string): { route: unknown; status: unknown }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'request')
    .map(({ route, status }) => ({ route, status }));
}

const EXPECTED = [
  { route: '/healthz', status: 200 },
  { route: 'unmatched', status: 404 },
];

describe('the default log destination (stdout, batched)', () => {
  it('writes the lines within its batch interval, in order', async () => {
    // The marker is written straight to stdout 200 ms later: the lines must precede it.
    const stdout = await childStdout(
      `setTimeout(() => { writeSync(1, 'marker\\n'); process.exit(0); }, 200);`,
    );
    const [before] = stdout.split('marker\n');
    assert.deepEqual(accessLines(before!), EXPECTED, stdout);
  });

  it("writes the pending lines on pino's flush, then calls back", async () => {
    const stdout = await childStdout(
      `app.log.flush(() => { writeSync(1, 'marker\\n'); process.exit(0); });`,
    );
    const [before] = stdout.split('marker\n');
    assert.deepEqual(accessLines(before!), EXPECTED, stdout);
  });

  it('writes the pending lines when the process exits before the interval ends', async () => {
    const stdout = await childStdout('process.exit(0);');
    assert.deepEqual(accessLines(stdout), EXPECTED, stdout);
  });

  it('writes an error line at once, with the lines before it: a kill right after keeps it', async () => {
    const stdout = await childStdout(
      `app.log.error({ code: 'storage-corrupt' }, 'fault'); process.kill(process.pid, 'SIGKILL');`,
    ).catch((err: { stdout?: string }) => err.stdout ?? '');
    assert.deepEqual(accessLines(stdout), EXPECTED, stdout);
    assert.match(stdout, /"level":50,.*"msg":"fault"/);
  });

  it('keeps info lines for the batch: killed at once, the process has written none', async () => {
    const stdout = await childStdout(`process.kill(process.pid, 'SIGKILL');`).catch(
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    assert.deepEqual(accessLines(stdout), [], stdout);
  });
});
