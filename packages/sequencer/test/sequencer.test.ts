import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Storage } from '@proofline/storage';
import { MAX_ENTRY_SIZE, Sequencer, type CommitReport } from '../src/index.js';
import {
  assertSequencerError,
  countingStorage,
  gate,
  hex,
  openStore,
  settle,
  sleep,
  state,
  utf8,
  wrapStorage,
  entryCount,
} from './helpers.js';

const LOG = 'seq-test';

/** A storage whose `sequence` calls wait on a gate before reaching the real driver. */
function heldStorage(inner: Storage) {
  let held = gate();
  const batches: number[] = [];
  let entered = gate();
  const storage = wrapStorage(inner, {
    sequence: async (log, commit) => {
      batches.push(entryCount(commit));
      entered.open();
      await held.promise;
      return inner.sequence(log, commit);
    },
  });
  return {
    storage,
    batches,
    /** Resolves once a `sequence` call is waiting. */
    entered: () => entered.promise,
    /** Lets every waiting and future `sequence` call through. */
    release: () => held.open(),
    /** Holds future calls again. */
    hold: () => {
      held = gate();
      entered = gate();
    },
  };
}

describe('Sequencer batching', () => {
  test('2,000 concurrent appends get unique gap-free indices in few transactions', async (t) => {
    const { storage: real } = await openStore(t);
    const { storage, batches } = countingStorage(real);
    const seq = new Sequencer(storage, LOG);
    const entries = Array.from({ length: 2000 }, (_, i) => utf8(`concurrent entry ${i}`));

    const indices = await Promise.all(entries.map((e) => seq.append(e)));

    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      Array.from({ length: 2000 }, (_, i) => i),
      'indices are exactly 0..1999',
    );
    const stored = await real.readEntries(LOG, 0, 2000);
    for (const [caller, index] of indices.entries()) {
      assert.equal(hex(stored[index]!), hex(entries[caller]!), `entry of caller ${caller}`);
    }
    assert.equal(await real.sequencedSize(LOG), 2000);
    assert.equal(
      batches.reduce((a, b) => a + b, 0),
      2000,
    );
    assert.ok(batches.length <= 10, `2,000 appends took ${batches.length} transactions`);
  });

  test('appends arriving while a commit is in flight form the next batch', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    const seq = new Sequencer(held.storage, LOG);
    const first = seq.append(utf8('first'));
    await held.entered();
    const later = Array.from({ length: 500 }, (_, i) => seq.append(utf8(`later ${i}`)));
    await settle();
    assert.deepEqual(held.batches, [1], 'nothing else reaches storage while a commit is held');
    held.release();
    assert.equal(await first, 0);
    const indices = await Promise.all(later);
    assert.deepEqual(
      indices,
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    assert.deepEqual(held.batches, [1, 500], 'the 500 waiting appends share one transaction');
  });

  test('with maxInFlight 2, the next batch reaches storage while one is held', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    const seq = new Sequencer(held.storage, LOG, { maxInFlight: 2 });
    const first = seq.append(utf8('first'));
    await held.entered();
    const second = Array.from({ length: 10 }, (_, i) => seq.append(utf8(`second ${i}`)));
    await settle();
    const third = Array.from({ length: 20 }, (_, i) => seq.append(utf8(`third ${i}`)));
    await settle();
    assert.deepEqual(held.batches, [1, 10], 'two batches in flight, the third waits');
    const closed = seq.close();
    held.release();
    assert.equal(await first, 0);
    assert.deepEqual(
      await Promise.all(second),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      await Promise.all(third),
      Array.from({ length: 20 }, (_, i) => i + 11),
    );
    await closed;
    assert.deepEqual(held.batches, [1, 10, 20]);
    assert.equal(await real.sequencedSize(LOG), 31);
  });

  test('with eagerBatchSize, a batch that reaches it while storage idles is sent at once', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    const seq = new Sequencer(held.storage, LOG, { maxInFlight: 4, eagerBatchSize: 16 });
    // 40 appends in one synchronous run: the 16th hands the first 16 to a commit before the
    // turn ends; the rest wait for the turn (one is in flight now) and share the next batch.
    const appends = Array.from({ length: 40 }, (_, i) => seq.append(utf8(`eager ${i}`)));
    await settle();
    assert.deepEqual(held.batches, [16, 24], 'without eagerBatchSize: [40]');
    held.release();
    assert.deepEqual(
      await Promise.all(appends),
      Array.from({ length: 40 }, (_, i) => i),
    );
    // With something in flight, reaching the size sends nothing early.
    held.hold();
    const lone = seq.append(utf8('lone'));
    await held.entered();
    const more = Array.from({ length: 20 }, (_, i) => seq.append(utf8(`more ${i}`)));
    assert.deepEqual(held.batches, [16, 24, 1], 'nothing sent early while one is in flight');
    await settle();
    assert.deepEqual(held.batches, [16, 24, 1, 20]);
    held.release();
    await Promise.all([lone, ...more]);
    assert.equal(await real.sequencedSize(LOG), 61);
    const stored = await real.readEntries(LOG, 0, 61);
    assert.equal(new TextDecoder().decode(stored[40]), 'lone');
  });

  test('an eager batch leaves a delayed commit nothing to send, and no empty commit', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    held.release();
    const seq = new Sequencer(held.storage, LOG, { maxBatchDelayMs: 20, eagerBatchSize: 3 });
    const first = seq.append(utf8('a')); // schedules the delayed commit
    const rest = [seq.append(utf8('b')), seq.append(utf8('c'))]; // the third sends all three
    await settle();
    assert.deepEqual(held.batches, [3], 'sent before the 20 ms delay');
    assert.deepEqual(await Promise.all([first, ...rest]), [0, 1, 2]);
    await sleep(40); // the timer fires on an empty queue
    assert.deepEqual(held.batches, [3], 'no empty commit');
    assert.equal(await seq.append(utf8('d')), 3, 'and the next append is still committed');
    assert.deepEqual(held.batches, [3, 1]);
  });

  test('appendBatch entries are consecutive and in order, amid concurrent appends', async (t) => {
    const { storage: real } = await openStore(t);
    const seq = new Sequencer(real, LOG, { maxBatchSize: 64 });
    const singles: Promise<number>[] = [];
    const groups: { entries: Uint8Array[]; first: Promise<number> }[] = [];
    for (let g = 0; g < 40; g++) {
      for (let i = 0; i < 7; i++) singles.push(seq.append(utf8(`single ${g}.${i}`)));
      const entries = Array.from({ length: 1 + (g % 13) }, (_, i) => utf8(`group ${g} item ${i}`));
      groups.push({ entries, first: seq.appendBatch(entries) });
    }
    await Promise.all([...singles, ...groups.map((g) => g.first)]);
    const total = 40 * 7 + groups.reduce((a, g) => a + g.entries.length, 0);
    assert.equal(await real.sequencedSize(LOG), total);
    const stored = await real.readEntries(LOG, 0, total);
    const used = new Set<number>();
    for (const [g, group] of groups.entries()) {
      const first = await group.first;
      for (const [i, entry] of group.entries.entries()) {
        assert.equal(hex(stored[first + i]!), hex(entry), `group ${g} entry ${i}`);
        assert.ok(!used.has(first + i));
        used.add(first + i);
      }
    }
    for (const index of await Promise.all(singles)) {
      assert.ok(!used.has(index), `index ${index} given twice`);
      used.add(index);
    }
    assert.equal(used.size, total);
  });

  test('each group hears the commit it was part of, shared with the groups beside it', async (t) => {
    const { storage } = await openStore(t);
    const seq = new Sequencer(storage, LOG);
    const group = (n: number) => ({
      count: n,
      build: (timeMs: number) => ({
        entries: Array.from({ length: n }, (_, i) => utf8(`group of ${n}, entry ${i}`)),
        built: `built at ${timeMs}`,
      }),
    });
    const sequenced = async (n: number) => {
      const r = await seq.appendGroup(group(n));
      assert.ok(r.status === 'sequenced');
      return r;
    };
    const [a, b, c] = await Promise.all([sequenced(2), sequenced(1), sequenced(3)]);
    assert.equal(a.commit, b.commit, 'one commit object for the whole transaction');
    assert.equal(b.commit, c.commit);
    assert.deepEqual(
      [a, b, c].map((r) => [r.first, r.count]),
      [
        [0, 2],
        [2, 1],
        [3, 3],
      ],
    );
    assert.equal(a.built, `built at ${a.timeMs}`, 'what build returned, handed back');
    assert.deepEqual(
      a.commit.entries.map((e) => new TextDecoder().decode(e)),
      (await storage.readEntries(LOG, 0, 6)).map((e) => new TextDecoder().decode(e)),
    );
    assert.equal(a.commit.first, 0);
    assert.deepEqual(await storage.commitRange(LOG, 4), { start: 0, end: 6 });
    const later = await sequenced(1);
    assert.notEqual(later.commit, a.commit);
    assert.equal(later.commit.entries.length, 1);
  });

  test('no transaction holds more than maxBatchSize entries', async (t) => {
    const { storage: real } = await openStore(t);
    const { storage, batches } = countingStorage(real);
    const seq = new Sequencer(storage, LOG, { maxBatchSize: 100 });
    const indices = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => seq.append(utf8(`e${i}`))),
    );
    assert.equal(new Set(indices).size, 1000);
    assert.ok(
      batches.every((n) => n <= 100),
      `batch sizes ${batches.join(',')}`,
    );
    assert.equal(batches.length, 10, `a saturated queue fills its batches: ${batches.join(',')}`);

    // Groups of several entries are never split and never push a batch past the limit.
    batches.length = 0;
    const firsts = await Promise.all(
      Array.from({ length: 60 }, (_, g) =>
        seq.appendBatch(Array.from({ length: 30 }, (_, i) => utf8(`g${g}.${i}`))),
      ),
    );
    assert.ok(
      batches.every((n) => n <= 100 && n % 30 === 0),
      `batch sizes ${batches.join(',')}`,
    );
    assert.equal(
      batches.reduce((a, b) => a + b, 0),
      1800,
    );
    assert.deepEqual(
      [...firsts].sort((a, b) => a - b),
      Array.from({ length: 60 }, (_, g) => 1000 + 30 * g),
    );
  });

  test('an appendBatch larger than maxBatchSize still commits in one transaction', async (t) => {
    const { storage: real } = await openStore(t);
    const { storage, batches } = countingStorage(real);
    const seq = new Sequencer(storage, LOG, { maxBatchSize: 10 });
    const small = seq.append(utf8('before'));
    const big = seq.appendBatch(Array.from({ length: 25 }, (_, i) => utf8(`big ${i}`)));
    const after = seq.append(utf8('after'));
    assert.deepEqual(await Promise.all([small, big, after]), [0, 1, 26]);
    assert.ok(batches.includes(25), `batch sizes ${batches.join(',')}`);
  });

  test('maxBatchDelayMs lets the first entry wait for company, but not much longer', async (t) => {
    const { storage: real } = await openStore(t);

    // Without a delay, an entry appended 20 ms after another is a separate transaction.
    const eager = countingStorage(real);
    const seq0 = new Sequencer(eager.storage, LOG);
    const a0 = seq0.append(utf8('a'));
    await sleep(20);
    await Promise.all([a0, seq0.append(utf8('b')), seq0.append(utf8('c'))]);
    assert.deepEqual(eager.batches, [1, 2]);

    // With a 300 ms delay, it joins the first entry's transaction.
    const patient = countingStorage(real);
    const seq = new Sequencer(patient.storage, LOG, { maxBatchDelayMs: 300 });
    const started = Date.now();
    let firstDone = 0;
    const a = seq.append(utf8('a')).then((i) => ((firstDone = Date.now()), i));
    await sleep(20);
    const rest = [seq.append(utf8('b')), seq.append(utf8('c'))];
    await settle();
    assert.deepEqual(patient.batches, [], 'nothing is committed before the delay');
    assert.deepEqual(await Promise.all([a, ...rest]), [3, 4, 5]);
    assert.deepEqual(patient.batches, [3]);
    const waited = firstDone - started;
    assert.ok(waited >= 250 && waited < 3000, `the first entry waited ${waited} ms`);
  });

  test('a full batch is committed at once even with a long maxBatchDelayMs', async (t) => {
    const { storage: real } = await openStore(t);
    const { storage, batches } = countingStorage(real);
    // The delay is far beyond any commit, even on a loaded machine, so that waiting it out
    // cannot be mistaken for a slow commit.
    const seq = new Sequencer(storage, LOG, { maxBatchSize: 10, maxBatchDelayMs: 30_000 });
    // Ten appends in one turn fill the batch: there is no company left to wait for.
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => seq.append(utf8(`x${i}`))));
    const outcome = await Promise.race([all.then(() => 'committed'), sleep(10_000).then(() => '')]);
    await all; // let a pending timer run out either way, so none outlives the test
    assert.deepEqual(batches, [10]);
    assert.equal(
      outcome,
      'committed',
      'a batch that reached maxBatchSize must not wait out maxBatchDelayMs (30 s)',
    );
  });
});

describe('Sequencer durability contract', () => {
  test('a failed transaction rejects every caller of the batch and leaves no gap', async (t) => {
    const { storage: real } = await openStore(t);
    const boom = new Error('disk on fire');
    let failures = 1;
    const batches: number[] = [];
    const storage = wrapStorage(real, {
      sequence: async (log, commit) => {
        batches.push(entryCount(commit));
        if (failures-- > 0) throw boom;
        return real.sequence(log, commit);
      },
    });
    const seq = new Sequencer(storage, LOG);
    const doomed = [
      seq.append(utf8('a')),
      seq.appendBatch([utf8('b'), utf8('c')]),
      seq.append(utf8('d')),
    ];
    const results = await Promise.allSettled(doomed);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal(r.status === 'rejected' && r.reason, boom, 'the storage error, unchanged');
    }
    assert.deepEqual(batches, [4], 'they were one batch');
    assert.equal(await real.sequencedSize(LOG), 0, 'nothing stored');

    assert.equal(await seq.append(utf8('e')), 0, 'the next batch starts at index 0');
    assert.deepEqual(await seq.appendBatch([utf8('f'), utf8('g')]), 1);
    assert.deepEqual(
      (await real.readEntries(LOG, 0, 3)).map(hex),
      [utf8('e'), utf8('f'), utf8('g')].map(hex),
    );
  });

  test('entries queued behind a failing transaction are unaffected', async (t) => {
    const { storage: real } = await openStore(t);
    const boom = new Error('transient');
    const held = gate();
    let calls = 0;
    const storage = wrapStorage(real, {
      sequence: async (log, commit) => {
        if (calls++ === 0) {
          await held.promise;
          throw boom;
        }
        return real.sequence(log, commit);
      },
    });
    const seq = new Sequencer(storage, LOG);
    const doomed = seq.append(utf8('doomed'));
    await settle();
    const queued = [seq.append(utf8('q0')), seq.append(utf8('q1'))];
    held.open();
    await assert.rejects(doomed, (err) => err === boom);
    assert.deepEqual(await Promise.all(queued), [0, 1]);
    assert.deepEqual((await real.readEntries(LOG, 0, 2)).map(hex), [
      hex(utf8('q0')),
      hex(utf8('q1')),
    ]);
  });

  test('a transaction that fails inside SQLite stores none of its entries', async (t) => {
    const { storage, path } = await openStore(t);
    // A trigger makes the driver's own transaction abort at the third entry of the batch.
    const db = new Database(path);
    t.after(() => db.close());
    db.exec(
      "CREATE TRIGGER poison BEFORE INSERT ON entries WHEN NEW.data = X'deadbeef' " +
        "BEGIN SELECT RAISE(ABORT, 'poisoned entry'); END",
    );
    const seq = new Sequencer(storage, LOG);
    const poison = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    const batch = [seq.append(utf8('ok 0')), seq.append(utf8('ok 1')), seq.append(poison)];
    const results = await Promise.allSettled(batch);
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    assert.ok(reasons[0] instanceof Error && /poisoned entry/.test(reasons[0].message));
    assert.ok(
      reasons.every((r) => r === reasons[0]),
      'every caller gets the same error',
    );
    assert.equal(await storage.sequencedSize(LOG), 0);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM entries').get(), { n: 0 });

    assert.equal(await seq.append(utf8('ok 2')), 0);
    assert.deepEqual(db.prepare('SELECT idx FROM entries ORDER BY idx').pluck().all(), [0]);
  });
});

describe('Sequencer limits', () => {
  test('entries are at most 65,535 bytes', async (t) => {
    const { storage } = await openStore(t);
    const seq = new Sequencer(storage, LOG);
    assert.equal(MAX_ENTRY_SIZE, 65535);
    await assertSequencerError(seq.append(new Uint8Array(65536)), 'ENTRY_TOO_LARGE');
    // An oversized entry refuses its whole appendBatch.
    await assertSequencerError(
      seq.appendBatch([utf8('fine'), new Uint8Array(70000)]),
      'ENTRY_TOO_LARGE',
    );
    assert.equal(await storage.sequencedSize(LOG), 0);

    const big = new Uint8Array(65535).map((_, i) => i & 0xff);
    assert.equal(await seq.append(big), 0);
    assert.equal(await seq.append(new Uint8Array(0)), 1, 'an empty entry is fine');
    const [storedBig, storedEmpty] = await storage.readEntries(LOG, 0, 2);
    assert.equal(hex(storedBig!), hex(big));
    assert.equal(storedEmpty!.length, 0);
  });

  test('a full backlog refuses appends with OVERLOADED and stays bounded', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    const seq = new Sequencer(held.storage, LOG, { maxPending: 10, maxBatchSize: 4 });

    const accepted: Promise<number>[] = [];
    accepted.push(...Array.from({ length: 4 }, (_, i) => seq.append(utf8(`in flight ${i}`))));
    await held.entered(); // the first 4 are in a transaction that does not finish
    accepted.push(seq.appendBatch(Array.from({ length: 5 }, (_, i) => utf8(`queued ${i}`))));
    accepted.push(seq.append(utf8('the tenth')));

    const refused = await assertSequencerError(seq.append(utf8('eleventh')), 'OVERLOADED');
    assert.ok(
      typeof refused.details?.retryAfterSeconds === 'number' &&
        refused.details.retryAfterSeconds > 0,
      'OVERLOADED says when to retry',
    );
    // A batch that does not fit is refused whole, even if part of it would fit.
    await assertSequencerError(seq.appendBatch([utf8('x'), utf8('y')]), 'OVERLOADED');

    // Hammering a full sequencer does not grow its backlog.
    const flood = await Promise.allSettled(
      Array.from({ length: 5000 }, (_, i) => seq.append(utf8(`flood ${i}`))),
    );
    assert.ok(flood.every((r) => r.status === 'rejected'));
    assert.equal(Reflect.get(seq, 'pending'), 10, 'pending entries stay at maxPending');
    assert.deepEqual(held.batches, [4], 'refused entries never reach storage');

    held.release();
    const indices = await Promise.all(accepted);
    assert.deepEqual(indices, [0, 1, 2, 3, 4, 9]);
    assert.equal(await real.sequencedSize(LOG), 10);
    assert.equal(Reflect.get(seq, 'pending'), 0);

    // With room again, appends are accepted.
    assert.equal(await seq.append(utf8('after the flood')), 10);
  });

  test('close() waits for accepted entries to commit; later appends reject with CLOSED', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    const seq = new Sequencer(held.storage, LOG, { maxBatchSize: 3 });
    const accepted = Array.from({ length: 5 }, (_, i) => seq.append(utf8(`accepted ${i}`)));
    await held.entered();

    const closing = seq.close();
    await assertSequencerError(seq.append(utf8('too late')), 'CLOSED');
    await assertSequencerError(seq.appendBatch([utf8('too late')]), 'CLOSED');
    assert.equal(await state(closing), 'pending', 'close waits for the transaction in flight');
    assert.equal(await real.sequencedSize(LOG), 0);

    held.release();
    await closing;
    // By the time close resolves, every accepted entry is durable and its caller answered.
    assert.equal(await real.sequencedSize(LOG), 5);
    assert.deepEqual(await Promise.all(accepted), [0, 1, 2, 3, 4]);
    assert.deepEqual(held.batches, [3, 2]);
    await assertSequencerError(seq.append(utf8('after close')), 'CLOSED');
    await seq.close(); // closing again is harmless
  });

  test('close() on an idle sequencer resolves at once', async (t) => {
    const { storage } = await openStore(t);
    const seq = new Sequencer(storage, LOG);
    assert.equal(await seq.append(utf8('one')), 0);
    await seq.close();
    await assertSequencerError(seq.append(utf8('two')), 'CLOSED');
    assert.equal(await storage.sequencedSize(LOG), 1);
  });

  test('close() resolves after a failed transaction too', async (t) => {
    const { storage: real } = await openStore(t);
    const held = gate();
    const storage = wrapStorage(real, {
      sequence: async () => {
        await held.promise;
        throw new Error('nope');
      },
    });
    const seq = new Sequencer(storage, LOG);
    const doomed = seq.append(utf8('doomed'));
    await settle();
    const closing = seq.close();
    held.open();
    await assert.rejects(doomed, /nope/);
    await closing;
  });

  test('two concurrent close() calls both resolve', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    const seq = new Sequencer(held.storage, LOG);
    const accepted = seq.append(utf8('in flight'));
    await held.entered();
    const first = seq.close();
    const second = seq.close();
    held.release();
    assert.equal(await accepted, 0);
    const outcome = await Promise.race([
      Promise.all([first, second]).then(() => 'closed'),
      sleep(1000).then(() => 'hung'),
    ]);
    assert.equal(outcome, 'closed', 'the first close() must not hang when close() is called twice');
  });
});

describe('Sequencer reports', () => {
  test('onCommit hears every transaction, committed or failed; backlog counts the waiting', async (t) => {
    const { storage: real } = await openStore(t);
    const held = heldStorage(real);
    let fail = false;
    const storage = wrapStorage(held.storage, {
      sequence: (log, commit) =>
        fail ? Promise.reject(new Error('disk full')) : held.storage.sequence(log, commit),
    });
    const reports: CommitReport[] = [];
    const seq = new Sequencer(storage, LOG, { onCommit: (r) => reports.push(r) });
    assert.equal(seq.backlog, 0);
    const first = seq.appendBatch([utf8('a'), utf8('b')]);
    await held.entered();
    const more = [seq.append(utf8('c')), seq.append(utf8('d')), seq.append(utf8('e'))];
    assert.equal(seq.backlog, 5, 'two committing, three waiting');
    held.release();
    await Promise.all([first, ...more]);
    assert.equal(seq.backlog, 0);
    assert.deepEqual(
      reports.map((r) => [r.entries, r.sequenced, r.groups, r.ok]),
      [
        [2, 2, 1, true],
        [3, 3, 3, true],
      ],
    );
    assert.ok(reports.every((r) => r.ms >= 0));
    fail = true;
    await assert.rejects(seq.append(utf8('f')), /disk full/);
    assert.deepEqual(reports.at(-1), { ...reports.at(-1)!, entries: 1, sequenced: 0, ok: false });
    assert.equal(seq.backlog, 0);
  });
});
