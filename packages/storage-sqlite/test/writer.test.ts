import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { appendAt } from '@proofline/storage/conformance';
import { SqliteStorage, type SqliteOptions } from '../src/index.js';

const T0 = 1_700_000_000_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Opens the store at `file` with tenant `t` and log `l`. */
async function openLog(file: string, options: SqliteOptions = {}): Promise<SqliteStorage> {
  const store = new SqliteStorage(file, options);
  await store.ensureTenant('t', T0);
  await store.ensureLog({ name: 'l', tenant: 't', origin: 'x/l', verifierKey: 'k', createdAt: T0 });
  return store;
}

async function withLog(
  fn: (store: SqliteStorage, file: string) => Promise<void>,
  options: SqliteOptions = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-writer-'));
  const file = join(dir, 'log.db');
  const store = await openLog(file, options);
  try {
    await fn(store, file);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('sqlite writer thread', () => {
  for (const [where, options] of [
    ['on this thread', {}],
    ['on the writer thread', { inlineMaxEntries: 0 }],
  ] as const) {
    test(`answers retry when another process moved the tail after it was read (${where})`, () =>
      withLog(async (store, file) => {
        const tail = await store.tail('l');
        // Another process commits a later time between our read and our commit.
        const other = new Database(file);
        other.prepare('UPDATE logs SET last_time = ?').run(T0 + 5000);
        other.close();
        const commit = { first: tail.size, timeMs: T0, groups: [{ entries: [bytes('late')] }] };
        assert.deepEqual(await store.sequence('l', commit), {
          status: 'retry',
          tail: { size: 0, timeMs: T0 + 5000 },
        });
        assert.deepEqual(await store.sequence('l', { ...commit, timeMs: T0 + 5000 }), {
          status: 'committed',
        });
        const [entry] = await store.readEntries('l', 0, 1);
        assert.equal(new TextDecoder().decode(entry), 'late');
      }, options));
  }

  test('commits entries of every length, in order, across groups', () =>
    withLog(async (store) => {
      const groups = [0, 1, 2].map((g) => ({
        entries: Array.from({ length: g + 1 }, (_, i) => new Uint8Array(1 + g * 100 + i).fill(g)),
        lookupKeys: Array.from({ length: g + 1 }, (_, i) => g * 10 + i),
      }));
      assert.deepEqual(await store.sequence('l', { first: 0, timeMs: T0, groups }), {
        status: 'committed',
      });
      const entries = await store.readEntries('l', 0, 6);
      assert.deepEqual(
        entries.map((e) => [e.length, e[0]]),
        [
          [1, 0],
          [101, 1],
          [102, 1],
          [201, 2],
          [202, 2],
          [203, 2],
        ],
      );
      assert.deepEqual(await store.findByLookupKey('l', 21, 10), [4]);
    }));

  test('a lone entry is committed on this thread only after another lone entry', () =>
    withLog(async (store) => {
      const writer = (store as unknown as { writer: { call: (...args: unknown[]) => unknown } })
        .writer;
      const call = writer.call.bind(writer);
      const sent: number[] = [];
      writer.call = (op, args, transfer) => {
        sent.push((args as [{ ends: Uint32Array }])[0].ends.length);
        return call(op, args, transfer);
      };
      const entries = (n: number) => Array.from({ length: n }, (_, i) => bytes(`e${i}`));
      let next = 0;
      for (const n of [1, 1, 3, 1, 1, 2, 1]) {
        await appendAt(store, 'l', [{ entries: entries(n) }], T0);
        next += n;
      }
      // Inline: the first lone entry and each lone entry after a lone one.
      assert.deepEqual(sent, [3, 1, 2, 1]);
      assert.equal((await store.readEntries('l', 0, next)).length, next);
    }));

  test('a closed store lets the process exit; sequencing after reopening continues the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-writer-'));
    try {
      const file = join(dir, 'log.db');
      let store = await openLog(file);
      await appendAt(store, 'l', [{ entries: [bytes('a')] }], T0);
      await store.close();
      store = new SqliteStorage(file);
      assert.equal(await appendAt(store, 'l', [{ entries: [bytes('b')] }], T0), 1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite checkpoint thread', () => {
  /** Commits `n` commits of 20 entries of 200 bytes, each with a lookup key. */
  async function fill(store: SqliteStorage, n: number): Promise<void> {
    for (let c = 0; c < n; c++) {
      const entries = Array.from({ length: 20 }, (_, i) =>
        new Uint8Array(200).fill((c + i) & 0xff),
      );
      const lookupKeys = entries.map((_, i) => (c * 7919 + i * 104729) % 2 ** 40);
      await appendAt(store, 'l', [{ entries, lookupKeys }]);
    }
  }

  for (const [where, options] of [
    ['on this thread', { inlineMaxEntries: 100 }],
    ['on the writer thread', { inlineMaxEntries: 0 }],
  ] as const) {
    test(`copies the WAL into the database beside the commits (${where})`, () =>
      withLog(
        async (store, file) => {
          const before = statSync(file).size;
          await fill(store, 60);
          // The committing connection leaves checkpoints to the thread.
          const db = (store as unknown as { db: Database.Database }).db;
          assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
          const deadline = Date.now() + 10_000;
          while (statSync(file).size === before && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          assert.ok(statSync(file).size > before, 'the thread copied the WAL into the database');
          // Every entry is there, read through the main connection.
          assert.equal((await store.readEntries('l', 0, 1200)).length, 1200);
        },
        { ...options, checkpointIntervalMs: 20 },
      ));
  }

  test('with checkpointIntervalMs 0, the commits checkpoint as SQLite does by default', () =>
    withLog(
      async (store, file) => {
        const db = (store as unknown as { db: Database.Database }).db;
        assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
        const before = statSync(file).size;
        await fill(store, 150); // well over 1000 WAL pages
        assert.ok(statSync(file).size > before);
      },
      { checkpointIntervalMs: 0 },
    ));
});
