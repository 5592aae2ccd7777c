/** Typed failures of the write path; the server maps each code to an HTTP status. */
export type SequencerErrorCode =
  /** An entry is longer than a tlog-tiles entry bundle can carry (65535 bytes). */
  | 'ENTRY_TOO_LARGE'
  /** The backlog is full: try again after `retryAfterSeconds`. */
  | 'OVERLOADED'
  /** More entries at once than the backlog can ever hold. */
  | 'BATCH_TOO_LARGE'
  /** The sequencer is shutting down and takes no new entries. */
  | 'CLOSED'
  /**
   * The commit's first index is below one this process already sealed a receipt for (see
   * ReceiptSealer): storage went back, and the commit was refused unwritten.
   */
  | 'INDEX_ALREADY_SEALED';

export class SequencerError extends Error {
  constructor(
    readonly code: SequencerErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SequencerError';
  }
}
