import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../src/index.js';
import { versionBefore, writeOldDatabase } from './old-schema.js';

test('logs of a database from before visibility stay public, what they always were', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  // The schema just before the visibility migration, with one log, as written then.
  const before = versionBefore('ADD COLUMN visibility');
  assert.ok(before > 0);
  writeOldDatabase(
    path,
    before,
    `
    INSERT INTO tenants (name, created_at) VALUES ('acme', 0);
    INSERT INTO logs (name, tenant, origin, verifier_key, created_at)
      VALUES ('old', 'acme', 'example.test/old', 'v', 0);
  `,
  );

  const storage = new SqliteStorage(path);
  t.after(() => storage.close());
  assert.equal((await storage.getLog('old'))!.visibility, 'public');
});

test('a visibility an insider wrote that this code does not know is refused, not guessed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  const storage = new SqliteStorage(path);
  await storage.ensureLog({
    name: 'l',
    tenant: 'acme',
    origin: 'example.test/l',
    verifierKey: 'v',
    createdAt: 0,
    visibility: 'private',
  });
  await storage.close();
  const db = new Database(path);
  db.exec(`UPDATE logs SET visibility = 'Public' WHERE name = 'l'`);
  db.close();
  const again = new SqliteStorage(path);
  t.after(() => again.close());
  await assert.rejects(again.getLog('l'), /unknown visibility/);
});
