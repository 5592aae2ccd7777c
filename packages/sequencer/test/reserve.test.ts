/**
 * The sequencer on a storage that reserves (Storage.reserve, as the PostgreSQL driver does):
 * every attempt is proposed at the place and time reserved for it, with its epoch, without
 * reading the tail; a `retry` reserves again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CommitRequest, Reservation, Storage } from '@proofline/storage';
import { Sequencer } from '../src/index.js';
import { entryCount, gate, openStore, utf8, wrapStorage } from './helpers.js';

const LOG = 'seq-test';

/**
 * Wraps `inner` with a `reserve` handing out places from `next` (in memory), recording the
 * reservations and the commits proposed; `tail` must not be needed.
 */
function reserving(inner: Storage, start: { next: number; epoch: number; ahead?: number }) {
  const reservations: Reservation[] = [];
  const commits: CommitRequest[] = [];
  let time = 0;
  const storage = wrapStorage(inner, {
    reserve: (_log, count, nowMs) => {
      time = Math.max(time, nowMs);
      const r = { first: start.next, timeMs: time, epoch: start.epoch, ahead: start.ahead ?? 0 };
      start.next += count;
      reservations.push(r);
      return Promise.resolve(r);
    },
    tail: () => Promise.reject(new Error('a reserving sequencer reads no tail')),
    sequence: (log, commit) => {
      commits.push(commit);
      return inner.sequence(log, commit);
    },
  });
  return { storage, reservations, commits };
}

describe('Sequencer on a storage that reserves', () => {
  test('sends no batch early (eagerBatchSize is ignored): a burst stays one commit', async (t) => {
    const { storage: real } = await openStore(t);
    const r = reserving(real, { next: 0, epoch: 1 });
    const seq = new Sequencer(r.storage, LOG, { maxInFlight: 4, eagerBatchSize: 4 });
    const indices = await Promise.all(
      Array.from({ length: 20 }, (_, i) => seq.append(utf8(`burst ${i}`))),
    );
    assert.deepEqual(
      indices,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual(
      r.commits.map((c) => entryCount(c)),
      [20],
      'one commit of 20, not 4 + 16',
    );
  });

  test('proposes each batch at its reservation, with its epoch', async (t) => {
    const { storage: real } = await openStore(t);
    const r = reserving(real, { next: 0, epoch: 7 });
    let now = 1_000;
    const seq = new Sequencer(r.storage, LOG, { maxInFlight: 4, now: () => now++ });
    const indices = await Promise.all(
      Array.from({ length: 50 }, (_, i) => seq.append(utf8(`entry ${i}`))),
    );
    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(
      r.commits.map((c) => [c.first, c.timeMs, c.epoch]),
      r.reservations.map((p) => [p.first, p.timeMs, p.epoch]),
    );
    assert.equal(
      r.commits.reduce((n, c) => n + entryCount(c), 0),
      50,
    );
    assert.deepEqual(await real.tail(LOG), { size: 50, timeMs: r.reservations.at(-1)!.timeMs });
  });

  test('reserves again after a retry answer', async (t) => {
    const { storage: real } = await openStore(t);
    // The first place is stale (the log is empty, it says 3): storage answers retry.
    const start = { next: 3, epoch: 1 };
    const r = reserving(real, start);
    const storage = wrapStorage(r.storage, {
      sequence: (log, commit) => {
        if (commit.first === 3) start.next = 0; // the reservation row is rebuilt
        return r.storage.sequence(log, commit);
      },
    });
    const seq = new Sequencer(storage, LOG);
    assert.equal(await seq.appendBatch([utf8('a'), utf8('b')]), 0);
    assert.deepEqual(
      r.commits.map((c) => c.first),
      [3, 0],
    );
    assert.equal(r.reservations.length, 2);
  });

  for (const [ahead, proposedWhileHeld] of [
    [0, 2],
    [4, 1],
  ] as const) {
    test(`with ${ahead} commits waiting before its reservation, proposes ${proposedWhileHeld} batch(es) at once`, async (t) => {
      const { storage: real } = await openStore(t);
      const r = reserving(real, { next: 0, epoch: 1, ahead });
      const held = gate();
      let entered = 0;
      const storage = wrapStorage(r.storage, {
        sequence: async (log, commit) => {
          entered++;
          await held.promise;
          return r.storage.sequence(log, commit);
        },
      });
      const seq = new Sequencer(storage, LOG, { maxInFlight: 4 });
      const first = seq.append(utf8('a'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const later = [seq.append(utf8('b')), seq.append(utf8('c'))];
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(entered, proposedWhileHeld);
      held.open();
      assert.deepEqual(await Promise.all([first, ...later]), [0, 1, 2]);
      // Held back, b and c gathered into one commit.
      assert.equal(r.commits.length, 2);
    });
  }
});
