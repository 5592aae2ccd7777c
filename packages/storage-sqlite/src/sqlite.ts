import type Database from 'better-sqlite3';
import {
  StorageError,
  type CheckpointTimestamp,
  type CommitAnswer,
  type CommitNote,
  type CommitStarts,
  type CommitRequest,
  type EntryErasure,
  type ErasedEntry,
  type IdempotentOutcome,
  type IndexRange,
  type LogConfig,
  type LogVisibility,
  type NewLogConfig,
  type LogTail,
  type RetireKeyAnswer,
  type RetireKeyRequest,
  type Storage,
  type StoredKeyHandover,
  type StoredCheckpoint,
  type StoredCommit,
  type StoredTile,
  type TileKey,
} from '@proofline/storage';
import {
  checkCommit,
  checkErasure,
  checkIndex,
  checkLimit,
  checkRange,
  checkTimestamp,
} from '@proofline/storage/checks';
import {
  toCheckpoint,
  toConfig,
  toOutcome,
  type CheckpointRow,
  type IdempotencyRow,
  type LogRow,
} from '@proofline/storage/rows';
import { SqliteAccess } from './access.js';
import { SqliteErasures } from './erasure.js';
import { readKeyHistory, retireKey } from './key-history.js';
import { openDatabase } from './schema.js';
import { lookupMergeSettings, type LookupMergeOptions } from './lookup-merge.js';
import { writeOperations, type SequenceRequest, type WriteOperations } from './writes.js';
import { Writer } from './writer.js';
import { Checkpointer } from './checkpointer.js';

/** The entries as one buffer plus end offsets (see SequenceRequest). */
function concat(entries: readonly Uint8Array[]): { data: Uint8Array; ends: Uint32Array } {
  let total = 0;
  for (const e of entries) total += e.length;
  const data = new Uint8Array(total);
  const ends = new Uint32Array(entries.length);
  let offset = 0;
  entries.forEach((e, i) => {
    data.set(e, offset);
    offset += e.length;
    ends[i] = offset;
  });
  return { data, ends };
}

export interface SqliteOptions {
  /** How long a writer waits for another process's transaction, in ms (default 10 s). */
  readonly busyTimeoutMs?: number;
  /**
   * A batch of at most this many entries, when the writer thread owes nothing and the
   * previous `sequence` call was no larger, is committed on the calling thread (default 1;
   * 0: always on the writer thread). Handing one entry to the thread costs more latency
   * (~0.5 ms round trip, against ~0.25 ms for the commit) than it saves when requests come
   * one at a time; under load the batches are larger and go to the thread, and so does a
   * lone entry right after a larger batch (the rest of a busy load is on its way: its fsync
   * on the calling thread would hold every request waiting behind it).
   */
  readonly inlineMaxEntries?: number;
  /**
   * How often, in ms, a thread of its own copies the WAL into the database file (see
   * checkpointer.ts; default 100). 0: SQLite's default, where the commit that takes the WAL
   * past 1000 pages does it before it returns.
   */
  readonly checkpointIntervalMs?: number;
  /** When integration moves lookup rows from `lookup_recent` into `lookup` (lookup-merge.ts). */
  readonly lookupMerge?: LookupMergeOptions;
}

/**
 * SQLite driver (better-sqlite3, WAL, `synchronous=FULL`).
 *
 * Durability: every write is one transaction; with WAL and synchronous=FULL, SQLite fsyncs
 * the WAL before COMMIT returns, so a resolved `sequence` survives power loss. A process
 * killed mid-transaction leaves nothing behind: SQLite rolls back the uncommitted frames
 * on the next open. Several processes may open the same file (e.g. `proofline serve` and
 * `proofline append`): writers serialise on SQLite's lock (BEGIN IMMEDIATE), so index
 * assignment stays gap-free across them.
 *
 * Threads: the writes on a log's hot path — sequence, integrate, publishCheckpoint,
 * addCheckpointTimestamp and the lease — run on a writer thread with its own connection
 * (writer-thread.ts), so their COMMIT and fsync do not block the event loop; a promise
 * resolves only after that thread's COMMIT returned. Exception: a single-entry batch after
 * another while the writer owes nothing is committed here (see SqliteOptions.inlineMaxEntries). Reads, and the rare administrative
 * writes (tenants, logs, keys), run synchronously on the calling thread's connection, which
 * sees every committed write (WAL). WAL checkpoints run on a third thread, beside the commits
 * (checkpointer.ts; SqliteOptions.checkpointIntervalMs).
 */
export class SqliteStorage extends SqliteAccess implements Storage {
  private readonly logIds = new Map<string, number>();
  private readonly stmt;
  private readonly writer: Writer;
  private readonly inlineMaxEntries: number;
  /** Checkpoints the WAL beside the commits (undefined: the commits do, SQLite's default). */
  private readonly checkpointer: Checkpointer | undefined;
  /** The same write operations on this thread's connection (see inlineMaxEntries). */
  private inlineWrites: WriteOperations | undefined;
  private readonly lookupMerge: LookupMergeOptions;
  /** Entries of the last `sequence` call (see inlineMaxEntries). */
  private lastSequenced = 0;
  constructor(path: string, options: SqliteOptions = {}) {
    const lookupMerge = lookupMergeSettings(options.lookupMerge); // before the file is opened
    const db = openDatabase(path, options.busyTimeoutMs ?? 10_000);
    super(db);
    const checkpointMs = options.checkpointIntervalMs ?? 100;
    const checkpointer = checkpointMs > 0 ? new Checkpointer(path, checkpointMs) : undefined;
    if (checkpointer) db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = checkpointer;
    // The checkpoint thread runs from the first write of the writer thread or an inline commit.
    this.lookupMerge = lookupMerge;
    this.writer = new Writer(
      path,
      options.busyTimeoutMs ?? 10_000,
      !checkpointer,
      this.lookupMerge,
      () => checkpointer?.start(),
    );
    this.inlineMaxEntries = options.inlineMaxEntries ?? 1;
    this.stmt = logStatements(db);
  }

  private logId(name: string): number {
    let id = this.logIds.get(name);
    if (id === undefined) {
      const row = this.stmt.logByName.get(name);
      if (!row) throw new StorageError('UNKNOWN_LOG', `unknown log ${JSON.stringify(name)}`);
      id = row.id;
      this.logIds.set(name, id);
    }
    return id;
  }

  async ensureLog(config: NewLogConfig, policy?: string): Promise<LogConfig> {
    this.db
      .transaction(() => {
        this.insertTenant.run(config.tenant, config.createdAt);
        const inserted = this.stmt.insertLog.run(
          config.name,
          config.tenant,
          config.origin,
          config.verifierKey,
          config.createdAt,
          config.visibility ?? 'public',
        );
        if (inserted.changes === 1 && policy !== undefined) {
          this.db
            .prepare('INSERT INTO log_policies (log_id, policy) VALUES (?, ?)')
            .run(inserted.lastInsertRowid, policy);
        }
      })
      .immediate();
    return (await this.getLog(config.name))!;
  }

  async getLog(name: string): Promise<LogConfig | undefined> {
    const row = this.stmt.logByName.get(name);
    return row && toConfig(row);
  }

  async listLogs(): Promise<LogConfig[]> {
    return this.stmt.allLogs.all().map(toConfig);
  }

  async setLogVisibility(log: string, visibility: LogVisibility): Promise<void> {
    this.db.prepare('UPDATE logs SET visibility = ? WHERE id = ?').run(visibility, this.logId(log));
  }

  /**
   * Small commits, while the writer thread owes nothing, run here (see inlineMaxEntries);
   * the others on the writer thread, in the order sent. Either way one transaction.
   */
  async sequence(log: string, commit: CommitRequest): Promise<CommitAnswer> {
    const logId = this.logId(log);
    const count = checkCommit(commit);
    const entries = commit.groups.flatMap((g) => g.entries);
    const { data, ends } = concat(entries);
    const request: SequenceRequest = {
      logId,
      first: commit.first,
      time: commit.timeMs,
      ...(commit.receipt === undefined ? {} : { receipt: commit.receipt }),
      groups: commit.groups.map((g) => ({
        count: g.entries.length,
        ...(g.lookupKeys ? { lookupKeys: g.lookupKeys } : {}),
        ...(g.idempotency ? { idempotency: g.idempotency } : {}),
      })),
      data,
      ends,
    };
    const small = count <= this.inlineMaxEntries && this.lastSequenced <= this.inlineMaxEntries;
    this.lastSequenced = count;
    if (small && this.writer.idle) {
      this.checkpointer?.start();
      return (this.inlineWrites ??= writeOperations(this.db, this.lookupMerge)).sequence(request);
    }
    return this.writer.call('sequence', [request], [data.buffer as ArrayBuffer]);
  }

  async tail(log: string): Promise<LogTail> {
    const state = this.stmt.sizes.get(this.logId(log))!;
    return { size: state.sequenced_size, timeMs: state.last_time };
  }

  async sequencedSize(log: string): Promise<number> {
    return this.stmt.sizes.get(this.logId(log))!.sequenced_size;
  }

  async readEntries(log: string, start: number, end: number): Promise<Uint8Array[]> {
    const id = this.logId(log);
    checkRange(start, end);
    if (end === start + 1) {
      // One entry (a bundle's, a receipt's): a point read, no row list.
      const data = this.stmt.readEntry.get(id, start);
      if (data === undefined) {
        throw new StorageError('OUT_OF_RANGE', `entries [${start}, ${end}) are not all sequenced`);
      }
      return [toBytes(data)];
    }
    const rows = this.stmt.readEntries.all(id, start, end);
    if (rows.length !== end - start) {
      throw new StorageError('OUT_OF_RANGE', `entries [${start}, ${end}) are not all sequenced`);
    }
    return rows.map(toBytes);
  }

  async indexRangeForTime(log: string, fromMs: number, toMs: number): Promise<IndexRange> {
    const id = this.logId(log);
    if (!(fromMs <= toMs)) throw new StorageError('INVALID_ARGUMENT', 'from must not be after to');
    const size = this.stmt.sizes.get(id)!.sequenced_size;
    const start = this.stmt.firstAtOrAfter.get(id, fromMs) ?? size;
    const end = this.stmt.firstAtOrAfter.get(id, toMs) ?? size;
    return { start, end: Math.max(start, end) };
  }

  async commitRange(log: string, index: number): Promise<StoredCommit> {
    const id = this.logId(log);
    checkRange(index, index + 1);
    // One statement: the bounds, the note and the size come from one snapshot.
    const row = this.stmt.commitRange.get(id, index, id, id, index)!;
    if (index >= row.size || row.start === null) {
      throw new StorageError('OUT_OF_RANGE', `entry ${index} is not sequenced`);
    }
    const range = { start: row.start, end: row.end ?? row.size };
    return row.receipt === null ? range : { ...range, receipt: row.receipt };
  }

  async commitStarts(log: string, from: number, limit: number): Promise<CommitStarts> {
    const id = this.logId(log);
    checkIndex(from);
    checkLimit(limit);
    // One read transaction: the starts and the size come from one snapshot.
    return this.db.transaction(() => ({
      starts: this.stmt.commitStarts.all(id, from, limit),
      size: this.stmt.sizes.get(id)!.sequenced_size,
    }))();
  }

  async commitNotes(log: string, from: number, limit: number): Promise<CommitNote[]> {
    const id = this.logId(log);
    checkIndex(from);
    checkLimit(limit);
    return this.stmt.commitNotes
      .all(id, from, limit)
      .map((r) =>
        r.receipt === null ? { start: r.start } : { start: r.start, receipt: r.receipt },
      );
  }

  async findByLookupKey(log: string, key: number, limit: number): Promise<number[]> {
    const id = this.logId(log);
    return this.stmt.findLookup.all(id, key, id, key, limit);
  }

  async findIdempotency(tenant: string, key: string): Promise<IdempotentOutcome | undefined> {
    return this.findIdempotencySync(tenant, key);
  }

  private findIdempotencySync(tenant: string, key: string): IdempotentOutcome | undefined {
    const row = this.stmt.findIdempotency.get(tenant, key);
    return row && toOutcome(row);
  }

  async integratedSize(log: string): Promise<number> {
    return this.stmt.sizes.get(this.logId(log))!.integrated_size;
  }

  async integrate(
    log: string,
    fromSize: number,
    toSize: number,
    tiles: readonly StoredTile[],
  ): Promise<boolean> {
    const id = this.logId(log);
    checkRange(fromSize, toSize);
    return this.writer.call('integrate', [id, fromSize, toSize, tiles]);
  }

  async readTiles(log: string, keys: readonly TileKey[]): Promise<(Uint8Array | undefined)[]> {
    const id = this.logId(log);
    return keys.map((k) => {
      const data = this.stmt.readTile.get(id, k.level, k.index);
      return data === undefined ? undefined : toBytes(data);
    });
  }

  async latestCheckpoint(log: string): Promise<StoredCheckpoint | undefined> {
    const row = this.stmt.latest.get(this.logId(log));
    return row && toCheckpoint(row);
  }

  async publishCheckpoint(
    log: string,
    expected: StoredCheckpoint | undefined,
    next: StoredCheckpoint,
  ): Promise<boolean> {
    return this.writer.call('publishCheckpoint', [this.logId(log), expected?.note, next]);
  }

  async checkpointHistory(log: string, limit: number): Promise<StoredCheckpoint[]> {
    return this.stmt.history.all(this.logId(log), limit).map(toCheckpoint);
  }

  async addCheckpointTimestamp(
    log: string,
    size: number,
    tsa: string,
    token: Uint8Array,
    genTimeMs: number,
  ): Promise<void> {
    checkTimestamp(size, token, genTimeMs);
    await this.writer.call('addCheckpointTimestamp', [
      this.logId(log),
      size,
      tsa,
      token,
      genTimeMs,
    ]);
  }

  async checkpointTimestamps(log: string, size: number): Promise<CheckpointTimestamp[]> {
    return this.stmt.timestamps
      .all(this.logId(log), size)
      .map((r) => ({ tsa: r.tsa, token: toBytes(r.token), genTimeMs: r.gen_time }));
  }

  async acquireLease(log: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.writer.call('acquireLease', [this.logId(log), owner, now + ttlMs, now]);
  }

  async releaseLease(log: string, owner: string): Promise<void> {
    await this.writer.call('releaseLease', [this.logId(log), owner]);
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  // ---- log policies (migration 5) ----

  async getLogPolicy(log: string): Promise<string | undefined> {
    const row = this.db
      .prepare<[number], { policy: string }>('SELECT policy FROM log_policies WHERE log_id = ?')
      .get(this.logId(log));
    return row?.policy;
  }

  async setLogPolicy(log: string, policy: string | undefined): Promise<void> {
    const id = this.logId(log);
    if (policy === undefined) {
      this.db.prepare('DELETE FROM log_policies WHERE log_id = ?').run(id);
    } else {
      this.db
        .prepare(
          'INSERT INTO log_policies (log_id, policy) VALUES (?, ?) ' +
            'ON CONFLICT (log_id) DO UPDATE SET policy = excluded.policy',
        )
        .run(id, policy);
    }
  }

  // ---- erasure ----

  private erasureStmts: SqliteErasures | undefined;

  async eraseEntry(log: string, index: number, erasure: EntryErasure): Promise<boolean> {
    checkErasure(index, erasure);
    this.erasureStmts ??= new SqliteErasures(this.db);
    return this.erasureStmts.erase(this.logId(log), log, index, erasure);
  }

  async erasedEntries(log: string, start: number, end: number): Promise<ErasedEntry[]> {
    checkRange(start, end);
    this.erasureStmts ??= new SqliteErasures(this.db);
    return this.erasureStmts.erased(this.logId(log), start, end);
  }

  // ---- key history (migration 6, key-history.ts) ----

  async keyHistory(log: string): Promise<StoredKeyHandover[]> {
    return readKeyHistory(this.db, this.logId(log));
  }

  async retireKey(log: string, request: RetireKeyRequest): Promise<RetireKeyAnswer> {
    return retireKey(this.db, this.logId(log), request, Date.now());
  }

  // ---- checkpointCovering ----

  /** Prepared on first use; index checkpoints_by_size (migration 3). */
  private coveringStmt: Database.Statement<[number, number], CheckpointRow> | undefined;

  async checkpointCovering(log: string, index: number): Promise<StoredCheckpoint | undefined> {
    checkIndex(index);
    this.coveringStmt ??= this.db.prepare(
      'SELECT size, note, published_at, cose_root FROM checkpoints WHERE log_id = ? AND size > ? ' +
        'ORDER BY size, id LIMIT 1',
    );
    const row = this.coveringStmt.get(this.logId(log), index);
    return row && toCheckpoint(row);
  }
}

/** The statements SqliteStorage runs on the calling thread: reads and the log registry. */
function logStatements(db: Database.Database) {
  const statements = {
    logByName: db.prepare<[string], LogRow & { id: number }>(
      'SELECT id, name, tenant, origin, verifier_key, created_at, visibility FROM logs WHERE name = ?',
    ),
    allLogs: db.prepare<[], LogRow>(
      'SELECT id, name, tenant, origin, verifier_key, created_at, visibility FROM logs ORDER BY name',
    ),
    insertLog: db.prepare(
      'INSERT OR IGNORE INTO logs (name, tenant, origin, verifier_key, created_at, visibility) ' +
        'VALUES (?, ?, ?, ?, ?, ?)',
    ),
    sizes: db.prepare<
      [number],
      { sequenced_size: number; integrated_size: number; last_time: number }
    >('SELECT sequenced_size, integrated_size, last_time FROM logs WHERE id = ?'),
    firstAtOrAfter: db
      .prepare<[number, number], number>(
        'SELECT first_idx FROM batches WHERE log_id = ? AND time >= ? ORDER BY time, first_idx LIMIT 1',
      )
      .pluck(),
    commitRange: db.prepare<
      [number, number, number, number, number],
      { start: number | null; receipt: string | null; end: number | null; size: number }
    >(
      'SELECT b.first_idx AS start, b.receipt AS receipt, ' +
        '(SELECT first_idx FROM batches WHERE log_id = ? AND first_idx > ? ' +
        'ORDER BY first_idx LIMIT 1) AS "end", ' +
        '(SELECT sequenced_size FROM logs WHERE id = ?) AS size ' +
        'FROM (SELECT 1) LEFT JOIN (SELECT first_idx, receipt FROM batches ' +
        'WHERE log_id = ? AND first_idx <= ? ORDER BY first_idx DESC LIMIT 1) b',
    ),
    commitStarts: db
      .prepare<[number, number, number], number>(
        'SELECT first_idx FROM batches WHERE log_id = ? AND first_idx >= ? ' +
          'ORDER BY first_idx LIMIT ?',
      )
      .pluck(),
    commitNotes: db.prepare<[number, number, number], { start: number; receipt: string | null }>(
      'SELECT first_idx AS start, receipt FROM batches WHERE log_id = ? AND first_idx >= ? ' +
        'ORDER BY first_idx LIMIT ?',
    ),
    findLookup: db
      .prepare<[number, number, number, number, number], number>(
        // Both tables of lookup rows (lookup-merge.ts) in one statement (one snapshot); UNION
        // reports a row found in both (which a move never leaves) once.
        'SELECT idx FROM lookup WHERE log_id = ? AND key = ? UNION ' +
          'SELECT idx FROM lookup_recent WHERE log_id = ? AND key = ? ORDER BY idx LIMIT ?',
      )
      .pluck(),
    findIdempotency: db.prepare<[string, string], IdempotencyRow>(
      'SELECT i.request_hash, l.name, i.first_idx, i.count FROM idempotency i ' +
        'JOIN logs l ON l.id = i.log_id WHERE i.tenant = ? AND i.key = ?',
    ),
    readEntries: db
      .prepare<[number, number, number], Buffer>(
        'SELECT data FROM entries WHERE log_id = ? AND idx >= ? AND idx < ? ORDER BY idx',
      )
      .pluck(),
    readEntry: db
      .prepare<[number, number], Buffer>('SELECT data FROM entries WHERE log_id = ? AND idx = ?')
      .pluck(),
    readTile: db
      .prepare<[number, number, number], Buffer>(
        'SELECT data FROM tiles WHERE log_id = ? AND level = ? AND idx = ?',
      )
      .pluck(),
    latest: db.prepare<[number], CheckpointRow>(
      'SELECT c.id, c.size, c.note, c.published_at, c.cose_root FROM logs l JOIN checkpoints c ' +
        'ON c.id = l.checkpoint_id WHERE l.id = ?',
    ),
    history: db.prepare<[number, number], CheckpointRow>(
      'SELECT size, note, published_at, cose_root FROM checkpoints WHERE log_id = ? ' +
        'ORDER BY id LIMIT ?',
    ),
    timestamps: db.prepare<[number, number], { tsa: string; token: Buffer; gen_time: number }>(
      'SELECT tsa, token, gen_time FROM checkpoint_timestamps WHERE log_id = ? AND size = ? ' +
        'ORDER BY gen_time, tsa',
    ),
  };
  return statements;
}

/** better-sqlite3 returns Buffers; hand out plain Uint8Arrays over the same memory. */
function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
