import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { base64Encode } from '@proofline/note';
import {
  BUNDLE_V2_MEDIA_TYPE,
  batchTree,
  formatBundle,
  recordId,
  signBatchReceipt,
  type BundleV2,
} from '@proofline/records';
import { leafHash, proveInclusion } from '@proofline/tlog';
import { verifyBundle } from '../src/index.js';
import {
  LOG,
  LOG_KEY,
  POLICY,
  T0,
  TestLog,
  assertFails,
  assertPasses,
  check,
  testKey,
  witness,
  type CheckpointOptions,
} from './helpers.js';

/** One witness key cosigning at different times: the anchor earlier, the latest later. */
const EARLY = 1_800_000_100n;
const LATE = 1_800_009_900n;
const W_EARLY = witness('witness.example/w1', 41, EARLY);
const W_LATE = witness('witness.example/w1', 41, LATE);
const WITNESSED = { ...POLICY, witnesses: { keys: [W_EARLY.vkey], quorum: 1 } };
const UNCONFIGURED = ['content', 'issuer', 'timestamp', 'consistency'] as const;

/**
 * The v2 bundle of `index` anchored to the checkpoint of `anchor`, linked to the one of
 * `latest` (none when equal); `receipt: false` leaves the receipt out.
 */
async function v2(
  log: TestLog,
  index: number,
  anchor: number,
  latest: number,
  options: { receipt?: boolean; anchorCp?: CheckpointOptions; latestCp?: CheckpointOptions } = {},
): Promise<BundleV2> {
  return {
    mediaType: BUNDLE_V2_MEDIA_TYPE,
    id: recordId(LOG, index),
    log: LOG,
    origin: log.origin,
    index,
    entry: log.entries[index]!,
    ...(options.receipt === false ? {} : { receipt: await log.receipt(index) }),
    inclusionProof: await proveInclusion(index, anchor, log.reader(anchor)),
    checkpoint: await log.checkpoint(anchor, options.anchorCp ?? { witnesses: [W_EARLY] }),
    ...(anchor === latest
      ? {}
      : {
          latest: {
            checkpoint: await log.checkpoint(latest, options.latestCp ?? { witnesses: [W_LATE] }),
            consistencyProof: await log.consistency(anchor, latest),
          },
        }),
  };
}

describe('v2 bundles (anchored to the first covering checkpoint)', () => {
  let log: TestLog;
  before(async () => {
    log = await TestLog.create({ size: 300 });
  });

  it('pass, with the latest checked and the time bound from the anchor, never the latest', async () => {
    const bundle = await v2(log, 3, 10, 300);
    const v = await verifyBundle(formatBundle(bundle), WITNESSED);
    assertPasses(v, [...UNCONFIGURED]);
    assert.equal(check(v, 'latest').status, 'passed');
    assert.equal(check(v, 'latest').evidence.anchorSize, '10');
    assert.equal(check(v, 'latest').evidence.latestSize, '300');
    assert.equal(v.checkpoint?.size, 10);
    assert.equal(v.latest?.size, 300);
    assert.deepEqual(v.existedBy, {
      time: new Date(Number(EARLY) * 1000).toISOString().replace('.000Z', 'Z'),
      source: 'witness',
      by: 'witness.example/w1',
    });
    // The anchor alone (a bundle made while it was the latest) gives the same bound.
    const alone = await verifyBundle(await v2(log, 3, 10, 10), WITNESSED);
    assertPasses(alone, [...UNCONFIGURED]);
    assert.equal(check(alone, 'latest').status, 'not-applicable');
    assert.deepEqual(alone.existedBy, v.existedBy);
  });

  it('fail when the latest checkpoint is not consistent with the anchor', async () => {
    const bundle = await v2(log, 3, 10, 300);
    // A valid-looking proof for other sizes, a changed hash, a truncated proof.
    for (const consistencyProof of [
      await log.consistency(11, 300),
      bundle.latest!.consistencyProof.map((h, i) => (i === 0 ? leafHash(h) : h)),
      bundle.latest!.consistencyProof.slice(1),
    ]) {
      const v = await verifyBundle(
        { ...bundle, latest: { ...bundle.latest!, consistencyProof } },
        WITNESSED,
      );
      assertFails(v, 'latest', 'CONSISTENCY_PROOF_INVALID');
      assert.equal(v.latest, undefined);
    }
    // A fork: the latest checkpoint of another tree, signed by the log key.
    const fork = await TestLog.create({ size: 300, variant: 'fork' });
    const forked = await verifyBundle(
      {
        ...bundle,
        latest: {
          checkpoint: await fork.checkpoint(300),
          consistencyProof: await fork.consistency(10, 300),
        },
      },
      WITNESSED,
    );
    assertFails(forked, 'latest', 'CONSISTENCY_PROOF_INVALID');
    // The same size as the anchor with another root.
    const sameSize = await verifyBundle(
      { ...bundle, latest: { checkpoint: await fork.checkpoint(10), consistencyProof: [] } },
      WITNESSED,
    );
    assertFails(sameSize, 'latest', 'CHECKPOINT_FORK');
  });

  it('fail when the latest is older than the anchor (a rollback) or not signed by the log', async () => {
    const rollback = await verifyBundle(
      {
        ...(await v2(log, 3, 100, 100)),
        latest: { checkpoint: await log.checkpoint(50), consistencyProof: [] },
      },
      WITNESSED,
    );
    assertFails(rollback, 'latest', 'CONSISTENCY_PROOF_INVALID');
    assert.match(check(rollback, 'latest').summary, /rollback/);
    const other = testKey(log.origin, 99);
    const unsigned = await verifyBundle(
      await v2(log, 3, 10, 300, { latestCp: { signer: other.signer } }),
      WITNESSED,
    );
    assertFails(unsigned, 'latest', 'CHECKPOINT_UNVERIFIED');
    // A trusted checkpoint is then not compared with anything the latest claims.
    const trusted = await verifyBundle(
      await v2(log, 3, 10, 300, { latestCp: { signer: other.signer } }),
      WITNESSED,
      { trustedCheckpoint: await log.checkpoint(200), readTiles: log.readTiles },
    );
    assert.equal(check(trusted, 'consistency').summary, 'not checked: latest failed');
  });

  it('compare a trusted checkpoint with the latest', async () => {
    const bundle = await v2(log, 3, 10, 300);
    const v = await verifyBundle(bundle, WITNESSED, {
      trustedCheckpoint: await log.checkpoint(200),
      consistencyProof: await log.consistency(200, 300),
    });
    assertPasses(v, ['content', 'issuer', 'timestamp']);
    assert.equal(check(v, 'consistency').evidence.bundleSize, '300');
  });

  it('a swapped anchor: a later covering checkpoint verifies, with a later (still true) bound', async () => {
    // What an insider with write access to the database can do: serve a later published
    // checkpoint as the anchor. Offline, nothing shows it is not the first that covered the
    // record; the bound it gives is later than the true one, never earlier, because every
    // checkpoint that includes the record was cosigned after the record was in the log.
    const honest = await verifyBundle(await v2(log, 3, 10, 300), WITNESSED);
    const swapped = await verifyBundle(
      await v2(log, 3, 200, 300, { anchorCp: { witnesses: [W_LATE] } }),
      WITNESSED,
    );
    assert.equal(swapped.ok, true);
    assert.ok(swapped.existedBy!.time > honest.existedBy!.time);
    // An anchor that does not cover the record cannot be proven to include it.
    const bundle = await v2(log, 3, 10, 300);
    const short = await verifyBundle(
      { ...bundle, checkpoint: await log.checkpoint(3, { witnesses: [W_EARLY] }) },
      WITNESSED,
    );
    assertFails(short, 'inclusion', 'INCLUSION_PROOF_INVALID');
    assert.equal(short.existedBy, undefined);
  });

  it('pass without a receipt: the receipt check is not applicable, and says why', async () => {
    const v = await verifyBundle(await v2(log, 7, 10, 300, { receipt: false }), WITNESSED);
    assert.equal(v.ok, true);
    const receipt = check(v, 'receipt');
    assert.equal(receipt.status, 'not-applicable');
    assert.match(receipt.summary, /no creation receipt/);
    assert.match(receipt.summary, /inclusion proof in the signed checkpoint is the proof/);
    // Without a receipt the inclusion proof is mandatory still.
    const bad = await verifyBundle(
      { ...(await v2(log, 7, 10, 300, { receipt: false })), index: 8, id: recordId(LOG, 8) },
      WITNESSED,
    );
    assertFails(bad, 'inclusion', 'INCLUSION_PROOF_INVALID');
  });

  it('pass with a batch receipt and its receiptProof; a wrong proof or a v1 receipt with one fails', async () => {
    const TIME = T0 + 5000;
    const batched = await TestLog.create({ size: 40, time: (i) => (i < 8 ? T0 + i : TIME) });
    const first = 8;
    const leaves = batched.entries.slice(first, 20).map(leafHash);
    const tree = batchTree(leaves);
    const receipt = await signBatchReceipt(
      {
        origin: batched.origin,
        first,
        size: leaves.length,
        root: tree.root,
        time: new Date(TIME).toISOString(),
      },
      LOG_KEY.signer,
    );
    const base = await v2(batched, 13, 20, 40, { receipt: false });
    const bundle: BundleV2 = { ...base, receipt, receiptProof: tree.proof(13 - first) };
    const v = await verifyBundle(formatBundle(bundle), WITNESSED);
    assertPasses(v, [...UNCONFIGURED]);
    assert.equal(
      check(v, 'receipt').evidence.receiptProof,
      tree.proof(5).map(base64Encode).join(','),
    );
    assertFails(
      await verifyBundle({ ...bundle, receiptProof: tree.proof(4) }, WITNESSED),
      'receipt',
      'RECEIPT_MISMATCH',
    );
    assertFails(
      await verifyBundle({ ...bundle, receiptProof: undefined }, WITNESSED),
      'receipt',
      'RECEIPT_MALFORMED',
    );
    const v1Receipt = await verifyBundle(
      { ...bundle, receipt: await batched.receipt(13) },
      WITNESSED,
    );
    assertFails(v1Receipt, 'receipt', 'RECEIPT_MALFORMED');
  });
});
