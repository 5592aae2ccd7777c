import { CodedError } from '@proofline/tlog';

/** Why a checkpoint guard refused (see guard.ts). */
export type GuardErrorCode =
  /** The database holds less than this node already signed: fewer entries, a smaller tree. */
  | 'ROLLBACK'
  /** The database's tree, or a checkpoint about to be signed, disagrees with what was signed. */
  | 'FORK'
  /** The database's latest checkpoint is not a checkpoint signed by the log's key. */
  | 'BAD_CHECKPOINT'
  /** The guard file does not exist (deleted, or a node set up before guards existed). */
  | 'STATE_MISSING'
  /** The guard file cannot be read, or other users may read or change it. */
  | 'STATE_UNREADABLE'
  /** The guard file is not a valid guard state for this log. */
  | 'STATE_CORRUPT';

/** A size and root hash (hex), as reported in errors. */
export interface TreeHead {
  readonly size: number;
  readonly root: string;
}

/** What the database held when the guard refused. */
export interface DatabaseState {
  readonly sequenced: number;
  readonly integrated: number;
  /** The latest stored checkpoint, if any. */
  readonly checkpoint?: TreeHead;
}

/** Where the guard refused and what it compared. */
export interface GuardErrorDetails {
  readonly log: string;
  /** The guard file. */
  readonly path: string;
  readonly signed?: TreeHead;
  readonly database?: DatabaseState;
}

/**
 * A refusal of the checkpoint guard: nothing was signed. `details.signed` is the last
 * checkpoint the guard holds (when it could be read) and `details.database` what the database
 * held. The constructor takes the cause (a failed read, a parse error) beside the details.
 */
export class GuardError extends CodedError<GuardErrorCode, GuardErrorDetails> {
  declare readonly details: GuardErrorDetails;

  constructor(
    code: GuardErrorCode,
    message: string,
    details: GuardErrorDetails & { readonly cause?: unknown },
  ) {
    const { cause, ...rest } = details;
    super(code, message, { cause, details: rest });
    this.name = 'GuardError';
  }
}
