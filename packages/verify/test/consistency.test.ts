import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TileId } from '@proofline/tlog';
import { verifyBundle } from '../src/index.js';
import { POLICY, TestLog, assertFails, check, testKey } from './helpers.js';

let log: TestLog;
let fork: TestLog;
before(async () => {
  log = await TestLog.create({ size: 300 });
  fork = await TestLog.create({ size: 300, variant: 'forked ' });
});

describe('consistency', () => {
  it('passes for the same checkpoint', async () => {
    const bundle = await log.bundle(3, 10);
    const v = await verifyBundle(bundle, POLICY, { trustedCheckpoint: bundle.checkpoint });
    assert.equal(v.ok, true);
    assert.equal(check(v, 'consistency').status, 'passed');
  });

  it('passes with a given proof, in either direction', async () => {
    const older = await log.checkpoint(10);
    const v = await verifyBundle(await log.bundle(3, 270), POLICY, {
      trustedCheckpoint: older,
      consistencyProof: await log.consistency(10, 270),
    });
    assert.equal(v.ok, true, check(v, 'consistency').summary);
    assert.equal(check(v, 'consistency').evidence.direction, 'trusted -> bundle');
    const newer = await log.checkpoint(300);
    const w = await verifyBundle(await log.bundle(3, 10), POLICY, {
      trustedCheckpoint: newer,
      consistencyProof: await log.consistency(10, 300),
    });
    assert.equal(w.ok, true, check(w, 'consistency').summary);
    assert.equal(check(w, 'consistency').evidence.direction, 'bundle -> trusted');
  });

  it('passes with a proof built from tiles of the larger tree', async () => {
    const requested: TileId[] = [];
    const readTiles = async (tiles: readonly TileId[]) => {
      requested.push(...tiles);
      return log.readTiles(tiles);
    };
    for (const [trusted, current] of [
      [1, 300],
      [256, 257],
      [299, 5],
      [0, 7],
    ]) {
      requested.length = 0;
      const v = await verifyBundle(await log.bundle(0, current!), POLICY, {
        trustedCheckpoint: await log.checkpoint(trusted!),
        readTiles,
      });
      assert.equal(v.ok, true, `${trusted} ${current}: ${check(v, 'consistency').summary}`);
      assert.equal(check(v, 'consistency').evidence.proofSource, 'tiles');
    }
  });

  it('fails for a fork of the same size, naming both checkpoints', async () => {
    const trusted = await fork.checkpoint(10);
    const v = await verifyBundle(await log.bundle(3, 10), POLICY, { trustedCheckpoint: trusted });
    assertFails(v, 'consistency', 'CHECKPOINT_FORK');
    const { evidence } = check(v, 'consistency');
    assert.equal(evidence.trustedCheckpoint, trusted.slice(0, trusted.indexOf('\n\n') + 1));
    assert.equal(evidence.trustedSize, '10');
    assert.equal(evidence.bundleSize, '10');
    assert.notEqual(evidence.trustedRootHash, evidence.bundleRootHash);
    // Everything else about the bundle is fine: only consistency fails.
    assert.deepEqual(
      v.checks.filter((c) => c.status === 'failed').map((c) => c.name),
      ['consistency'],
    );
  });

  it('fails for a fork of another size, with proofs or tiles of either tree', async () => {
    const trusted = await fork.checkpoint(100);
    const bundle = await log.bundle(3, 200);
    for (const options of [
      { consistencyProof: await log.consistency(100, 200) },
      { consistencyProof: await fork.consistency(100, 200) },
      { readTiles: log.readTiles },
      { readTiles: fork.readTiles },
    ]) {
      const v = await verifyBundle(bundle, POLICY, { trustedCheckpoint: trusted, ...options });
      assertFails(v, 'consistency', 'CONSISTENCY_PROOF_INVALID');
    }
  });

  it('fails for a rollback: a larger trusted checkpoint without a consistent proof', async () => {
    const trusted = await fork.checkpoint(250);
    const bundle = await log.bundle(3, 200);
    assertFails(
      await verifyBundle(bundle, POLICY, { trustedCheckpoint: trusted }),
      'consistency',
      'CONSISTENCY_PROOF_MISSING',
    );
    const v = await verifyBundle(bundle, POLICY, {
      trustedCheckpoint: trusted,
      consistencyProof: await log.consistency(200, 250),
    });
    assertFails(v, 'consistency', 'CONSISTENCY_PROOF_INVALID');
    assert.match(check(v, 'consistency').summary, /rollback/);
  });

  it('fails when no proof can be had', async () => {
    const bundle = await log.bundle(3, 200);
    const trusted = await log.checkpoint(100);
    assertFails(
      await verifyBundle(bundle, POLICY, { trustedCheckpoint: trusted }),
      'consistency',
      'CONSISTENCY_PROOF_MISSING',
    );
    const failing = async (): Promise<Uint8Array[]> => {
      throw new Error('offline');
    };
    const v = await verifyBundle(bundle, POLICY, {
      trustedCheckpoint: trusted,
      readTiles: failing,
    });
    assertFails(v, 'consistency', 'CONSISTENCY_PROOF_MISSING');
    assert.match(check(v, 'consistency').summary, /offline/);
    const short = async (tiles: readonly TileId[]) => tiles.map(() => new Uint8Array(32));
    const w = await verifyBundle(bundle, POLICY, { trustedCheckpoint: trusted, readTiles: short });
    assertFails(w, 'consistency', 'CONSISTENCY_PROOF_MISSING');
  });

  it('fails for bad proof hashes and too long proofs', async () => {
    const bundle = await log.bundle(3, 200);
    const trusted = await log.checkpoint(100);
    const proof = await log.consistency(100, 200);
    for (const consistencyProof of [
      proof.slice(1),
      [...proof, proof[0]!],
      proof.map((h, i) => (i === 0 ? h.subarray(1) : h)),
      Array.from({ length: 129 }, () => proof[0]!),
    ]) {
      const v = await verifyBundle(bundle, POLICY, {
        trustedCheckpoint: trusted,
        consistencyProof,
      });
      assertFails(v, 'consistency', 'CONSISTENCY_PROOF_INVALID');
    }
  });

  it('fails when the trusted checkpoint does not open with the log key', async () => {
    const bundle = await log.bundle(3, 200);
    for (const trustedCheckpoint of [
      'not a checkpoint',
      await log.checkpoint(100, { signer: testKey(log.origin, 77).signer }),
      await log.checkpoint(100, { origin: 'proofline.example/other' }),
    ]) {
      const v = await verifyBundle(bundle, POLICY, { trustedCheckpoint });
      assertFails(v, 'consistency', 'TRUSTED_CHECKPOINT_INVALID');
    }
  });

  it('is not checked when the bundle checkpoint failed', async () => {
    const bundle = await log.bundle(3, 200);
    const v = await verifyBundle({ ...bundle, checkpoint: bundle.receipt }, POLICY, {
      trustedCheckpoint: await log.checkpoint(100),
    });
    assert.equal(check(v, 'consistency').summary, 'not checked: checkpoint failed');
  });
});
