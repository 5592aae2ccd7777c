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

export interface LogConfig {
  /** URL path component: `[a-z0-9][a-z0-9-]{0,62}`. */
  readonly name: string;
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

export interface Storage {
  /** Creates the log unless one of that name exists; returns the stored config either way. */
  ensureLog(config: LogConfig): Promise<LogConfig>;
  getLog(name: string): Promise<LogConfig | undefined>;
  listLogs(): Promise<LogConfig[]>;

  /**
   * Assigns the next consecutive indices to `entries` in one durable transaction and
   * returns the index of the first. Rejects (writing nothing) if the log does not exist.
   */
  sequence(log: string, entries: readonly Uint8Array[]): Promise<number>;
  /** Number of entries durably sequenced (the next index to assign). */
  sequencedSize(log: string): Promise<number>;
  /** Entries `[start, end)`; rejects if `end` exceeds the sequenced size. */
  readEntries(log: string, start: number, end: number): Promise<Uint8Array[]>;

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
   * Takes or renews the lease that lets one process integrate and sign for a log. Succeeds
   * when the lease is free, expired, or already held by `owner`. A lease is an optimisation
   * against wasted work, not a safety mechanism: the compare-and-swaps above are.
   */
  acquireLease(log: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(log: string, owner: string): Promise<void>;

  close(): Promise<void>;
}

/** Raised by drivers for caller mistakes (unknown log, out-of-range reads). */
export class StorageError extends Error {
  constructor(
    readonly code: 'UNKNOWN_LOG' | 'OUT_OF_RANGE' | 'INVALID_ARGUMENT' | 'CORRUPT',
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export const LOG_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export { readTilesAt } from './tiles.js';
