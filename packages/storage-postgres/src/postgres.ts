import {
  StorageError,
  type CheckpointTimestamp,
  type CommitAnswer,
  type CommitRequest,
  type IdempotentOutcome,
  type IndexRange,
  type LogConfig,
  type LogVisibility,
  type NewLogConfig,
  type LogTail,
  type Storage,
  type StoredCheckpoint,
  type StoredCommit,
  type StoredTile,
  type TileKey,
} from '@proofline/storage';
import {
  checkCommit,
  checkIndex,
  checkRange,
  checkTimestamp,
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
import { sequenceIn } from './sequence.js';

/**
 * PostgreSQL driver (node-postgres pool), for several stateless API nodes sharing one
 * database. See README.md for the life of an entry, durability and the concurrency design.
 *
 * - Sequencing: the compare-and-swap of Storage.sequence, one transaction that takes the
 *   log's row `FOR UPDATE` (sequence.ts), so writers of one log on every node serialise
 *   and a commit proposed for a stale tail is answered `retry`: indices stay gap-free.
 * - Integration and checkpoints: compare-and-swap transactions on the same row.
 * - Leases: one UPDATE judged on the database's clock, never a node's.
 * - Durability: COMMIT returns once the WAL is flushed (`synchronous_commit` is raised to
 *   `on` for this driver's sessions if the server default is `off`). If the connection
 *   dies while COMMIT is in flight, the outcome is read back with `txid_status` before the
 *   call resolves or rejects, so a rejected `sequence` never leaves entries behind.
 */
export class PostgresStorage extends PostgresAccess implements Storage {
  /** Per log, settles once this handle's last `sequence` call holds the row lock (or ended). */
  private readonly lockTurns = new Map<string, Promise<void>>();

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

  // ---- sequencing ----

  /**
   * Calls of this handle take the log's row lock in the order they were made (each waits
   * for the one before it to hold the lock before asking): a sequencer's pipelined batches,
   * proposed one after another, then reach the database in that order instead of racing
   * into `retry` answers.
   */
  async sequence(log: string, commit: CommitRequest): Promise<CommitAnswer> {
    checkCommit(commit);
    const before = this.lockTurns.get(log);
    let locked!: () => void;
    const mine = new Promise<void>((resolve) => (locked = resolve));
    this.lockTurns.set(log, mine);
    try {
      return await this.transaction(async (tx) => {
        const turn = { before, locked };
        const {
          answer,
          commit: write,
          xid,
        } = await sequenceIn(tx.client, this.t, log, commit, turn);
        tx.xid = xid;
        return { commit: write, value: answer };
      });
    } finally {
      locked();
      if (this.lockTurns.get(log) === mine) this.lockTurns.delete(log);
    }
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
    const t = this.t;
    return this.transaction(async (tx) => {
      const { client } = tx;
      // Tiles first, then the compare-and-swap: the log row (which every sequencer needs)
      // is then locked only from the CAS to COMMIT. A CAS that fails rolls the tiles back.
      if (unique.length > 0) {
        const packed = pack(unique.map((tile) => tile.data));
        await client.query(
          `INSERT INTO ${t.tiles} (log_id, level, idx, data) ` +
            'SELECT $1::bigint, u.l, u.i, substring($4::bytea FROM u.p FOR u.n) ' +
            'FROM unnest($2::int4[], $3::int8[], $5::int4[], $6::int4[]) AS u(l, i, p, n) ' +
            'ORDER BY u.l, u.i ' +
            'ON CONFLICT (log_id, level, idx) DO UPDATE SET data = excluded.data',
          [
            id,
            unique.map((tile) => tile.level),
            unique.map((tile) => tile.index),
            packed.data,
            packed.starts,
            packed.lengths,
          ],
        );
      }
      const { rows } = await client.query<{ sequenced_size: number; xid: string }>(
        `UPDATE ${t.logs} SET integrated_size = $3 WHERE id = $1 AND integrated_size = $2 ` +
          'RETURNING sequenced_size, txid_current()::text AS xid',
        [id, fromSize, toSize],
      );
      const row = rows[0];
      if (!row) return { commit: false, value: false };
      if (toSize > row.sequenced_size) {
        throw new StorageError('OUT_OF_RANGE', `cannot integrate beyond ${row.sequenced_size}`);
      }
      tx.xid = row.xid;
      return { commit: true, value: true };
    });
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
      `SELECT c.size, c.note, c.published_at FROM ${this.t.logs} l ` +
        `JOIN ${this.t.checkpoints} c ON c.id = l.checkpoint_id WHERE l.id = $1`,
      [id],
    );
    const row = rows[0];
    return row && toCheckpoint(row);
  }

  async publishCheckpoint(
    log: string,
    expected: StoredCheckpoint | undefined,
    next: StoredCheckpoint,
  ): Promise<boolean> {
    const id = await this.logId(log);
    const t = this.t;
    return this.transaction(async (tx) => {
      const { client } = tx;
      const { rows } = await client.query<{
        size: number | null;
        note: string | null;
        xid: string;
      }>(
        `SELECT c.size, c.note, txid_current()::text AS xid FROM ${t.logs} l ` +
          `LEFT JOIN ${t.checkpoints} c ON c.id = l.checkpoint_id WHERE l.id = $1 FOR UPDATE OF l`,
        [id],
      );
      const current = rows[0]!;
      tx.xid = current.xid;
      if ((current.note ?? undefined) !== expected?.note) return { commit: false, value: false };
      if (current.size !== null && next.size < current.size) {
        return { commit: false, value: false };
      }
      await client.query(
        `WITH c AS (
           INSERT INTO ${t.checkpoints} (log_id, size, note, published_at)
           VALUES ($1, $2, $3, $4) RETURNING id
         )
         UPDATE ${t.logs} l SET checkpoint_id = c.id FROM c WHERE l.id = $1`,
        [id, next.size, next.note, next.publishedAt],
      );
      return { commit: true, value: true };
    });
  }

  async checkpointHistory(log: string, limit: number): Promise<StoredCheckpoint[]> {
    const id = await this.logId(log);
    const { rows } = await this.query<CheckpointRow>(
      `SELECT size, note, published_at FROM ${this.t.checkpoints} WHERE log_id = $1 ` +
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
      `SELECT size, note, published_at FROM ${this.t.checkpoints} ` +
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
