import { describe, test } from 'node:test';
import { nodeLeafHash } from '@proofline/tlog/node';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { parseVerifierKey } from '@proofline/note';
import {
  batchReceiptIncludes,
  batchTree,
  formatTime,
  openBatchReceipt,
  openReceipt,
  signReceipt,
  receiptFormat,
} from '@proofline/records';
import { ReceiptSealer, Sequencer, SequencerError } from '../src/index.js';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { ORIGIN, SEED, VERIFIER_KEY, logSigner, openStore, wrapStorage } from './helpers.js';

const T = Date.UTC(2026, 11, 6);
const entries = (...names: string[]) => names.map((n) => new TextEncoder().encode(n));
const isSealed = (err: unknown) =>
  err instanceof SequencerError && err.code === 'INDEX_ALREADY_SEALED';

describe('ReceiptSealer', () => {
  test('seals a receipt/v1 for one entry and a batch receipt for more, under the log key', async () => {
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat);
    const verifier = parseVerifierKey(VERIFIER_KEY);
    const one = sealer.session();
    const single = one.seal({ first: 7, timeMs: T, entries: entries('a') });
    assert.equal(typeof single, 'string'); // a SyncSigner's note: no promise
    one.settle('stored');
    const receipt = await openReceipt(single as string, verifier);
    assert.equal(receipt.index, 7);
    assert.deepEqual(receipt.leafHash, nodeLeafHash(entries('a')[0]!));
    assert.equal(receipt.time, formatTime(T));
    // Byte-identical to the browser-safe signing path (Ed25519 is deterministic).
    assert.equal(
      single,
      await signReceipt(
        { origin: ORIGIN, index: 7, leafHash: receipt.leafHash, time: receipt.time },
        logSigner(),
      ),
    );

    const many = sealer.session();
    const batch = entries('b', 'c', 'd');
    const note = many.seal({ first: 8, timeMs: T, entries: batch });
    many.settle('stored');
    const opened = await openBatchReceipt(await note, verifier);
    assert.deepEqual([opened.first, opened.size, opened.time], [8, 3, formatTime(T)]);
    const tree = batchTree(batch.map((e) => nodeLeafHash(e)));
    assert.ok(batchReceiptIncludes(opened, 9, nodeLeafHash(batch[1]!), tree.proof(1)));
  });

  test('refuses, and reports, an index below one sealed for a stored commit', () => {
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, (err) => refused.push(err));
    const first = sealer.session();
    first.seal({ first: 0, timeMs: T, entries: entries('a', 'b', 'c') });
    first.settle('stored');
    const second = sealer.session();
    assert.throws(() => second.seal({ first: 2, timeMs: T, entries: entries('x') }), isSealed);
    assert.throws(
      () => second.seal({ first: 0, timeMs: T, entries: entries('a', 'b', 'c') }),
      isSealed,
    );
    assert.equal(refused.length, 2);
    assert.ok(second.seal({ first: 3, timeMs: T, entries: entries('d') }));
  });

  test('lets calls under way overlap and reseal; a stored one fixes the floor', () => {
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, () => {});
    const a = sealer.session();
    const b = sealer.session();
    a.seal({ first: 5, timeMs: T, entries: entries('a', 'b', 'c') });
    // b was proposed to follow a, which storage then answered retry: b's proposal may overlap.
    assert.ok(b.seal({ first: 7, timeMs: T, entries: entries('x') }));
    assert.ok(a.seal({ first: 5, timeMs: T + 1, entries: entries('a', 'b') }));
    a.settle('stored');
    assert.throws(() => b.seal({ first: 6, timeMs: T, entries: entries('x') }), isSealed);
    assert.ok(b.seal({ first: 7, timeMs: T, entries: entries('x') }));
    b.settle('stored');
    const c = sealer.session();
    assert.throws(() => c.seal({ first: 7, timeMs: T, entries: entries('y') }), isSealed);
    assert.ok(c.seal({ first: 8, timeMs: T, entries: entries('y') }));
  });

  test('a seal storage dropped (retry, duplicates) leaves no floor', () => {
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, () => {});
    const a = sealer.session();
    a.seal({ first: 5, timeMs: T, entries: entries('a') }); // then retried: now a duplicate
    a.settle('dropped');
    assert.ok(sealer.session().seal({ first: 5, timeMs: T, entries: entries('b') }));
    const b = sealer.session();
    b.seal({ first: 6, timeMs: T, entries: entries('c', 'd') });
    b.settle('stored');
    assert.throws(
      () => sealer.session().seal({ first: 7, timeMs: T, entries: entries('e') }),
      isSealed,
    );
  });

  test('a storage rolled back behind the sequencer cannot get a second receipt for an index', async (t) => {
    const { storage, path, config } = await openStore(t);
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, (err) => refused.push(err));
    const seq = new Sequencer(storage, config.name, { sealer });
    assert.equal(await seq.appendBatch(entries('a', 'b')), 0);
    assert.equal(await seq.append(entries('c')[0]!), 2);
    const original = (await storage.commitRange(config.name, 2)).receipt;
    assert.ok(original);

    // The insider removes entry 2 and its commit and winds the log back to size 2.
    const db = new Database(path);
    db.prepare('DELETE FROM entries WHERE idx = 2').run();
    db.prepare('DELETE FROM batches WHERE first_idx = 2').run();
    db.prepare('UPDATE logs SET sequenced_size = 2').run();
    db.close();

    await assert.rejects(seq.append(entries('forged')[0]!), isSealed);
    assert.equal(refused.length, 1);
    assert.equal(await storage.sequencedSize(config.name), 2, 'nothing was written');
    await assert.rejects(storage.commitRange(config.name, 2));
  });

  test('pipelined commits beside another writer all commit, each with the note of exactly its entries', async (t) => {
    const { path, config } = await openStore(t);
    const storage = new SqliteStorage(path, { inlineMaxEntries: 0 });
    const other = new SqliteStorage(path);
    t.after(() => Promise.all([storage.close(), other.close()]));
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, (err) => refused.push(err));
    const seq = new Sequencer(storage, config.name, { sealer, maxInFlight: 4 });
    const theirs = new Sequencer(other, config.name, { maxBatchSize: 7 });
    const mine: Promise<number>[] = [];
    const foreign: Promise<number>[] = [];
    for (let i = 0; i < 300; i++) {
      mine.push(seq.append(entries(`mine ${i}`)[0]!));
      if (i % 3 === 0) foreign.push(theirs.appendBatch(entries(`theirs ${i}`, `theirs ${i}+`)));
      if (i % 25 === 0) await new Promise((r) => setImmediate(r));
    }
    const indices = await Promise.all(mine);
    await Promise.all(foreign);
    assert.deepEqual(refused, []);
    const verifier = parseVerifierKey(VERIFIER_KEY);
    const seen = new Set<number>();
    for (const index of indices) {
      const commit = await storage.commitRange(config.name, index);
      if (seen.has(commit.start)) continue;
      seen.add(commit.start);
      const stored = await storage.readEntries(config.name, commit.start, commit.end);
      assert.ok(commit.receipt, `commit at ${commit.start} is sealed`);
      const leaves = stored.map((e) => nodeLeafHash(e));
      if (leaves.length === 1) {
        const r = await openReceipt(commit.receipt, verifier);
        assert.deepEqual([r.index, r.leafHash], [commit.start, leaves[0]]);
      } else {
        const r = await openBatchReceipt(commit.receipt, verifier);
        assert.deepEqual(
          [r.first, r.size, r.root],
          [commit.start, leaves.length, batchTree(leaves).root],
        );
      }
    }
  });

  test('a failed commit blocks its indices only until storage shows whether it landed', async (t) => {
    const { storage, config } = await openStore(t);
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, (err) => refused.push(err));
    let fault: 'before' | 'after' | undefined;
    const faulty = wrapStorage(storage, {
      sequence: async (...args) => {
        const mode = fault;
        fault = undefined;
        if (mode === 'before') {
          // Sealed, then fails before anything is written (e.g. the disk refused the commit).
          throw new Error('disk I/O error');
        }
        const results = await storage.sequence(...args);
        if (mode === 'after') throw new Error('connection reset'); // committed, answer lost
        return results;
      },
    });
    const seq = new Sequencer(faulty, config.name, { sealer });
    fault = 'before';
    await assert.rejects(seq.append(entries('a')[0]!), /disk I\/O error/);
    // Nothing was stored at index 0, so its seal is released and index 0 is sealed anew.
    assert.equal(await seq.append(entries('a')[0]!), 0);
    fault = 'after';
    await assert.rejects(seq.append(entries('b')[0]!), /connection reset/);
    // Index 1 was stored with its note: it is never sealed again, the log goes on at 2.
    assert.equal(await seq.append(entries('c')[0]!), 2);
    assert.deepEqual(refused, []);
    const second = sealer.session();
    assert.throws(() => second.seal({ first: 1, timeMs: T, entries: entries('x') }), isSealed);
  });
});
