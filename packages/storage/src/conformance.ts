/**
 * The storage conformance suite: every driver runs it against a real backend.
 *
 * `fixture.open()` returns a new, independent handle on one fresh store each time it is
 * called, the way a second process (or a second API node) would open it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError, type LogConfig, type Storage, type StoredCheckpoint } from './index.js';

export interface StorageFixture {
  open(): Promise<Storage>;
  /** Closes nothing the test opened; removes the store. */
  destroy(): Promise<void>;
}

const LOG: LogConfig = {
  name: 'conf',
  origin: 'example.test/conf',
  verifierKey: 'example.test/conf+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: 1_700_000_000_000,
};

const bytes = (s: string) => new TextEncoder().encode(s);

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

  describe(`storage conformance: ${driver}`, () => {
    it('creates logs idempotently and lists them', () =>
      withStore(async (s) => {
        const again = await s.ensureLog({ ...LOG, origin: 'other/origin', createdAt: 1 });
        assert.deepEqual(again, LOG, 'an existing log keeps its configuration');
        await s.ensureLog({ ...LOG, name: 'another', origin: 'example.test/another' });
        assert.deepEqual(
          (await s.listLogs()).map((l) => l.name),
          ['another', 'conf'],
        );
        assert.equal(await s.getLog('missing'), undefined);
      }));

    it('rejects operations on unknown logs without writing', () =>
      withStore(async (s) => {
        await assert.rejects(s.sequence('missing', [bytes('x')]), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.sequencedSize('missing'), isCode('UNKNOWN_LOG'));
        assert.equal(await s.getLog('missing'), undefined);
      }));

    it('sequences consecutive indices and returns entries byte for byte', () =>
      withStore(async (s) => {
        assert.equal(await s.sequencedSize(LOG.name), 0);
        assert.equal(await s.sequence(LOG.name, [bytes('a'), bytes('b')]), 0);
        assert.equal(await s.sequence(LOG.name, [new Uint8Array(0)]), 2);
        const big = new Uint8Array(65535).map((_, i) => i % 251);
        assert.equal(await s.sequence(LOG.name, [big, bytes('é\u0000')]), 3);
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
            calls.push(store.sequence(LOG.name, batch));
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
        await s.sequence(LOG.name, [bytes('durable')]);
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
        await s.sequence(LOG.name, [bytes('a'), bytes('b'), bytes('c')]);
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
}

function isCode(code: StorageError['code']) {
  return (err: unknown) => err instanceof StorageError && err.code === code;
}
