import pg from 'pg';
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
import { checkIndex, checkRange, checkTimestamp, checkTtl } from '@proofline/storage/checks';
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
import { MIGRATIONS, MIGRATION_LOCK, quoteIdent, versionTable } from './schema.js';

export interface PostgresOptions {
  /** A libpq-style URL, e.g. `postgres://proofline@db.internal:5432/proofline`. */
  readonly connectionString: string;
  /**
   * The PostgreSQL schema (namespace) holding this store's tables, created if missing;
   * default `proofline`. Every statement names it explicitly, so `search_path` is irrelevant
   * and connection poolers in transaction mode work.
   */
  readonly schema?: string;
  /** Connections in this handle's pool (default 10). */
  readonly poolSize?: number;
  /**
   * The server ends a session that sits idle inside a transaction for this long (default
   * 2 s; Proofline's transactions send their statements back to back, so only a stalled
   * node is ever idle inside one), so a node that pauses (GC, SIGSTOP, a VM migration) while holding a log's row
   * lock cannot stall sequencing on the other nodes for longer than that: its transaction
   * is rolled back and its `sequence` call rejects.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Serialisation failures and deadlocks: the transaction did nothing and may be re-run. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
/** Entry bytes sent in one statement; larger batches are split (bytea values stop at 1 GiB). */
const MAX_STATEMENT_BYTES = 32 << 20;

/** One transaction's connection, and its transaction id once it has one. */
interface Tx {
  readonly client: pg.PoolClient;
  xid?: string;
}

/** What a transaction's work asks for: commit, or roll back and still return `value`. */
interface TxOutcome<T> {
  readonly commit: boolean;
  readonly value: T;
}

/**
 * PostgreSQL driver (node-postgres pool), for several stateless API nodes sharing one
 * database. See README.md for the life of an entry, durability and the concurrency design.
 *
 * - Sequencing: one transaction per `sequence` call that takes the log's row `FOR UPDATE`,
 *   so sequencers of one log serialise across every node and indices stay gap-free.
 * - Integration and checkpoints: compare-and-swap transactions on the same row.
 * - Leases: one UPDATE judged on the database's clock, never a node's.
 * - Durability: COMMIT returns once the WAL is flushed (`synchronous_commit` is raised to
 *   `on` for this driver's sessions if the server default is `off`). If the connection
 *   dies while COMMIT is in flight, the outcome is read back with `txid_status` before the
 *   call resolves or rejects, so a rejected `sequence` never leaves entries behind.
 */
export class PostgresStorage implements Storage, AccessStore {
  private readonly pool: pg.Pool;
  private readonly t: {
    readonly logs: string;
    readonly tenants: string;
    readonly entries: string;
    readonly batches: string;
    readonly lookup: string;
    readonly idempotency: string;
    readonly tiles: string;
    readonly checkpoints: string;
    readonly checkpointTimestamps: string;
    readonly apiKeys: string;
    readonly issuerKeys: string;
  };
  private readonly schema: string;
  private readonly idleTimeoutMs: number;
  private readonly logIds = new Map<string, number>();
  private readonly ready = new WeakSet<pg.PoolClient>();
  private closed = false;

  constructor(options: PostgresOptions) {
    const schema = options.schema ?? 'proofline';
    if (!SCHEMA_NAME.test(schema)) {
      throw new StorageError('INVALID_ARGUMENT', `invalid schema name ${JSON.stringify(schema)}`);
    }
    const poolSize = options.poolSize ?? 10;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
      throw new StorageError('INVALID_ARGUMENT', `invalid pool size ${poolSize}`);
    }
    this.idleTimeoutMs = options.idleInTransactionTimeoutMs ?? 2_000;
    this.schema = quoteIdent(schema);
    const s = this.schema;
    this.t = {
      logs: `${s}.logs`,
      tenants: `${s}.tenants`,
      entries: `${s}.entries`,
      batches: `${s}.batches`,
      lookup: `${s}.lookup`,
      idempotency: `${s}.idempotency`,
      tiles: `${s}.tiles`,
      checkpoints: `${s}.checkpoints`,
      checkpointTimestamps: `${s}.checkpoint_timestamps`,
      apiKeys: `${s}.api_keys`,
      issuerKeys: `${s}.issuer_keys`,
    };
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: poolSize,
      application_name: 'proofline',
      types: TYPES,
      // Notice dead peers (a failed-over primary, a cut network) instead of waiting forever.
      keepAlive: true,
      connectionTimeoutMillis: 30_000,
    });
    // An idle pooled connection that breaks (database restart, failover) is dropped by the
    // pool; without a listener the 'error' event would crash the process.
    this.pool.on('error', () => {});
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

  /**
   * Brings the schema up to date. Safe to run from several nodes at once: the work runs in
   * one transaction under a database-wide advisory lock, and re-reads the version after
   * taking it. Refuses (CORRUPT) a schema newer than this code.
   */
  async migrate(): Promise<void> {
    const s = this.schema;
    await this.transaction(async ({ client }) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(versionTable(s));
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM ${s}.schema_version`,
      );
      const version = rows[0]?.version ?? 0;
      if (version > MIGRATIONS.length) {
        throw new StorageError(
          'CORRUPT',
          `database schema version ${version} is newer than this Proofline (${MIGRATIONS.length})`,
        );
      }
      if (version === MIGRATIONS.length) return { commit: false, value: undefined };
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!(s));
      await client.query(
        `INSERT INTO ${s}.schema_version (version) VALUES ($1) ` +
          'ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, updated_at = now()',
        [MIGRATIONS.length],
      );
      return { commit: true, value: undefined };
    });
  }

  // ---- connections and transactions ----

  /** A pooled connection, with this driver's session settings applied on first use. */
  private async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    if (!this.ready.has(client)) {
      // pg-pool listens for errors only on idle connections. A checked-out one whose
      // session the server ends between statements (idle-in-transaction timeout, restart,
      // failover) would otherwise raise an unhandled 'error' and take the process down;
      // its next query fails instead, and the connection is destroyed on release.
      client.on('error', () => {});
      try {
        await client.query(
          "SELECT set_config('idle_in_transaction_session_timeout', $1, false), " +
            "CASE WHEN current_setting('synchronous_commit') = 'off' " +
            "THEN set_config('synchronous_commit', 'on', false) END",
          [`${this.idleTimeoutMs}ms`],
        );
      } catch (err) {
        client.release(true);
        throw err;
      }
      this.ready.add(client);
    }
    return client;
  }

  /** One statement outside an explicit transaction. */
  private async query<R extends pg.QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.connect();
    let broken = false;
    try {
      return await client.query<R>(text, values as unknown[]);
    } catch (err) {
      broken = !hasSqlState(err);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs `work` in one READ COMMITTED transaction, re-running it (work included) after a
   * serialisation failure or deadlock. Work that writes must set `tx.xid` (from
   * `txid_current()`, folded into its first statement) so that a COMMIT whose reply is lost
   * can be resolved.
   */
  private async transaction<T>(work: (tx: Tx) => Promise<TxOutcome<T>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(work);
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has(sqlState(err) ?? '')) throw err;
        await sleep(5 * attempt + Math.random() * 20 * attempt);
      }
    }
  }

  private async transactionOnce<T>(work: (tx: Tx) => Promise<TxOutcome<T>>): Promise<T> {
    const client = await this.connect();
    const tx: Tx = { client };
    // Whether the connection ended outside any transaction and can go back to the pool.
    let clean = false;
    let released = false;
    try {
      // Explicit, whatever the database's default_transaction_isolation: the claim logic in
      // `sequence` relies on each statement seeing what committed before it started.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      let outcome: TxOutcome<T>;
      try {
        outcome = await work(tx);
      } catch (err) {
        await client.query('ROLLBACK').then(
          () => (clean = true),
          () => {},
        );
        throw err;
      }
      if (!outcome.commit) {
        await client.query('ROLLBACK');
        clean = true;
        return outcome.value;
      }
      try {
        await client.query('COMMIT');
        clean = true;
      } catch (err) {
        // Give the connection up before asking on another one (the pool may have no other).
        client.release(true);
        released = true;
        if (tx.xid !== undefined && (await this.commitOutcome(tx.xid, err)) === 'committed') {
          return outcome.value;
        }
        throw err;
      }
      return outcome.value;
    } finally {
      if (!released) client.release(!clean);
    }
  }

  /**
   * Whether transaction `xid` committed, asked on another connection after COMMIT failed
   * (its reply may have been lost after the commit record was flushed). Keeps asking while
   * the old backend is still finishing; throws if the answer cannot be had, since neither
   * resolving nor rejecting would then be honest.
   */
  private async commitOutcome(xid: string, cause: unknown): Promise<'committed' | 'aborted'> {
    const deadline = Date.now() + 30_000;
    let last: unknown = cause;
    while (Date.now() < deadline && !this.closed) {
      try {
        const { rows } = await this.query<{ status: string | null }>(
          'SELECT txid_status($1::bigint) AS status',
          [xid],
        );
        const status = rows[0]?.status;
        if (status === 'committed' || status === 'aborted') return status;
        if (status === null || status === undefined) break;
      } catch (err) {
        last = err;
      }
      await sleep(100);
    }
    throw new Error(
      `the outcome of transaction ${xid} is unknown: COMMIT failed (${errorMessage(cause)}) ` +
        `and its status could not be read (${errorMessage(last)})`,
      { cause },
    );
  }

  private async logId(name: string): Promise<number> {
    let id = this.logIds.get(name);
    if (id === undefined) {
      const { rows } = await this.query<{ id: number }>(
        `SELECT id FROM ${this.t.logs} WHERE name = $1`,
        [name],
      );
      if (!rows[0]) throw new StorageError('UNKNOWN_LOG', `unknown log ${JSON.stringify(name)}`);
      id = rows[0].id;
      // Logs are never deleted or renamed, so the id can be cached for the handle's life.
      this.logIds.set(name, id);
    }
    return id;
  }

  // ---- logs ----

  async ensureLog(config: LogConfig): Promise<LogConfig> {
    const t = this.t;
    return this.transaction(async ({ client }) => {
      await client.query(
        `INSERT INTO ${t.tenants} (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [config.tenant, config.createdAt],
      );
      await client.query(
        `INSERT INTO ${t.logs} (name, tenant, origin, verifier_key, created_at) ` +
          'VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING',
        [config.name, config.tenant, config.origin, config.verifierKey, config.createdAt],
      );
      const { rows } = await client.query<LogRow>(
        `SELECT name, tenant, origin, verifier_key, created_at FROM ${t.logs} WHERE name = $1`,
        [config.name],
      );
      return { commit: true, value: toConfig(rows[0]!) };
    });
  }

  async getLog(name: string): Promise<LogConfig | undefined> {
    const { rows } = await this.query<LogRow>(
      `SELECT name, tenant, origin, verifier_key, created_at FROM ${this.t.logs} WHERE name = $1`,
      [name],
    );
    return rows[0] && toConfig(rows[0]);
  }

  async listLogs(): Promise<LogConfig[]> {
    const { rows } = await this.query<LogRow>(
      `SELECT name, tenant, origin, verifier_key, created_at FROM ${this.t.logs} ORDER BY name`,
    );
    return rows.map(toConfig);
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

  async sequence(
    log: string,
    groups: readonly SequenceGroup[],
    nowMs: number,
    seal?: CommitSealer,
  ): Promise<SequenceResult[]> {
    if (!Number.isSafeInteger(nowMs)) {
      throw new StorageError('INVALID_ARGUMENT', `invalid time ${nowMs}`);
    }
    const t = this.t;
    return this.transaction(async (tx) => {
      const { client } = tx;
      // The row lock serialises every sequencer of this log, on every node, until COMMIT.
      const { rows } = await client.query<{
        id: number;
        sequenced_size: number;
        last_time: number;
        xid: string;
      }>(
        `SELECT id, sequenced_size, last_time, txid_current()::text AS xid FROM ${t.logs} ` +
          'WHERE name = $1 FOR UPDATE',
        [log],
      );
      const state = rows[0];
      if (!state) throw new StorageError('UNKNOWN_LOG', `unknown log ${JSON.stringify(log)}`);
      tx.xid = state.xid;
      const time = Math.max(nowMs, state.last_time);

      // Claim every idempotency key before building anything. A key that another
      // transaction (of any log, on any node) holds uncommitted makes the INSERT wait for
      // it; once it commits, ON CONFLICT skips the row and we read its outcome instead.
      const used = await this.claimIdempotencyKeys(client, state.id, groups, time);

      const entries: Uint8Array[] = [];
      const lookupKeys: number[] = [];
      const lookupIdx: number[] = [];
      const claimed = new Map<string, IdempotentOutcome>();
      const results: SequenceResult[] = [];
      let next = state.sequenced_size;
      for (const group of groups) {
        const idem = group.idempotency;
        const key = idem && idempotencyKey(idem.tenant, idem.key);
        if (key !== undefined) {
          const prior = used.get(key) ?? claimed.get(key);
          if (prior) {
            results.push({ status: 'duplicate', ...prior });
            continue;
          }
        }
        const built = group.build(time);
        const keys = group.lookupKeys;
        if (keys && keys.length !== built.length) {
          throw new StorageError('INVALID_ARGUMENT', 'one lookup key per entry');
        }
        for (let i = 0; i < built.length; i++) {
          entries.push(built[i]!);
          if (keys) {
            lookupKeys.push(keys[i]!);
            lookupIdx.push(next + i);
          }
        }
        if (idem && key !== undefined) {
          claimed.set(key, {
            requestHash: idem.requestHash,
            log,
            first: next,
            count: built.length,
          });
        }
        results.push({ status: 'sequenced', first: next, count: built.length, timeMs: time });
        next += built.length;
      }
      if (entries.length === 0 && claimed.size === 0) return { commit: true, value: results };
      // Sealed here, under the log's row lock: the first index and time are final. If the
      // transaction then fails, the note is dropped with it.
      const receipt =
        seal && entries.length > 0
          ? seal({ first: state.sequenced_size, timeMs: time, entries })
          : undefined;
      const sealed =
        receipt === undefined
          ? results
          : results.map((r) => (r.status === 'sequenced' ? { ...r, receipt } : r));

      // Entries beyond MAX_STATEMENT_BYTES go in statements of their own; the last chunk
      // rides in the statement that writes everything else.
      const chunks = chunkByBytes(entries, MAX_STATEMENT_BYTES);
      let first = state.sequenced_size;
      for (const chunk of chunks.slice(0, -1)) {
        const packed = pack(chunk);
        await client.query(
          `INSERT INTO ${t.entries} (log_id, idx, data) ` +
            'SELECT $1::bigint, $2::bigint + u.o - 1, substring($3::bytea FROM u.p FOR u.n) ' +
            'FROM unnest($4::int4[], $5::int4[]) WITH ORDINALITY AS u(p, n, o)',
          [state.id, first, packed.data, packed.starts, packed.lengths],
        );
        first += chunk.length;
      }
      const last = pack(chunks.at(-1) ?? []);
      const outcomes = [...claimed.entries()];
      await client.query(
        `WITH e AS (
           INSERT INTO ${t.entries} (log_id, idx, data)
           SELECT $1::bigint, $2::bigint + u.o - 1, substring($3::bytea FROM u.p FOR u.n)
           FROM unnest($4::int4[], $5::int4[]) WITH ORDINALITY AS u(p, n, o)
         ), k AS (
           INSERT INTO ${t.lookup} (log_id, key, idx)
           SELECT $1::bigint, u.key, u.idx FROM unnest($6::int8[], $7::int8[]) AS u(key, idx)
           ON CONFLICT DO NOTHING
         ), i AS (
           UPDATE ${t.idempotency} d SET first_idx = u.first, count = u.n
           FROM unnest($8::text[], $9::text[], $10::int8[], $11::int8[]) AS u(tenant, key, first, n)
           WHERE d.tenant = u.tenant AND d.key = u.key
         ), b AS (
           INSERT INTO ${t.batches} (log_id, first_idx, time, receipt)
           SELECT $1::bigint, $12::bigint, $13::bigint, $15::text WHERE $14::bigint > $12::bigint
         )
         UPDATE ${t.logs} SET sequenced_size = $14::bigint, last_time = $13::bigint
         WHERE id = $1::bigint AND $14::bigint > $12::bigint`,
        [
          state.id,
          first,
          last.data,
          last.starts,
          last.lengths,
          lookupKeys,
          lookupIdx,
          outcomes.map(([k]) => splitIdempotencyKey(k)[0]),
          outcomes.map(([k]) => splitIdempotencyKey(k)[1]),
          outcomes.map(([, o]) => o.first),
          outcomes.map(([, o]) => o.count),
          state.sequenced_size,
          time,
          next,
          receipt ?? null,
        ],
      );
      return { commit: true, value: sealed };
    });
  }

  /**
   * Inserts a placeholder idempotency row for each distinct key of `groups` (in a fixed
   * order, so two transactions claiming overlapping keys cannot deadlock) and returns the
   * stored outcome of each key that was already used. The placeholders get their real
   * first/count in the same transaction, before anyone can see them.
   */
  private async claimIdempotencyKeys(
    client: pg.PoolClient,
    logId: number,
    groups: readonly SequenceGroup[],
    time: number,
  ): Promise<Map<string, IdempotentOutcome>> {
    const wanted = new Map<string, string>();
    for (const g of groups) {
      const idem = g.idempotency;
      if (!idem) continue;
      const key = idempotencyKey(idem.tenant, idem.key);
      if (!wanted.has(key)) wanted.set(key, idem.requestHash);
    }
    const used = new Map<string, IdempotentOutcome>();
    if (wanted.size === 0) return used;
    const keys = [...wanted.keys()].sort();
    const tenants = keys.map((k) => splitIdempotencyKey(k)[0]);
    const names = keys.map((k) => splitIdempotencyKey(k)[1]);
    const inserted = await client.query<{ tenant: string; key: string }>(
      `INSERT INTO ${this.t.idempotency} ` +
        '(tenant, key, request_hash, log_id, first_idx, count, created_at) ' +
        'SELECT u.tenant, u.key, u.hash, $1::bigint, -1, -1, $2::bigint ' +
        'FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(tenant, key, hash, o) ' +
        'ORDER BY u.o ON CONFLICT (tenant, key) DO NOTHING RETURNING tenant, key',
      [logId, time, tenants, names, keys.map((k) => wanted.get(k)!)],
    );
    if (inserted.rows.length === keys.length) return used;
    const mine = new Set(inserted.rows.map((r) => idempotencyKey(r.tenant, r.key)));
    const taken = keys.filter((k) => !mine.has(k));
    // READ COMMITTED: this statement sees every row whose conflict the INSERT waited for.
    const { rows } = await client.query<{
      tenant: string;
      key: string;
      request_hash: string;
      name: string;
      first_idx: number;
      count: number;
    }>(
      `SELECT i.tenant, i.key, i.request_hash, l.name, i.first_idx, i.count ` +
        `FROM unnest($1::text[], $2::text[]) AS u(tenant, key) ` +
        `JOIN ${this.t.idempotency} i ON i.tenant = u.tenant AND i.key = u.key ` +
        `JOIN ${this.t.logs} l ON l.id = i.log_id`,
      [taken.map((k) => splitIdempotencyKey(k)[0]), taken.map((k) => splitIdempotencyKey(k)[1])],
    );
    for (const r of rows) {
      used.set(idempotencyKey(r.tenant, r.key), {
        requestHash: r.request_hash,
        log: r.name,
        first: r.first_idx,
        count: r.count,
      });
    }
    if (used.size !== taken.length) {
      throw new StorageError('CORRUPT', 'an idempotency key conflicted but cannot be read');
    }
    return used;
  }

  async sequencedSize(log: string): Promise<number> {
    return (await this.sizes(await this.logId(log))).sequenced_size;
  }

  private async sizes(
    id: number,
  ): Promise<{ sequenced_size: number; integrated_size: number; last_time: number }> {
    const { rows } = await this.query<{
      sequenced_size: number;
      integrated_size: number;
      last_time: number;
    }>(`SELECT sequenced_size, integrated_size, last_time FROM ${this.t.logs} WHERE id = $1`, [id]);
    return rows[0]!;
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

  // ---- tenants and keys ----

  async ensureTenant(name: string, createdAt: number): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.tenants} (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [name, createdAt],
    );
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.apiKeys} ` +
        '(id, tenant, secret_hash, scopes, description, rate_limit, created_at) ' +
        'VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        key.id,
        key.tenant,
        key.secretHash,
        [...key.scopes],
        key.description,
        key.rateLimit,
        key.createdAt,
      ],
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.query<ApiKeyRow>(`SELECT * FROM ${this.t.apiKeys} WHERE id = $1`, [
      id,
    ]);
    return rows[0] && toApiKey(rows[0]);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.query<ApiKeyRow>(
      `SELECT * FROM ${this.t.apiKeys} WHERE $1::text IS NULL OR tenant = $1 ` +
        'ORDER BY created_at, id',
      [tenant ?? null],
    );
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE ${this.t.apiKeys} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, revokedAt],
    );
    return rowCount === 1;
  }

  async addIssuerKey(tenant: string, verifierKey: string, createdAt: number): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.issuerKeys} (tenant, verifier_key, created_at) VALUES ($1, $2, $3) ` +
        'ON CONFLICT (tenant, verifier_key) DO UPDATE SET revoked_at = NULL',
      [tenant, verifierKey, createdAt],
    );
  }

  async listIssuerKeys(tenant: string): Promise<string[]> {
    const { rows } = await this.query<{ verifier_key: string }>(
      `SELECT verifier_key FROM ${this.t.issuerKeys} WHERE tenant = $1 AND revoked_at IS NULL ` +
        'ORDER BY created_at, verifier_key',
      [tenant],
    );
    return rows.map((r) => r.verifier_key);
  }

  async revokeIssuerKey(tenant: string, verifierKey: string, revokedAt: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE ${this.t.issuerKeys} SET revoked_at = $3 ` +
        'WHERE tenant = $1 AND verifier_key = $2 AND revoked_at IS NULL',
      [tenant, verifierKey, revokedAt],
    );
    return rowCount === 1;
  }

  /** Ends the pool (waiting for checked-out connections to be returned). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
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

// ---- helpers ----

/**
 * Result parsing: `bigint` columns become numbers (refused as CORRUPT beyond 2^53, which
 * no index, size or time reaches), `bytea` becomes a plain Uint8Array over the decoded
 * bytes (node-postgres returns Buffers; the interface promises Uint8Arrays).
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format === undefined || format === 'text') {
      if (oid === pg.types.builtins.INT8) return parseInt8;
      if (oid === pg.types.builtins.BYTEA) {
        const parse = pg.types.getTypeParser(pg.types.builtins.BYTEA, 'text');
        return (value: string) => toBytes(parse(value));
      }
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new StorageError('CORRUPT', `integer ${value} is beyond 2^53`);
  }
  return n;
}

/** A time bound as a bigint parameter: integer times compare the same against its ceiling. */
function clampMs(ms: number): number {
  return Math.min(Math.max(Math.ceil(ms), Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Packs byte strings into one buffer, sent as a single binary `bytea` parameter, with
 * 1-based start offsets and lengths that `substring` uses to cut it apart server-side.
 * This avoids a `bytea[]` parameter, which node-postgres can only send as hex text.
 */
function pack(list: readonly Uint8Array[]): { data: Buffer; starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  const lengths: number[] = [];
  let offset = 1;
  for (const item of list) {
    starts.push(offset);
    lengths.push(item.length);
    offset += item.length;
  }
  return { data: Buffer.concat(list), starts, lengths };
}

function chunkByBytes(list: readonly Uint8Array[], maxBytes: number): Uint8Array[][] {
  const chunks: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const item of list) {
    if (current.length > 0 && bytes + item.length > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Tenant and key in one map key (tenant names cannot contain a NUL). */
function idempotencyKey(tenant: string, key: string): string {
  return `${tenant}\u0000${key}`;
}

function splitIdempotencyKey(k: string): [string, string] {
  const at = k.indexOf('\u0000');
  return [k.slice(0, at), k.slice(at + 1)];
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** An error the server reported (the connection is still usable), not a broken socket. */
function hasSqlState(err: unknown): boolean {
  return err instanceof StorageError || sqlState(err) !== undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
