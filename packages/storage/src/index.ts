/**
 * The storage contract every Proofline driver implements (SQLite embedded, PostgreSQL shared).
 *
 * Invariants a driver guarantees (and `conformance.ts` checks):
 * - `sequence` is durable and atomic: when its promise resolves, the entries and their
 *   indices survive a crash of this process or machine; when it rejects, none of them exist.
 *   Indices are consecutive, unique and gap-free across every process sharing the store.
 * - Entries are immutable once sequenced: nothing in this interface overwrites one.
 * - `integrate` and `publishCheckpoint` are compare-and-swap operations, so two processes
 *   that both believe they lead can never interleave conflicting writes.
 * - Hash tiles are deterministic functions of the entries; a stored tile may be wider than
 *   what a reader asks for (a later partial, or the full tile) and readers slice it.
 */

import { CodedError, type CodedErrorOptions } from '@proofline/tlog';

export interface LogConfig {
  /** URL path component: `[a-z0-9][a-z0-9-]{0,62}`. */
  readonly name: string;
  /** The tenant that owns the log: only its API keys read or write it. */
  readonly tenant: string;
  /** Checkpoint origin line (and the log key's name). */
  readonly origin: string;
  /** C2SP verifier key of the log's Ed25519 signing key. */
  readonly verifierKey: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface StoredCheckpoint {
  readonly size: number;
  /** The signed checkpoint note, exactly as published. */
  readonly note: string;
  /** When it was published, milliseconds since the epoch. */
  readonly publishedAt: number;
}

/** An RFC 3161 timestamp of a checkpoint's note text, as stored. */
export interface CheckpointTimestamp {
  /** Label of the time-stamping authority (display only). */
  readonly tsa: string;
  /** DER TimeStampToken. */
  readonly token: Uint8Array;
  /** The token's genTime, milliseconds since the epoch. */
  readonly genTimeMs: number;
}

/** A hash tile as stored: its level and index; `data` holds `width * 32` bytes. */
export interface StoredTile {
  readonly level: number;
  readonly index: number;
  readonly data: Uint8Array;
}

export interface TileKey {
  readonly level: number;
  readonly index: number;
}

/** The logs, their entries, hash tiles, checkpoints and leases (see AccessStore for tenants and keys). */
export interface Storage {
  /** Creates the log unless one of that name exists; returns the stored config either way. */
  ensureLog(config: LogConfig): Promise<LogConfig>;
  getLog(name: string): Promise<LogConfig | undefined>;
  listLogs(): Promise<LogConfig[]>;
  /**
   * The log's publishing policy: a document the caller owns and parses (the CLI keeps there,
   * as JSON, which witnesses and time-stamping authorities the log uses), stored verbatim;
   * undefined if none is set. Rejects UNKNOWN_LOG for a missing log.
   */
  getLogPolicy(log: string): Promise<string | undefined>;
  /** Sets the log's policy document, or removes it (undefined). Rejects UNKNOWN_LOG. */
  setLogPolicy(log: string, policy: string | undefined): Promise<void>;

  /**
   * Sequences `groups` in one durable transaction. Each group's entries get consecutive
   * indices. The transaction fixes one time for the batch, `nowMs` or the time of the log's
   * previous batch if that is later (so times never decrease along the log), and only then
   * calls each group's `build`.
   * A group whose idempotency key was already used is not built: its result is the stored
   * outcome (`duplicate`). Rejects, writing nothing, if the log does not exist or a builder
   * (or `seal`) throws.
   *
   * With `seal`, a commit that sequences any entry is sealed: `seal` is called with the
   * commit's first index, time and entries (every sequenced group's, in index order) and its
   * note is stored with the commit in the same transaction (`commitRange`, and the
   * `receipt` of each sequenced result). A driver may call `seal` for values it only
   * proposes (e.g. before it holds the log's write lock) and call it again, within the same
   * `sequence` call, when they turn out wrong: then nothing was written with the earlier
   * note, which the driver drops. The note stored is the one the last `seal` call of the
   * `sequence` call returned, and it was made for exactly the first index, time and entries
   * committed.
   */
  sequence(
    log: string,
    groups: readonly SequenceGroup[],
    nowMs: number,
    seal?: CommitSealer,
  ): Promise<SequenceResult[]>;
  /** Number of entries durably sequenced (the next index to assign). */
  sequencedSize(log: string): Promise<number>;
  /** Entries `[start, end)`; rejects if `end` exceeds the sequenced size. */
  readEntries(log: string, start: number, end: number): Promise<Uint8Array[]>;

  /**
   * The index range `[start, end)` of the entries sequenced at times in `[fromMs, toMs)`,
   * from the batch times that `sequence` recorded (times are non-decreasing with the index).
   */
  indexRangeForTime(log: string, fromMs: number, toMs: number): Promise<IndexRange>;
  /**
   * The index range `[start, end)` of the entries that one `sequence` call committed together
   * with the entry at `index` (they share its time), and the note that call stored for them
   * (undefined for a commit made without `seal`, e.g. before receipts were stored). Rejects
   * OUT_OF_RANGE if `index` is not sequenced.
   */
  commitRange(log: string, index: number): Promise<StoredCommit>;
  /** Indices of the entries sequenced with this lookup key, ascending, at most `limit`. */
  findByLookupKey(log: string, key: number, limit: number): Promise<number[]>;
  /** The stored outcome of an idempotency key, if it was used. */
  findIdempotency(tenant: string, key: string): Promise<IdempotentOutcome | undefined>;

  /** Tree size the stored hash tiles cover. */
  integratedSize(log: string): Promise<number>;
  /**
   * Stores `tiles` (replacing stored tiles with the same key) and moves the integrated size
   * from `fromSize` to `toSize`, atomically. Returns false and writes nothing if the
   * integrated size is no longer `fromSize`.
   */
  integrate(
    log: string,
    fromSize: number,
    toSize: number,
    tiles: readonly StoredTile[],
  ): Promise<boolean>;
  /** The stored data of each requested tile (possibly wider than a reader needs), or undefined. */
  readTiles(log: string, keys: readonly TileKey[]): Promise<(Uint8Array | undefined)[]>;

  latestCheckpoint(log: string): Promise<StoredCheckpoint | undefined>;
  /**
   * Publishes `next` as the latest checkpoint only if the latest is still `expected`
   * (compared by note text; undefined means "none yet") and `next.size` is not smaller.
   * Also appends it to the log's checkpoint history. Returns false and writes nothing otherwise.
   */
  publishCheckpoint(
    log: string,
    expected: StoredCheckpoint | undefined,
    next: StoredCheckpoint,
  ): Promise<boolean>;
  /** Every checkpoint ever published for the log, oldest first (bounded by `limit`). */
  checkpointHistory(log: string, limit: number): Promise<StoredCheckpoint[]>;

  /**
   * Stores an RFC 3161 TimeStampToken (DER) over the text of the log's checkpoint of tree
   * size `size`, from the authority labelled `tsa`, with its genTime. One token per
   * (log, size, tsa): a second one for the same key is ignored (idempotent). The caller
   * verifies the token first; storage does not.
   */
  addCheckpointTimestamp(
    log: string,
    size: number,
    tsa: string,
    token: Uint8Array,
    genTimeMs: number,
  ): Promise<void>;
  /** The tokens stored for the checkpoint of tree size `size`, earliest genTime first. */
  checkpointTimestamps(log: string, size: number): Promise<CheckpointTimestamp[]>;

  /**
   * Takes or renews the lease that lets one process integrate and sign for a log. Succeeds
   * when the lease is free, expired, or already held by `owner`. A lease is an optimisation
   * against wasted work, not a safety mechanism: the compare-and-swaps above are.
   */
  acquireLease(log: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(log: string, owner: string): Promise<void>;

  close(): Promise<void>;

  /**
   * The first published checkpoint that covered entry `index`: of those whose size is
   * greater than `index`, the smallest, and of equal sizes the earliest published; undefined
   * when none covers it yet. Published checkpoints never change, so the answer for an index,
   * once defined, never does (callers may cache it). One indexed query.
   */
  checkpointCovering(log: string, index: number): Promise<StoredCheckpoint | undefined>;
}

/** One caller's entries: they share the transaction and get consecutive indices. */
export interface SequenceGroup {
  /**
   * Produces the entries once the batch time is fixed. Must be pure (a driver may call it
   * again if it retries the transaction) and must return valid entries (1..65535 bytes is
   * not checked here; callers validate first).
   */
  readonly build: (timeMs: number) => readonly Uint8Array[];
  /** Per entry, a lookup key (0 ≤ key < 2^48, e.g. a digest prefix) for `findByLookupKey`. */
  readonly lookupKeys?: readonly number[];
  readonly idempotency?: {
    readonly tenant: string;
    readonly key: string;
    readonly requestHash: string;
  };
}

/** What `seal` is given: one commit as it will be stored if the driver commits it. */
export interface CommitToSeal {
  /** The index of the commit's first entry. */
  readonly first: number;
  /** The commit's time, milliseconds since the epoch (every entry was built with it). */
  readonly timeMs: number;
  /** The commit's entries in index order (1 or more). */
  readonly entries: readonly Uint8Array[];
}

/**
 * Signs a commit's note (e.g. its creation receipt) synchronously, inside the sequencing
 * transaction or just before it. Throws to refuse: the `sequence` call then rejects and
 * writes nothing.
 */
export type CommitSealer = (commit: CommitToSeal) => string;

export type SequenceResult =
  | {
      readonly status: 'sequenced';
      readonly first: number;
      readonly count: number;
      readonly timeMs: number;
      /** The note stored with the commit, when `sequence` was given `seal`. */
      readonly receipt?: string;
    }
  | ({ readonly status: 'duplicate' } & IdempotentOutcome);

/** What an idempotency key was used for: the request's hash and the entries it created. */
export interface IdempotentOutcome {
  readonly requestHash: string;
  readonly log: string;
  readonly first: number;
  readonly count: number;
}

export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

/** The entries `[start, end)` of one commit and the note sealed with them, if any. */
export interface StoredCommit extends IndexRange {
  readonly receipt?: string;
}

/**
 * Stable codes of {@link StorageError}:
 * - `UNKNOWN_LOG`, `OUT_OF_RANGE`, `INVALID_ARGUMENT`: a caller's mistake (no such log, a
 *   read beyond what is sequenced, a bad argument);
 * - `CORRUPT`: what the database holds is not what this software wrote (an altered or
 *   damaged row); `details` names the log and index when one entry is at fault.
 */
export type StorageErrorCode = 'UNKNOWN_LOG' | 'OUT_OF_RANGE' | 'INVALID_ARGUMENT' | 'CORRUPT';

/** Where in the database a {@link StorageError} is. */
export interface StorageErrorDetails {
  readonly log: string;
  readonly index?: number;
}

/** Raised by drivers for caller mistakes (unknown log, out-of-range reads) and corrupt rows. */
export class StorageError extends CodedError<StorageErrorCode, StorageErrorDetails> {
  constructor(
    code: StorageErrorCode,
    message: string,
    options?: CodedErrorOptions<StorageErrorDetails>,
  ) {
    super(code, message, options);
    this.name = 'StorageError';
  }
}

/** Log and tenant names: URL path components. */
export const LOG_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TENANT_NAME_PATTERN = LOG_NAME_PATTERN;

export { readTilesAt } from './tiles.js';
export * from './access.js';
