import { CodedError, type CodedErrorOptions } from '@proofline/tlog';

/** Typed failures of the write path; the server maps each code to an HTTP status. */
export type SequencerErrorCode =
  /** An entry is longer than a tlog-tiles entry bundle can carry (65535 bytes). */
  | 'ENTRY_TOO_LARGE'
  /** The backlog is full: try again after `details.retryAfterSeconds`. */
  | 'OVERLOADED'
  /** More entries at once than the backlog can ever hold. */
  | 'BATCH_TOO_LARGE'
  /** The sequencer is shutting down and takes no new entries. */
  | 'CLOSED'
  /** A group broke its promise: lookup keys, or the number of entries it built. */
  | 'INVALID_GROUP'
  /** Other writers kept moving the log's tail while a batch was retried: try again. */
  | 'CONTENDED'
  /**
   * The commit's first index is below one this process already sealed a receipt for (see
   * ReceiptSealer): storage went back, and the commit was refused unwritten.
   */
  | 'INDEX_ALREADY_SEALED'
  /**
   * The log's asynchronous signer (a KMS, an external program) refused, failed or did not
   * answer in time while sealing a commit's receipt: the commit was refused unwritten and its
   * indices freed (see ReceiptSealer). Try again later.
   */
  | 'SIGNER_FAILED'
  /**
   * Entries about to be integrated are not what the creation receipt stored with their
   * commit signs (CommitCheck): the database was altered, and nothing was integrated.
   */
  | 'COMMIT_ALTERED'
  /** Entries about to be integrated have no stored creation receipt to check them against. */
  | 'COMMIT_UNSEALED'
  /** The log's registered key changed (retire-key) while this node ran with the old one. */
  | 'KEY_RETIRED';

/** Data of a {@link SequencerError}. */
export interface SequencerErrorDetails {
  /** OVERLOADED, CLOSED: when to try again (the server's Retry-After). */
  readonly retryAfterSeconds: number;
}

export class SequencerError extends CodedError<SequencerErrorCode, SequencerErrorDetails> {
  constructor(
    code: SequencerErrorCode,
    message: string,
    options?: CodedErrorOptions<SequencerErrorDetails>,
  ) {
    super(code, message, options);
    this.name = 'SequencerError';
  }
}
