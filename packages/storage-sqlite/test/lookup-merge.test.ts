import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStorage, type SqliteOptions } from '../src/index.js';
import { versionBefore, writeOldDatabase } from './old-schema.js';

const T0 = 1_700_000_000_000;
const TOP = 2 ** 48 - 1;

/** Rows of each lookup table, as [key, idx] sorted. */
function rows(file: string, table: 'lookup' | 'lookup_recent'): [number, number][] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { key: number; idx: number }>(`SELECT key, idx FROM ${table} ORDER BY key, idx`)
      .all()
      .map((r) => [r.key, r.idx]);
  } finally {
    db.close();
  }
}

async function withStore(
  fn: (store: SqliteStorage, file: string) => Promise<void>,
  options: SqliteOptions,
  prepare?: (file: string) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-lookup-'));
  const file = join(dir, 'log.db');
  prepare?.(file);
  const store = new SqliteStorage(file, options);
  try {
    await store.ensureTenant('t', T0);
    await store.ensureLog({
      name: 'l',
      tenant: 't',
      origin: 'x/l',
      verifierKey: 'k',
      createdAt: T0,
    });
    await fn(store, file);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Appends one commit of `keys.length` entries with these lookup keys; returns its first index. */
async function append(store: SqliteStorage, keys: readonly number[]): Promise<number> {
  const { size } = await store.tail('l');
  const entries = keys.map((k, i) => new TextEncoder().encode(`${size + i}:${k}`));
  const answer = await store.sequence('l', {
    first: size,
    timeMs: T0,
    groups: [{ entries, lookupKeys: keys }],
  });
  assert.deepEqual(answer, { status: 'committed' });
  return size;
}

/** Every key's indices through findByLookupKey equal `expected`'s, in order, limit honoured. */
async function assertFinds(store: SqliteStorage, expected: Map<number, number[]>): Promise<void> {
  for (const [key, indices] of expected) {
    assert.deepEqual(await store.findByLookupKey('l', key, 100), indices, `key ${key}`);
    assert.deepEqual(await store.findByLookupKey('l', key, 1), indices.slice(0, 1), `key ${key}`);
  }
  assert.deepEqual(await store.findByLookupKey('l', 12_345, 100), []);
}

describe('sqlite lookup rows: recent rows moved into lookup by integration', () => {
  test('a mistyped lookupMerge setting is refused before the database file is created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-lookup-'));
    try {
      const file = join(dir, 'log.db');
      for (const lookupMerge of [
        { mergeRows: 0 },
        { stepRows: -1 },
        { stepRows: NaN },
        { mergeRows: 1.5 },
      ]) {
        assert.throws(() => new SqliteStorage(file, { lookupMerge }), {
          name: 'StorageError',
          code: 'INVALID_ARGUMENT',
        });
      }
      assert.equal(existsSync(file), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('integration moves rows a key range at a time; every row is found, in one table, throughout', () =>
    withStore(
      async (store, file) => {
        // Keys at both ends of the key space, a key repeated across commits.
        const commits = [
          [0, TOP, 7, 2 ** 47],
          [7, 2 ** 47 - 1, 2 ** 47 + 1, 99],
          [TOP, 1, 3 * 2 ** 45, 5],
        ];
        const expected = new Map<number, number[]>();
        let integrated = 0;
        const moved: number[] = [];
        for (const keys of commits) {
          const first = await append(store, keys);
          keys.forEach((k, i) => expected.set(k, [...(expected.get(k) ?? []), first + i]));
          // Not yet integrated: only in lookup_recent, already found.
          await assertFinds(store, expected);
          assert.ok(await store.integrate('l', integrated, first + keys.length, []));
          integrated = first + keys.length;
          await assertFinds(store, expected);
          const all = [...rows(file, 'lookup'), ...rows(file, 'lookup_recent')];
          assert.equal(all.length, integrated, 'each row in exactly one table');
          assert.equal(new Set(all.map(([k, i]) => `${k}/${i}`)).size, integrated);
          moved.push(rows(file, 'lookup').length);
        }
        // mergeRows 6: nothing moved after 4 rows; at 8 a move starts, in ceil(8 / 4) = 2
        // steps: keys below 2^47 (5 rows), then at the next integration the rest (4 rows); the
        // third commit's keys below 2^47 wait for the next move.
        assert.deepEqual(moved, [0, 5, 9]);
        assert.deepEqual(rows(file, 'lookup_recent'), [
          [1, 9],
          [5, 11],
          [3 * 2 ** 45, 10],
        ]);
      },
      { lookupMerge: { mergeRows: 6, stepRows: 4 } },
    ));

  test('an erased entry loses its lookup row in whichever table holds it', () =>
    withStore(
      async (store, file) => {
        await append(store, [11, 22]);
        assert.ok(await store.integrate('l', 0, 2, [])); // 2 ≥ mergeRows: both rows moved
        await append(store, [33, 44]);
        assert.ok(await store.integrate('l', 2, 4, [])); // 2 more: moved again
        await append(store, [55]);
        assert.deepEqual(rows(file, 'lookup_recent'), [[55, 4]]);
        assert.ok(await store.integrate('l', 4, 5, []));
        assert.equal(await store.eraseEntry('l', 1, { timeMs: T0, lookupKey: 22 }), true);
        assert.deepEqual(await store.findByLookupKey('l', 22, 10), []);
        await append(store, [66]);
        assert.ok(await store.integrate('l', 5, 6, []));
        assert.deepEqual(await store.findByLookupKey('l', 66, 10), [5]);
      },
      { lookupMerge: { mergeRows: 2, stepRows: 1_000 } },
    ));

  test('an erased entry whose row is still recent loses it too', () =>
    withStore(async (store, file) => {
      await append(store, [11, 22]);
      assert.ok(await store.integrate('l', 0, 2, [])); // below mergeRows: rows stay recent
      assert.deepEqual(rows(file, 'lookup_recent'), [
        [11, 0],
        [22, 1],
      ]);
      assert.equal(await store.eraseEntry('l', 0, { timeMs: T0, lookupKey: 11 }), true);
      assert.deepEqual(rows(file, 'lookup_recent'), [[22, 1]]);
      assert.deepEqual(await store.findByLookupKey('l', 11, 10), []);
    }, {}));

  test('a row an insider copied into both tables is reported once', () =>
    withStore(async (store, file) => {
      await append(store, [9, 9]);
      const db = new Database(file);
      db.prepare(
        'INSERT INTO lookup (log_id, key, idx) SELECT log_id, key, idx FROM lookup_recent',
      ).run();
      db.close();
      assert.deepEqual(await store.findByLookupKey('l', 9, 10), [0, 1]);
    }, {}));

  test('two stores on one file (serve and append) each move rows; nothing is lost', async () => {
    const options = { lookupMerge: { mergeRows: 3, stepRows: 2 } };
    await withStore(async (a, file) => {
      const b = new SqliteStorage(file, options);
      try {
        const expected = new Map<number, number[]>();
        let integrated = 0;
        for (let round = 0; round < 6; round++) {
          const store = round % 2 === 0 ? a : b;
          const keys = [round * 1_000_003, 2 ** 48 - 1 - round, 42];
          const first = await append(store, keys);
          keys.forEach((k, i) => expected.set(k, [...(expected.get(k) ?? []), first + i]));
          assert.ok(await store.integrate('l', integrated, first + 3, []));
          integrated = first + 3;
          await assertFinds(a, expected);
          await assertFinds(b, expected);
        }
        const all = [...rows(file, 'lookup'), ...rows(file, 'lookup_recent')];
        assert.equal(all.length, integrated);
        assert.ok(rows(file, 'lookup').length > 0, 'some rows were moved');
      } finally {
        await b.close();
      }
    }, options);
  });

  test('rows a database held before the recent table stay where they are and are found', () =>
    withStore(
      async (store) => {
        assert.deepEqual(await store.findByLookupKey('l', 77, 10), [0]);
        await append(store, [77]);
        assert.deepEqual(await store.findByLookupKey('l', 77, 10), [0, 1]);
        assert.ok(await store.integrate('l', 0, 2, []));
        assert.deepEqual(await store.findByLookupKey('l', 77, 10), [0, 1]);
      },
      { lookupMerge: { mergeRows: 1 } },
      (file) => {
        // The schema just before lookup_recent, with one log and one entry, as written then.
        const before = versionBefore('CREATE TABLE lookup_recent');
        assert.ok(before > 0);
        writeOldDatabase(
          file,
          before,
          `
          INSERT INTO tenants (name, created_at) VALUES ('t', ${T0});
          INSERT INTO logs (name, tenant, origin, verifier_key, created_at, sequenced_size, last_time)
            VALUES ('l', 't', 'x/l', 'k', ${T0}, 1, ${T0});
          INSERT INTO entries (log_id, idx, data) VALUES (1, 0, X'00');
          INSERT INTO lookup (log_id, key, idx) VALUES (1, 77, 0);
        `,
        );
      },
    ));
});
