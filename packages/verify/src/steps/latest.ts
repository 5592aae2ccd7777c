import type { Note } from '@proofline/note';
import type { BundleLatest } from '@proofline/records';
import { TlogError, equalHashes, verifyConsistency } from '@proofline/tlog';
import { failed, keyLabel, passed, type StepResult } from '../checks.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';
import { checkpointEvidence, openLogCheckpoint, type VerifiedCheckpoint } from './checkpoint.js';

/**
 * Step 'latest' (v2 bundles with a `latest` member): the latest checkpoint is signed by the
 * log key for the policy's origin, and it extends the anchor: its size is at least the
 * anchor's, equal sizes have equal roots, and the RFC 9162 consistency proof from the
 * anchor's size verifies against both signed roots. Proves the log, as of its latest
 * checkpoint, still contains the anchor's tree (and so the record). It says nothing about
 * when the record existed: that bound comes from the anchor alone. A latest checkpoint that
 * does not open fails with the checkpoint step's codes; one smaller than the anchor, with
 * another root at the same size, or without a valid proof, CONSISTENCY_PROOF_INVALID or
 * CHECKPOINT_FORK. The value is the verified latest checkpoint. `parsed` is
 * parseNote(latest.checkpoint), when the caller has it.
 */
export async function latestStep(
  latest: BundleLatest,
  anchor: VerifiedCheckpoint,
  policy: ResolvedPolicy,
  parsed?: Note,
): Promise<StepResult<VerifiedCheckpoint>> {
  const logKey = keyLabel(policy.log.name, policy.log.keyId);
  const opened = await openLogCheckpoint(latest.checkpoint, policy, parsed);
  if ('error' in opened) {
    const error = new VerificationError(
      opened.code,
      'latest',
      `the latest checkpoint does not open with the log key ${logKey}: ${opened.error.message}`,
      { evidence: { logKey, origin: policy.origin }, cause: opened.error },
    );
    return { check: failed(error) };
  }
  const old = anchor.checkpoint;
  const now = opened.checkpoint;
  const evidence = {
    ...checkpointEvidence('anchor', anchor),
    ...checkpointEvidence('latest', opened),
    proofLength: String(latest.consistencyProof.length),
  };
  const fail = (code: VerificationErrorCode, message: string, cause?: unknown) => ({
    check: failed(new VerificationError(code, 'latest', message, { evidence, cause })),
  });
  if (now.size < old.size) {
    return fail(
      'CONSISTENCY_PROOF_INVALID',
      `the latest checkpoint (size ${now.size}) is smaller than the anchor (size ${old.size}): a rollback`,
    );
  }
  if (now.size === old.size) {
    if (!equalHashes(now.rootHash, old.rootHash)) {
      return fail('CHECKPOINT_FORK', `two checkpoints of size ${now.size} differ: a fork`);
    }
  } else {
    try {
      verifyConsistency(old.size, now.size, latest.consistencyProof, old.rootHash, now.rootHash);
    } catch (error) {
      if (!(error instanceof TlogError)) throw error;
      return fail(
        'CONSISTENCY_PROOF_INVALID',
        `the anchor (size ${old.size}) and the latest checkpoint (size ${now.size}) are not ` +
          `consistent (a fork, or a bad proof): ${error.message}`,
        error,
      );
    }
  }
  return {
    check: passed(
      'latest',
      `The latest checkpoint (size ${now.size}) is signed by the log key and extends the ` +
        `anchor (size ${old.size}): the log still contains this record.`,
      evidence,
    ),
    value: opened,
  };
}
