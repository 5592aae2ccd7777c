import { CodedError } from '@proofline/tlog';
import type { CheckName } from './types.js';

/**
 * Stable error codes. Callers branch on `code` (and `step`), never on `message`.
 *
 * Thrown (programmer errors, before any check runs; `step` is 'bundle' for the policy and
 * keys, else the check the bad argument is for):
 * - `INVALID_POLICY`: the TrustPolicy is malformed (bad or duplicate key, bad quorum, ...).
 * - `INVALID_KEY`: a verifier key string given to ed25519Verifier/cosignatureVerifier is
 *   malformed, of the wrong type, or not a prime-order Ed25519 point.
 * - `INVALID_ARGUMENT`: another argument has the wrong type (options, digest algorithm, ...).
 *
 * Reported in a failed Check:
 * - `MALFORMED_BUNDLE`, `MALFORMED_TLOG_PROOF`: the input breaks its format or a bound.
 * - `ENTRY_MISSING`: a tlog-proof without `extra`, so there is no entry to check.
 * - `MALFORMED_RECORD`: the entry is not a canonical proofline.dev/record/v1 record.
 * - `ORIGIN_MISMATCH`: the bundle or the checkpoint names another log than the policy's.
 * - `CONTENT_MISMATCH`: the given content does not hash to the record's digest.
 * - `ISSUER_MISSING`, `ISSUER_UNTRUSTED`, `ISSUER_SIGNATURE_INVALID`: the issuer signature
 *   is absent (but required), by a key the policy does not list (but required), or invalid.
 * - `RECEIPT_MALFORMED`, `RECEIPT_UNVERIFIED`, `RECEIPT_MISMATCH`: the receipt is not a
 *   receipt, is not signed by the log key, or promises another origin, index, leaf or time.
 * - `INCLUSION_PROOF_INVALID`: the entry's leaf is not at the index in the checkpoint's tree.
 * - `CHECKPOINT_MALFORMED`, `CHECKPOINT_UNVERIFIED`: the checkpoint is not a checkpoint, or
 *   is not signed by the log key.
 * - `WITNESS_QUORUM_NOT_MET`: fewer valid cosignatures by distinct listed witnesses than
 *   the quorum.
 * - `TIMESTAMP_MISSING`, `TIMESTAMP_INVALID`: a timestamp is required but the bundle has no
 *   token, or none of its tokens verifies for the checkpoint with the trusted TSA roots.
 * - `TRUSTED_CHECKPOINT_INVALID`: the caller's trusted checkpoint does not open with the
 *   log key and origin.
 * - `CHECKPOINT_FORK`: two checkpoints of the same size with different roots.
 * - `CONSISTENCY_PROOF_MISSING`, `CONSISTENCY_PROOF_INVALID`: no consistency proof could be
 *   had between checkpoints of different sizes, or the one had does not verify (a fork, a
 *   rollback, or a bad proof).
 *
 * Reported by the SCITT checks (verifyCoseReceipt, verifyTransparentStatement; also
 * `MALFORMED_RECORD`, `RECEIPT_MALFORMED`, `RECEIPT_UNVERIFIED`, `ORIGIN_MISMATCH`,
 * `CHECKPOINT_MALFORMED`, `CHECKPOINT_UNVERIFIED`, `ISSUER_UNTRUSTED`,
 * `ISSUER_SIGNATURE_INVALID` above):
 * - `COSE_MALFORMED`: the bytes are not a COSE_Sign1 (bad or truncated CBOR, a decoder limit,
 *   a wrong tag or shape).
 * - `UNKNOWN_CRITICAL_HEADER`: `crit` names a header this verifier does not understand.
 * - `UNSUPPORTED_ALGORITHM`: the protected alg is not EdDSA (-8) or ES256 (-7).
 * - `UNSUPPORTED_VDS`: a receipt's vds is not 1 (RFC9162_SHA256).
 * - `RECEIPT_ENTRY_MISSING`: the receipt carries no log entry (header -65537): it is not a
 *   Proofline receipt, so which record it proves cannot be known.
 * - `SERVICE_KEY_UNTRUSTED`: no pinned service key has the receipt's kid (or its algorithm).
 * - `CHECKPOINT_SIZE_MISMATCH`, `RECEIPT_ROOT_MISMATCH`: the given signed checkpoint is of
 *   another tree size than the receipt's, or of the same size with another root.
 * - `STATEMENT_MALFORMED`: the signed statement is not one a log registers (detached payload,
 *   no kid, no CWT iss/sub, ...).
 * - `RECEIPTS_MISSING`, `RECEIPTS_UNVERIFIED`: the transparent statement has no receipt, or
 *   none verified against a pinned service key.
 * - `REGISTRATION_MISMATCH`: the receipt's record is not the registration of this statement
 *   (a receipt of another record moved onto it).
 */
export type VerificationErrorCode =
  | 'INVALID_POLICY'
  | 'INVALID_KEY'
  | 'INVALID_ARGUMENT'
  | 'MALFORMED_BUNDLE'
  | 'MALFORMED_TLOG_PROOF'
  | 'ENTRY_MISSING'
  | 'MALFORMED_RECORD'
  | 'ORIGIN_MISMATCH'
  | 'CONTENT_MISMATCH'
  | 'ISSUER_MISSING'
  | 'ISSUER_UNTRUSTED'
  | 'ISSUER_SIGNATURE_INVALID'
  | 'RECEIPT_MALFORMED'
  | 'RECEIPT_UNVERIFIED'
  | 'RECEIPT_MISMATCH'
  | 'INCLUSION_PROOF_INVALID'
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_UNVERIFIED'
  | 'WITNESS_QUORUM_NOT_MET'
  | 'TIMESTAMP_MISSING'
  | 'TIMESTAMP_INVALID'
  | 'TRUSTED_CHECKPOINT_INVALID'
  | 'CHECKPOINT_FORK'
  | 'CONSISTENCY_PROOF_MISSING'
  | 'CONSISTENCY_PROOF_INVALID'
  | 'COSE_MALFORMED'
  | 'UNKNOWN_CRITICAL_HEADER'
  | 'UNSUPPORTED_ALGORITHM'
  | 'UNSUPPORTED_VDS'
  | 'RECEIPT_ENTRY_MISSING'
  | 'SERVICE_KEY_UNTRUSTED'
  | 'CHECKPOINT_SIZE_MISMATCH'
  | 'RECEIPT_ROOT_MISMATCH'
  | 'STATEMENT_MALFORMED'
  | 'RECEIPTS_MISSING'
  | 'RECEIPTS_UNVERIFIED'
  | 'REGISTRATION_MISMATCH';

/** Data of a {@link VerificationError}: the failed check and what it compared. */
export interface VerificationErrorDetails {
  readonly step: CheckName;
  /** Hashes (base64), key ids, sizes, checkpoint texts, ... */
  readonly evidence: Readonly<Record<string, string>>;
}

/** Why a check failed (or, for the thrown codes, why verification could not start). */
export class VerificationError extends CodedError<VerificationErrorCode, VerificationErrorDetails> {
  declare readonly details: VerificationErrorDetails;

  constructor(
    code: VerificationErrorCode,
    step: CheckName,
    message: string,
    options: {
      readonly evidence?: Readonly<Record<string, string>>;
      readonly cause?: unknown;
    } = {},
  ) {
    super(code, message, {
      cause: options.cause,
      details: { step, evidence: Object.freeze({ ...options.evidence }) },
    });
    this.name = 'VerificationError';
  }

  /** The check that failed (`details.step`). */
  get step(): CheckName {
    return this.details.step;
  }

  /** What was compared (`details.evidence`). */
  get evidence(): Readonly<Record<string, string>> {
    return this.details.evidence;
  }
}
