/**
 * Lookup rows survive processes killed at random moments, many of them in the middle of an
 * integration that moves rows from `lookup_recent` into `lookup`: afterwards every committed
 * entry's row is in exactly one of the two tables and found by its key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../src/index.js';
import { lookupKeyOf } from './lookup-keys.js';

const CHILD = new URL('./lookup-crash-child.js', import.meta.url).pathname;

/** Runs the child until SIGKILL after `ms`; the largest size it reported committed. */
function runUntilKilled(file: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code}: ${err}`));
      else resolve(Math.max(0, ...out.split('\n').filter(Boolean).map(Number)));
    });
  });
}

test('lookup rows moved during integrations killed at random moments: none lost, none doubled', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-lookup-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log.db');
  let seed = 7;
  let reported = 0;
  for (let round = 0; round < 12; round++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    reported = Math.max(reported, await runUntilKilled(file, 300 + (seed % 400)));
  }
  assert.ok(reported >= 500, `the children committed ${reported} entries`);

  const store = new SqliteStorage(file);
  t.after(() => store.close());
  const { size } = await store.tail('l');
  assert.ok(size >= reported, `sequenced ${size}, reported ${reported}`);
  const db = new Database(file, { readonly: true });
  const rowsOf = (table: string) =>
    db.prepare<[], { key: number; idx: number }>(`SELECT key, idx FROM ${table}`).all();
  const moved = rowsOf('lookup');
  const recent = rowsOf('lookup_recent');
  db.close();
  assert.ok(moved.length > 0, 'rows were moved');
  const all = [...moved, ...recent].sort((a, b) => a.idx - b.idx);
  assert.equal(all.length, size, 'one row per entry, in one table');
  all.forEach((r, i) => assert.deepEqual(r, { key: lookupKeyOf(i), idx: i }));
  for (let i = 0; i < size; i += 7) {
    assert.ok((await store.findByLookupKey('l', lookupKeyOf(i), 10)).includes(i), `entry ${i}`);
  }
});
