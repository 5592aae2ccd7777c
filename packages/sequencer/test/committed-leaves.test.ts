import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { leafHash } from '@proofline/tlog';
import { receiptFormat } from '@proofline/records';
import { CommittedLeaves, Publisher, ReceiptSealer, Sequencer } from '../src/index.js';
import {
  SEED,
  ORIGIN,
  hex,
  logSigner,
  makeEntry,
  openStore,
  openStored,
  refRoot,
  wrapStorage,
} from './helpers.js';

const leaves = (first: number, n: number) =>
  Array.from({ length: n }, (_, i) => Uint8Array.of(first + i));

describe('CommittedLeaves: the sealer hands its leaf hashes to the publisher', () => {
  test('answers the leaves it holds in a range, undefined elsewhere, and forgets what it answered', () => {
    const held = new CommittedLeaves();
    held.add(0, leaves(0, 3), 'n0');
    held.add(3, leaves(3, 2), 'n3');
    held.add(7, leaves(7, 2), 'n7'); // [5, 7) was committed by another process
    assert.deepEqual(held.take(1, 4), [...leaves(1, 3)]);
    // [0, 3) ended at or below 4 and is forgotten; [3, 5) is still held.
    assert.deepEqual(held.take(4, 5), leaves(4, 1));
    assert.deepEqual(held.take(5, 9), [undefined, undefined, ...leaves(7, 2)], 'a gap: read it');
    assert.deepEqual(held.take(7, 9), [undefined, undefined], 'forgotten by the previous take');
  });

  test('names the notes it sealed over the commits held inside a range, forgetting nothing', () => {
    const held = new CommittedLeaves();
    held.add(0, leaves(0, 3), 'n0');
    held.add(3, leaves(3, 2), 'n3');
    assert.deepEqual(
      [...held.sealed(0, 5)],
      [
        [0, { end: 3, note: 'n0' }],
        [3, { end: 5, note: 'n3' }],
      ],
    );
    assert.deepEqual([...held.sealed(1, 5)], [[3, { end: 5, note: 'n3' }]], 'only whole commits');
    assert.deepEqual([...held.sealed(0, 4)], [[0, { end: 3, note: 'n0' }]]);
    assert.deepEqual(held.take(0, 5), leaves(0, 5));
    assert.deepEqual([...held.sealed(0, 5)], []);
  });

  test('holds at most its bound: a commit beyond it is not remembered', () => {
    const held = new CommittedLeaves(4);
    held.add(0, leaves(0, 3), 'n0');
    held.add(3, leaves(3, 2), 'n3');
    assert.deepEqual(held.take(0, 3), leaves(0, 3));
    assert.deepEqual(held.take(3, 5), [undefined, undefined]);
  });

  test('the publisher integrates own commits from them: same tiles and root', async (t) => {
    const store = await openStore(t);
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat);
    const committedLeaves = sealer.committedLeaves();
    const seq = new Sequencer(store.storage, store.config.name, { sealer });
    const entries = Array.from({ length: 7 }, (_, i) => makeEntry('own', i));
    await seq.append(entries[0]!);
    await seq.appendBatch(entries.slice(1));
    let reads = 0;
    const storage = wrapStorage(store.storage, {
      readEntries: (...args) => {
        reads++;
        return store.storage.readEntries(...args);
      },
    });
    const publisher = new Publisher(storage, store.config, logSigner(), {
      receiptFormat,
      committedLeaves,
    });
    const cp = await publisher.publish();
    assert.equal(cp?.size, 7);
    assert.equal(reads, 0, 'no entry read back');
    const { rootHash } = await openStored(cp!, store.config);
    const root = Buffer.from(rootHash);
    assert.equal(hex(root), hex(refRoot(entries.map((e) => leafHash(e)))));
  });

  test('the publisher reads back only the entries its sealer did not hash', async (t) => {
    const store = await openStore(t);
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat);
    const committedLeaves = sealer.committedLeaves();
    const seq = new Sequencer(store.storage, store.config.name, { sealer });
    const other = new Sequencer(store.storage, store.config.name, {
      sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
    });
    const entries = Array.from({ length: 9 }, (_, i) => makeEntry('mixed', i));
    await seq.appendBatch(entries.slice(0, 3));
    await other.appendBatch(entries.slice(3, 5)); // e.g. another process's commit
    await seq.appendBatch(entries.slice(5));
    const reads: [number, number][] = [];
    const storage = wrapStorage(store.storage, {
      readEntries: (log, start, end) => {
        reads.push([start, end]);
        return store.storage.readEntries(log, start, end);
      },
    });
    const publisher = new Publisher(storage, store.config, logSigner(), {
      receiptFormat,
      committedLeaves,
    });
    const cp = await publisher.publish();
    assert.equal(cp?.size, 9);
    assert.deepEqual(reads, [[3, 5]], 'only the other commit is read back');
    const root = Buffer.from((await openStored(cp!, store.config)).rootHash);
    assert.equal(hex(root), hex(refRoot(entries.map((e) => leafHash(e)))));
  });

  test('an entry edited before integration: integrated as committed, the edit stands out', async (t) => {
    const store = await openStore(t);
    const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat);
    const committedLeaves = sealer.committedLeaves();
    const seq = new Sequencer(store.storage, store.config.name, { sealer });
    const entries = Array.from({ length: 3 }, (_, i) => makeEntry('own', i));
    await seq.appendBatch(entries);
    const db = new Database(store.path);
    db.prepare('UPDATE entries SET data = ? WHERE idx = 1').run(Buffer.from('forged'));
    db.close();
    const errors: unknown[] = [];
    const publisher = new Publisher(store.storage, store.config, logSigner(), {
      receiptFormat,
      committedLeaves,
      onError: (err) => errors.push(err),
    });
    const cp = await publisher.publish();
    assert.equal(cp?.size, 3);
    assert.deepEqual(errors, []);
    // The signed tree is of the committed entries, so the stored one no longer matches it.
    const root = Buffer.from((await openStored(cp!, store.config)).rootHash);
    assert.equal(hex(root), hex(refRoot(entries.map((e) => leafHash(e)))));
    const stored = await store.storage.readEntries(store.config.name, 0, 3);
    assert.notEqual(hex(refRoot(stored.map((e) => leafHash(e)))), hex(root));
  });
});
