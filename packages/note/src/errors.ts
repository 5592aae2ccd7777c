import { CodedError, type CodedErrorOptions } from '@proofline/tlog';

/**
 * Stable error codes. Callers branch on `code`, never on `message`.
 *
 * - `MALFORMED_NOTE`: a signed note breaks c2sp.org/signed-note §Format or a bound.
 * - `MALFORMED_KEY`: a verifier or signer key string is not a well-formed key encoding.
 * - `UNKNOWN_KEY_TYPE`: a key encoding is well formed but its type byte is not the expected one
 *   (0x01 Ed25519, or 0x04 cosignature/v1 where the caller asks for it).
 * - `UNVERIFIED_NOTE`: no signature from a known key (c2sp.org/signed-note §Signatures).
 * - `INVALID_SIGNATURE`: a signature by a known key failed to verify.
 * - `AMBIGUOUS_KEY`: a signature names a key that two or more verifiers claim.
 * - `MALFORMED_CHECKPOINT`: a note text breaks c2sp.org/tlog-checkpoint §Note text, or is
 *   not the checkpoint of the expected origin.
 * - `INVALID_ARGUMENT`: a value handed to a format, sign or constructor function cannot be
 *   encoded (bad key name, wrong key or seed size, invalid note text, ...).
 */
export type NoteErrorCode =
  | 'MALFORMED_NOTE'
  | 'MALFORMED_KEY'
  | 'UNKNOWN_KEY_TYPE'
  | 'UNVERIFIED_NOTE'
  | 'INVALID_SIGNATURE'
  | 'AMBIGUOUS_KEY'
  | 'MALFORMED_CHECKPOINT'
  | 'INVALID_ARGUMENT';

/** Data of a {@link NoteError} about one signature: the key it names. */
export interface NoteErrorDetails {
  /** AMBIGUOUS_KEY, INVALID_SIGNATURE: the signature's key name and key id. */
  readonly keyName: string;
  readonly keyId: number;
}

/** The only error type this package throws for bad input. */
export class NoteError extends CodedError<NoteErrorCode, NoteErrorDetails> {
  constructor(code: NoteErrorCode, message: string, options?: CodedErrorOptions<NoteErrorDetails>) {
    super(code, message, options);
    this.name = 'NoteError';
  }
}
