import {
  TlogError,
  equalHashes,
  proveConsistency,
  tileHashReader,
  verifyConsistency,
} from '@proofline/tlog';
import { failed, passed } from '../checks.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';
import type { Check, VerifyOptions } from '../types.js';
import { checkpointEvidence, openLogCheckpoint, type VerifiedCheckpoint } from './checkpoint.js';

/** Bound on a given consistency proof: about 2·log2(size) hashes for safe-integer sizes. */
const MAX_CONSISTENCY_PROOF_HASHES = 128;

/**
 * The consistency proof from the smaller tree to the larger: the caller's, or one built with
 * tlog proveConsistency from the caller's tiles of the larger tree. Undefined, with the
 * reason, when there is neither or the tiles cannot be read; the proof itself is not trusted.
 */
async function obtainProof(
  oldSize: number,
  newSize: number,
  options: VerifyOptions,
): Promise<{ proof?: readonly Uint8Array[]; source: string; cause?: unknown }> {
  if (options.consistencyProof !== undefined) {
    return { proof: options.consistencyProof, source: 'given' };
  }
  if (options.readTiles === undefined) return { source: 'none' };
  try {
    const reader = tileHashReader(newSize, options.readTiles);
    return { proof: await proveConsistency(oldSize, newSize, reader), source: 'tiles' };
  } catch (cause) {
    return { source: 'tiles', cause };
  }
}

/**
 * Step 9: the caller's trusted checkpoint opens with the log key, and it and the bundle's
 * checkpoint are views of one append-only log: equal sizes have equal roots, and between
 * different sizes an RFC 9162 §2.1.4.2 consistency proof (given, or built from untrusted
 * tiles) verifies against both signed roots. Fails on a fork or a rollback (a proof that
 * does not verify), or when no proof can be had; evidence names both checkpoints.
 */
export async function consistencyStep(
  trustedNote: string,
  bundle: VerifiedCheckpoint,
  options: VerifyOptions,
  policy: ResolvedPolicy,
): Promise<Check> {
  const opened = await openLogCheckpoint(trustedNote, policy);
  if ('error' in opened) {
    const error = new VerificationError(
      'TRUSTED_CHECKPOINT_INVALID',
      'consistency',
      `the trusted checkpoint does not open with the log key: ${opened.error.message}`,
      { cause: opened.error },
    );
    return failed(error);
  }
  const trusted = opened.checkpoint;
  const current = bundle.checkpoint;
  const evidence: Record<string, string> = {
    ...checkpointEvidence('trusted', opened),
    ...checkpointEvidence('bundle', bundle),
  };
  const fail = (code: VerificationErrorCode, message: string, cause?: unknown): Check =>
    failed(new VerificationError(code, 'consistency', message, { evidence, cause }));
  if (trusted.size === current.size) {
    if (!equalHashes(trusted.rootHash, current.rootHash)) {
      return fail('CHECKPOINT_FORK', `two checkpoints of size ${trusted.size} differ: a fork`);
    }
    return passed(
      'consistency',
      `The bundle's checkpoint is the trusted one (size ${trusted.size}).`,
      evidence,
    );
  }
  const trustedFirst = trusted.size < current.size;
  const [older, newer] = trustedFirst ? [trusted, current] : [current, trusted];
  evidence.direction = trustedFirst ? 'trusted -> bundle' : 'bundle -> trusted';
  const { proof, source, cause } = await obtainProof(older.size, newer.size, options);
  evidence.proofSource = source;
  if (proof === undefined) {
    return fail(
      'CONSISTENCY_PROOF_MISSING',
      `no consistency proof between sizes ${older.size} and ${newer.size}` +
        (cause === undefined ? '' : `: the tiles could not be read (${String(cause)})`),
      cause,
    );
  }
  evidence.proofLength = String(proof.length);
  try {
    if (proof.length > MAX_CONSISTENCY_PROOF_HASHES) {
      throw new TlogError('CONSISTENCY_PROOF_INVALID', 'proof too long');
    }
    verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash);
  } catch (error) {
    if (!(error instanceof TlogError)) throw error;
    const what = trustedFirst ? 'a fork' : 'a fork or a rollback';
    return fail(
      'CONSISTENCY_PROOF_INVALID',
      `the checkpoints of sizes ${older.size} and ${newer.size} are not consistent (${what}, or a bad proof): ${error.message}`,
      error,
    );
  }
  return passed(
    'consistency',
    `The trusted checkpoint (size ${trusted.size}) and the bundle's (size ${current.size}) are consistent: the log only appended.`,
    evidence,
  );
}
