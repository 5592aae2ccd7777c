import { CodedError, type CodedErrorOptions } from '@proofline/tlog';

/**
 * Stable error codes. Callers branch on `code`, never on `message`.
 *
 * - `MALFORMED_CBOR`: the bytes are not one well-formed CBOR item in the strict profile of
 *   cbor.ts (truncated, trailing bytes, indefinite length, non-shortest head, duplicate map
 *   key, invalid UTF-8, float or unassigned simple value, reserved additional information).
 * - `CBOR_LIMIT`: the input exceeds a decoder bound (total size, nesting depth, item count).
 * - `MALFORMED_COSE`: well-formed CBOR that is not the expected COSE structure (wrong tag,
 *   wrong array shape, header maps that are not maps, a label in both header maps, ...).
 * - `UNKNOWN_CRITICAL_HEADER`: the protected `crit` header (label 2) names a header this
 *   verifier does not understand (RFC 9052 §3.1), or is malformed.
 * - `UNSUPPORTED_ALGORITHM`: the `alg` is absent, not protected, or not EdDSA (-8) / ES256 (-7).
 * - `ALGORITHM_MISMATCH`: the `alg` does not fit the key (an Ed25519 key for ES256, ...).
 * - `INVALID_SIGNATURE`: a COSE_Sign1 signature does not verify with the given key(s).
 * - `MALFORMED_KEY`: a COSE_Key, key set or SubjectPublicKeyInfo is not one this package
 *   accepts (OKP/Ed25519 and EC2/P-256 public keys only).
 * - `MALFORMED_RECEIPT`: a COSE receipt breaks RFC 9942 / this package's profile (no vds in
 *   the protected header, an attached payload, not exactly one inclusion proof, ...).
 * - `UNSUPPORTED_VDS`: the receipt's protected vds (label 395) is not 1 (RFC9162_SHA256).
 * - `INVALID_RECEIPT`: the receipt's signature does not verify over the root its inclusion
 *   proof reconstructs for the given leaf (tampered path, wrong leaf, or forged signature).
 * - `INVALID_ARGUMENT`: a value handed to an encode, sign or build function cannot be used.
 */
export type CoseErrorCode =
  | 'MALFORMED_CBOR'
  | 'CBOR_LIMIT'
  | 'MALFORMED_COSE'
  | 'UNKNOWN_CRITICAL_HEADER'
  | 'UNSUPPORTED_ALGORITHM'
  | 'ALGORITHM_MISMATCH'
  | 'INVALID_SIGNATURE'
  | 'MALFORMED_KEY'
  | 'MALFORMED_RECEIPT'
  | 'UNSUPPORTED_VDS'
  | 'INVALID_RECEIPT'
  | 'INVALID_ARGUMENT';

/** Data of a {@link CoseError} about a CBOR input: the byte offset where decoding failed. */
export interface CoseErrorDetails {
  readonly offset?: number;
}

/** The only error type this package throws for bad input. */
export class CoseError extends CodedError<CoseErrorCode, CoseErrorDetails> {
  constructor(code: CoseErrorCode, message: string, options?: CodedErrorOptions<CoseErrorDetails>) {
    super(code, message, options);
    this.name = 'CoseError';
  }
}
