/**
 * When publishing rounds run: on a trigger, at most one at a time, starts at least
 * minIntervalMs apart, one follow-up for any number of triggers during a round, and the idle
 * tick otherwise. Then the same bounds through a real Publisher fed by a Sequencer's commits,
 * with a witness that counts its requests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredCheckpoint } from '@proofline/storage';
import { receiptFormat } from '@proofline/records';
import { Publisher, ReceiptSealer, Sequencer } from '../src/index.js';
import { RoundScheduler } from '../src/round-scheduler.js';
import {
  SEED,
  gate,
  logSigner,
  makeEntry,
  openStore,
  sleep,
  waitFor,
  wrapStorage,
} from './helpers.js';

/** A scheduler whose rounds record their start times and take `roundMs` (or wait on `hold`). */
function recorder(intervalMs: number, minIntervalMs: number, roundMs = 0) {
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const r = {
    starts,
    maxInFlight: () => maxInFlight,
    hold: undefined as Promise<void> | undefined,
    scheduler: new RoundScheduler(
      async () => {
        starts.push(performance.now());
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await (r.hold ?? sleep(roundMs));
        inFlight--;
      },
      intervalMs,
      minIntervalMs,
    ),
  };
  return r;
}

/** Between the scheduler's clock reading and the test's own, at the start of a round. */
const TIMER_SLACK_MS = 0.5;

/**
 * Start-to-start gaps from the second round on: the first round's start is read by the test
 * after the recorder's first call compiled it (1–2 ms on a loaded machine), after the
 * scheduler's own reading, so the first gap can read short by that much.
 */
const gapsAfterFirst = (starts: readonly number[]) =>
  starts.slice(2).map((t, i) => t - starts[i + 1]!);

describe('RoundScheduler', () => {
  test('a burst of triggers: rounds start at least minIntervalMs apart, one at a time', async () => {
    const r = recorder(10_000, 50, 15);
    r.scheduler.start();
    const end = performance.now() + 600;
    while (performance.now() < end) {
      r.scheduler.trigger();
      await sleep(3);
    }
    await r.scheduler.stop();
    const gaps = gapsAfterFirst(r.starts);
    assert.ok(gaps.length >= 5, `the triggers started rounds (${r.starts.length})`);
    for (const gap of gaps) assert.ok(gap >= 50 - TIMER_SLACK_MS, `gaps ${gaps.join(', ')}`);
    assert.ok(r.starts.length <= 600 / 50 + 2, `${r.starts.length} rounds in 600 ms`);
    assert.equal(r.maxInFlight(), 1);
  });

  test('a trigger after a quiet spell starts a round at once', async () => {
    const r = recorder(10_000, 50);
    r.scheduler.start();
    await sleep(120);
    const t = performance.now();
    r.scheduler.trigger();
    await waitFor(() => r.starts.length === 2, 2000);
    await r.scheduler.stop();
    assert.ok(r.starts[1]! - t < 30, `started ${r.starts[1]! - t} ms after the trigger`);
  });

  test('triggers during a round add exactly one follow-up round', async () => {
    const r = recorder(10_000, 10);
    const held = gate();
    r.hold = held.promise;
    r.scheduler.start();
    for (let i = 0; i < 20; i++) r.scheduler.trigger();
    r.hold = undefined;
    held.open();
    await waitFor(() => r.starts.length === 2, 2000);
    await sleep(100);
    await r.scheduler.stop();
    assert.equal(r.starts.length, 2, 'one round, then one follow-up, then the idle tick');
  });

  test('without triggers rounds follow the idle tick; stop ends them, triggers then do nothing', async () => {
    const r = recorder(40, 10);
    r.scheduler.start();
    await sleep(230);
    await r.scheduler.stop();
    const n = r.starts.length;
    assert.ok(n >= 3 && n <= 7, `${n} idle rounds in 230 ms at a 40 ms tick`);
    const gaps = gapsAfterFirst(r.starts);
    for (const gap of gaps) assert.ok(gap >= 40 - TIMER_SLACK_MS, `gaps ${gaps.join(', ')}`);
    r.scheduler.trigger();
    await sleep(60);
    assert.equal(r.starts.length, n);
  });

  test('stop waits for the round in flight', async () => {
    const r = recorder(10_000, 10);
    const held = gate();
    r.hold = held.promise;
    r.scheduler.start();
    let stopped = false;
    const stopping = r.scheduler.stop().then(() => (stopped = true));
    await sleep(20);
    assert.equal(stopped, false);
    held.open();
    await stopping;
  });
});

describe('Publisher triggered by commits', () => {
  test('a burst of commits: witnessed rounds no closer than minIntervalMs, records covered promptly', async (t) => {
    const store = await openStore(t);
    const { config } = store;
    // Each round of the lease holder reads the integrated size once its lease is held (no
    // guard here). The lease (TTL 50 s) is taken once, not renewed every round.
    const starts: number[] = [];
    let leaseRequests = 0;
    const storage = wrapStorage(store.storage, {
      integratedSize: (...args) => {
        starts.push(performance.now());
        return store.storage.integratedSize(...args);
      },
      acquireLease: (...args) => {
        leaseRequests++;
        return store.storage.acquireLease(...args);
      },
    });
    const published: StoredCheckpoint[] = [];
    let cosignCalls = 0;
    const MIN = 80;
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      intervalMs: 10_000, // the idle tick never fires during the test (lease TTL 50 s)
      minIntervalMs: MIN,
      onError: (err) => assert.fail(err as Error),
      onPublish: (cp) => published.push(cp),
      // A witness that takes 20 ms and cosigns nothing new (the quorum is met regardless).
      witnesses: {
        cosign: async ({ note }) => {
          cosignCalls++;
          await sleep(20);
          return { satisfied: true, note, cosigned: [], results: [] };
        },
      },
    });
    const sequencer = new Sequencer(storage, config.name, {
      sealer: new ReceiptSealer(config.origin, SEED, receiptFormat),
      onCommit: (report) => {
        if (report.ok && report.sequenced > 0) publisher.trigger();
      },
    });
    publisher.start();
    try {
      await publisher.idle();
      const first = performance.now();
      let last = -1;
      let i = 0;
      while (performance.now() < first + 700) {
        last = await sequencer.append(makeEntry(config.name, i++));
        await sleep(2);
      }
      const appendedAt = performance.now();
      assert.ok(
        await waitFor(async () => (await storage.latestCheckpoint(config.name))!.size > last, 3000),
        'the last record is covered without the idle tick',
      );
      const coveredMs = performance.now() - appendedAt;
      assert.ok(coveredMs < 1000, `covered ${coveredMs} ms after the last append`);
      // The first round's read comes after its lease write (the writer thread starts then):
      // later rounds skip the fresh lease, so their reads are their starts.
      const gaps = starts.slice(2).map((s, k) => s - starts[k + 1]!);
      assert.ok(published.length >= 4, `${published.length} checkpoints in 700 ms`);
      // A read is a round's start plus whatever delayed it (a GC pause, a busy CI machine), so
      // one gap may look short by that delay; the mean gap shows the bound itself.
      const readJitterMs = 5;
      for (const gap of gaps) assert.ok(gap >= MIN - readJitterMs, `gaps ${gaps.join(', ')}`);
      const meanGap = (starts.at(-1)! - starts[1]!) / gaps.length;
      assert.ok(meanGap >= MIN - 2, `mean gap ${meanGap}: ${gaps.join(', ')}`);
      assert.equal(leaseRequests, 1, 'a fresh lease is not renewed every round');
      const spanMs = performance.now() - first;
      assert.ok(cosignCalls <= spanMs / MIN + 2, `${cosignCalls} witness requests in ${spanMs} ms`);
    } finally {
      await sequencer.close();
      await publisher.stop();
    }
  });

  test('a node without the lease ignores triggers: it tries again on the idle tick only', async (t) => {
    const store = await openStore(t);
    const { config } = store;
    const holder = new Publisher(store.storage, config, logSigner(), {
      receiptFormat,
      owner: 'holder',
      leaseTtlMs: 10_000,
    });
    await holder.publish();
    let leaseRequests = 0;
    const storage = wrapStorage(store.storage, {
      acquireLease: (...args) => {
        leaseRequests++;
        return store.storage.acquireLease(...args);
      },
    });
    const other = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'other',
      intervalMs: 300,
      minIntervalMs: 20,
    });
    other.start();
    const began = performance.now();
    try {
      while (performance.now() < began + 700) {
        other.trigger(); // as its own commits would
        await sleep(5);
      }
    } finally {
      await other.stop();
    }
    const spanMs = performance.now() - began;
    assert.ok(
      leaseRequests >= 1 && leaseRequests <= spanMs / 300 + 2,
      `${leaseRequests} lease requests`,
    );
  });
});
