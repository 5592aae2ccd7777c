import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '../src/index.js';
import { writeOldDatabase } from './old-schema.js';

test('a database from before stored receipts opens, and its commits read as having none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.db');
  // Schema version 2, with one log and one committed batch of two entries, as written then.
  writeOldDatabase(
    path,
    2,
    `
    INSERT INTO tenants (name, created_at) VALUES ('acme', 0);
    INSERT INTO logs (name, tenant, origin, verifier_key, created_at, sequenced_size, last_time)
      VALUES ('old', 'acme', 'example.test/old', 'v', 0, 2, 1000);
    INSERT INTO entries (log_id, idx, data) VALUES (1, 0, x'61'), (1, 1, x'62');
    INSERT INTO batches (log_id, first_idx, time) VALUES (1, 0, 1000);
  `,
  );

  const storage = new SqliteStorage(path);
  t.after(() => storage.close());
  assert.deepEqual(await storage.commitRange('old', 1), { start: 0, end: 2 });
  assert.deepEqual(await storage.tail('old'), { size: 2, timeMs: 1000 });
  const commit = { first: 2, timeMs: 2000, groups: [{ entries: [Uint8Array.of(0x63)] }] };
  assert.deepEqual(await storage.sequence('old', { ...commit, receipt: 'note' }), {
    status: 'committed',
  });
  assert.deepEqual(await storage.commitRange('old', 2), { start: 2, end: 3, receipt: 'note' });
  assert.deepEqual(await storage.commitRange('old', 0), { start: 0, end: 2 });
});
