import Database from 'better-sqlite3';
import {
  StorageError,
  type AccessStore,
  type ApiKeyRecord,
  type CheckpointTimestamp,
  type CommitSealer,
  type IdempotentOutcome,
  type IndexRange,
  type LogConfig,
  type SequenceGroup,
  type SequenceResult,
  type Storage,
  type StoredCheckpoint,
  type StoredCommit,
  type StoredTile,
  type TileKey,
} from '@proofline/storage';
import { checkIndex, checkRange, checkTimestamp } from '@proofline/storage/checks';
import {
  toApiKey,
  toCheckpoint,
  toConfig,
  toOutcome,
  type ApiKeyRow,
  type CheckpointRow,
  type IdempotencyRow,
  type LogRow,
} from '@proofline/storage/rows';
import { MIGRATIONS } from './schema.js';
import {
  writeOperations,
  type BuiltGroup,
  type SequenceReply,
  type SequenceRequest,
  type WriteOperations,
} from './writes.js';
import { Writer } from './writer.js';

/**
 * How often `sequence` rebuilds (and re-seals) for a later batch time or size before giving
 * up. Each retry means another writer committed in between, so the log made progress; a
 * sealed batch sent behind others in flight is retried whenever one ahead of it is, hence
 * the margin.
 */
const MAX_SEQUENCE_ATTEMPTS = 32;

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
   * A batch of at most this many entries, when the writer thread owes nothing, is committed
   * on the calling thread (default 1; 0: always on the writer thread). Handing one entry to
   * the thread costs more latency (~0.5 ms round trip, against ~0.25 ms for the commit) than
   * it saves; under load the batches are larger and go to the thread.
   */
  readonly inlineMaxEntries?: number;
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
 * resolves only after that thread's COMMIT returned. Exception: a single-entry batch while
 * the writer owes nothing is committed here (see SqliteOptions.inlineMaxEntries). Reads, and the rare administrative
 * writes (tenants, logs, keys), run synchronously on the calling thread's connection, which
 * sees every committed write (WAL).
 */
export class SqliteStorage implements Storage, AccessStore {
  private readonly db: Database.Database;
  private readonly logIds = new Map<string, number>();
  private readonly stmt;
  private readonly writer: Writer;
  private readonly inlineMaxEntries: number;
  /** The same write operations on this thread's connection (see inlineMaxEntries). */
  private inlineWrites: WriteOperations | undefined;
  /**
   * Per log id, while sequence requests are in flight on the writer: how many, and the end of
   * the entries of the last one sent in the current epoch (a new proposal follows it). A
   * retry answer to a request of the current epoch starts a new one: every request sent
   * after it was proposed to follow it, so none of them can commit as proposed either.
   */
  private readonly inFlight = new Map<number, { count: number; end: number; epoch: number }>();

  constructor(path: string, options: SqliteOptions = {}) {
    this.db = new Database(path);
    this.writer = new Writer(path, options.busyTimeoutMs ?? 10_000);
    this.inlineMaxEntries = options.inlineMaxEntries ?? 1;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const db = this.db;
    this.stmt = {
      logByName: db.prepare<[string], LogRow & { id: number }>(
        'SELECT id, name, tenant, origin, verifier_key, created_at FROM logs WHERE name = ?',
      ),
      allLogs: db.prepare<[], LogRow>(
        'SELECT id, name, tenant, origin, verifier_key, created_at FROM logs ORDER BY name',
      ),
      insertTenant: db.prepare('INSERT OR IGNORE INTO tenants (name, created_at) VALUES (?, ?)'),
      insertLog: db.prepare(
        'INSERT OR IGNORE INTO logs (name, tenant, origin, verifier_key, created_at) VALUES (?, ?, ?, ?, ?)',
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
      findLookup: db
        .prepare<[number, number, number], number>(
          'SELECT idx FROM lookup WHERE log_id = ? AND key = ? ORDER BY idx LIMIT ?',
        )
        .pluck(),
      findIdempotency: db.prepare<[string, string], IdempotencyRow>(
        'SELECT i.request_hash, l.name, i.first_idx, i.count FROM idempotency i ' +
          'JOIN logs l ON l.id = i.log_id WHERE i.tenant = ? AND i.key = ?',
      ),
      insertApiKey: db.prepare(
        'INSERT INTO api_keys (id, tenant, secret_hash, scopes, description, rate_limit, created_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      getApiKey: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?'),
      listApiKeys: db.prepare<[string | null, string | null], ApiKeyRow>(
        'SELECT * FROM api_keys WHERE ? IS NULL OR tenant = ? ORDER BY created_at, id',
      ),
      revokeApiKey: db.prepare(
        'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      addIssuerKey: db.prepare(
        'INSERT INTO issuer_keys (tenant, verifier_key, created_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (tenant, verifier_key) DO UPDATE SET revoked_at = NULL',
      ),
      listIssuerKeys: db
        .prepare<[string], string>(
          'SELECT verifier_key FROM issuer_keys WHERE tenant = ? AND revoked_at IS NULL ORDER BY created_at, verifier_key',
        )
        .pluck(),
      revokeIssuerKey: db.prepare(
        'UPDATE issuer_keys SET revoked_at = ? WHERE tenant = ? AND verifier_key = ? AND revoked_at IS NULL',
      ),
      readEntries: db
        .prepare<[number, number, number], Buffer>(
          'SELECT data FROM entries WHERE log_id = ? AND idx >= ? AND idx < ? ORDER BY idx',
        )
        .pluck(),
      readTile: db
        .prepare<[number, number, number], Buffer>(
          'SELECT data FROM tiles WHERE log_id = ? AND level = ? AND idx = ?',
        )
        .pluck(),
      latest: db.prepare<[number], CheckpointRow>(
        'SELECT c.id, c.size, c.note, c.published_at FROM logs l JOIN checkpoints c ' +
          'ON c.id = l.checkpoint_id WHERE l.id = ?',
      ),
      history: db.prepare<[number, number], CheckpointRow>(
        'SELECT size, note, published_at FROM checkpoints WHERE log_id = ? ORDER BY id LIMIT ?',
      ),
      timestamps: db.prepare<[number, number], { tsa: string; token: Buffer; gen_time: number }>(
        'SELECT tsa, token, gen_time FROM checkpoint_timestamps WHERE log_id = ? AND size = ? ' +
          'ORDER BY gen_time, tsa',
      ),
    };
  }

  private migrate(): void {
    this.db
      .transaction(() => {
        const version = this.db.pragma('user_version', { simple: true }) as number;
        if (version > MIGRATIONS.length) {
          throw new StorageError(
            'CORRUPT',
            `database schema version ${version} is newer than this Proofline (${MIGRATIONS.length})`,
          );
        }
        for (let v = version; v < MIGRATIONS.length; v++) {
          this.db.exec(MIGRATIONS[v]!);
        }
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
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

  async ensureLog(config: LogConfig): Promise<LogConfig> {
    this.db
      .transaction(() => {
        this.stmt.insertTenant.run(config.tenant, config.createdAt);
        this.stmt.insertLog.run(
          config.name,
          config.tenant,
          config.origin,
          config.verifierKey,
          config.createdAt,
        );
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

  /**
   * Builds the groups here for a proposed time — max(nowMs, the log's last batch time as
   * this connection sees it) — and, with `seal`, seals them for a proposed first index: the
   * log's size as this connection sees it, or, while requests of this store are in flight on
   * the writer, the end of the last one sent if that is beyond (requests run in order, so a
   * batch sent while another commits follows it). The writer thread re-checks the time
   * (and, sealed, the first index and idempotency keys) inside its transaction: if another
   * writer (process) moved them meanwhile, nothing is written, the note is dropped and the
   * groups are rebuilt and re-sealed with the actual values. Groups whose idempotency key is
   * already used are not built (the writer checks again, atomically).
   */
  async sequence(
    log: string,
    groups: readonly SequenceGroup[],
    nowMs: number,
    seal?: CommitSealer,
  ): Promise<SequenceResult[]> {
    const logId = this.logId(log);
    const state = this.stmt.sizes.get(logId)!;
    let time = Math.max(nowMs, state.last_time);
    let first = this.proposedFirst(logId, state.sequenced_size);
    for (let attempt = 0; attempt < MAX_SEQUENCE_ATTEMPTS; attempt++) {
      const duplicates = new Map<number, IdempotentOutcome>();
      const built: BuiltGroup[] = [];
      const entries: Uint8Array[] = [];
      const keysInBatch = new Set<string>();
      for (const [g, group] of groups.entries()) {
        const idem = group.idempotency;
        const used = idem && this.findIdempotencySync(idem.tenant, idem.key);
        if (used) {
          duplicates.set(g, used);
          continue;
        }
        if (idem) {
          const key = `${idem.tenant}\n${idem.key}`;
          if (keysInBatch.has(key)) {
            // A repeat of an earlier group of this batch: the writer answers it as a duplicate.
            built.push({ count: 0, idempotency: idem });
            continue;
          }
          keysInBatch.add(key);
        }
        const groupEntries = group.build(time);
        if (group.lookupKeys && group.lookupKeys.length !== groupEntries.length) {
          throw new StorageError('INVALID_ARGUMENT', 'one lookup key per entry');
        }
        entries.push(...groupEntries);
        built.push({
          count: groupEntries.length,
          ...(group.lookupKeys ? { lookupKeys: group.lookupKeys } : {}),
          ...(idem ? { idempotency: idem } : {}),
        });
      }
      // Sealed before the entries' buffer is handed to the writer thread.
      const receipt =
        seal && entries.length > 0 ? seal({ first, timeMs: time, entries }) : undefined;
      const { data, ends } = concat(entries);
      const request: SequenceRequest = {
        logId,
        time,
        first,
        ...(receipt === undefined ? {} : { receipt }),
        groups: built,
        data,
        ends,
      };
      let reply: SequenceReply;
      if (entries.length <= this.inlineMaxEntries && this.writer.idle) {
        reply = (this.inlineWrites ??= writeOperations(this.db)).sequence(request);
      } else {
        const sent = this.writer.call('sequence', [request], [data.buffer as ArrayBuffer]);
        const flight = this.inFlight.get(logId) ?? { count: 0, end: 0, epoch: 0 };
        const epoch = flight.epoch;
        this.inFlight.set(logId, { count: flight.count + 1, end: first + entries.length, epoch });
        try {
          reply = await sent;
        } finally {
          const now = this.inFlight.get(logId)!;
          if (now.count === 1) this.inFlight.delete(logId);
          else this.inFlight.set(logId, { ...now, count: now.count - 1 });
        }
        const now = this.inFlight.get(logId);
        if ('retryAt' in reply && now !== undefined && now.epoch === epoch) {
          this.inFlight.set(logId, { ...now, end: 0, epoch: epoch + 1 });
        }
      }
      if ('retryAt' in reply) {
        time = Math.max(nowMs, reply.retryAt);
        first = this.proposedFirst(logId, reply.next);
        continue;
      }
      const results = reply.results.values();
      return groups.map((_, g) =>
        duplicates.has(g) ? { status: 'duplicate', ...duplicates.get(g)! } : results.next().value!,
      );
    }
    throw new Error('other writers kept moving the batch time or size; try again');
  }

  /** The first index to propose when the log's size is `size`: after any request in flight. */
  private proposedFirst(logId: number, size: number): number {
    return Math.max(size, this.inFlight.get(logId)?.end ?? 0);
  }

  async sequencedSize(log: string): Promise<number> {
    return this.stmt.sizes.get(this.logId(log))!.sequenced_size;
  }

  async readEntries(log: string, start: number, end: number): Promise<Uint8Array[]> {
    const id = this.logId(log);
    checkRange(start, end);
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

  async findByLookupKey(log: string, key: number, limit: number): Promise<number[]> {
    return this.stmt.findLookup.all(this.logId(log), key, limit);
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

  async ensureTenant(name: string, createdAt: number): Promise<void> {
    this.stmt.insertTenant.run(name, createdAt);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.stmt.insertApiKey.run(
      key.id,
      key.tenant,
      key.secretHash,
      JSON.stringify(key.scopes),
      key.description,
      key.rateLimit,
      key.createdAt,
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.stmt.getApiKey.get(id);
    return row && toApiKey(row);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    return this.stmt.listApiKeys.all(tenant ?? null, tenant ?? null).map(toApiKey);
  }

  async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    return this.stmt.revokeApiKey.run(revokedAt, id).changes === 1;
  }

  async addIssuerKey(tenant: string, verifierKey: string, createdAt: number): Promise<void> {
    this.stmt.addIssuerKey.run(tenant, verifierKey, createdAt);
  }

  async listIssuerKeys(tenant: string): Promise<string[]> {
    return this.stmt.listIssuerKeys.all(tenant);
  }

  async revokeIssuerKey(tenant: string, verifierKey: string, revokedAt: number): Promise<boolean> {
    return this.stmt.revokeIssuerKey.run(revokedAt, tenant, verifierKey).changes === 1;
  }

  async close(): Promise<void> {
    await this.writer.close();
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

  // ---- checkpointCovering ----

  /** Prepared on first use; index checkpoints_by_size (migration 3). */
  private coveringStmt: Database.Statement<[number, number], CheckpointRow> | undefined;

  async checkpointCovering(log: string, index: number): Promise<StoredCheckpoint | undefined> {
    checkIndex(index);
    this.coveringStmt ??= this.db.prepare(
      'SELECT size, note, published_at FROM checkpoints WHERE log_id = ? AND size > ? ' +
        'ORDER BY size, id LIMIT 1',
    );
    const row = this.coveringStmt.get(this.logId(log), index);
    return row && toCheckpoint(row);
  }
}

/** better-sqlite3 returns Buffers; hand out plain Uint8Arrays over the same memory. */
function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
