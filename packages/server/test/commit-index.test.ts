import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError, type Storage, type StoredCommit } from '@proofline/storage';
import { CommitIndex } from '../src/records/commit-index.js';
import { Fixture, attestBatch, bearer, request, type ReceiptBody } from './helpers.js';

/**
 * A log's commits as storage answers them (commitStarts, commitNotes, commitRange), with the calls
 * counted; `rows` may be edited between reads, as an insider would edit the database.
 */
function fakeStorage(rows: StoredCommit[]) {
  const calls = { starts: 0, notes: 0, range: 0 };
  const size = () => rows.at(-1)?.end ?? 0;
  const storage = {
    async commitStarts(_log: string, from: number, limit: number) {
      calls.starts++;
      const starts = rows
        .map((r) => r.start)
        .filter((s) => s >= from)
        .slice(0, limit);
      return { starts, size: size() };
    },
    async commitNotes(_log: string, from: number, limit: number) {
      calls.notes++;
      return rows
        .filter((r) => r.start >= from)
        .slice(0, limit)
        .map(({ start, receipt }) => (receipt === undefined ? { start } : { start, receipt }));
    },
    async commitRange(_log: string, index: number): Promise<StoredCommit> {
      calls.range++;
      const at = rows.findLastIndex((r) => r.start <= index);
      if (index >= size() || at < 0) throw new StorageError('OUT_OF_RANGE', `${index}`);
      const end = rows[at + 1]?.start ?? size();
      const { start, receipt } = rows[at]!;
      return receipt === undefined ? { start, end } : { start, end, receipt };
    },
  } as unknown as Storage;
  return { storage, calls };
}

/** Commits of 1, 2 and 3 entries in turn, each with note `n<start>`. */
function commits(count: number, from = 0): StoredCommit[] {
  const out: StoredCommit[] = [];
  let start = from;
  for (let i = 0; i < count; i++) {
    const end = start + 1 + (i % 3);
    out.push({ start, end, receipt: `n${start}` });
    start = end;
  }
  return out;
}

describe('CommitIndex', () => {
  it('finds the commit of every index, reading the starts page by page, once', async () => {
    const rows = commits(50);
    const { storage, calls } = fakeStorage(rows);
    const index = new CommitIndex(storage, 'log', 1024, 7);
    for (const row of rows) {
      for (let i = row.start; i < row.end; i++) assert.deepEqual(await index.commit(i), row);
    }
    assert.equal(index.known, 50);
    // ⌈50 / 6⌉ pages (a full page's last start is read again with the next), then no more.
    assert.equal(calls.starts, 9);
    await assert.rejects(
      index.commit(rows.at(-1)!.end),
      (err: unknown) => err instanceof StorageError && err.code === 'OUT_OF_RANGE',
    );
  });

  it('catches up with a growing log, keeping what it knew', async () => {
    const rows = commits(10);
    const { storage } = fakeStorage(rows);
    const index = new CommitIndex(storage, 'log', 1024, 4);
    assert.deepEqual(await index.commit(0), rows[0]);
    // The last commit grows (its end is the sequenced size) and new ones follow it.
    rows.push(...commits(2000, rows.at(-1)!.end));
    for (const row of [rows[9]!, rows[10]!, rows[2009]!, rows[500]!]) {
      assert.deepEqual(await index.commit(row.end - 1), row);
    }
    assert.equal(index.known, 2010);
  });

  it('serves a note from memory after the first read, until another commit takes its slot', async () => {
    const rows = commits(6);
    const { storage, calls } = fakeStorage(rows);
    const index = new CommitIndex(storage, 'log', 4, undefined, 0); // commitRange only
    for (const i of [0, 1, 2]) await index.commit(rows[i]!.start);
    assert.equal(calls.range, 3);
    for (const i of [0, 1, 2]) assert.deepEqual(await index.commit(rows[i]!.end - 1), rows[i]);
    assert.equal(calls.range, 3, 'all three from memory');
    await index.commit(rows[4]!.start); // slot 0: commit 0's note is replaced
    await index.commit(rows[0]!.start);
    assert.equal(calls.range, 5);
  });

  it("serves a note as first read after an insider's edit; a new index reads what is stored", async () => {
    const rows = commits(4);
    const { storage } = fakeStorage(rows);
    const running = new CommitIndex(storage, 'log');
    for (const row of rows) await running.commit(row.start);
    const [first, second] = [rows[0]!, rows[1]!];
    rows[0] = { start: first.start, end: first.end }; // note deleted
    rows[1] = { ...second, receipt: 'forged' };
    assert.deepEqual(await running.commit(first.start), first);
    assert.deepEqual(await running.commit(second.start), second);
    const fresh = new CommitIndex(storage, 'log');
    assert.equal((await fresh.commit(first.start)).receipt, undefined);
    assert.equal((await fresh.commit(second.start)).receipt, 'forged');
  });

  it('keeps no note when storage answers another range than the index holds', async () => {
    const rows = commits(4);
    const { storage, calls } = fakeStorage(rows);
    const index = new CommitIndex(storage, 'log', undefined, undefined, 0); // commitRange only
    await index.commit(0);
    // An insider deletes commit 1's row after the index read the starts: storage now answers
    // commit 0's range up to commit 2 (and its note): returned as answered, never kept.
    const gone = rows.splice(1, 1)[0]!;
    const answered = await index.commit(gone.start);
    assert.deepEqual(answered, { start: 0, end: gone.end, receipt: 'n0' });
    const before = calls.range;
    await index.commit(gone.start);
    assert.equal(calls.range, before + 1, 'asked storage again');
  });
});

describe('CommitIndex, notes read a page at a time', () => {
  it('one commitNotes query keeps the notes of the commits of its page', async () => {
    const rows = commits(10);
    const { storage, calls } = fakeStorage(rows);
    const index = new CommitIndex(storage, 'log', 1024, undefined, 4);
    assert.deepEqual(await index.commit(rows[0]!.start), rows[0]);
    assert.deepEqual(calls, { starts: 1, notes: 1, range: 0 });
    for (const i of [0, 1, 2]) assert.deepEqual(await index.commit(rows[i]!.end - 1), rows[i]);
    assert.equal(calls.notes, 1, 'commits 0..2 from memory');
    // Commit 3 ended the page (where it ends was not in it): read with the next page.
    assert.deepEqual(await index.commit(rows[3]!.start), rows[3]);
    assert.equal(calls.notes, 2);
    for (const i of [4, 5]) assert.deepEqual(await index.commit(rows[i]!.start), rows[i]);
    // The log's last commit is never kept from a page: commitRange answers it.
    assert.deepEqual(await index.commit(rows[9]!.start), rows[9]);
    assert.deepEqual(calls, { starts: 1, notes: 3, range: 1 });
  });

  it('keeps no note of a commit whose next one is not where the index has it', async () => {
    const rows = commits(6);
    const { storage, calls } = fakeStorage(rows);
    const index = new CommitIndex(storage, 'log', 1024, undefined, 8);
    await index.commit(rows[5]!.start); // the starts are read, no note of commits 0..4
    // An insider deletes commit 1's row: a page from commit 0 keeps neither 0 (storage now
    // has it end where commit 2 starts) nor anything after it.
    const gone = rows.splice(1, 1)[0]!;
    assert.deepEqual(await index.commit(0), { start: 0, end: gone.end, receipt: 'n0' });
    assert.equal(calls.range, 2, 'answered by commitRange');
    await index.commit(0);
    assert.equal(calls.range, 3, 'not kept: asked storage again');
  });
});

describe('CommitIndex behind the records API', () => {
  it('a growing log: every record read back with the receipt its attest returned', async () => {
    const fx = await Fixture.create([{ name: 'grow', tenant: 'acme', publish: false }]);
    try {
      const app = await fx.app();
      const key = await fx.apiKey('acme', ['records:write', 'records:read']);
      const attested: ReceiptBody[] = [];
      const readAll = async () => {
        for (const want of attested) {
          const res = await request(app, {
            method: 'GET',
            url: `/v1/records/${want.id}`,
            headers: bearer(key),
          });
          const got = res.json() as ReceiptBody;
          assert.equal(got.receipt, want.receipt, want.id);
          assert.deepEqual(got.receiptProof, want.receiptProof, want.id);
        }
      };
      for (const n of [1, 3, 1, 5]) attested.push(...(await attestBatch(app, key, 'grow', n)));
      await readAll(); // the index now knows these commits and holds their notes
      for (const n of [2, 1, 4]) attested.push(...(await attestBatch(app, key, 'grow', n)));
      await readAll();
    } finally {
      await fx.close();
    }
  });
});
