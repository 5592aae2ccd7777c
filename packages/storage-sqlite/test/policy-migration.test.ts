import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '../src/index.js';
import { writeOldDatabase } from './old-schema.js';

test('a database from before log policies opens with none, and takes one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  // Schema version 4, with one log, as written then.
  writeOldDatabase(
    path,
    4,
    `
    INSERT INTO tenants (name, created_at) VALUES ('acme', 0);
    INSERT INTO logs (name, tenant, origin, verifier_key, created_at)
      VALUES ('old', 'acme', 'example.test/old', 'v', 0);
  `,
  );

  const storage = new SqliteStorage(path);
  t.after(() => storage.close());
  assert.equal(await storage.getLogPolicy('old'), undefined);
  await storage.setLogPolicy('old', '{"witnesses":[]}');
  assert.equal(await storage.getLogPolicy('old'), '{"witnesses":[]}');
});
