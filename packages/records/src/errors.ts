import { CodedError } from '@proofline/tlog';

/**
 * Stable error codes. Callers branch on `code` (and `field`), never on `message`.
 *
 * - `INVALID_STATEMENT`: a statement breaks the statement format, or its record would not fit
 *   MAX_ENTRY_SIZE.
 * - `INVALID_RECORD`: log entry bytes are not a canonical proofline.dev/record/v1 record.
 * - `INVALID_RECEIPT`: a receipt note is malformed, not signed by the log, or not a receipt.
 * - `INVALID_BUNDLE`: a proof bundle's JSON breaks the bundle format or a bound.
 * - `INVALID_TLOG_PROOF`: a c2sp.org/tlog-proof@v1 text breaks the format or a bound.
 * - `INVALID_KEY_HISTORY`: a key handover note is malformed or not signed by both its keys,
 *   or a log's key history is not one chain of them ending at the trusted key.
 * - `STATEMENT_MISMATCH`: a record is not the registration of the SCITT signed statement it is
 *   checked against (its digest, type, subject or labels differ from what the statement gives).
 * - `INVALID_ISSUER_KEY`: a COSE issuer key text (`cose:...`) breaks its format or holds no
 *   valid Ed25519 / P-256 public key with a kid.
 * - `INVALID_ARGUMENT`: a value handed to a format, build or sign function cannot be encoded.
 */
export type RecordErrorCode =
  | 'INVALID_STATEMENT'
  | 'INVALID_RECORD'
  | 'INVALID_RECEIPT'
  | 'INVALID_BUNDLE'
  | 'INVALID_TLOG_PROOF'
  | 'INVALID_KEY_HISTORY'
  | 'STATEMENT_MISMATCH'
  | 'INVALID_ISSUER_KEY'
  | 'INVALID_ARGUMENT';

/** Data of a {@link RecordError} about one value. */
export interface RecordErrorDetails {
  /**
   * JSON-pointer-like path of the offending value (RFC 6901 escaping: `~0` for `~`, `~1` for
   * `/`), e.g. `/labels/env` or `/inclusionProof/3`.
   */
  readonly field: string;
}

/** The only error type this package throws for bad input. */
export class RecordError extends CodedError<RecordErrorCode, RecordErrorDetails> {
  constructor(
    code: RecordErrorCode,
    message: string,
    options: { readonly field?: string; readonly cause?: unknown } = {},
  ) {
    const { field, cause } = options;
    super(code, field === undefined ? message : `${field}: ${message}`, {
      cause,
      ...(field === undefined ? {} : { details: { field } }),
    });
    this.name = 'RecordError';
  }

  /** The offending value's path (`details.field`); absent when no single field is at fault. */
  get field(): string | undefined {
    return this.details?.field;
  }
}

/** One RFC 6901 reference token: `~` becomes `~0` and `/` becomes `~1`. */
export function pointerToken(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Appends `segment` to the JSON pointer `base`. */
export function pointer(base: string, segment: string | number): string {
  return `${base}/${pointerToken(segment)}`;
}
