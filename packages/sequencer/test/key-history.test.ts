/**
 * A retired key in the write path: CommitCheck opens each commit's receipt with the key that
 * sealed its range, refuses a receipt of the retired key beyond its range, and a node still
 * running with the retired key stops (KEY_RETIRED); the guard accepts a checkpoint of the
 * retired key up to its last tree only.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatSignerKey, formatVerifierKey, parseSignerKey } from '@proofline/note';
import { receiptFormat } from '@proofline/records';
import {
  CheckpointGuard,
  GuardError,
  nodeEd25519Signer,
  Publisher,
  ReceiptSealer,
  Sequencer,
  SequencerError,
} from '../src/index.js';
import { ORIGIN, SEED, VERIFIER_KEY, logSigner, makeEntry, openStore } from './helpers.js';

const NEW_SEED = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
const NEW_KEY = formatVerifierKey(
  ORIGIN,
  parseSignerKey(formatSignerKey(ORIGIN, NEW_SEED)).publicKey,
);
const newSigner = () => nodeEd25519Signer(ORIGIN, NEW_SEED);
const isCode = (code: string) => (err: unknown) =>
  err instanceof SequencerError && err.code === code;

/** Six entries sealed by the old key, retired at 6, then `after` entries sealed by `seed`. */
async function rotatedLog(t: Parameters<typeof openStore>[0], after: number, seed = NEW_SEED) {
  const store = await openStore(t);
  const { storage, config } = store;
  const old = new Sequencer(storage, config.name, {
    sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
  });
  await old.appendBatch(Array.from({ length: 6 }, (_, i) => makeEntry('old', i)));
  assert.equal(await storage.acquireLease(config.name, 'retire', 60_000), true);
  const answer = await storage.retireKey(config.name, {
    retiredKey: VERIFIER_KEY,
    successorKey: NEW_KEY,
    end: 6,
    leaseOwner: 'retire',
    note: 'a handover note (verified by the CLI, not here)\n',
  });
  assert.deepEqual(answer, { status: 'retired' });
  await storage.releaseLease(config.name, 'retire');
  if (after > 0) {
    const next = new Sequencer(storage, config.name, {
      sealer: new ReceiptSealer(ORIGIN, seed, receiptFormat),
    });
    await next.appendBatch(Array.from({ length: after }, (_, i) => makeEntry('new', i)));
  }
  return { ...store, config: { ...config, verifierKey: NEW_KEY } };
}

describe('CommitCheck and the key history', () => {
  test('old receipts open with the retired key in its range, new ones with the new key', async (t) => {
    const { storage, config } = await rotatedLog(t, 4);
    const retiredKeys = [{ verifierKey: VERIFIER_KEY, start: 0, end: 6 }];
    const publisher = new Publisher(storage, config, newSigner(), { receiptFormat, retiredKeys });
    assert.equal((await publisher.publish())?.size, 10);
  });

  test('without the history, or with a shorter range, the old receipts are refused', async (t) => {
    const { storage, config } = await rotatedLog(t, 4);
    for (const retiredKeys of [[], [{ verifierKey: VERIFIER_KEY, start: 0, end: 5 }]]) {
      const owner = 'one-owner'; // one lease holder for both publishers
      const options = { receiptFormat, retiredKeys, owner };
      const publisher = new Publisher(storage, config, newSigner(), options);
      await assert.rejects(publisher.publish(), isCode('COMMIT_ALTERED'));
    }
    assert.equal(await storage.latestCheckpoint(config.name), undefined);
  });

  test('a receipt sealed by the retired key after its range is refused', async (t) => {
    const { storage, config } = await rotatedLog(t, 3, SEED);
    const retiredKeys = [{ verifierKey: VERIFIER_KEY, start: 0, end: 6 }];
    const publisher = new Publisher(storage, config, newSigner(), { receiptFormat, retiredKeys });
    await assert.rejects(publisher.publish(), (err: unknown) => {
      assert.ok(isCode('COMMIT_ALTERED')(err), String(err));
      assert.match((err as Error).message, /entries \[6, 9\)/);
      return true;
    });
  });

  test('a node still running with the retired key integrates nothing (KEY_RETIRED)', async (t) => {
    const { storage, config } = await rotatedLog(t, 2);
    const stale = { ...config, verifierKey: VERIFIER_KEY };
    const publisher = new Publisher(storage, stale, [logSigner(), newSigner()], { receiptFormat });
    await assert.rejects(publisher.publish(), isCode('KEY_RETIRED'));
    assert.equal(await storage.integratedSize(config.name), 0);
  });
});

describe('CheckpointGuard and the key history', () => {
  test("a guard holding the retired key's checkpoint is accepted up to its last tree", async (t) => {
    const { storage, config, path } = await openStore(t);
    const seq = new Sequencer(storage, config.name, {
      sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
    });
    await seq.appendBatch(Array.from({ length: 4 }, (_, i) => makeEntry('g', i)));
    const guardPath = join(path, '..', 'seq.checkpoint');
    const oldGuard = new CheckpointGuard({
      path: guardPath,
      log: config.name,
      verifierKey: VERIFIER_KEY,
    });
    oldGuard.create();
    await new Publisher(storage, config, logSigner(), { receiptFormat, guard: oldGuard }).publish();
    assert.equal((await oldGuard.read()).size, 4);

    const guardFor = (end: number | undefined) =>
      new CheckpointGuard({
        path: guardPath,
        log: config.name,
        verifierKey: NEW_KEY,
        ...(end === undefined ? {} : { retiredKeys: [{ verifierKey: VERIFIER_KEY, end }] }),
      });
    const corrupt = (err: unknown) => err instanceof GuardError && err.code === 'STATE_CORRUPT';
    await assert.rejects(guardFor(undefined).read(), corrupt);
    await assert.rejects(guardFor(3).read(), corrupt, 'a checkpoint beyond the retired range');
    assert.equal((await guardFor(4).read()).size, 4);
  });
});
