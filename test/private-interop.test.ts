/**
 * A private log as an outside monitor sees it: `proofline serve` refuses its entry bundles to
 * anyone without a key of its tenant, but its checkpoint and hash tiles stay public, so the
 * independent Go client (test/interop/go, -hash-tiles-only) still checks that it is
 * consistent and append-only from the hash tiles alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGoVerifier } from './lib/go.js';
import {
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, k) => {
    const digest = createHash('sha256')
      .update(`private ${from + k}`)
      .digest('hex');
    return `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }).join('');

describe('a private log, checked from its hash tiles alone by the Go client', () => {
  let dir: string;
  let server: Server;
  let vkey: string;
  let saved: string;

  before(async () => {
    dir = tempDir('private-interop');
    const created = runProofline(['create-log', '--data', dir]);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^visibility private$/m, 'private unless told');
    assert.equal(runProofline(['append', '--data', dir], lines(0, 300)).status, 0);
    server = await startServer(dir);
    saved = join(dir, 'checkpoint.300');
    writeFileSync(saved, await waitForSize(server.url, 300));
    assert.equal(runProofline(['append', '--data', dir], lines(300, 700)).status, 0);
    await waitForSize(server.url, 700);
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses entry bundles without a key, serves the checkpoint and hash tiles', async () => {
    const entries = await fetch(`${server.url}/logs/default/tile/entries/000`);
    assert.equal(entries.status, 401);
    assert.equal(entries.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await fetch(`${server.url}/logs/default/tile/0/000`)).status, 200);
    assert.equal((await fetch(`${server.url}/logs/default/tile/1/000.p/2`)).status, 200);
    const proof = await fetch(`${server.url}/v1/records/default-0/proof`);
    assert.equal(proof.status, 401);
  });

  it('passes the Go client from hash tiles alone: root, inclusion and consistency', async () => {
    const result = await runGoVerifier([
      ...['-url', `${server.url}/logs/default/`, '-vkey', vkey],
      ...['-old-checkpoint', saved, '-check-index', '0,255,256,699', '-hash-tiles-only'],
    ]);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const root = (await fetchCheckpoint(server.url)).split('\n')[2]!;
    assert.match(result.stdout, /entries: not fetched \(-hash-tiles-only\); 700 leaf hashes/);
    assert.match(result.stdout, /PASS root: tree hash recomputed from the leaf hashes equals/);
    assert.match(result.stdout, /PASS consistency: old checkpoint \(size 300, /);
    assert.match(result.stdout, /PASS inclusion: entry 699 /);
    assert.ok(result.stdout.includes(`OK size=700 root=${root}`), result.stdout);
  });

  it('fails the Go client that asks for the entries: they are not public', async () => {
    const result = await runGoVerifier(['-url', `${server.url}/logs/default/`, '-vkey', vkey]);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stdout, /FAIL entry bundles: .*401/);
  });
});
