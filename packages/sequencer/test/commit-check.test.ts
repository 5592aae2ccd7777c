import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import {
  Publisher,
  ReceiptSealer,
  Sequencer,
  SequencerError,
  type ReceiptFormat,
} from '../src/index.js';
import { SEED, ORIGIN, logSigner, makeEntry, openStore } from './helpers.js';
import { receiptFormat } from '@proofline/records';
import { integrate, leafHash } from '@proofline/tlog';

const isAltered = (err: unknown) => err instanceof SequencerError && err.code === 'COMMIT_ALTERED';

/** A log with a sealed single commit (index 0) and a sealed batch commit (indices 1-5). */
async function sealedLog(t: Parameters<typeof openStore>[0], integrateChunk?: number) {
  const store = await openStore(t);
  const errors: unknown[] = [];
  const seq = new Sequencer(store.storage, store.config.name, {
    sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
  });
  assert.equal(await seq.append(makeEntry('single', 0)), 0);
  const batch = Array.from({ length: 5 }, (_, i) => makeEntry('batch', i));
  assert.equal(await seq.appendBatch(batch), 1);
  const publisher = new Publisher(store.storage, store.config, logSigner(), {
    receiptFormat,
    onError: (err) => errors.push(err),
    ...(integrateChunk === undefined ? {} : { integrateChunk }),
  });
  /** Runs `fn` on the database as an insider with write access would. */
  const insider = (fn: (db: Database.Database) => void) => {
    const db = new Database(store.path);
    try {
      fn(db);
    } finally {
      db.close();
    }
  };
  return { ...store, publisher, errors, insider };
}

/** Flips the case of the first byte of the stored entry at `index`, as an insider would. */
function forge(db: Database.Database, index: number): void {
  const data = db.prepare('SELECT data FROM entries WHERE idx = ?').pluck().get(index) as Buffer;
  const forged = Buffer.from(data);
  forged[0] = forged[0]! ^ 0x20;
  db.prepare('UPDATE entries SET data = ? WHERE idx = ?').run(forged, index);
}

describe('CommitCheck: the publisher integrates only what the stored receipts sign', () => {
  test('an honest log is integrated and signed, also with commits across chunks', async (t) => {
    const { storage, config, publisher, errors } = await sealedLog(t, 2);
    const cp = await publisher.publish();
    assert.equal(cp?.size, 6);
    assert.equal(await storage.integratedSize(config.name), 6);
    assert.deepEqual(errors, []);
  });

  for (const [what, index] of [
    ['a single commit', 0],
    ['a batch member', 3],
  ] as const) {
    test(`an entry of ${what} edited after sequencing is never integrated nor signed`, async (t) => {
      const { storage, config, publisher, insider } = await sealedLog(t, 2);
      insider((db) => forge(db, index));
      await assert.rejects(publisher.publish(), (err: unknown) => {
        assert.ok(isAltered(err), String(err));
        assert.match((err as Error).message, /the database was altered/);
        return true;
      });
      // Commits before the edited one may be integrated; the edited one and later never are.
      assert.ok((await storage.integratedSize(config.name)) <= (index === 0 ? 0 : 1));
      assert.equal(await storage.latestCheckpoint(config.name), undefined);
    });
  }

  test('a receipt moved to another commit, or forged, is refused', async (t) => {
    const { storage, config, publisher, insider } = await sealedLog(t);
    insider((db) => {
      const single = db.prepare('SELECT receipt FROM batches WHERE first_idx = 0').pluck().get();
      db.prepare('UPDATE batches SET receipt = ? WHERE first_idx = 1').run(single);
    });
    await assert.rejects(publisher.publish(), isAltered);
    insider((db) =>
      db.prepare("UPDATE batches SET receipt = 'not a note' WHERE first_idx = 1").run(),
    );
    await assert.rejects(publisher.publish(), isAltered);
    assert.equal(await storage.latestCheckpoint(config.name), undefined);
  });

  test("own commits with the sealer's leaves: a stored note equal to the sealed one is not checked again; any other is", async (t) => {
    const own = async (chunk?: number) => {
      const store = await openStore(t);
      const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat);
      const committedLeaves = sealer.committedLeaves();
      const seq = new Sequencer(store.storage, store.config.name, { sealer });
      await seq.append(makeEntry('single', 0));
      await seq.appendBatch(Array.from({ length: 5 }, (_, i) => makeEntry('batch', i)));
      const checked: number[] = [];
      const check: ReceiptFormat['check'] = (note, commit, ...rest) => {
        checked.push(commit.first);
        return receiptFormat.check(note, commit, ...rest);
      };
      const publisher = new Publisher(store.storage, store.config, logSigner(), {
        receiptFormat: { text: receiptFormat.text, check },
        committedLeaves,
        ...(chunk === undefined ? {} : { integrateChunk: chunk }),
      });
      const insider = (fn: (db: Database.Database) => void) => {
        const db = new Database(store.path);
        try {
          fn(db);
        } finally {
          db.close();
        }
      };
      return { ...store, publisher, checked, insider };
    };
    const honest = await own();
    assert.equal((await honest.publisher.publish())?.size, 6);
    assert.deepEqual(honest.checked, [], 'both commits sealed here, stored as sealed');
    // A commit split across integration chunks has leaves read back: checked in full.
    const split = await own(2);
    assert.equal((await split.publisher.publish())?.size, 6);
    assert.deepEqual(split.checked, [1]);
    // An insider's receipt (moved from another commit) is checked, and refused.
    const moved = await own();
    moved.insider((db) => {
      const single = db.prepare('SELECT receipt FROM batches WHERE first_idx = 0').pluck().get();
      db.prepare('UPDATE batches SET receipt = ? WHERE first_idx = 1').run(single);
    });
    await assert.rejects(moved.publisher.publish(), isAltered);
    assert.deepEqual(moved.checked, [1]);
    assert.equal(await moved.storage.latestCheckpoint(moved.config.name), undefined);
  });

  test('a commit without a stored receipt is integrated and reported', async (t) => {
    const { publisher, insider, errors } = await sealedLog(t);
    insider((db) => db.prepare('UPDATE batches SET receipt = NULL WHERE first_idx = 1').run());
    assert.equal((await publisher.publish())?.size, 6);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as SequencerError).code, 'COMMIT_UNSEALED');
    assert.match((errors[0] as Error).message, /entries \[1, 6\) have no stored creation receipt/);
  });

  test('the receipt port decides: a difference it names or a note it cannot open stops the round', async (t) => {
    const { storage, config } = await sealedLog(t, 2);
    const seen: { first: number; leaves: number }[] = [];
    const publish = (check: ReceiptFormat['check']) =>
      new Publisher(storage, config, logSigner(), {
        receiptFormat: { text: receiptFormat.text, check },
        integrateChunk: 2,
        owner: 'port-test', // one lease holder for both publishers
      }).publish();
    // The port is given each commit whole, also one that spans integration chunks.
    const named: ReceiptFormat['check'] = async (note, commit, ...rest) => {
      seen.push({ first: commit.first, leaves: commit.leaves.length });
      const honest = await receiptFormat.check(note, commit, ...rest);
      return commit.first === 1 ? 'stale receipt' : honest;
    };
    await assert.rejects(publish(named), (err: unknown) => {
      assert.ok(isAltered(err), String(err));
      assert.match((err as Error).message, /entries \[1, 6\) .*\(stale receipt\)/);
      return true;
    });
    assert.deepEqual(seen, [
      { first: 0, leaves: 1 },
      { first: 1, leaves: 5 },
    ]);
    const broken = new Error('unparsable');
    await assert.rejects(
      publish(() => Promise.reject(broken)),
      (err: unknown) => {
        assert.ok(isAltered(err), String(err));
        assert.match((err as Error).message, /does not open with the log key/);
        assert.equal((err as Error).cause, broken);
        return true;
      },
    );
    assert.equal(await storage.latestCheckpoint(config.name), undefined);
  });

  test('lone commits are read a round at a time, and each is still checked against its receipt', async (t) => {
    const run = async (insider?: (db: Database.Database) => void) => {
      const store = await openStore(t);
      const seq = new Sequencer(store.storage, store.config.name, {
        sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
      });
      for (let i = 0; i < 40; i++) await seq.append(makeEntry('lone', i));
      if (insider !== undefined) {
        const db = new Database(store.path);
        insider(db);
        db.close();
      }
      const reads = { commitRange: 0, commitNotes: 0 };
      const storage = new Proxy(store.storage, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (key !== 'commitRange' && key !== 'commitNotes') return value;
          return (...args: unknown[]) => {
            reads[key]++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const checked: number[] = [];
      const check: ReceiptFormat['check'] = (note, commit, ...rest) => {
        checked.push(commit.first);
        return receiptFormat.check(note, commit, ...rest);
      };
      const publisher = new Publisher(storage, store.config, logSigner(), {
        receiptFormat: { text: receiptFormat.text, check },
      });
      return { publisher, reads, checked, store };
    };
    const honest = await run();
    assert.equal((await honest.publisher.publish())?.size, 40);
    assert.deepEqual(
      honest.checked,
      Array.from({ length: 40 }, (_, i) => i),
    );
    // One read of the notes, and commitRange for the first commit and the last one only.
    assert.deepEqual(honest.reads, { commitRange: 2, commitNotes: 1 });
    // An edited entry in the middle of the round is found as before, and nothing is signed.
    const edited = await run((db) => forge(db, 23));
    await assert.rejects(edited.publisher.publish(), (err: unknown) => {
      assert.ok(isAltered(err), String(err));
      assert.match((err as Error).message, /entries \[23, 24\)/);
      return true;
    });
    assert.equal(await edited.store.storage.latestCheckpoint(edited.store.config.name), undefined);
    // A commit row deleted in the middle: in the notes read, commit 22 then spans [22, 24),
    // which its receipt does not sign; refused, and nothing is signed.
    const deleted = await run((db) => db.prepare('DELETE FROM batches WHERE first_idx = 23').run());
    await assert.rejects(deleted.publisher.publish(), isAltered);
    assert.equal(
      await deleted.store.storage.latestCheckpoint(deleted.store.config.name),
      undefined,
    );
  });

  test('an erased entry of a commit integrated in part takes its leaf hash from the tiles', async (t) => {
    const { storage, config, publisher } = await sealedLog(t);
    // Entries 0-2 integrated (the batch commit 1-5 straddles the boundary), then entry 2 erased.
    const entries = await storage.readEntries(config.name, 0, 3);
    const tiles = [
      ...integrate(
        0,
        () => new Uint8Array(0),
        entries.map((e) => leafHash(e)),
      ),
    ].map((u) => ({ level: u.tile.level, index: u.tile.index, data: u.data }));
    assert.ok(await storage.integrate(config.name, 0, 3, tiles));
    assert.equal(await storage.eraseEntry(config.name, 2, { timeMs: Date.now() }), true);
    const cp = await publisher.publish();
    assert.equal(cp?.size, 6, 'the commit check accepts the erased entry by its tile leaf');
  });
});
