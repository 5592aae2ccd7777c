import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../src/index.js';
import { MIGRATIONS } from '../src/schema.js';

test('a database from before log policies opens with none, and takes one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  // Schema version 4, with one log, as written then.
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
  old.pragma('user_version = 4');
  old.exec(`
    INSERT INTO tenants (name, created_at) VALUES ('acme', 0);
    INSERT INTO logs (name, tenant, origin, verifier_key, created_at)
      VALUES ('old', 'acme', 'example.test/old', 'v', 0);
  `);
  old.close();

  const storage = new SqliteStorage(path);
  t.after(() => storage.close());
  assert.equal(await storage.getLogPolicy('old'), undefined);
  await storage.setLogPolicy('old', '{"witnesses":[]}');
  assert.equal(await storage.getLogPolicy('old'), '{"witnesses":[]}');
});
