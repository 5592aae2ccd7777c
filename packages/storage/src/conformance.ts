/**
 * The storage conformance suite: every driver runs it against a real backend. It checks the
 * contract of Storage (index.ts) and nothing a driver is free to choose: `sequence` as a
 * durable compare-and-swap on the log's tail (retry answers, duplicate idempotency keys,
 * receipts stored with their commits, argument checks), reads by range, time and lookup
 * key, and the compare-and-swaps of tiles and checkpoints, leases and timestamps.
 *
 * `fixture.open()` returns a new, independent handle on one fresh store each time it is
 * called, the way a second process (or a second API node) would open it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  StorageError,
  type CommitGroup,
  type CommitRequest,
  type LogConfig,
  type Storage,
  type StoredCheckpoint,
} from './index.js';
import { keyHistoryConformance } from './conformance-key-history.js';
import { T0, appendAt, onFreshStore, type StorageFixture } from './conformance-fixture.js';

export { accessConformance, type AccessFixture } from './conformance-access.js';
export { reserveConformance } from './conformance-reserve.js';
export { appendAt, type StorageFixture } from './conformance-fixture.js';

const LOG: LogConfig = {
  name: 'conf',
  tenant: 'acme',
  origin: 'example.test/conf',
  verifierKey: 'example.test/conf+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: 1_700_000_000_000,
  visibility: 'public',
};

const bytes = (s: string) => new TextEncoder().encode(s);

function append(store: Storage, entries: Uint8Array[], timeMs = T0): Promise<number> {
  return appendAt(store, LOG.name, [{ entries }], timeMs);
}

export function storageConformance(
  driver: string,
  newFixture: () => Promise<StorageFixture>,
): void {
  const withStore = (fn: (s: Storage, f: StorageFixture) => Promise<void>) =>
    onFreshStore(newFixture, fn, (s) => s.ensureLog(LOG));

  describe(`storage conformance: ${driver}`, () => {
    it('creates logs idempotently and lists them', () =>
      withStore(async (s) => {
        const again = await s.ensureLog({
          ...LOG,
          tenant: 'other',
          origin: 'other/origin',
          createdAt: 1,
        });
        assert.deepEqual(again, LOG, 'an existing log keeps its configuration');
        await s.ensureLog({ ...LOG, name: 'another', origin: 'example.test/another' });
        assert.deepEqual(
          (await s.listLogs()).map((l) => l.name),
          ['another', 'conf'],
        );
        assert.equal(await s.getLog('missing'), undefined);
      }));

    it('stores each log visibility, public unless said, changeable and seen by other handles', () =>
      withStore(async (s, fixture) => {
        assert.equal((await s.getLog(LOG.name))!.visibility, 'public');
        const priv = await s.ensureLog({
          ...LOG,
          name: 'private',
          origin: 'example.test/private',
          visibility: 'private',
        });
        assert.equal(priv.visibility, 'private');
        const again = await s.ensureLog({ ...priv, visibility: 'public' });
        assert.equal(again.visibility, 'private', 'ensureLog leaves an existing log as it is');
        await s.setLogVisibility('private', 'public');
        await s.setLogVisibility(LOG.name, 'private');
        const peer = await fixture.open();
        try {
          assert.deepEqual(
            (await peer.listLogs()).map((l) => [l.name, l.visibility]),
            [
              [LOG.name, 'private'],
              ['private', 'public'],
            ],
          );
        } finally {
          await peer.close();
        }
        await assert.rejects(s.setLogVisibility('missing', 'public'), isCode('UNKNOWN_LOG'));
      }));

    it("keeps each log's policy document verbatim, visible to other handles", () =>
      withStore(async (s, fixture) => {
        await s.ensureLog({ ...LOG, name: 'other', origin: 'example.test/other' });
        assert.equal(await s.getLogPolicy(LOG.name), undefined);
        const doc = '{"witnesses":[],"note":"é \\u0000 \u2028"}';
        await s.setLogPolicy(LOG.name, doc);
        await s.setLogPolicy(LOG.name, `${doc} `);
        const peer = await fixture.open();
        try {
          assert.equal(await peer.getLogPolicy(LOG.name), `${doc} `);
          assert.equal(await peer.getLogPolicy('other'), undefined, 'per log');
          await peer.setLogPolicy(LOG.name, undefined);
        } finally {
          await peer.close();
        }
        assert.equal(await s.getLogPolicy(LOG.name), undefined);
        await assert.rejects(s.getLogPolicy('missing'), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.setLogPolicy('missing', '{}'), isCode('UNKNOWN_LOG'));
      }));

    it('creates a log with its policy at once, and leaves an existing one as it is', () =>
      withStore(async (s) => {
        const made = { ...LOG, name: 'with-policy', origin: 'example.test/with-policy' };
        await s.ensureLog(made, '{"a":1}');
        assert.equal(await s.getLogPolicy('with-policy'), '{"a":1}');
        await s.ensureLog(made, '{"b":2}');
        assert.equal(await s.getLogPolicy('with-policy'), '{"a":1}', 'not replaced');
        await s.ensureLog(LOG, '{"c":3}');
        assert.equal(await s.getLogPolicy(LOG.name), undefined, 'an existing log keeps none');
      }));

    it('rejects operations on unknown logs without writing', () =>
      withStore(async (s) => {
        const commit = { first: 0, timeMs: T0, groups: [{ entries: [bytes('x')] }] };
        await assert.rejects(s.sequence('missing', commit), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.tail('missing'), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.sequencedSize('missing'), isCode('UNKNOWN_LOG'));
        assert.equal(await s.getLog('missing'), undefined);
      }));

    it('commits at the tail: consecutive indices, entries byte for byte, the new tail', () =>
      withStore(async (s) => {
        assert.deepEqual(await s.tail(LOG.name), { size: 0, timeMs: 0 });
        assert.equal(await append(s, [bytes('a'), bytes('b')]), 0);
        assert.equal(await append(s, [new Uint8Array(0)]), 2);
        const big = new Uint8Array(65535).map((_, i) => i % 251);
        assert.equal(await append(s, [big, bytes('é\u0000')], T0 + 7), 3);
        assert.equal(await s.sequencedSize(LOG.name), 5);
        assert.deepEqual(await s.tail(LOG.name), { size: 5, timeMs: T0 + 7 });
        const got = await s.readEntries(LOG.name, 0, 5);
        assert.deepEqual(
          got.map((e) => Array.from(e)),
          [bytes('a'), bytes('b'), new Uint8Array(0), big, bytes('é\u0000')].map((e) =>
            Array.from(e),
          ),
        );
        assert.deepEqual(await s.readEntries(LOG.name, 5, 5), []);
        await assert.rejects(s.readEntries(LOG.name, 4, 6), isCode('OUT_OF_RANGE'));
        await assert.rejects(s.readEntries(LOG.name, 3, 2), isCode('INVALID_ARGUMENT'));
      }));

    it('erases an integrated entry: zero bytes, lookup row gone, recorded once, seen by others', () =>
      withStore(async (s, fixture) => {
        await appendAt(s, LOG.name, [
          { entries: [bytes('a'), bytes('b'), bytes('c')], lookupKeys: [5, 6, 5] },
        ]);
        await appendAt(s, LOG.name, [{ entries: [bytes('d')], lookupKeys: [6] }]);
        // Only integrated entries can be erased: nothing is written for the others.
        await assert.rejects(s.eraseEntry(LOG.name, 0, { timeMs: T0 }), isCode('OUT_OF_RANGE'));
        assert.ok(await s.integrate(LOG.name, 0, 3, []));
        await assert.rejects(s.eraseEntry(LOG.name, 3, { timeMs: T0 }), isCode('OUT_OF_RANGE'));
        assert.deepEqual(await s.erasedEntries(LOG.name, 0, 4), []);
        await assert.rejects(
          s.eraseEntry(LOG.name, -1, { timeMs: T0 }),
          isCode('INVALID_ARGUMENT'),
        );
        await assert.rejects(
          s.eraseEntry(LOG.name, 1, { timeMs: T0, lookupKey: 2 ** 48 }),
          isCode('INVALID_ARGUMENT'),
        );
        await assert.rejects(s.eraseEntry('missing', 0, { timeMs: T0 }), isCode('UNKNOWN_LOG'));

        assert.equal(await s.eraseEntry(LOG.name, 2, { timeMs: T0 + 9, lookupKey: 5 }), true);
        assert.equal(await s.eraseEntry(LOG.name, 2, { timeMs: T0 + 10, lookupKey: 5 }), false);
        const other = await fixture.open();
        try {
          assert.deepEqual(
            (await other.readEntries(LOG.name, 0, 4)).map((e) => Array.from(e)),
            [bytes('a'), bytes('b'), new Uint8Array(0), bytes('d')].map((e) => Array.from(e)),
          );
          assert.deepEqual(await other.erasedEntries(LOG.name, 0, 4), [
            { index: 2, erasedAt: T0 + 9 },
          ]);
          assert.deepEqual(await other.erasedEntries(LOG.name, 3, 4), []);
          assert.deepEqual(await other.findByLookupKey(LOG.name, 5, 10), [0]);
          assert.deepEqual(await other.findByLookupKey(LOG.name, 6, 10), [1, 3]);
          // The rest of the log is untouched: size, tail, commit ranges.
          assert.equal(await other.sequencedSize(LOG.name), 4);
          assert.equal(await other.integratedSize(LOG.name), 3);
          assert.deepEqual(
            { ...(await other.commitRange(LOG.name, 2)), receipt: undefined },
            { start: 0, end: 3, receipt: undefined },
          );
        } finally {
          await other.close();
        }
      }));

    it('answers retry with the actual tail, writing nothing, when the tail moved', () =>
      withStore(async (s) => {
        await appendAt(s, LOG.name, [{ entries: [bytes('a')], lookupKeys: [9] }], T0 + 100);
        const tail = { size: 1, timeMs: T0 + 100 };
        const stale = (first: number, timeMs: number): CommitRequest => ({
          first,
          timeMs,
          groups: [
            {
              entries: [bytes('stale')],
              lookupKeys: [7],
              idempotency: { tenant: 'acme', key: 'stale', requestHash: 'h' },
            },
          ],
          receipt: 'note for a commit that never was',
        });
        // Behind the tail (another writer committed), beyond it (a guess), before its time.
        for (const commit of [stale(0, T0 + 100), stale(2, T0 + 100), stale(1, T0 + 99)]) {
          assert.deepEqual(await s.sequence(LOG.name, commit), { status: 'retry', tail });
        }
        assert.deepEqual(await s.tail(LOG.name), tail);
        assert.deepEqual(await s.findByLookupKey(LOG.name, 7, 10), []);
        assert.equal(await s.findIdempotency('acme', 'stale'), undefined, 'no key stored');
        await assert.rejects(s.commitRange(LOG.name, 1), isCode('OUT_OF_RANGE'));
        // At the tail, at the same time: committed.
        assert.deepEqual(await s.sequence(LOG.name, stale(1, T0 + 100)), { status: 'committed' });
        assert.deepEqual(await s.commitRange(LOG.name, 1), {
          start: 1,
          end: 2,
          receipt: 'note for a commit that never was',
        });
      }));

    it('lets exactly one of two handles racing for the same tail commit', () =>
      withStore(async (s, fixture) => {
        const other = await fixture.open();
        try {
          const commit = (tag: string): CommitRequest => ({
            first: 0,
            timeMs: T0,
            groups: [{ entries: [bytes(tag), bytes(tag)] }],
            receipt: tag,
          });
          const answers = await Promise.all([
            s.sequence(LOG.name, commit('mine')),
            other.sequence(LOG.name, commit('theirs')),
          ]);
          const won = answers.findIndex((a) => a.status === 'committed');
          assert.ok(won >= 0);
          assert.deepEqual(answers[1 - won], {
            status: 'retry',
            tail: { size: 2, timeMs: T0 },
          });
          const winner = won === 0 ? 'mine' : 'theirs';
          assert.deepEqual(await other.commitRange(LOG.name, 1), {
            start: 0,
            end: 2,
            receipt: winner,
          });
          const entries = await s.readEntries(LOG.name, 0, 2);
          assert.deepEqual(
            entries.map((e) => new TextDecoder().decode(e)),
            [winner, winner],
          );
        } finally {
          await other.close();
        }
      }));

    it('keeps indices unique and gap-free across handles that retry on the answer', () =>
      withStore(async (s, fixture) => {
        const other = await fixture.open();
        try {
          const sizes = Array.from({ length: 40 }, (_, i) => 1 + (i % 5));
          const firsts = await Promise.all(
            sizes.map(async (n, i) => {
              const store = i % 2 === 0 ? s : other;
              const entries = Array.from({ length: n }, (_, j) => bytes(`${i}/${j}`));
              let tail = await store.tail(LOG.name);
              for (;;) {
                const answer = await store.sequence(LOG.name, {
                  first: tail.size,
                  timeMs: Math.max(T0, tail.timeMs),
                  groups: [{ entries }],
                });
                if (answer.status === 'committed') return tail.size;
                assert.equal(answer.status, 'retry');
                if (answer.status === 'retry') tail = answer.tail;
              }
            }),
          );
          const total = sizes.reduce((a, b) => a + b);
          assert.equal(await other.sequencedSize(LOG.name), total);
          const entries = await s.readEntries(LOG.name, 0, total);
          firsts.forEach((first, i) => {
            for (let j = 0; j < sizes[i]!; j++) {
              assert.equal(new TextDecoder().decode(entries[first + j]), `${i}/${j}`);
            }
          });
        } finally {
          await other.close();
        }
      }));

    it('answers duplicates per group for stored idempotency keys, writing nothing', () =>
      withStore(async (s, fixture) => {
        const idem = (key: string, requestHash = 'h1') => ({ tenant: 'acme', key, requestHash });
        await appendAt(s, LOG.name, [
          { entries: [bytes('x'), bytes('y')], idempotency: idem('k1') },
        ]);
        const other = await fixture.open();
        try {
          const groups: CommitGroup[] = [
            { entries: [bytes('free')], lookupKeys: [3], idempotency: idem('k2', 'h2') },
            { entries: [bytes('again')], idempotency: idem('k1', 'h3') },
            { entries: [bytes('plain')] },
          ];
          const answer = await other.sequence(LOG.name, { first: 2, timeMs: T0, groups });
          assert.deepEqual(answer, {
            status: 'duplicates',
            outcomes: [
              undefined,
              { requestHash: 'h1', log: LOG.name, first: 0, count: 2 },
              undefined,
            ],
          });
          assert.equal(await s.sequencedSize(LOG.name), 2);
          assert.equal(await s.findIdempotency('acme', 'k2'), undefined, 'nothing was claimed');
          assert.deepEqual(await s.findByLookupKey(LOG.name, 3, 10), []);
          // Without the duplicate: committed, each group's outcome stored.
          const rest = [groups[0]!, groups[2]!];
          assert.deepEqual(await other.sequence(LOG.name, { first: 2, timeMs: T0, groups: rest }), {
            status: 'committed',
          });
          assert.deepEqual(await s.findIdempotency('acme', 'k2'), {
            requestHash: 'h2',
            log: LOG.name,
            first: 2,
            count: 1,
          });
          // Keys are per tenant, and one tenant's key is used once across all its logs.
          assert.equal(await s.findIdempotency('other-tenant', 'k1'), undefined);
          await s.ensureLog({ ...LOG, name: 'second', origin: 'example.test/second' });
          const elsewhere = await s.sequence('second', {
            first: 0,
            timeMs: T0,
            groups: [{ entries: [bytes('z')], idempotency: idem('k1') }],
          });
          assert.equal(elsewhere.status, 'duplicates');
          await appendAt(s, 'second', [
            { entries: [bytes('z')], idempotency: { ...idem('k1'), tenant: 'other-tenant' } },
          ]);
        } finally {
          await other.close();
        }
      }));

    it('refuses malformed commits (INVALID_ARGUMENT), writing nothing', () =>
      withStore(async (s) => {
        const entries = [bytes('a'), bytes('b')];
        const idempotency = { tenant: 'acme', key: 'twice', requestHash: 'h' };
        const bad: CommitRequest[] = [
          { first: 0, timeMs: T0, groups: [] },
          { first: 0, timeMs: T0, groups: [{ entries: [] }] },
          { first: -1, timeMs: T0, groups: [{ entries }] },
          { first: 0.5, timeMs: T0, groups: [{ entries }] },
          { first: 0, timeMs: NaN, groups: [{ entries }] },
          { first: 0, timeMs: T0, groups: [{ entries: [new Uint8Array(65536)] }] },
          { first: 0, timeMs: T0, groups: [{ entries, lookupKeys: [1] }] },
          { first: 0, timeMs: T0, groups: [{ entries, lookupKeys: [1, 2 ** 48] }] },
          { first: 0, timeMs: T0, groups: [{ entries, lookupKeys: [1, -1] }] },
          { first: 0, timeMs: T0, groups: [{ entries, lookupKeys: [1, 0.5] }] },
          {
            first: 0,
            timeMs: T0,
            groups: [
              { entries, idempotency },
              { entries, idempotency },
            ],
          },
        ];
        for (const commit of bad) {
          await assert.rejects(s.sequence(LOG.name, commit), isCode('INVALID_ARGUMENT'));
        }
        assert.deepEqual(await s.tail(LOG.name), { size: 0, timeMs: 0 });
        assert.equal(await s.findIdempotency('acme', 'twice'), undefined);
      }));

    it('stores each commit with its time and receipt: ranges, notes, times, lookup keys', () =>
      withStore(async (s, fixture) => {
        await assert.rejects(s.commitRange(LOG.name, 0), isCode('OUT_OF_RANGE'));
        const key = 2 ** 48 - 1;
        await appendAt(
          s,
          LOG.name,
          [
            { entries: [bytes('a'), bytes('b')], lookupKeys: [key, 5] },
            { entries: [bytes('c')], lookupKeys: [key] },
          ],
          T0 + 5000,
          'note 0-3',
        );
        await append(s, [bytes('d')], T0 + 5000); // same time, its own commit, no note
        await appendAt(s, LOG.name, [{ entries: [bytes('e'), bytes('f')] }], T0 + 9000, 'n 4-6');
        const other = await fixture.open();
        try {
          const ranges = await Promise.all(
            [0, 1, 2, 3, 4, 5].map((i) => other.commitRange(LOG.name, i)),
          );
          const first = { start: 0, end: 3, receipt: 'note 0-3' };
          const last = { start: 4, end: 6, receipt: 'n 4-6' };
          assert.deepEqual(ranges, [first, first, first, { start: 3, end: 4 }, last, last]);
          assert.deepEqual(await other.findByLookupKey(LOG.name, key, 10), [0, 2]);
          assert.deepEqual(await other.findByLookupKey(LOG.name, key, 1), [0]);
          assert.deepEqual(await other.findByLookupKey(LOG.name, 5, 10), [1]);
          assert.deepEqual(await other.findByLookupKey(LOG.name, 6, 10), []);
        } finally {
          await other.close();
        }
        assert.deepEqual(await s.commitStarts(LOG.name, 0, 10), { starts: [0, 3, 4], size: 6 });
        assert.deepEqual(await s.commitStarts(LOG.name, 1, 1), { starts: [3], size: 6 });
        assert.deepEqual(await s.commitStarts(LOG.name, 5, 10), { starts: [], size: 6 });
        await assert.rejects(s.commitStarts(LOG.name, 0, 0), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitStarts(LOG.name, -1, 1), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitStarts('missing', 0, 1), isCode('UNKNOWN_LOG'));
        assert.deepEqual(await s.commitNotes(LOG.name, 0, 10), [
          { start: 0, receipt: 'note 0-3' },
          { start: 3 },
          { start: 4, receipt: 'n 4-6' },
        ]);
        assert.deepEqual(await s.commitNotes(LOG.name, 1, 1), [{ start: 3 }]);
        assert.deepEqual(await s.commitNotes(LOG.name, 4, 10), [{ start: 4, receipt: 'n 4-6' }]);
        assert.deepEqual(await s.commitNotes(LOG.name, 5, 10), []);
        await assert.rejects(s.commitNotes(LOG.name, 0, 0), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitNotes(LOG.name, -1, 1), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitNotes('missing', 0, 1), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.commitRange(LOG.name, 6), isCode('OUT_OF_RANGE'));
        await assert.rejects(s.commitRange(LOG.name, -1), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitRange(LOG.name, 1.5), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitRange('missing', 0), isCode('UNKNOWN_LOG'));
        const range = (from: number, to: number) => s.indexRangeForTime(LOG.name, from, to);
        assert.deepEqual(await range(0, T0 + 5000), { start: 0, end: 0 });
        assert.deepEqual(await range(T0 + 5000, T0 + 5001), { start: 0, end: 4 });
        assert.deepEqual(await range(T0 + 5001, T0 + 9000), { start: 4, end: 4 });
        assert.deepEqual(await range(T0 + 6000, T0 + 99999), { start: 4, end: 6 });
        assert.deepEqual(await range(T0 + 10000, T0 + 20000), { start: 6, end: 6 });
        await assert.rejects(range(2, 1), isCode('INVALID_ARGUMENT'));
      }));

    it('persists across reopening', () =>
      withStore(async (s, fixture) => {
        await appendAt(s, LOG.name, [{ entries: [bytes('durable')] }], T0, 'sealed');
        const reopened = await fixture.open();
        try {
          assert.deepEqual(await reopened.tail(LOG.name), { size: 1, timeMs: T0 });
          assert.deepEqual(await reopened.getLog(LOG.name), LOG);
          assert.equal((await reopened.commitRange(LOG.name, 0)).receipt, 'sealed');
        } finally {
          await reopened.close();
        }
      }));

    it('integrates tiles with compare-and-swap on the integrated size', () =>
      withStore(async (s) => {
        await append(s, [bytes('a'), bytes('b'), bytes('c')]);
        const t1 = new Uint8Array(64).fill(1);
        const t2 = new Uint8Array(96).fill(2);
        assert.equal(await s.integratedSize(LOG.name), 0);
        assert.equal(await s.integrate(LOG.name, 0, 2, [{ level: 0, index: 0, data: t1 }]), true);
        assert.equal(
          await s.integrate(LOG.name, 0, 3, [{ level: 0, index: 0, data: t2 }]),
          false,
          'stale fromSize must lose',
        );
        assert.deepEqual(await s.readTiles(LOG.name, [{ level: 0, index: 0 }]), [t1]);
        await assert.rejects(
          s.integrate(LOG.name, 2, 4, []),
          isCode('OUT_OF_RANGE'),
          'cannot integrate unsequenced entries',
        );
        assert.equal(await s.integrate(LOG.name, 2, 3, [{ level: 0, index: 0, data: t2 }]), true);
        assert.equal(await s.integratedSize(LOG.name), 3);
        assert.deepEqual(
          await s.readTiles(LOG.name, [
            { level: 0, index: 0 },
            { level: 1, index: 0 },
          ]),
          [t2, undefined],
        );
      }));

    it('publishes checkpoints with compare-and-swap and keeps their history', () =>
      withStore(async (s, fixture) => {
        const cp = (size: number, tag: string): StoredCheckpoint => ({
          size,
          note: `${LOG.origin}\n${size}\n${tag}\n\n— sig\n`,
          publishedAt: 1_700_000_000_000 + size,
        });
        assert.equal(await s.latestCheckpoint(LOG.name), undefined);
        const c0 = cp(0, 'zero');
        assert.equal(await s.publishCheckpoint(LOG.name, undefined, c0), true);
        assert.equal(await s.publishCheckpoint(LOG.name, undefined, cp(1, 'x')), false);
        const c5 = cp(5, 'five');
        assert.equal(await s.publishCheckpoint(LOG.name, c0, c5), true);
        assert.equal(await s.publishCheckpoint(LOG.name, c0, cp(6, 'stale')), false);
        assert.equal(await s.publishCheckpoint(LOG.name, c5, cp(4, 'smaller')), false);
        // Two handles racing from the same expected checkpoint: exactly one wins.
        const other = await fixture.open();
        try {
          const results = await Promise.all([
            s.publishCheckpoint(LOG.name, c5, cp(7, 'a')),
            other.publishCheckpoint(LOG.name, c5, cp(7, 'b')),
          ]);
          assert.equal(results.filter(Boolean).length, 1);
        } finally {
          await other.close();
        }
        const latest = await s.latestCheckpoint(LOG.name);
        assert.equal(latest?.size, 7);
        const history = await s.checkpointHistory(LOG.name, 100);
        assert.deepEqual(
          history.map((c) => c.size),
          [0, 5, 7],
        );
        assert.deepEqual(history[2], latest);
        assert.equal((await s.checkpointHistory(LOG.name, 1)).length, 1);
      }));

    it('stores a checkpoint root signature byte for byte; none stays none', () =>
      withStore(async (s, fixture) => {
        const cp = (size: number, coseRoot?: Uint8Array): StoredCheckpoint => ({
          size,
          note: `${LOG.origin}\n${size}\nroot\n\n— sig\n`,
          publishedAt: 1_700_000_000_000 + size,
          ...(coseRoot === undefined ? {} : { coseRoot }),
        });
        // Every byte value, a NUL first and last, and a view into a larger buffer.
        const backing = new Uint8Array(300).map((_, i) => (i * 7) % 256);
        const sig = backing.subarray(1, 257);
        sig[0] = 0;
        sig[255] = 0;
        const expected = Uint8Array.from(sig);
        const c1 = cp(1);
        const c2 = cp(2, sig);
        const c3 = cp(3, new Uint8Array(0));
        assert.equal(await s.publishCheckpoint(LOG.name, undefined, c1), true);
        assert.equal(await s.publishCheckpoint(LOG.name, c1, c2), true);
        const other = await fixture.open();
        try {
          for (const store of [s, other]) {
            const latest = await store.latestCheckpoint(LOG.name);
            assert.deepEqual(latest?.coseRoot, expected);
            const history = await store.checkpointHistory(LOG.name, 10);
            assert.equal('coseRoot' in history[0]!, false);
            assert.deepEqual(history[1]?.coseRoot, expected);
            assert.equal('coseRoot' in (await store.checkpointCovering(LOG.name, 0))!, false);
            assert.deepEqual((await store.checkpointCovering(LOG.name, 1))?.coseRoot, expected);
          }
          // The publisher never stores an empty one; if a caller does, it reads back empty.
          assert.equal(await other.publishCheckpoint(LOG.name, c2, c3), true);
          assert.deepEqual((await s.latestCheckpoint(LOG.name))?.coseRoot, new Uint8Array(0));
        } finally {
          await other.close();
        }
      }));

    it('stores checkpoint timestamps per tree size and authority', () =>
      withStore(async (s, fixture) => {
        assert.deepEqual(await s.checkpointTimestamps(LOG.name, 5), []);
        const tokenA = Uint8Array.from([0x30, 0x82, 0x01, 0x00, 0xff, 0x00, 0x7f]);
        const tokenB = new Uint8Array(40_000).map((_, i) => i % 251);
        await s.addCheckpointTimestamp(LOG.name, 5, 'tsa-b', tokenB, T0 + 20);
        await s.addCheckpointTimestamp(LOG.name, 5, 'tsa-a', tokenA, T0 + 10);
        await s.addCheckpointTimestamp(LOG.name, 6, 'tsa-a', tokenB, T0 + 30);
        // Same (size, tsa) again: ignored, the first token stays.
        await s.addCheckpointTimestamp(LOG.name, 5, 'tsa-a', tokenB, T0 + 99);
        const other = await fixture.open();
        try {
          const stored = await other.checkpointTimestamps(LOG.name, 5);
          assert.deepEqual(
            stored.map((t) => [t.tsa, t.genTimeMs]),
            [
              ['tsa-a', T0 + 10],
              ['tsa-b', T0 + 20],
            ],
          );
          assert.ok(stored[0]!.token instanceof Uint8Array);
          assert.deepEqual([...stored[0]!.token], [...tokenA]);
          assert.deepEqual(Buffer.compare(stored[1]!.token, tokenB), 0);
          assert.equal((await other.checkpointTimestamps(LOG.name, 6)).length, 1);
          assert.deepEqual(await other.checkpointTimestamps(LOG.name, 7), []);
        } finally {
          await other.close();
        }
        await assert.rejects(
          s.addCheckpointTimestamp('missing', 5, 'tsa-a', tokenA, T0),
          isCode('UNKNOWN_LOG'),
        );
        await assert.rejects(s.checkpointTimestamps('missing', 5), isCode('UNKNOWN_LOG'));
        await assert.rejects(
          s.addCheckpointTimestamp(LOG.name, -1, 'tsa-a', tokenA, T0),
          isCode('INVALID_ARGUMENT'),
        );
      }));

    it('grants the lease to one owner at a time until it expires or is released', () =>
      withStore(async (s, fixture) => {
        const other = await fixture.open();
        try {
          assert.equal(await s.acquireLease(LOG.name, 'node-a', 60_000), true);
          assert.equal(await other.acquireLease(LOG.name, 'node-b', 60_000), false);
          assert.equal(await s.acquireLease(LOG.name, 'node-a', 60_000), true, 'renewal');
          await s.releaseLease(LOG.name, 'node-b'); // not the holder: no effect
          assert.equal(await other.acquireLease(LOG.name, 'node-b', 60_000), false);
          await s.releaseLease(LOG.name, 'node-a');
          assert.equal(await other.acquireLease(LOG.name, 'node-b', 1), true);
          await new Promise((r) => setTimeout(r, 20));
          assert.equal(await s.acquireLease(LOG.name, 'node-a', 60_000), true, 'after expiry');
        } finally {
          await other.close();
        }
      }));
  });

  describe(`storage conformance: ${driver}: checkpointCovering`, () => {
    it('returns the first published checkpoint whose size exceeds the index, forever', () =>
      withStore(async (s) => {
        const cp = (size: number, tag: string): StoredCheckpoint => ({
          size,
          note: `${LOG.origin}\n${size}\n${tag}\n\n— sig\n`,
          publishedAt: 1_700_000_000_000 + size,
        });
        assert.equal(await s.checkpointCovering(LOG.name, 0), undefined);
        const c0 = cp(0, 'zero');
        const c3 = cp(3, 'three');
        const c3b = cp(3, 'three again'); // republished at the same size (new cosignatures)
        const c8 = cp(8, 'eight');
        let prev: StoredCheckpoint | undefined;
        for (const next of [c0, c3, c3b, c8]) {
          assert.equal(await s.publishCheckpoint(LOG.name, prev, next), true);
          prev = next;
        }
        // The empty checkpoint covers nothing; equal sizes: the earliest published.
        assert.deepEqual(await s.checkpointCovering(LOG.name, 0), c3);
        assert.deepEqual(await s.checkpointCovering(LOG.name, 2), c3);
        assert.deepEqual(await s.checkpointCovering(LOG.name, 3), c8);
        assert.deepEqual(await s.checkpointCovering(LOG.name, 7), c8);
        assert.equal(await s.checkpointCovering(LOG.name, 8), undefined);
        // Later checkpoints do not move an anchor.
        assert.equal(await s.publishCheckpoint(LOG.name, c8, cp(20, 'twenty')), true);
        assert.deepEqual(await s.checkpointCovering(LOG.name, 2), c3);
        assert.deepEqual((await s.checkpointCovering(LOG.name, 8))?.size, 20);
        await assert.rejects(s.checkpointCovering('missing', 0), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.checkpointCovering(LOG.name, -1), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.checkpointCovering(LOG.name, 0.5), isCode('INVALID_ARGUMENT'));
      }));
  });

  keyHistoryConformance(driver, newFixture);
}

function isCode(code: StorageError['code']) {
  return (err: unknown) => err instanceof StorageError && err.code === code;
}
