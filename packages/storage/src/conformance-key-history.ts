/**
 * Conformance of Storage.keyHistory and Storage.retireKey (storageConformance runs it): the
 * handover is one compare-and-swap on the registered key, the sequenced size and the lease,
 * visible to every handle; a stale request writes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError, type LogConfig, type RetireKeyRequest, type Storage } from './index.js';
import { appendAt, onFreshStore, type StorageFixture } from './conformance-fixture.js';

const KEY_A = 'example.test/keys+0000000a+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KEY_B = 'example.test/keys+0000000b+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB';
const KEY_C = 'example.test/keys+0000000c+AQICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC';
const LOG: LogConfig = {
  name: 'keys',
  tenant: 'acme',
  origin: 'example.test/keys',
  verifierKey: KEY_A,
  createdAt: 1_700_000_000_000,
  visibility: 'public',
};

function isCode(code: StorageError['code']) {
  return (err: unknown) => err instanceof StorageError && err.code === code;
}

async function append(s: Storage, n: number): Promise<void> {
  const entries = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`e${i}`));
  await appendAt(s, LOG.name, [{ entries }]);
}

export function keyHistoryConformance(
  driver: string,
  newFixture: () => Promise<StorageFixture>,
): void {
  const withStore = (fn: (s: Storage, f: StorageFixture) => Promise<void>) =>
    onFreshStore(newFixture, fn, (s) => s.ensureLog(LOG));

  describe(`storage conformance: ${driver}: key history`, () => {
    it('retires the registered key at the sequenced size, under the lease, atomically', () =>
      withStore(async (s, fixture) => {
        assert.deepEqual(await s.keyHistory(LOG.name), []);
        await append(s, 3);
        const request: RetireKeyRequest = {
          retiredKey: KEY_A,
          successorKey: KEY_B,
          end: 3,
          leaseOwner: 'retire-1',
          note: 'handover A→B\n\n— sig é\n',
        };
        // Without the lease (a node may be publishing): stale, nothing written.
        assert.deepEqual(await s.retireKey(LOG.name, request), {
          status: 'stale',
          verifierKey: KEY_A,
          sequencedSize: 3,
          leaseHeld: false,
        });
        assert.equal(await s.acquireLease(LOG.name, 'retire-1', 60_000), true);
        // Entries sequenced after the caller looked: stale, nothing written.
        assert.deepEqual(await s.retireKey(LOG.name, { ...request, end: 2 }), {
          status: 'stale',
          verifierKey: KEY_A,
          sequencedSize: 3,
          leaseHeld: true,
        });
        assert.deepEqual(await s.keyHistory(LOG.name), []);
        assert.equal((await s.getLog(LOG.name))?.verifierKey, KEY_A);

        assert.deepEqual(await s.retireKey(LOG.name, request), { status: 'retired' });
        // Twice (a careless operator): the registered key is no longer the retired one.
        const again = await s.retireKey(LOG.name, request);
        assert.equal(again.status, 'stale');
        assert.equal(again.status === 'stale' && again.verifierKey, KEY_B);

        const peer = await fixture.open();
        try {
          assert.equal((await peer.getLog(LOG.name))?.verifierKey, KEY_B);
          assert.equal(
            (await peer.listLogs()).find((l) => l.name === LOG.name)?.verifierKey,
            KEY_B,
          );
          assert.deepEqual(await peer.keyHistory(LOG.name), [
            { end: 3, retiredKey: KEY_A, note: request.note },
          ]);
          await append(peer, 2);
          assert.equal(await peer.acquireLease(LOG.name, 'retire-1', 60_000), true);
          const next = {
            ...request,
            retiredKey: KEY_B,
            successorKey: KEY_C,
            end: 5,
            note: 'B→C\n',
          };
          assert.deepEqual(await peer.retireKey(LOG.name, next), { status: 'retired' });
        } finally {
          await peer.close();
        }
        assert.deepEqual(
          (await s.keyHistory(LOG.name)).map((h) => [h.end, h.retiredKey]),
          [
            [3, KEY_A],
            [5, KEY_B],
          ],
          'oldest first',
        );
        assert.equal((await s.getLog(LOG.name))?.verifierKey, KEY_C);
      }));

    it('rejects unknown logs and malformed requests without writing', () =>
      withStore(async (s) => {
        const request: RetireKeyRequest = {
          retiredKey: KEY_A,
          successorKey: KEY_B,
          end: 0,
          leaseOwner: 'retire-1',
          note: 'n\n',
        };
        await assert.rejects(s.keyHistory('missing'), isCode('UNKNOWN_LOG'));
        await assert.rejects(s.retireKey('missing', request), isCode('UNKNOWN_LOG'));
        assert.equal(await s.acquireLease(LOG.name, 'retire-1', 60_000), true);
        for (const bad of [
          { successorKey: KEY_A },
          { end: -1 },
          { end: 0.5 },
          { note: '' },
          { leaseOwner: '' },
        ]) {
          await assert.rejects(
            s.retireKey(LOG.name, { ...request, ...bad }),
            isCode('INVALID_ARGUMENT'),
          );
        }
        assert.deepEqual(await s.keyHistory(LOG.name), []);
        assert.equal((await s.getLog(LOG.name))?.verifierKey, KEY_A);
      }));
  });
}
