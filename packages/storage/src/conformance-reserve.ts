/**
 * Conformance of the optional `Storage.reserve` (drivers shared by several processes): places
 * handed out in order without overlap, commits made at them landing whatever order they
 * arrive in, an abandoned place given up instead of stalling the log, and `sequence` staying
 * the compare-and-swap whatever was reserved. Run by the drivers that implement `reserve`
 * (PostgreSQL); a driver without it is not given this suite.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitRequest, LogConfig, Reservation, Storage } from './index.js';
import { T0, onFreshStore, type StorageFixture } from './conformance-fixture.js';

const LOG: LogConfig = {
  name: 'reserve',
  tenant: 'acme',
  origin: 'example.test/reserve',
  verifierKey: 'example.test/reserve+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: 1_700_000_000_000,
  visibility: 'public',
};
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A commit of `n` entries tagged `tag` at reservation `r`. */
function at(r: Reservation, tag: string, n: number): CommitRequest {
  const entries = Array.from({ length: n }, (_, i) => bytes(`${tag}/${i}`));
  return { first: r.first, timeMs: r.timeMs, epoch: r.epoch, groups: [{ entries }] };
}

export function reserveConformance(
  driver: string,
  newFixture: () => Promise<StorageFixture>,
): void {
  type Reserving = Storage & Required<Pick<Storage, 'reserve'>>;
  /** Two handles on one fresh store (two nodes), the log ensured. */
  const withStores = (fn: (a: Reserving, b: Reserving) => Promise<void>) =>
    onFreshStore(newFixture, async (a, fixture) => {
      const b = await fixture.open();
      try {
        assert.ok(a.reserve && b.reserve, `${driver} does not implement Storage.reserve`);
        await a.ensureLog(LOG);
        await fn(a as Reserving, b as Reserving);
      } finally {
        await b.close();
      }
    });

  describe(`storage conformance: ${driver}: reserve`, () => {
    it('hands out consecutive places at non-decreasing times, committed in any order', () =>
      withStores(async (a, b) => {
        const r1 = await a.reserve(LOG.name, 2, T0 + 5);
        const r2 = await b.reserve(LOG.name, 3, T0); // a slower clock: never earlier
        const r3 = await a.reserve(LOG.name, 1, T0 + 9);
        if (r1.ahead !== undefined) {
          assert.deepEqual([r1.ahead, r2.ahead, r3.ahead], [0, 1, 2], 'reserved, not landed');
        }
        assert.deepEqual(
          [r1, r2, r3].map((r) => [r.first, r.timeMs]),
          [
            [0, T0 + 5],
            [2, T0 + 5],
            [5, T0 + 9],
          ],
        );
        // The later places arrive first: they wait for the earlier ones instead of retrying.
        const late = [a.sequence(LOG.name, at(r3, 'c', 1)), b.sequence(LOG.name, at(r2, 'b', 3))];
        await new Promise((r) => setTimeout(r, 50));
        const answers = await Promise.all([a.sequence(LOG.name, at(r1, 'a', 2)), ...late]);
        assert.deepEqual(
          answers,
          [1, 2, 3].map(() => ({ status: 'committed' })),
        );
        assert.deepEqual((await b.readEntries(LOG.name, 0, 6)).map(text), [
          'a/0',
          'a/1',
          'b/0',
          'b/1',
          'b/2',
          'c/0',
        ]);
        assert.deepEqual(await b.tail(LOG.name), { size: 6, timeMs: T0 + 9 });
        const r4 = await b.reserve(LOG.name, 1, T0);
        assert.equal(r4.first, 6);
        if (r4.ahead !== undefined) assert.equal(r4.ahead, 0, 'all landed');
      }));

    it('gives up a place never committed: the later ones retry, the log moves on', () =>
      withStores(async (a, b) => {
        await a.reserve(LOG.name, 4, T0); // a node that dies before committing
        const r2 = await b.reserve(LOG.name, 1, T0);
        assert.equal(r2.first, 4);
        const answer = await b.sequence(LOG.name, at(r2, 'x', 1));
        assert.deepEqual(answer, { status: 'retry', tail: { size: 0, timeMs: 0 } });
        const r3 = await b.reserve(LOG.name, 1, T0);
        assert.equal(r3.first, 0);
        assert.deepEqual(await b.sequence(LOG.name, at(r3, 'y', 1)), { status: 'committed' });
        assert.deepEqual((await a.readEntries(LOG.name, 0, 1)).map(text), ['y/0']);
      }));

    it('stays a compare-and-swap: a stale place is answered retry, writing nothing', () =>
      withStores(async (a, b) => {
        const r1 = await a.reserve(LOG.name, 1, T0);
        // Another writer commits without reserving, at the tail.
        const plain = { first: 0, timeMs: T0 + 1, groups: [{ entries: [bytes('plain')] }] };
        assert.deepEqual(await b.sequence(LOG.name, plain), { status: 'committed' });
        assert.deepEqual(await a.sequence(LOG.name, at(r1, 'stale', 1)), {
          status: 'retry',
          tail: { size: 1, timeMs: T0 + 1 },
        });
        // The next place follows the log, not the stale reservation.
        const r2 = await a.reserve(LOG.name, 1, T0);
        assert.deepEqual([r2.first, r2.timeMs], [1, T0 + 1]);
        assert.deepEqual(await a.sequence(LOG.name, at(r2, 'next', 1)), { status: 'committed' });
        assert.deepEqual((await b.readEntries(LOG.name, 0, 2)).map(text), ['plain', 'next/0']);
      }));
  });
}
