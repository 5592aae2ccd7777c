import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { rowInserter } from '../src/row-inserter.js';

/** A table of `n` rows written by rowInserter: row i is (i, 1000 + i, 'v<i>'). */
function written(n: number): Database.Database {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL)');
  const insert = rowInserter(db, 'INSERT INTO t (seq, a, b)');
  db.transaction(() =>
    insert(n, (i, args, at) => {
      args[at] = i;
      args[at + 1] = 1000 + i;
      args[at + 2] = `v${i}`;
    }),
  )();
  return db;
}

describe('rowInserter', () => {
  for (const n of [0, 1, 49, 50, 51, 123, 1000]) {
    test(`${n} rows: every row once, with its own values`, () => {
      const db = written(n);
      const rows = db.prepare('SELECT seq, a, b FROM t ORDER BY seq').all() as {
        seq: number;
        a: number;
        b: string;
      }[];
      assert.equal(rows.length, n);
      rows.forEach((row, i) => assert.deepEqual(row, { seq: i, a: 1000 + i, b: `v${i}` }));
      db.close();
    });
  }

  test('a failing row aborts the statement it is in, and the caller’s transaction with it', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL)');
    const insert = rowInserter(db, 'INSERT INTO t (seq, a, b)');
    const write = db.transaction(() =>
      insert(120, (i, args, at) => {
        args[at] = i === 110 ? 3 : i; // a duplicate key in the row-by-row tail
        args[at + 1] = i;
        args[at + 2] = 'x';
      }),
    );
    assert.throws(write, /UNIQUE/);
    assert.equal(db.prepare('SELECT COUNT(*) FROM t').pluck().get(), 0);
    db.close();
  });
});
