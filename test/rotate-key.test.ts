/**
 * Key rotation (docs/keys.md): `proofline rotate-key` creates a successor key; from then on
 * every checkpoint carries the signatures of both keys under the log's origin, and the Go
 * reference verifier (golang.org/x/mod/sumdb/note) accepts the served log pinned to either
 * key, while the stored receipts stay verifiable with the old one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openNote, parseVerifierKey } from '@proofline/note';
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
import { statementLines, noteVerifier } from './lib/statements.js';

const ORIGIN = 'ledger.example/logs/default';

const lines = (from: number, to: number) => statementLines('rotate', from, to);

describe('rotate-key: checkpoints signed by both keys during the switch', () => {
  let dir: string;
  let server: Server | undefined;
  let oldKey: string;
  let newKey: string;

  before(() => {
    dir = tempDir('rotate');
    const created = runProofline([
      'create-log',
      '--visibility',
      'public',
      '--data',
      dir,
      '--origin',
      ORIGIN,
    ]);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(runProofline(['append', '--data', dir], lines(0, 20)).status, 0);
    oldKey = runProofline(['log-key', '--data', dir]).stdout.trim();
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the successor key file (0600) and prints its verifier key; a second rotation is refused', () => {
    const r = runProofline(['rotate-key', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    newKey = r.stdout.trim();
    assert.notEqual(newKey, oldKey);
    assert.equal(parseVerifierKey(newKey).name, ORIGIN);
    assert.equal(statSync(join(dir, 'keys', 'default.next.key')).mode & 0o777, 0o600);
    const again = runProofline(['rotate-key', '--data', dir]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already has a successor key/);
    // The registered key does not change until the rotation is finished.
    assert.equal(runProofline(['log-key', '--data', dir]).stdout.trim(), oldKey);
  });

  it('a missing log is refused and nothing is created', () => {
    const r = runProofline(['rotate-key', '--data', dir, '--log', 'nope']);
    assert.notEqual(r.status, 0);
    assert.equal(existsSync(join(dir, 'keys', 'nope.next.key')), false);
  });

  it('new checkpoints carry both signatures; Go verifies the log pinned to either key', async () => {
    assert.equal(runProofline(['append', '--data', dir], lines(20, 40)).status, 0);
    server = await startServer(dir);
    await waitForSize(server.url, 40);
    const checkpoint = await fetchCheckpoint(server.url);
    for (const key of [oldKey, newKey]) {
      const opened = await openNote(checkpoint, [noteVerifier(key)]);
      assert.equal(opened.verified.length, 1);
      assert.equal(opened.unverified.length, 1, 'the other key is ignored, not refused');
      const go = await runGoVerifier(['-url', `${server.url}/logs/default/`, '-vkey', key]);
      assert.equal(go.status, 0, `${go.stdout}\n${go.stderr}`);
      assert.match(go.stdout, /^OK size=40 /m);
    }
    const both = await openNote(checkpoint, [noteVerifier(oldKey), noteVerifier(newKey)]);
    assert.equal(both.verified.length, 2);
    // The log's registered key signs first (witnesses and the guard look for it).
    assert.equal(both.verified[0]!.keyId, noteVerifier(oldKey).keyId);
  });
});
