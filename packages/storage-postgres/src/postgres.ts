import { createHash } from 'node:crypto';
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
  type Reservation,
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
  checkReserve,
  checkTimestamp,
  checkRetireKey,
  checkTtl,
} from '@proofline/storage/checks';
import {
  toCheckpoint,
  toConfig,
  toOutcome,
  type CheckpointRow,
  type IdempotencyRow,
  type LogRow,
} from '@proofline/storage/rows';
import { pack } from './bytes.js';
import { PostgresAccess } from './access.js';
import type { PostgresOptions } from './connection.js';
import { readKeyHistory, retireKeyIn } from './key-history.js';
import {
  commitLanded,
  commitParams,
  commitStatement,
  ONE_STATEMENT_BYTES,
  sequenceIn,
  storedOutcomes,
  type Run,
} from './sequence.js';

/**
 * PostgreSQL driver (node-postgres pool), for several stateless API nodes sharing one
 * database. See README.md for the life of an entry, durability and the concurrency design.
 *
 * - Sequencing: `reserve` hands out places at a log's tail ahead of the commit (an UNLOGGED
 *   row, a hint only); `sequence` is the compare-and-swap of Storage.sequence as one
 *   statement (`sequence_commit`, schema.ts) that waits on the database for the commits
 *   reserved before it, so writers of one log on every node seal in parallel and the log's
 *   locks are never held across a round trip to a node. Indices stay gap-free whatever was
 *   reserved: a commit for a stale tail is answered `retry`.
 * - Integration and checkpoints: compare-and-swap statements on the same row.
 * - Leases: one UPDATE judged on the database's clock, never a node's.
 * - Durability: a write resolves once its commit's WAL is flushed (`synchronous_commit` is
 *   raised to `on` for this driver's sessions if the server default is `off`). If the
 *   connection dies meanwhile, the outcome is read back (the statement's backend ended
 *   first, or `txid_status` for a transaction) before the call resolves or rejects, so a
 *   rejected `sequence` never leaves entries behind.
 */
export class PostgresStorage extends PostgresAccess implements Storage {
  private readonly reservationWaitMs: number;
  private readonly run: Run = (text, values) => this.query(text, values);
  /** First key of the logs' advisory locks (`sequence_commit`): this store's, from its schema. */
  private readonly lockSpace: number;

  constructor(options: PostgresOptions) {
    super(options);
    const wait = options.reservationWaitMs ?? 2_000;
    if (!Number.isSafeInteger(wait) || wait < 0 || wait > 2 ** 31 - 1) {
      throw new StorageError('INVALID_ARGUMENT', `invalid reservation wait ${wait}`);
    }
    this.reservationWaitMs = wait;
    this.lockSpace = createHash('sha256').update(this.schema).digest().readInt32BE(0);
  }

  /** Opens the store and runs any pending migrations before returning it. */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
    const storage = new PostgresStorage(options);
    try {
      await storage.migrate();
    } catch (err) {
      await storage.close();
      throw err;
    }
    return storage;
  }

  // ---- logs ----

  async ensureLog(config: NewLogConfig, policy?: string): Promise<LogConfig> {
    const t = this.t;
    return this.transaction(async ({ client }) => {
      await client.query(
        `INSERT INTO ${t.tenants} (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [config.tenant, config.createdAt],
      );
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${t.logs} (name, tenant, origin, verifier_key, created_at, visibility) ` +
          'VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING id',
        [
          config.name,
          config.tenant,
          config.origin,
          config.verifierKey,
          config.createdAt,
          config.visibility ?? 'public',
        ],
      );
      if (inserted.rows.length === 1 && policy !== undefined) {
        await client.query(
          `INSERT INTO ${this.schema}.log_policies (log_id, policy) VALUES ($1, $2)`,
          [inserted.rows[0]!.id, policy],
        );
      }
      const { rows } = await client.query<LogRow>(
        `SELECT name, tenant, origin, verifier_key, created_at, visibility FROM ${t.logs} WHERE name = $1`,
        [config.name],
      );
      return { commit: true, value: toConfig(rows[0]!) };
    });
  }

  async getLog(name: string): Promise<LogConfig | undefined> {
    const { rows } = await this.query<LogRow>(
      `SELECT name, tenant, origin, verifier_key, created_at, visibility FROM ${this.t.logs} WHERE name = $1`,
      [name],
    );
    return rows[0] && toConfig(rows[0]);
  }

  async listLogs(): Promise<LogConfig[]> {
    const { rows } = await this.query<LogRow>(
      `SELECT name, tenant, origin, verifier_key, created_at, visibility FROM ${this.t.logs} ORDER BY name`,
    );
    return rows.map(toConfig);
  }

  async setLogVisibility(log: string, visibility: LogVisibility): Promise<void> {
    await this.query(`UPDATE ${this.t.logs} SET visibility = $1 WHERE id = $2`, [
      visibility,
      await this.logId(log),
    ]);
  }

  async getLogPolicy(log: string): Promise<string | undefined> {
    const { rows } = await this.query<{ policy: string }>(
      `SELECT policy FROM ${this.schema}.log_policies WHERE log_id = $1`,
      [await this.logId(log)],
    );
    return rows[0]?.policy;
  }

  async setLogPolicy(log: string, policy: string | undefined): Promise<void> {
    const id = await this.logId(log);
    if (policy === undefined) {
      await this.query(`DELETE FROM ${this.schema}.log_policies WHERE log_id = $1`, [id]);
    } else {
      await this.query(
        `INSERT INTO ${this.schema}.log_policies (log_id, policy) VALUES ($1, $2) ` +
          'ON CONFLICT (log_id) DO UPDATE SET policy = excluded.policy',
        [id, policy],
      );
    }
  }

  // ---- key history (migration 6, key-history.ts) ----

  async keyHistory(log: string): Promise<StoredKeyHandover[]> {
    const id = await this.logId(log);
    return readKeyHistory((sql, values) => this.query(sql, values), this.schema, id);
  }

  async retireKey(log: string, request: RetireKeyRequest): Promise<RetireKeyAnswer> {
    checkRetireKey(request);
    const id = await this.logId(log);
    return this.transaction(async (tx) => {
      const value = await retireKeyIn(tx, this.schema, id, request);
      return { commit: value.status === 'retired', value };
    });
  }

  // ---- sequencing ----

  /**
   * One statement (`sequence_commit`, run outside any explicit transaction), so the log's
   * locks are held only while the server writes and flushes, never across a round trip to
   * this node; commits beyond ONE_STATEMENT_BYTES take the multi-statement transaction of
   * `sequenceIn`. A commit made at a reservation (`commit.epoch`) first waits on the
   * database for the commits reserved before it.
   */
  async sequence(log: string, commit: CommitRequest): Promise<CommitAnswer> {
    checkCommit(commit);
    const id = await this.logId(log);
    let bytes = 0;
    for (const g of commit.groups) for (const e of g.entries) bytes += e.length;
    if (bytes > ONE_STATEMENT_BYTES) {
      return this.transaction(async (tx) => {
        const { answer, commit: write, xid } = await sequenceIn(tx.client, this.t, log, commit);
        tx.xid = xid;
        return { commit: write, value: answer };
      });
    }
    const result = await this.autocommit<{ o_status: string; o_size: number; o_time: number }>(
      commitStatement(this.schema),
      commitParams(id, commit, this.reservationWaitMs, this.lockSpace),
      () => commitLanded(this.run, this.t, id, commit),
    );
    if (result === 'landed') return { status: 'committed' };
    const row = result.rows[0]!;
    switch (row.o_status) {
      case 'committed':
        return { status: 'committed' };
      case 'retry':
        return { status: 'retry', tail: { size: row.o_size, timeMs: row.o_time } };
      case 'duplicates':
        return {
          status: 'duplicates',
          outcomes: await storedOutcomes(this.run, this.t, commit),
        };
      default:
        throw new StorageError('UNKNOWN_LOG', `unknown log ${JSON.stringify(log)}`);
    }
  }

  /**
   * One upsert on the UNLOGGED `reservations` row (no WAL, so no flush to wait for), which it
   * rebuilds from the log row whenever it is missing or behind (a crash, a failover, commits
   * made without a reservation).
   */
  async reserve(log: string, count: number, nowMs: number): Promise<Reservation> {
    checkReserve(count, nowMs);
    const id = await this.logId(log);
    const { rows } = await this.query<{
      first: number;
      time: number;
      epoch: number;
      ahead: number;
    }>(
      `WITH l AS (SELECT id, sequenced_size, last_time, commits FROM ${this.t.logs} WHERE id = $1) ` +
        `INSERT INTO ${this.schema}.reservations AS r (log_id, next, time, epoch, tickets) ` +
        'SELECT l.id, l.sequenced_size + $2::bigint, greatest(l.last_time, $3::bigint), 1, ' +
        'l.commits + 1 FROM l ' +
        'ON CONFLICT (log_id) DO UPDATE SET ' +
        'next = greatest(r.next, excluded.next - $2::bigint) + $2::bigint, ' +
        'time = greatest(r.time, excluded.time), ' +
        'tickets = greatest(r.tickets, excluded.tickets - 1) + 1 ' +
        'RETURNING r.next - $2::bigint AS first, r.time, r.epoch, ' +
        'greatest(r.tickets - 1 - (SELECT commits FROM l), 0) AS ahead',
      [id, count, nowMs],
    );
    const row = rows[0]!;
    return { first: row.first, timeMs: row.time, epoch: row.epoch, ahead: row.ahead };
  }

  async tail(log: string): Promise<LogTail> {
    const { sequenced_size: size, last_time: timeMs } = await this.sizes(await this.logId(log));
    return { size, timeMs };
  }

  async sequencedSize(log: string): Promise<number> {
    return (await this.sizes(await this.logId(log))).sequenced_size;
  }

  async readEntries(log: string, start: number, end: number): Promise<Uint8Array[]> {
    const id = await this.logId(log);
    checkRange(start, end);
    if (start === end) return [];
    const { rows } = await this.query<{ data: Uint8Array }>(
      `SELECT data FROM ${this.t.entries} WHERE log_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
      [id, start, end],
    );
    if (rows.length !== end - start) {
      throw new StorageError('OUT_OF_RANGE', `entries [${start}, ${end}) are not all sequenced`);
    }
    return rows.map((r) => r.data);
  }

  async indexRangeForTime(log: string, fromMs: number, toMs: number): Promise<IndexRange> {
    const id = await this.logId(log);
    if (!(fromMs <= toMs)) throw new StorageError('INVALID_ARGUMENT', 'from must not be after to');
    const first = (param: string) =>
      `(SELECT first_idx FROM ${this.t.batches} WHERE log_id = $1 AND time >= ${param} ` +
      'ORDER BY time, first_idx LIMIT 1)';
    // One statement, so the size and both bounds come from one snapshot.
    const { rows } = await this.query<{ size: number; s: number | null; e: number | null }>(
      `SELECT (SELECT sequenced_size FROM ${this.t.logs} WHERE id = $1) AS size, ` +
        `${first('$2::bigint')} AS s, ${first('$3::bigint')} AS e`,
      [id, clampMs(fromMs), clampMs(toMs)],
    );
    const row = rows[0]!;
    const start = row.s ?? row.size;
    const end = row.e ?? row.size;
    return { start, end: Math.max(start, end) };
  }

  async commitRange(log: string, index: number): Promise<StoredCommit> {
    const id = await this.logId(log);
    checkRange(index, index + 1);
    const b = this.t.batches;
    // One statement, so the bounds, the note and the size come from one snapshot.
    const { rows } = await this.query<{
      size: number;
      s: number | null;
      receipt: string | null;
      e: number | null;
    }>(
      `SELECT (SELECT sequenced_size FROM ${this.t.logs} WHERE id = $1) AS size, c.s, c.receipt, ` +
        `(SELECT first_idx FROM ${b} WHERE log_id = $1 AND first_idx > $2 ` +
        'ORDER BY first_idx LIMIT 1) AS e ' +
        `FROM (SELECT 1) AS one LEFT JOIN (SELECT first_idx AS s, receipt FROM ${b} ` +
        'WHERE log_id = $1 AND first_idx <= $2 ORDER BY first_idx DESC LIMIT 1) AS c ON true',
      [id, index],
    );
    const row = rows[0]!;
    if (index >= row.size || row.s === null) {
      throw new StorageError('OUT_OF_RANGE', `entry ${index} is not sequenced`);
    }
    const range = { start: row.s, end: row.e ?? row.size };
    return row.receipt === null ? range : { ...range, receipt: row.receipt };
  }

  async commitStarts(log: string, from: number, limit: number): Promise<CommitStarts> {
    const id = await this.logId(log);
    checkIndex(from);
    checkLimit(limit);
    // One statement, so the starts and the size come from one snapshot (no commit: one row, s null).
    const { rows } = await this.query<{ size: number; s: number | null }>(
      `SELECT (SELECT sequenced_size FROM ${this.t.logs} WHERE id = $1) AS size, c.s ` +
        `FROM (SELECT 1) AS one LEFT JOIN (SELECT first_idx AS s FROM ${this.t.batches} ` +
        'WHERE log_id = $1 AND first_idx >= $2 ORDER BY first_idx LIMIT $3) AS c ON true ' +
        'ORDER BY c.s',
      [id, from, limit],
    );
    return { starts: rows.flatMap((r) => (r.s === null ? [] : [r.s])), size: rows[0]!.size };
  }

  async commitNotes(log: string, from: number, limit: number): Promise<CommitNote[]> {
    const id = await this.logId(log);
    checkIndex(from);
    checkLimit(limit);
    const { rows } = await this.query<{ start: number; receipt: string | null }>(
      `SELECT first_idx AS start, receipt FROM ${this.t.batches} ` +
        'WHERE log_id = $1 AND first_idx >= $2 ORDER BY first_idx LIMIT $3',
      [id, from, limit],
    );
    return rows.map((r) =>
      r.receipt === null ? { start: r.start } : { start: r.start, receipt: r.receipt },
    );
  }

  async findByLookupKey(log: string, key: number, limit: number): Promise<number[]> {
    const id = await this.logId(log);
    if (!Number.isSafeInteger(key) || !Number.isSafeInteger(limit) || limit < 0) {
      throw new StorageError('INVALID_ARGUMENT', 'lookup key and limit must be integers');
    }
    const { rows } = await this.query<{ idx: number }>(
      `SELECT idx FROM ${this.t.lookup} WHERE log_id = $1 AND key = $2 ORDER BY idx LIMIT $3`,
      [id, key, limit],
    );
    return rows.map((r) => r.idx);
  }

  async findIdempotency(tenant: string, key: string): Promise<IdempotentOutcome | undefined> {
    const { rows } = await this.query<IdempotencyRow>(
      `SELECT i.request_hash, l.name, i.first_idx, i.count FROM ${this.t.idempotency} i ` +
        `JOIN ${this.t.logs} l ON l.id = i.log_id WHERE i.tenant = $1 AND i.key = $2`,
      [tenant, key],
    );
    return rows[0] && toOutcome(rows[0]);
  }

  // ---- integration ----

  async integratedSize(log: string): Promise<number> {
    return (await this.sizes(await this.logId(log))).integrated_size;
  }

  async integrate(
    log: string,
    fromSize: number,
    toSize: number,
    tiles: readonly StoredTile[],
  ): Promise<boolean> {
    const id = await this.logId(log);
    checkRange(fromSize, toSize);
    // The same key twice: the later tile wins, as if they were stored one after the other.
    const byKey = new Map<string, StoredTile>();
    for (const tile of tiles) byKey.set(`${tile.level}/${tile.index}`, tile);
    const unique = [...byKey.values()];
    const packed = pack(unique.map((tile) => tile.data));
    let result;
    try {
      // One statement (`integrate_tiles`): the log's row is locked only while the server
      // writes the tiles and flushes. A lost reply is resolved from the integrated size
      // (the tiles are a function of the entries, so whoever moved it past `toSize` stored
      // the same tree).
      result = await this.autocommit<{ o_status: string }>(
        `SELECT o_status FROM ${this.schema}.integrate_tiles($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          fromSize,
          toSize,
          unique.map((tile) => tile.level),
          unique.map((tile) => tile.index),
          packed.data,
          packed.starts,
          packed.lengths,
        ],
        async () => (await this.sizes(id)).integrated_size >= toSize,
      );
    } catch (err) {
      if ((err as { code?: unknown }).code === 'PLOOR') {
        throw new StorageError('OUT_OF_RANGE', (err as Error).message, { cause: err });
      }
      throw err;
    }
    return result === 'landed' || result.rows[0]!.o_status === 'moved';
  }

  async readTiles(log: string, keys: readonly TileKey[]): Promise<(Uint8Array | undefined)[]> {
    const id = await this.logId(log);
    const out: (Uint8Array | undefined)[] = keys.map(() => undefined);
    if (keys.length === 0) return out;
    const { rows } = await this.query<{ o: number; data: Uint8Array }>(
      `SELECT u.o, t.data FROM unnest($2::int4[], $3::int8[]) WITH ORDINALITY AS u(l, i, o) ` +
        `JOIN ${this.t.tiles} t ON t.log_id = $1 AND t.level = u.l AND t.idx = u.i`,
      [id, keys.map((k) => k.level), keys.map((k) => k.index)],
    );
    for (const r of rows) out[r.o - 1] = r.data;
    return out;
  }

  // ---- checkpoints ----

  async latestCheckpoint(log: string): Promise<StoredCheckpoint | undefined> {
    const id = await this.logId(log);
    const { rows } = await this.query<CheckpointRow>(
      `SELECT c.size, c.note, c.published_at, c.cose_root FROM ${this.t.logs} l ` +
        `JOIN ${this.t.checkpoints} c ON c.id = l.checkpoint_id WHERE l.id = $1`,
      [id],
    );
    const row = rows[0];
    return row && toCheckpoint(row);
  }

  // ---- erasure ----

  /**
   * One transaction: the integrated-size check (it only grows, so no row lock is needed),
   * the erasure row (its conflict makes a second erasure a no-op), the blanked entry and its
   * lookup row. A lost COMMIT reply is resolved with txid_status like every write here.
   */
  async eraseEntry(log: string, index: number, erasure: EntryErasure): Promise<boolean> {
    checkErasure(index, erasure);
    const id = await this.logId(log);
    const t = this.t;
    return this.transaction(async (tx) => {
      const { client } = tx;
      const { rows } = await client.query<{ integrated: number; xid: string }>(
        `SELECT integrated_size AS integrated, txid_current()::text AS xid FROM ${t.logs} WHERE id = $1`,
        [id],
      );
      tx.xid = rows[0]!.xid;
      if (index >= Number(rows[0]!.integrated)) {
        throw new StorageError('OUT_OF_RANGE', `entry ${index} is not integrated`, {
          details: { log, index },
        });
      }
      const inserted = await client.query(
        `INSERT INTO ${this.schema}.erasures (log_id, idx, erased_at) VALUES ($1, $2, $3) ` +
          'ON CONFLICT DO NOTHING',
        [id, index, erasure.timeMs],
      );
      if (inserted.rowCount === 0) return { commit: false, value: false };
      await client.query(
        `UPDATE ${t.entries} SET data = '\\x'::bytea WHERE log_id = $1 AND idx = $2`,
        [id, index],
      );
      if (erasure.lookupKey !== undefined) {
        await client.query(`DELETE FROM ${t.lookup} WHERE log_id = $1 AND key = $2 AND idx = $3`, [
          id,
          erasure.lookupKey,
          index,
        ]);
      }
      return { commit: true, value: true };
    });
  }

  async erasedEntries(log: string, start: number, end: number): Promise<ErasedEntry[]> {
    checkRange(start, end);
    const { rows } = await this.query<{ idx: string | number; erased_at: string | number }>(
      `SELECT idx, erased_at FROM ${this.schema}.erasures WHERE log_id = $1 AND idx >= $2 ` +
        'AND idx < $3 ORDER BY idx',
      [await this.logId(log), start, end],
    );
    return rows.map((r) => ({ index: Number(r.idx), erasedAt: Number(r.erased_at) }));
  }

  async publishCheckpoint(
    log: string,
    expected: StoredCheckpoint | undefined,
    next: StoredCheckpoint,
  ): Promise<boolean> {
    const id = await this.logId(log);
    // One statement (`publish_checkpoint`), as for integrate. A lost reply is resolved from
    // the history: the note is there only if it was published.
    const result = await this.autocommit<{ o_status: string }>(
      `SELECT o_status FROM ${this.schema}.publish_checkpoint($1, $2, $3, $4, $5, $6)`,
      [
        id,
        expected?.note ?? null,
        next.size,
        next.note,
        next.publishedAt,
        next.coseRoot === undefined
          ? null
          : Buffer.from(next.coseRoot.buffer, next.coseRoot.byteOffset, next.coseRoot.byteLength),
      ],
      async () =>
        (
          await this.query(
            `SELECT 1 FROM ${this.t.checkpoints} WHERE log_id = $1 AND note = $2 LIMIT 1`,
            [id, next.note],
          )
        ).rows.length === 1,
    );
    return result === 'landed' || result.rows[0]!.o_status === 'published';
  }

  async checkpointHistory(log: string, limit: number): Promise<StoredCheckpoint[]> {
    const id = await this.logId(log);
    const { rows } = await this.query<CheckpointRow>(
      `SELECT size, note, published_at, cose_root FROM ${this.t.checkpoints} ` +
        'WHERE log_id = $1 ' +
        'ORDER BY id LIMIT $2',
      [id, Math.max(0, limit)],
    );
    return rows.map(toCheckpoint);
  }

  async addCheckpointTimestamp(
    log: string,
    size: number,
    tsa: string,
    token: Uint8Array,
    genTimeMs: number,
  ): Promise<void> {
    const id = await this.logId(log);
    checkTimestamp(size, token, genTimeMs);
    await this.query(
      `INSERT INTO ${this.t.checkpointTimestamps} (log_id, size, tsa, token, gen_time) ` +
        'VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [id, size, tsa, Buffer.from(token.buffer, token.byteOffset, token.byteLength), genTimeMs],
    );
  }

  async checkpointTimestamps(log: string, size: number): Promise<CheckpointTimestamp[]> {
    const id = await this.logId(log);
    const { rows } = await this.query<{ tsa: string; token: Uint8Array; gen_time: number }>(
      `SELECT tsa, token, gen_time FROM ${this.t.checkpointTimestamps} ` +
        'WHERE log_id = $1 AND size = $2 ORDER BY gen_time, tsa',
      [id, size],
    );
    return rows.map((r) => ({ tsa: r.tsa, token: r.token, genTimeMs: r.gen_time }));
  }

  // ---- leases ----

  /**
   * One UPDATE, judged entirely on the database server's clock (`clock_timestamp()`): the
   * nodes' clocks never enter into it, so two nodes whose clocks disagree cannot both see
   * the lease as theirs. `lease_expires` is stored on that clock too.
   */
  async acquireLease(log: string, owner: string, ttlMs: number): Promise<boolean> {
    const id = await this.logId(log);
    checkTtl(ttlMs);
    const { rowCount } = await this.query(
      `UPDATE ${this.t.logs} l SET lease_owner = $2, lease_expires = n.now + $3::bigint ` +
        `FROM (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now) n ` +
        'WHERE l.id = $1 AND (l.lease_owner IS NULL OR l.lease_owner = $2 OR l.lease_expires < n.now)',
      [id, owner, ttlMs],
    );
    return rowCount === 1;
  }

  async releaseLease(log: string, owner: string): Promise<void> {
    const id = await this.logId(log);
    await this.query(
      `UPDATE ${this.t.logs} SET lease_owner = NULL, lease_expires = 0 ` +
        'WHERE id = $1 AND lease_owner = $2',
      [id, owner],
    );
  }

  // ---- checkpointCovering ----

  /** One query on index checkpoints_by_size (migration 3). */
  async checkpointCovering(log: string, index: number): Promise<StoredCheckpoint | undefined> {
    checkIndex(index);
    const id = await this.logId(log);
    const { rows } = await this.query<CheckpointRow>(
      `SELECT size, note, published_at, cose_root FROM ${this.t.checkpoints} ` +
        'WHERE log_id = $1 AND size > $2 ORDER BY size, id LIMIT 1',
      [id, index],
    );
    const row = rows[0];
    return row && toCheckpoint(row);
  }
}

/** A time bound as a bigint parameter: integer times compare the same against its ceiling. */
function clampMs(ms: number): number {
  return Math.min(Math.max(Math.ceil(ms), Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}
