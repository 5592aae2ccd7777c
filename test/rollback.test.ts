/**
 * The insider's rollback, through the real `proofline` command on SQLite: stop (or SIGKILL)
 * `serve`, copy back an older `proofline.db` with its -wal/-shm files as a restore would,
 * start again. The node must refuse to start, and `append` to write, saying why; no
 * checkpoint smaller than or inconsistent with one it signed may ever be signed; restoring
 * the newest copy, or resetting the guard on purpose, lets it start again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint, parseVerifierKey } from '@proofline/note';
import { readTilesAt, type StoredCheckpoint } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { proveConsistency, tileHashReader, treeHash, verifyConsistency } from '@proofline/tlog';
import {
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const FILES = ['proofline.db', 'proofline.db-wal', 'proofline.db-shm'];

const lines = (from: number, to: number) => {
  let text = '';
  for (let i = from; i < to; i++) {
    const digest = createHash('sha256').update(`rollback/${i}`).digest('hex');
    text += `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }
  return text;
};

/** Copies the database files of `from` to `to` (a missing -wal/-shm is removed in `to`). */
function copyDatabase(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of FILES) {
    if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f));
    else rmSync(join(to, f), { force: true });
  }
}

async function history(dir: string): Promise<StoredCheckpoint[]> {
  const storage = new SqliteStorage(join(dir, 'proofline.db'));
  try {
    return await storage.checkpointHistory('default', 1_000_000);
  } finally {
    await storage.close();
  }
}

describe('a SQLite node on a rolled-back database', () => {
  it(
    'refuses to serve or append and never signs a smaller or inconsistent checkpoint',
    { timeout: 120_000 },
    async () => {
      const dir = tempDir('rollback');
      const data = join(dir, 'data');
      const serveArgs = ['--checkpoint-interval', '50'];
      const notes = new Set<string>();
      let server: Server | undefined;
      try {
        server = await startServer(data, serveArgs);
        const vkey = runProofline(['log-key', '--data', data]).stdout.trim();
        assert.equal(runProofline(['append', '--data', data], lines(0, 20)).status, 0);
        notes.add(await waitForSize(server.url, 20));
        await stopServer(server);
        copyDatabase(data, join(dir, 'older')); // the operator's (or insider's) old copy

        server = await startServer(data, serveArgs);
        assert.equal(runProofline(['append', '--data', data], lines(20, 50)).status, 0);
        notes.add(await waitForSize(server.url, 50));
        await stopServer(server, 'SIGKILL');
        server = undefined;
        copyDatabase(data, join(dir, 'newest'));
        const guard = join(data, 'keys', 'default.checkpoint');
        assert.equal(statSync(guard).mode & 0o777, 0o600);

        copyDatabase(join(dir, 'older'), data); // the restore
        await assert.rejects(startServer(data, serveArgs), (err: Error) => {
          assert.match(
            err.message,
            /refusing to start: log default: the database holds 20 entries, fewer than the 50/,
          );
          assert.match(
            err.message,
            /signed by this node \(.*default\.checkpoint\): size 50, root [0-9a-f]{64}/,
          );
          assert.match(err.message, /latest checkpoint: size 20, root [0-9a-f]{64}/);
          assert.match(err.message, /Restore the newest backup/);
          assert.match(
            err.message,
            new RegExp(`proofline reset-guard --data ${data} --log default`),
          );
          return true;
        });
        const append = runProofline(['append', '--data', data], lines(50, 60));
        assert.equal(append.status, 1);
        assert.match(
          append.stderr,
          /refusing to start: log default: the database holds 20 entries/,
        );
        assert.doesNotMatch(append.stdout, /appended/);

        // Every checkpoint ever signed: served, kept in either copy, or in the restored one.
        const newest = join(dir, 'newest');
        const all = [...(await history(newest)), ...(await history(data))];
        for (const h of all) notes.add(h.note);
        assert.equal(
          Math.max(...(await history(data)).map((h) => h.size)),
          20,
          'nothing new signed',
        );
        const storage = new SqliteStorage(join(newest, 'proofline.db'));
        try {
          const reader = tileHashReader(50, (t) => readTilesAt(storage, 'default', t));
          const root = await treeHash(50, reader);
          const verifier = parseVerifierKey(vkey);
          for (const note of notes) {
            const { checkpoint } = await openCheckpoint(note, verifier.name, verifier);
            assert.ok(checkpoint.size <= 50);
            const proof = await proveConsistency(checkpoint.size, 50, reader);
            verifyConsistency(checkpoint.size, 50, proof, checkpoint.rootHash, root);
          }
        } finally {
          await storage.close();
        }

        // The two ways out: the newest copy, or a deliberate reset of the guard.
        copyDatabase(newest, data);
        server = await startServer(data, serveArgs);
        await stopServer(server);
        copyDatabase(join(dir, 'older'), data);
        const reset = runProofline(['reset-guard', '--data', data]);
        assert.equal(reset.status, 0, reset.stderr);
        assert.match(reset.stdout, /before: size 50, .*\n.*now: +size 20,/);
        server = await startServer(data, serveArgs);
      } finally {
        if (server) await stopServer(server);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses a deleted, world-readable or corrupt guard file, saying how to fix it', async () => {
    const dir = tempDir('guard-file');
    const data = join(dir, 'data');
    const guard = join(data, 'keys', 'default.checkpoint');
    try {
      assert.equal(
        runProofline(['create-log', '--visibility', 'public', '--data', data]).status,
        0,
      );
      assert.equal(runProofline(['append', '--data', data], lines(0, 5)).status, 0);
      const refused = (pattern: RegExp) => {
        const r = runProofline(['append', '--data', data], lines(5, 6));
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stderr, pattern);
        assert.doesNotMatch(r.stdout, /appended/);
      };
      chmodSync(guard, 0o644);
      refused(/other users may access it \(mode 644; run chmod 600 .*default\.checkpoint\)/);
      chmodSync(guard, 0o600);
      const text = readFileSync(guard, 'utf8');
      writeFileSync(guard, text.replace('"size": 5', '"size": 4'));
      refused(/is corrupt .*\n.*Fix or restore .* run proofline reset-guard --data/);
      rmSync(guard);
      refused(
        /does not exist\.\nThe log exists in the database but this node has no checkpoint guard/,
      );
      assert.equal(runProofline(['reset-guard', '--data', data]).status, 0);
      assert.equal(readFileSync(guard, 'utf8'), text.replace(/"sequenced": \d+/, '"sequenced": 5'));
      assert.equal(runProofline(['append', '--data', data], lines(5, 6)).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
