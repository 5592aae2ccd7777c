/** What a {@link CodedError} may carry besides its code and message. */
export interface CodedErrorOptions<Details> {
  /** The lower-level failure this one wraps (ES2022 `Error.cause`). */
  readonly cause?: unknown;
  /** Typed data about the failure, for callers (never parsed out of the message). */
  readonly details?: Details;
}

/**
 * The base of every typed error in Proofline: a stable machine-readable `code` (callers
 * branch on it, never on `message`), optional typed `details`, and the standard `cause`. Each
 * package narrows `Code` (and `Details`) in its own subclass.
 */
export class CodedError<Code extends string, Details = undefined> extends Error {
  readonly code: Code;
  /** Absent when the failure has no data beyond its code and message. */
  declare readonly details?: Details;

  constructor(code: Code, message: string, options: CodedErrorOptions<Details> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** Machine-readable reason attached to every {@link TlogError}. */
export type TlogErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INCLUSION_PROOF_INVALID'
  | 'CONSISTENCY_PROOF_INVALID'
  | 'BAD_TILE_PATH'
  | 'BAD_TILE_DATA'
  | 'BAD_ENTRY_BUNDLE'
  | 'READER_MISBEHAVED';

/** Data of a {@link TlogError}, when the failure is about one proof. */
export interface TlogErrorDetails {
  /** INCLUSION_PROOF_INVALID: the leaf index and tree size the proof was checked for. */
  readonly index?: number;
  readonly size?: number;
  /** CONSISTENCY_PROOF_INVALID: the two tree sizes the proof was checked for. */
  readonly oldSize?: number;
  readonly newSize?: number;
}

/** The only error type thrown (or rejected with) by this package. */
export class TlogError extends CodedError<TlogErrorCode, TlogErrorDetails> {
  constructor(code: TlogErrorCode, message: string, options?: CodedErrorOptions<TlogErrorDetails>) {
    super(code, message, options);
    this.name = 'TlogError';
  }
}
