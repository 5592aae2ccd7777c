/**
 * The storage conformance suite: every driver runs it against a real backend.
 *
 * `fixture.open()` returns a new, independent handle on one fresh store each time it is
 * called, the way a second process (or a second API node) would open it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError, type LogConfig, type Storage, type StoredCheckpoint } from './index.js';
import { sealedCommitConformance } from './conformance-sealed.js';

export { accessConformance, type AccessFixture } from './conformance-access.js';

export interface StorageFixture {
  open(): Promise<Storage>;
  /** Closes nothing the test opened; removes the store. */
  destroy(): Promise<void>;
}

const LOG: LogConfig = {
  name: 'conf',
  tenant: 'acme',
  origin: 'example.test/conf',
  verifierKey: 'example.test/conf+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: 1_700_000_000_000,
};

const bytes = (s: string) => new TextEncoder().encode(s);
const T0 = 1_800_000_000_000;

/** Sequences one group of fixed entries; returns its first index. */
async function append(store: Storage, entries: Uint8Array[], now = T0): Promise<number> {
  const [result] = await store.sequence(LOG.name, [{ build: () => entries }], now);
  assert.equal(result?.status, 'sequenced');
  return result.status === 'sequenced' ? result.first : -1;
}

export function storageConformance(
  driver: string,
  newFixture: () => Promise<StorageFixture>,
): void {
  async function withStore(fn: (s: Storage, f: StorageFixture) => Promise<void>): Promise<void> {
    const fixture = await newFixture();
    const store = await fixture.open();
    try {
      await store.ensureLog(LOG);
      await fn(store, fixture);
    } finally {
      await store.close();
      await fixture.destroy();
    }
  }

  sealedCommitConformance(driver, newFixture);
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

    it('rejects operations on unknown logs without writing', () =>
      withStore(async (s) => {
        await assert.rejects(
          s.sequence('missing', [{ build: () => [bytes('x')] }], T0),
          isCode('UNKNOWN_LOG'),
        );
        await assert.rejects(s.sequencedSize('missing'), isCode('UNKNOWN_LOG'));
        assert.equal(await s.getLog('missing'), undefined);
      }));

    it('sequences consecutive indices and returns entries byte for byte', () =>
      withStore(async (s) => {
        assert.equal(await s.sequencedSize(LOG.name), 0);
        assert.equal(await append(s, [bytes('a'), bytes('b')]), 0);
        assert.equal(await append(s, [new Uint8Array(0)]), 2);
        const big = new Uint8Array(65535).map((_, i) => i % 251);
        assert.equal(await append(s, [big, bytes('é\u0000')]), 3);
        assert.equal(await s.sequencedSize(LOG.name), 5);
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

    it('keeps indices unique and gap-free across concurrent callers and handles', () =>
      withStore(async (s, fixture) => {
        const other = await fixture.open();
        try {
          const calls: Promise<number>[] = [];
          for (let i = 0; i < 60; i++) {
            const store = i % 2 === 0 ? s : other;
            const batch = Array.from({ length: 1 + (i % 7) }, (_, j) => bytes(`${i}/${j}`));
            calls.push(append(store, batch));
          }
          const firsts = await Promise.all(calls);
          const total = Array.from({ length: 60 }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b);
          assert.equal(await other.sequencedSize(LOG.name), total);
          const entries = await s.readEntries(LOG.name, 0, total);
          const seen = new Set<string>();
          firsts.forEach((first, i) => {
            for (let j = 0; j < 1 + (i % 7); j++) {
              assert.equal(new TextDecoder().decode(entries[first + j]), `${i}/${j}`);
              seen.add(`${i}/${j}`);
            }
          });
          assert.equal(seen.size, total);
        } finally {
          await other.close();
        }
      }));

    it('persists across reopening', () =>
      withStore(async (s, fixture) => {
        await append(s, [bytes('durable')]);
        const reopened = await fixture.open();
        try {
          assert.equal(await reopened.sequencedSize(LOG.name), 1);
          assert.deepEqual(await reopened.getLog(LOG.name), LOG);
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

    it('sequences several groups in one transaction with one non-decreasing time', () =>
      withStore(async (s) => {
        const seen: number[] = [];
        const results = await s.sequence(
          LOG.name,
          [
            { build: (t) => (seen.push(t), [bytes('a'), bytes('b')]) },
            { build: (t) => (seen.push(t), [bytes('c')]) },
          ],
          T0 + 5000,
        );
        assert.deepEqual(results, [
          { status: 'sequenced', first: 0, count: 2, timeMs: T0 + 5000 },
          { status: 'sequenced', first: 2, count: 1, timeMs: T0 + 5000 },
        ]);
        assert.deepEqual(seen, [T0 + 5000, T0 + 5000]);
        // A clock that went backwards does not make the log's time go backwards.
        const [late] = await s.sequence(LOG.name, [{ build: () => [bytes('d')] }], T0);
        assert.equal(late?.status === 'sequenced' && late.timeMs, T0 + 5000);
        await append(s, [bytes('e'), bytes('f')], T0 + 9000);
        assert.deepEqual(await s.indexRangeForTime(LOG.name, 0, T0 + 5000), { start: 0, end: 0 });
        assert.deepEqual(await s.indexRangeForTime(LOG.name, T0 + 5000, T0 + 5001), {
          start: 0,
          end: 4,
        });
        assert.deepEqual(await s.indexRangeForTime(LOG.name, T0 + 5001, T0 + 9000), {
          start: 4,
          end: 4,
        });
        assert.deepEqual(await s.indexRangeForTime(LOG.name, T0 + 6000, T0 + 99999), {
          start: 4,
          end: 6,
        });
        assert.deepEqual(await s.indexRangeForTime(LOG.name, T0 + 10000, T0 + 20000), {
          start: 6,
          end: 6,
        });
        await assert.rejects(s.indexRangeForTime(LOG.name, 2, 1), isCode('INVALID_ARGUMENT'));
      }));

    it('tells which entries each sequence call committed together', () =>
      withStore(async (s) => {
        await assert.rejects(s.commitRange(LOG.name, 0), isCode('OUT_OF_RANGE'));
        await s.sequence(
          LOG.name,
          [{ build: () => [bytes('a'), bytes('b')] }, { build: () => [bytes('c')] }],
          T0,
        );
        await append(s, [bytes('d')], T0); // same time, its own commit
        // A call whose only group repeats a used key commits nothing and has no range.
        const idempotency = { tenant: 'acme', key: 'k', requestHash: 'h' };
        await s.sequence(LOG.name, [{ build: () => [bytes('e')], idempotency }], T0);
        await s.sequence(LOG.name, [{ build: () => [bytes('x')], idempotency }], T0);
        await append(s, [bytes('f'), bytes('g'), bytes('h')], T0 + 1);
        const ranges = await Promise.all(
          [0, 1, 2, 3, 4, 5, 6, 7].map((i) => s.commitRange(LOG.name, i)),
        );
        assert.deepEqual(ranges, [
          { start: 0, end: 3 },
          { start: 0, end: 3 },
          { start: 0, end: 3 },
          { start: 3, end: 4 },
          { start: 4, end: 5 },
          { start: 5, end: 8 },
          { start: 5, end: 8 },
          { start: 5, end: 8 },
        ]);
        await assert.rejects(s.commitRange(LOG.name, 8), isCode('OUT_OF_RANGE'));
        await assert.rejects(s.commitRange(LOG.name, -1), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitRange(LOG.name, 1.5), isCode('INVALID_ARGUMENT'));
        await assert.rejects(s.commitRange('missing', 0), isCode('UNKNOWN_LOG'));
      }));

    it('writes nothing when a builder throws', () =>
      withStore(async (s) => {
        await append(s, [bytes('kept')]);
        await assert.rejects(
          s.sequence(
            LOG.name,
            [
              { build: () => [bytes('lost')], lookupKeys: [7] },
              {
                build: () => {
                  throw new Error('boom');
                },
              },
            ],
            T0,
          ),
          /boom/,
        );
        assert.equal(await s.sequencedSize(LOG.name), 1);
        assert.deepEqual(await s.findByLookupKey(LOG.name, 7, 10), []);
        assert.equal(await append(s, [bytes('next')]), 1);
      }));

    it('indexes lookup keys', () =>
      withStore(async (s) => {
        const key = 2 ** 48 - 1;
        await s.sequence(
          LOG.name,
          [{ build: () => [bytes('a'), bytes('b'), bytes('c')], lookupKeys: [key, 5, key] }],
          T0,
        );
        assert.deepEqual(await s.findByLookupKey(LOG.name, key, 10), [0, 2]);
        assert.deepEqual(await s.findByLookupKey(LOG.name, key, 1), [0]);
        assert.deepEqual(await s.findByLookupKey(LOG.name, 5, 10), [1]);
        assert.deepEqual(await s.findByLookupKey(LOG.name, 6, 10), []);
      }));

    it('uses an idempotency key once, across groups and handles', () =>
      withStore(async (s, fixture) => {
        const idempotency = { tenant: 'acme', key: 'k1', requestHash: 'h1' };
        let builds = 0;
        const group = {
          build: () => (builds++, [bytes('x'), bytes('y')]),
          idempotency,
        };
        const results = await s.sequence(LOG.name, [group, group], T0);
        assert.deepEqual(results, [
          { status: 'sequenced', first: 0, count: 2, timeMs: T0 },
          { status: 'duplicate', requestHash: 'h1', log: LOG.name, first: 0, count: 2 },
        ]);
        assert.equal(builds, 1, 'a duplicate is never built');
        const other = await fixture.open();
        try {
          const [again] = await other.sequence(
            LOG.name,
            [{ ...group, idempotency: { ...idempotency, requestHash: 'h2' } }],
            T0,
          );
          assert.deepEqual(again, {
            status: 'duplicate',
            requestHash: 'h1',
            log: LOG.name,
            first: 0,
            count: 2,
          });
          assert.deepEqual(await other.findIdempotency('acme', 'k1'), {
            requestHash: 'h1',
            log: LOG.name,
            first: 0,
            count: 2,
          });
          assert.equal(await other.findIdempotency('other-tenant', 'k1'), undefined);
          const [fresh] = await other.sequence(
            LOG.name,
            [{ ...group, idempotency: { ...idempotency, tenant: 'other-tenant' } }],
            T0,
          );
          assert.equal(fresh?.status, 'sequenced');
        } finally {
          await other.close();
        }
        assert.equal(await s.sequencedSize(LOG.name), 4);
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
}

function isCode(code: StorageError['code']) {
  return (err: unknown) => err instanceof StorageError && err.code === code;
}
