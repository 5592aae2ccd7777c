/**
 * Conformance of sealed commits (Storage.sequence with `seal`, Storage.commitRange): run by
 * storageConformance for every driver. Notes here are plain strings that name what they were
 * sealed for, so a stored note shows exactly which proposal it belongs to.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitSealer, CommitToSeal, LogConfig, Storage } from './index.js';
import type { StorageFixture } from './conformance.js';

const LOG: LogConfig = {
  name: 'sealed',
  tenant: 'acme',
  origin: 'example.test/sealed',
  verifierKey: 'example.test/sealed+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: 1_700_000_000_000,
};
const T0 = 1_800_000_000_000;
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A sealer that names its commit: `first time entries…`; `calls` lists every note made. */
function namingSealer(onSeal?: (c: CommitToSeal) => void) {
  const calls: string[] = [];
  const seal: CommitSealer = (c) => {
    const note = `${c.first} ${c.timeMs} ${c.entries.map(text).join(',')}`;
    calls.push(note);
    onSeal?.(c);
    return note;
  };
  return { seal, calls };
}

export function sealedCommitConformance(
  driver: string,
  newFixture: () => Promise<StorageFixture>,
): void {
  async function withStores(fn: (a: Storage, b: Storage) => Promise<void>): Promise<void> {
    const fixture = await newFixture();
    const a = await fixture.open();
    const b = await fixture.open();
    try {
      await a.ensureLog(LOG);
      await fn(a, b);
    } finally {
      await a.close();
      await b.close();
      await fixture.destroy();
    }
  }

  describe(`storage conformance, sealed commits: ${driver}`, () => {
    it('stores the note with its commit and returns it for every index; unsealed commits have none', () =>
      withStores(async (s) => {
        await s.sequence(LOG.name, [{ build: () => [bytes('old')] }], T0); // as before receipts
        const { seal, calls } = namingSealer();
        const idempotency = { tenant: 'acme', key: 'k', requestHash: 'h' };
        const results = await s.sequence(
          LOG.name,
          [{ build: () => [bytes('a'), bytes('b')] }, { build: () => [bytes('c')], idempotency }],
          T0 + 1,
          seal,
        );
        const note = calls.at(-1)!;
        assert.equal(
          note,
          `1 ${T0 + 1} a,b,c`,
          'sealed for the committed first index, time and entries',
        );
        for (const r of results) assert.equal(r.status === 'sequenced' && r.receipt, note);
        assert.deepEqual(await s.commitRange(LOG.name, 0), { start: 0, end: 1 });
        for (const i of [1, 2, 3]) {
          assert.deepEqual(await s.commitRange(LOG.name, i), { start: 1, end: 4, receipt: note });
        }
        // Only duplicates: nothing to seal, nothing stored.
        const again = namingSealer();
        const [dup] = await s.sequence(
          LOG.name,
          [{ build: () => [bytes('x')], idempotency }],
          T0 + 2,
          again.seal,
        );
        assert.equal(dup?.status, 'duplicate');
        assert.deepEqual(again.calls, []);
        assert.equal(await s.sequencedSize(LOG.name), 4);
      }));

    it('writes nothing, note included, when seal throws', () =>
      withStores(async (s) => {
        await assert.rejects(
          s.sequence(LOG.name, [{ build: () => [bytes('a')] }], T0, () => {
            throw new Error('refused');
          }),
          /refused/,
        );
        assert.equal(await s.sequencedSize(LOG.name), 0);
        const { seal, calls } = namingSealer();
        await s.sequence(LOG.name, [{ build: () => [bytes('b')] }], T0, seal);
        assert.deepEqual(await s.commitRange(LOG.name, 0), {
          start: 0,
          end: 1,
          receipt: calls.at(-1),
        });
      }));

    it('stores only the last note when another writer moves the log while sealing', () =>
      withStores(async (a, b) => {
        let other: Promise<unknown> | undefined;
        // While `a` seals (before it commits), `b` commits an entry of its own, unsealed.
        const { seal, calls } = namingSealer(() => {
          other ??= b.sequence(LOG.name, [{ build: () => [bytes('other')] }], T0 + 5);
        });
        const [mine] = await a.sequence(
          LOG.name,
          [{ build: () => [bytes('m1'), bytes('m2')] }],
          T0,
          seal,
        );
        await other;
        assert.equal(mine?.status, 'sequenced');
        if (mine?.status !== 'sequenced') return;
        const stored = await a.commitRange(LOG.name, mine.first);
        const entries = await a.readEntries(LOG.name, mine.first, mine.first + 2);
        assert.deepEqual(entries.map(text), ['m1', 'm2']);
        assert.equal(stored.receipt, `${mine.first} ${mine.timeMs} m1,m2`);
        assert.equal(stored.receipt, calls.at(-1));
        assert.equal(mine.receipt, calls.at(-1));
        // Any earlier note was for values that did not hold, and is stored nowhere.
        const size = await a.sequencedSize(LOG.name);
        const notes = new Set<string | undefined>();
        for (let i = 0; i < size; i++) notes.add((await a.commitRange(LOG.name, i)).receipt);
        for (const dropped of calls.slice(0, -1)) assert.ok(!notes.has(dropped), dropped);
      }));

    it('stores no note for a group whose idempotency key another writer used while sealing', () =>
      withStores(async (a, b) => {
        const idempotency = { tenant: 'acme', key: 'race', requestHash: 'h' };
        let other: Promise<unknown> | undefined;
        const { seal, calls } = namingSealer(() => {
          other ??= b.sequence(LOG.name, [{ build: () => [bytes('theirs')], idempotency }], T0);
        });
        const [mine] = await a.sequence(
          LOG.name,
          [{ build: () => [bytes('mine')], idempotency }],
          T0,
          seal,
        );
        const [theirs] = (await other) as Awaited<ReturnType<Storage['sequence']>>;
        const outcomes = [mine?.status, theirs?.status].sort();
        assert.deepEqual(outcomes, ['duplicate', 'sequenced'], 'exactly one writer used the key');
        assert.equal(await a.sequencedSize(LOG.name), 1);
        const [entry] = await a.readEntries(LOG.name, 0, 1);
        const stored = (await a.commitRange(LOG.name, 0)).receipt;
        if (text(entry!) === 'mine') assert.equal(stored, calls.at(-1));
        else
          assert.equal(stored, undefined, 'the sealed note of the entry never written is dropped');
      }));
  });
}
