import { CodedError } from '@proofline/tlog';

/**
 * Stable error codes of @proofline/witness. Callers branch on `code`, never on `message`.
 *
 * - `MALFORMED_KEY`: a cosigner signer or verifier key string is not a well-formed key.
 * - `MALFORMED_REQUEST`: an add-checkpoint request body breaks c2sp.org/tlog-witness.
 * - `MALFORMED_RESPONSE`: a witness answered something c2sp.org/tlog-witness does not allow.
 * - `INVALID_POLICY`: a c2sp.org/tlog-policy text (or a k-of-n policy) is not valid.
 * - `INVALID_CONFIG`: a witness configuration file is not valid.
 * - `INVALID_ARGUMENT`: a programmer error (bad name, wrong key size, ...).
 */
export type WitnessErrorCode =
  | 'MALFORMED_KEY'
  | 'MALFORMED_REQUEST'
  | 'MALFORMED_RESPONSE'
  | 'INVALID_POLICY'
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT';

/** The error type this package throws for bad input. */
export class WitnessError extends CodedError<WitnessErrorCode> {
  constructor(code: WitnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WitnessError';
  }
}
