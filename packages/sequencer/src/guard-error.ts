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

/**
 * A refusal of the checkpoint guard: nothing was signed. `signed` is the last checkpoint the
 * guard holds (when it could be read) and `database` what the database held.
 */
export class GuardError extends Error {
  constructor(
    readonly code: GuardErrorCode,
    message: string,
    readonly details: {
      readonly log: string;
      readonly path: string;
      readonly signed?: TreeHead;
      readonly database?: DatabaseState;
      readonly cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? {} : { cause: details.cause });
    this.name = 'GuardError';
  }
}
