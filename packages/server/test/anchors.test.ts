import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openCheckpoint } from '@proofline/note';
import { BUNDLE_V2_MEDIA_TYPE, formatBundle, parseBundle, recordId } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import { leafHash, verifyConsistency, verifyInclusion } from '@proofline/tlog';
import { ProofBundles } from '../src/records/bundles.js';
import { Fixture, type TestLog } from './helpers.js';

/** `storage`, counting its checkpointCovering and checkpointTimestamps calls. */
function counting(storage: Storage): { storage: Storage; covering: number[]; stamps: number[] } {
  const covering: number[] = [];
  const stamps: number[] = [];
  const wrapped = new Proxy(storage, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (name === 'checkpointCovering') covering.push(args[1] as number);
        if (name === 'checkpointTimestamps') stamps.push(args[1] as number);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { storage: wrapped, covering, stamps };
}

describe('ProofBundles: anchors', () => {
  let fx: Fixture;
  let log: TestLog;
  /** The checkpoint sizes published, in order. */
  const sizes: number[] = [];

  before(async () => {
    fx = await Fixture.create([{ name: 'anchor-log', tenant: 'acme', publish: false }]);
    log = fx.log('anchor-log');
    for (const n of [3, 1, 4, 8]) {
      for (let i = 0; i < n; i++) {
        await log.sequencer.append(new TextEncoder().encode(`{"entry":${sizes.length * 10 + i}}`));
      }
      sizes.push((await log.publisher.publish())!.size);
    }
  });

  after(() => fx.close());

  const none = async () => undefined;

  it('anchors every index to the first checkpoint covering it, linked to the latest', async () => {
    const bundles = new ProofBundles(fx.storage);
    const latest = (await fx.storage.latestCheckpoint(log.name))!;
    const history = await fx.storage.checkpointHistory(log.name, 100);
    for (let index = 0; index < latest.size; index++) {
      const b = await bundles.build(log.config, recordId(log.name, index), index, none);
      assert.equal(b.mediaType, BUNDLE_V2_MEDIA_TYPE);
      const first = history.find((c) => c.size > index)!;
      assert.equal(b.checkpoint, first.note, `index ${index}`);
      const anchor = (await openCheckpoint(b.checkpoint, log.origin, log.verifier)).checkpoint;
      verifyInclusion(leafHash(b.entry), index, anchor.size, b.inclusionProof, anchor.rootHash);
      if (first.note === latest.note) {
        assert.equal(b.latest, undefined);
      } else {
        assert.equal(b.latest?.checkpoint, latest.note);
        const now = (await openCheckpoint(latest.note, log.origin, log.verifier)).checkpoint;
        verifyConsistency(
          anchor.size,
          now.size,
          b.latest!.consistencyProof,
          anchor.rootHash,
          now.rootHash,
        );
      }
      assert.deepEqual(parseBundle(formatBundle(b)), b);
    }
  });

  it('asks storage once per anchor range, and again after eviction', async () => {
    const { storage, covering } = counting(fx.storage);
    const bundles = new ProofBundles(storage, { anchorCacheEntries: 2 });
    const build = (index: number) =>
      bundles.build(log.config, recordId(log.name, index), index, none);
    // Index 2 learns that [2, 3) has the anchor of size 3; index 0 widens it to [0, 3).
    await build(2);
    await build(0);
    await build(1);
    await build(2);
    assert.deepEqual(covering, [2, 0]);
    await build(3); // size 4
    await build(5); // size 8: evicts size 3, the least recently used
    await build(4);
    assert.deepEqual(covering, [2, 0, 3, 5, 4]);
    await build(1);
    assert.deepEqual(covering, [2, 0, 3, 5, 4, 1]);
  });

  it('finds the anchor of every index in any order, with few anchors kept', async () => {
    const history = await fx.storage.checkpointHistory(log.name, 100);
    const size = history[history.length - 1]!.size;
    for (const entries of [1, 2, 3, 100]) {
      const bundles = new ProofBundles(fx.storage, { anchorCacheEntries: entries });
      let seed = entries;
      for (let i = 0; i < 200; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const index = (seed >>> 8) % size;
        const b = await bundles.build(log.config, recordId(log.name, index), index, none);
        assert.equal(b.checkpoint, history.find((c) => c.size > index)!.note, `index ${index}`);
      }
    }
  });

  it('reads a fresh anchor’s tokens again until one arrives, then keeps them', async () => {
    let clock = Date.now();
    const { storage, stamps } = counting(fx.storage);
    const bundles = new ProofBundles(storage, { now: () => clock, checkpointCacheMs: 0 });
    const history = await fx.storage.checkpointHistory(log.name, 100);
    const [old, fresh] = [history.find((c) => c.size > 0)!, history.find((c) => c.size > 3)!];
    const reads = (size: number) => stamps.filter((s) => s === size).length;
    const build = (index: number) =>
      bundles.build(log.config, recordId(log.name, index), index, none);

    // Published long ago, without tokens: read once, when the anchor is first seen.
    clock = old.publishedAt + 60_000;
    await build(0);
    await build(1);
    assert.equal(reads(old.size), 1);

    // Published just now: read again (not within the cache time) until a token arrives.
    clock = fresh.publishedAt + 10;
    assert.equal((await build(3)).timestamps, undefined);
    clock += 1;
    await build(3);
    assert.equal(reads(fresh.size), 2);
    await fx.storage.addCheckpointTimestamp(log.name, fresh.size, 'tsa-a', Uint8Array.of(1), 1);
    clock += 1;
    assert.deepEqual((await build(3)).timestamps, [{ tsa: 'tsa-a', token: Uint8Array.of(1) }]);
    clock += 1;
    await build(3);
    assert.equal(reads(fresh.size), 3, 'kept once it has a token');

    // Cached without tokens long after publication: read again once the log shows it is
    // timestamped (its latest checkpoint has tokens), so a late token is not lost.
    const late = history.find((c) => c.size > 5)!; // size 8, not the latest
    const latest = history[history.length - 1]!;
    clock = late.publishedAt + 60_000;
    assert.equal((await build(5)).timestamps, undefined);
    await fx.storage.addCheckpointTimestamp(log.name, late.size, 'tsa-a', Uint8Array.of(2), 1);
    clock += 1;
    assert.equal((await build(5)).timestamps, undefined, 'no token on the latest: not asked');
    await fx.storage.addCheckpointTimestamp(log.name, latest.size, 'tsa-a', Uint8Array.of(3), 1);
    clock += 1;
    const stamped = await build(5);
    assert.deepEqual(stamped.timestamps, [{ tsa: 'tsa-a', token: Uint8Array.of(2) }]);
    assert.deepEqual(stamped.latest?.timestamps, [{ tsa: 'tsa-a', token: Uint8Array.of(3) }]);
  });
});
