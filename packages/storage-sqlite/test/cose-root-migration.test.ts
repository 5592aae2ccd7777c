import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../src/index.js';
import { versionBefore, writeOldDatabase } from './old-schema.js';

test('checkpoints published before root signatures read back without one; new ones keep theirs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  // The schema just before the cose_root migration, with one log and one checkpoint.
  const before = versionBefore('ADD COLUMN cose_root');
  assert.equal(before, 9);
  const note = 'example.test/old\n1\nroot\n\n— sig\n';
  writeOldDatabase(
    path,
    before,
    `
    INSERT INTO tenants (name, created_at) VALUES ('acme', 0);
    INSERT INTO logs (name, tenant, origin, verifier_key, created_at)
      VALUES ('old', 'acme', 'example.test/old', 'v', 0);
    INSERT INTO checkpoints (log_id, size, note, published_at)
      SELECT id, 1, '${note}', 5 FROM logs WHERE name = 'old';
    UPDATE logs SET checkpoint_id = (SELECT max(id) FROM checkpoints);
  `,
  );

  const storage = new SqliteStorage(path);
  t.after(() => storage.close());
  const latest = await storage.latestCheckpoint('old');
  assert.deepEqual(latest, { size: 1, note, publishedAt: 5 });
  const next = {
    size: 2,
    note: note.replace('\n1\n', '\n2\n'),
    publishedAt: 6,
    coseRoot: Uint8Array.of(0xd2, 0x84),
  };
  assert.equal(await storage.publishCheckpoint('old', latest, next), true);
  assert.deepEqual(await storage.latestCheckpoint('old'), next);
});

test('a root signature an insider replaced with text is refused as CORRUPT, not handed on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  const storage = new SqliteStorage(path);
  t.after(() => storage.close());
  await storage.ensureLog({
    name: 'l',
    tenant: 'acme',
    origin: 'example.test/l',
    verifierKey: 'v',
    createdAt: 0,
    visibility: 'public',
  });
  const cp = { size: 0, note: 'example.test/l\n0\nroot\n\n— sig\n', publishedAt: 1 };
  assert.equal(
    await storage.publishCheckpoint('l', undefined, { ...cp, coseRoot: Uint8Array.of(1, 2) }),
    true,
  );
  const db = new Database(path);
  db.prepare("UPDATE checkpoints SET cose_root = '3'").run();
  db.close();
  await assert.rejects(storage.latestCheckpoint('l'), { code: 'CORRUPT' });
  await assert.rejects(storage.checkpointHistory('l', 10), { code: 'CORRUPT' });
});
