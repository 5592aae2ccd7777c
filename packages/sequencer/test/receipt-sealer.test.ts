import { describe, test } from 'node:test';
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
} from '@proofline/records';
import { ReceiptSealer, Sequencer, SequencerError, nodeLeafHash } from '../src/index.js';
import { ORIGIN, SEED, VERIFIER_KEY, logSigner, openStore } from './helpers.js';

const T = Date.UTC(2026, 11, 6);
const entries = (...names: string[]) => names.map((n) => new TextEncoder().encode(n));
const isSealed = (err: unknown) =>
  err instanceof SequencerError && err.code === 'INDEX_ALREADY_SEALED';

describe('ReceiptSealer', () => {
  test('seals a receipt/v1 for one entry and a batch receipt for more, under the log key', async () => {
    const sealer = new ReceiptSealer(ORIGIN, SEED);
    const verifier = parseVerifierKey(VERIFIER_KEY);
    const one = sealer.session();
    const single = one.seal({ first: 7, timeMs: T, entries: entries('a') });
    one.settle();
    const receipt = await openReceipt(single, verifier);
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
    many.settle();
    const opened = await openBatchReceipt(note, verifier);
    assert.deepEqual([opened.first, opened.size, opened.time], [8, 3, formatTime(T)]);
    const tree = batchTree(batch.map((e) => nodeLeafHash(e)));
    assert.ok(batchReceiptIncludes(opened, 9, nodeLeafHash(batch[1]!), tree.proof(1)));
  });

  test('refuses, and reports, an index below one sealed for a settled call', () => {
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, SEED, (err) => refused.push(err));
    const first = sealer.session();
    first.seal({ first: 0, timeMs: T, entries: entries('a', 'b', 'c') });
    first.settle();
    const second = sealer.session();
    assert.throws(() => second.seal({ first: 2, timeMs: T, entries: entries('x') }), isSealed);
    assert.throws(
      () => second.seal({ first: 0, timeMs: T, entries: entries('a', 'b', 'c') }),
      isSealed,
    );
    assert.equal(refused.length, 2);
    assert.ok(second.seal({ first: 3, timeMs: T, entries: entries('d') }));
  });

  test('refuses to overlap another call under way; a call may reseal its own proposal', () => {
    const sealer = new ReceiptSealer(ORIGIN, SEED, () => {});
    const a = sealer.session();
    const b = sealer.session();
    a.seal({ first: 5, timeMs: T, entries: entries('a', 'b', 'c') });
    assert.throws(() => b.seal({ first: 7, timeMs: T, entries: entries('x') }), isSealed);
    assert.ok(b.seal({ first: 8, timeMs: T, entries: entries('x') }));
    // Storage answered retry for a's proposal (e.g. an idempotency key turned out used).
    assert.ok(a.seal({ first: 5, timeMs: T + 1, entries: entries('a', 'b') }));
    a.settle();
    b.settle();
    assert.throws(
      () => sealer.session().seal({ first: 8, timeMs: T, entries: entries('y') }),
      isSealed,
    );
  });

  test('a storage rolled back behind the sequencer cannot get a second receipt for an index', async (t) => {
    const { storage, path, config } = await openStore(t);
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, SEED, (err) => refused.push(err));
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
});
