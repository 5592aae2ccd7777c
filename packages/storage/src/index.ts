/**
 * The storage contract every Proofline driver implements (SQLite embedded, PostgreSQL shared).
 *
 * Invariants a driver guarantees (and `conformance.ts` checks):
 * - `sequence` is a durable, atomic compare-and-swap on the log's tail: when it answers
 *   `committed`, the entries, their indices and the commit's receipt survive a crash of
 *   this process or machine; any other answer wrote nothing. Indices are consecutive,
 *   unique and gap-free across every process sharing the store.
 * - No driver runs caller code inside a transaction: building and sealing happen before.
 * - Entries are immutable once sequenced: nothing in this interface overwrites one.
 * - `integrate` and `publishCheckpoint` are compare-and-swap operations, so two processes
 *   that both believe they lead can never interleave conflicting writes.
 * - Hash tiles are deterministic functions of the entries; a stored tile may be wider than
 *   what a reader asks for (a later partial, or the full tile) and readers slice it.
 */

import { CodedError, type CodedErrorOptions } from '@proofline/tlog';
import type { RetireKeyAnswer, RetireKeyRequest, StoredKeyHandover } from './key-history.js';

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
  /** Who may read its entries (see LogVisibility). */
  readonly visibility: LogVisibility;
}

/**
 * `public`: anyone reads the log's entries (entry bundles, records, proofs, lookups).
 * `private`: only keys of the owning tenant (and share links) read them; the checkpoint and
 * the hash tiles stay public either way, so anyone can check that the log is append-only.
 * Logs stored before visibility existed are `public`, what they always were.
 */
export const LOG_VISIBILITIES = ['public', 'private'] as const;
export type LogVisibility = (typeof LOG_VISIBILITIES)[number];

/** A log to create: `visibility` may be left out, meaning `public`. */
export type NewLogConfig = Omit<LogConfig, 'visibility'> & {
  readonly visibility?: LogVisibility;
};

export interface StoredCheckpoint {
  readonly size: number;
  /** The signed checkpoint note, exactly as published. */
  readonly note: string;
  /** When it was published, milliseconds since the epoch. */
  readonly publishedAt: number;
  /**
   * The checkpoint's root signature, when the publisher made one (docs/scitt.md): a
   * COSE_Sign1 by the log key over the tree root (detached payload), from which the RFC 9942
   * receipts of its records are assembled. Saved and read back byte for byte with the
   * checkpoint; absent for checkpoints published without one (e.g. before this field existed).
   * Unverified data to storage: readers verify it.
   */
  readonly coseRoot?: Uint8Array;
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
  /**
   * Creates the log unless one of that name exists, with `policy` (see getLogPolicy) in the
   * same transaction, so no reader ever sees the new log without it; returns the stored config
   * either way. An existing log and its policy are left as they are.
   */
  ensureLog(config: NewLogConfig, policy?: string): Promise<LogConfig>;
  getLog(name: string): Promise<LogConfig | undefined>;
  listLogs(): Promise<LogConfig[]>;
  /**
   * Sets who may read the log's entries, visible to every handle at once (readers may cache
   * a log's visibility for a few seconds). Which changes are allowed is the caller's policy.
   * Rejects UNKNOWN_LOG.
   */
  setLogVisibility(log: string, visibility: LogVisibility): Promise<void>;
  /**
   * The log's publishing policy: a document the caller owns and parses (the CLI keeps there,
   * as JSON, which witnesses and time-stamping authorities the log uses), stored verbatim;
   * undefined if none is set. Rejects UNKNOWN_LOG for a missing log.
   */
  getLogPolicy(log: string): Promise<string | undefined>;
  /** Sets the log's policy document, or removes it (undefined). Rejects UNKNOWN_LOG. */
  setLogPolicy(log: string, policy: string | undefined): Promise<void>;
  /**
   * The log's key handovers (retireKey), oldest first: unverified data, see key-history.ts.
   * Rejects UNKNOWN_LOG.
   */
  keyHistory(log: string): Promise<StoredKeyHandover[]>;
  /**
   * Retires the log's registered key: in one transaction, if the registered key is
   * `request.retiredKey`, the sequenced size is `request.end` and `request.leaseOwner` holds
   * the log's unexpired lease, stores the handover and registers `request.successorKey`;
   * otherwise answers `stale` and writes nothing. Rejects UNKNOWN_LOG, and INVALID_ARGUMENT
   * for a successor equal to the retired key or a bad `end`.
   */
  retireKey(log: string, request: RetireKeyRequest): Promise<RetireKeyAnswer>;

  /**
   * Commits `commit` if the log's tail is still what the caller built it for: a
   * compare-and-swap on (sequenced size, last time). Atomically and durably, or not at all:
   * - `retry` (nothing written) when the sequenced size is not `commit.first` or the log's
   *   last commit time is after `commit.timeMs`: another writer committed meanwhile. The
   *   answer carries the tail the caller must rebuild (and re-seal) for.
   * - `duplicates` (nothing written) when an idempotency key of a group is already stored:
   *   per group, the stored outcome of its key (undefined for the groups that are free).
   *   The caller drops those groups and tries again with the others.
   * - `committed` otherwise: the groups' entries got indices `first, first + 1, …` in order,
   *   each group's lookup keys and idempotency outcome were stored, and so were the commit
   *   (its first index, time and `receipt`) and the log's new tail.
   * Rejects (writing nothing) an unknown log (UNKNOWN_LOG) or a malformed commit
   * (INVALID_ARGUMENT, see checks.ts checkCommit). When it rejects for any other reason
   * (connection lost, crash of a thread) the commit may or may not have been stored.
   * Runs no caller code: everything it stores is in `commit`.
   */
  sequence(log: string, commit: CommitRequest): Promise<CommitAnswer>;
  /**
   * Optional, for drivers that several processes share: reserves the next `count` indices of
   * the log and a time not before `nowMs` nor any earlier reservation's, for one commit that
   * the caller then builds, seals and proposes with the reservation's `epoch`. Such a commit
   * waits (for a bounded time, on the database) for the commits reserved before it to land
   * instead of being answered `retry` because they have not yet, so writers on many
   * processes build and seal in parallel and none proposes at a tail it cannot get. A
   * reservation whose commit never comes (its process died, or it was refused) is given up
   * after that time and the ones after it are answered `retry`. Not durable and not a
   * safety mechanism: `sequence` stays the compare-and-swap above whatever was reserved.
   * A driver with a single writer process need not implement it.
   */
  reserve?(log: string, count: number, nowMs: number): Promise<Reservation>;
  /** The log's tail: its sequenced size and the time of its last commit (0 when empty). */
  tail(log: string): Promise<LogTail>;
  /** Number of entries durably sequenced (the next index to assign). */
  sequencedSize(log: string): Promise<number>;
  /**
   * Entries `[start, end)`; rejects if `end` exceeds the sequenced size. An erased entry (see
   * eraseEntry) reads as zero bytes; `erasedEntries` tells it from an entry stored empty.
   */
  readEntries(log: string, start: number, end: number): Promise<Uint8Array[]>;

  /**
   * Erases the bytes of entry `index`, which must be integrated (index < integratedSize,
   * else OUT_OF_RANGE and nothing written), so that its leaf hash stays in the hash tiles and
   * every proof, checkpoint and audit stays valid. In one transaction: the entry's bytes are
   * replaced by zero bytes, its lookup row (`lookupKey`, when given) is deleted, and the
   * erasure (index, time) is recorded. Resolves true when erased now, false when it already
   * was (nothing changes). The log's own erasure record (a signed entry, see
   * @proofline/records `erasureStatement`) is the caller's: storage signs nothing.
   */
  eraseEntry(log: string, index: number, erasure: EntryErasure): Promise<boolean>;
  /** The erased entries with indices in `[start, end)`, ascending. */
  erasedEntries(log: string, start: number, end: number): Promise<ErasedEntry[]>;

  /**
   * The index range `[start, end)` of the entries sequenced at times in `[fromMs, toMs)`,
   * from the batch times that `sequence` recorded (times are non-decreasing with the index).
   */
  indexRangeForTime(log: string, fromMs: number, toMs: number): Promise<IndexRange>;
  /**
   * The index range `[start, end)` of the entries that one `sequence` call committed together
   * with the entry at `index` (they share its time), and the note that call stored for them
   * (undefined for a commit made without a receipt, e.g. before receipts were stored). Rejects
   * OUT_OF_RANGE if `index` is not sequenced.
   */
  commitRange(log: string, index: number): Promise<StoredCommit>;
  /**
   * The first indices of the commits (see commitRange) that start at or after `from`,
   * ascending, at most `limit`, and the sequenced size read in the same snapshot: with fewer
   * than `limit` starts, these are all the commits below `size` from `from` on.
   */
  commitStarts(log: string, from: number, limit: number): Promise<CommitStarts>;
  /**
   * The commits that start at or after `from`, ascending, at most `limit`: each one's first
   * index and the note stored with it (none for a commit made without one), as commitRange
   * answers them; where each ends is the next one's start (see commitStarts), not given here.
   */
  commitNotes(log: string, from: number, limit: number): Promise<CommitNote[]>;
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

/** What `eraseEntry` records. */
export interface EntryErasure {
  /** When the bytes were erased, ms since the epoch. */
  readonly timeMs: number;
  /** The entry's lookup key (as `sequence` stored it), whose row is deleted with the bytes. */
  readonly lookupKey?: number;
}

/** An erased entry: its index and when its bytes were erased (ms since the epoch). */
export interface ErasedEntry {
  readonly index: number;
  readonly erasedAt: number;
}

/** An idempotency key and the hash of the request that used it. */
export interface Idempotency {
  readonly tenant: string;
  readonly key: string;
  readonly requestHash: string;
}

/** One caller's entries in a commit: they get consecutive indices. */
export interface CommitGroup {
  /** 1 or more entries of at most 65535 bytes, already built for the commit's time. */
  readonly entries: readonly Uint8Array[];
  /** Per entry, a lookup key (integer, 0 ≤ key < 2^48, e.g. a digest prefix). */
  readonly lookupKeys?: readonly number[];
  /** Stored with the group's outcome (first index, count); unique per (tenant, key). */
  readonly idempotency?: Idempotency;
}

/** What `sequence` is asked to store: plain data, built and sealed by the caller. */
export interface CommitRequest {
  /** The index of the first entry: must be the log's sequenced size. */
  readonly first: number;
  /** The commit's time, ms since the epoch: not before the log's last commit time. */
  readonly timeMs: number;
  /** 1 or more groups, no idempotency key twice. */
  readonly groups: readonly CommitGroup[];
  /** The note sealed for exactly `first`, `timeMs` and these entries (see commitRange). */
  readonly receipt?: string;
  /** The epoch of the reservation (Storage.reserve) the commit was built for, if any. */
  readonly epoch?: number;
}

/** Indices and a time reserved at a log's tail for one commit (see Storage.reserve). */
export interface Reservation {
  readonly first: number;
  readonly timeMs: number;
  /** Passed back with the commit (CommitRequest.epoch). */
  readonly epoch: number;
  /** How many reserved commits had not landed before this one, if the driver knows. */
  readonly ahead?: number;
}

export type CommitAnswer =
  | { readonly status: 'committed' }
  | { readonly status: 'retry'; readonly tail: LogTail }
  | {
      readonly status: 'duplicates';
      /** Per group of the request: the stored outcome of its key, or undefined. */
      readonly outcomes: readonly (IdempotentOutcome | undefined)[];
    };

/** Where a log ends: its sequenced size and its last commit's time (0 when empty). */
export interface LogTail {
  readonly size: number;
  readonly timeMs: number;
}

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

/** What {@link Storage.commitStarts} answers. */
export interface CommitStarts {
  readonly starts: readonly number[];
  readonly size: number;
}

/** The first index of one commit and the note sealed with its entries, if any. */
export interface CommitNote {
  readonly start: number;
  readonly receipt?: string;
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
export type { RetireKeyAnswer, RetireKeyRequest, StoredKeyHandover } from './key-history.js';
export * from './access.js';
