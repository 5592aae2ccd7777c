/**
 * End-to-end interop: a log of 70,000 entries appended with `proofline append` and served by
 * `proofline serve` is verified by an independent C2SP client built on the Go reference
 * packages golang.org/x/mod/sumdb/note and sumdb/tlog (test/interop/go).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGoVerifier } from './lib/go.js';
import {
  REPO_ROOT,
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { statementLines } from './lib/statements.js';

const TOTAL = 70_000;
const SAVED_AT = 30_000;

const lines = (from: number, to: number) => statementLines('interop', from, to);

describe('interop with the Go reference C2SP implementation', () => {
  let dir: string;
  let server: Server;
  let vkey: string;
  let saved: string;

  before(async () => {
    dir = tempDir('interop');
    assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
    const first = runProofline(['append', '--data', dir], lines(0, SAVED_AT));
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`indices 0-${SAVED_AT - 1}\\n$`));
    server = await startServer(dir);
    saved = join(dir, 'checkpoint.30000');
    writeFileSync(saved, await waitForSize(server.url, SAVED_AT));
    const rest = runProofline(['append', '--data', dir, '--chunk', '4096'], lines(SAVED_AT, TOTAL));
    assert.equal(rest.status, 0, rest.stderr);
    assert.match(rest.stdout, new RegExp(`indices ${SAVED_AT}-${TOTAL - 1}\\n$`));
    await waitForSize(server.url, TOTAL);
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the checkpoint, every tile, inclusion proofs and consistency with Go', async () => {
    const result = await runGoVerifier([
      '-url',
      `${server.url}/logs/default/`,
      '-vkey',
      vkey,
      '-old-checkpoint',
      saved,
      '-check-index',
      '0,255,256,65535,65536,69999',
    ]);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const checkpoint = await fetchCheckpoint(server.url);
    const root = checkpoint.split('\n')[2];
    assert.match(
      result.stdout,
      new RegExp(`^OK size=${TOTAL} root=${root!.replace(/[+/]/g, '\\$&')}$`, 'm'),
    );
    assert.match(result.stdout, /consistency: old checkpoint \(size 30000/);
    for (const index of [0, 35000, 69999]) {
      assert.match(result.stdout, new RegExp(`PASS inclusion: entry ${index} `));
    }
  });

  it('is rejected by Go under a different key (the check can fail)', async () => {
    const other = tempDir('interop-other');
    try {
      const otherKey = runProofline(['create-log', '--visibility', 'public', '--data', other])
        .stdout.trim()
        .split('\n')
        .at(-1)!;
      const result = await runGoVerifier([
        '-url',
        `${server.url}/logs/default/`,
        '-vkey',
        otherKey,
      ]);
      assert.equal(result.status, 1, result.stdout);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('the Go client itself verifies the tessera golden log', async () => {
    const { createServer } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const root = join(REPO_ROOT, 'testdata/tessera-golden-log');
    const golden = createServer(async (req, res) => {
      try {
        const body = await readFile(join(root, req.url!.replace(/\.\./g, '')));
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => golden.listen(0, '127.0.0.1', r));
    const port = (golden.address() as { port: number }).port;
    try {
      const args = [
        '-url',
        `http://127.0.0.1:${port}/`,
        '-vkey',
        'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx',
      ];
      const ok = await runGoVerifier([...args, '-old-checkpoint', join(root, 'checkpoint.7')]);
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /^OK size=15 /m);
    } finally {
      golden.close();
    }
  });
});
