import pg from 'pg';
import { StorageError } from '@proofline/storage';
import { toBytes } from './bytes.js';
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
  /**
   * How long a commit proposed at a reservation (Storage.reserve) waits on the database for
   * the commits reserved before it (default 2000 ms). When they have not landed by then (a
   * node died between reserving and committing, or stalled), every open reservation of the
   * log is given up and answered `retry`, so a dead node stalls a log's writers at most this
   * long.
   */
  readonly reservationWaitMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Serialisation failures and deadlocks: the transaction did nothing and may be re-run. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
/**
 * SQLSTATE classes after which a statement's connection is gone and its outcome unknown:
 * connection exceptions, operator intervention (a terminated backend, a shutdown), system
 * errors.
 */
const LOST = new Set(['08', '57', '58']);

/** One transaction's connection, and its transaction id once it has one. */
export interface Tx {
  readonly client: pg.PoolClient;
  xid?: string;
}

/** What a transaction's work asks for: commit, or roll back and still return `value`. */
export interface TxOutcome<T> {
  readonly commit: boolean;
  readonly value: T;
}

/**
 * What every part of the PostgreSQL driver stands on: the pool and its session settings,
 * transactions (re-run after serialisation failures and deadlocks; a COMMIT whose reply is
 * lost resolved with `txid_status`), migrations, the schema-qualified table names and the
 * log id cache.
 *
 * Durability: COMMIT returns once the WAL is flushed (`synchronous_commit` is raised to `on`
 * for this driver's sessions if the server default is `off`). If the connection dies while
 * COMMIT is in flight, the outcome is read back before the call resolves or rejects, so a
 * rejected write never leaves its rows behind.
 */
export class PostgresConnection {
  private readonly pool: pg.Pool;
  protected readonly t: {
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
  protected readonly schema: string;
  private readonly idleTimeoutMs: number;
  private readonly logIds = new Map<string, number>();
  /** Per pooled connection with this driver's session settings: its backend's process id. */
  private readonly backends = new WeakMap<pg.PoolClient, number>();
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
    if (!this.backends.has(client)) {
      // pg-pool listens for errors only on idle connections. A checked-out one whose
      // session the server ends between statements (idle-in-transaction timeout, restart,
      // failover) would otherwise raise an unhandled 'error' and take the process down;
      // its next query fails instead, and the connection is destroyed on release.
      client.on('error', () => {});
      try {
        const { rows } = await client.query<{ pid: number }>(
          "SELECT set_config('idle_in_transaction_session_timeout', $1, false), " +
            "CASE WHEN current_setting('synchronous_commit') = 'off' " +
            "THEN set_config('synchronous_commit', 'on', false) END, pg_backend_pid() AS pid",
          [`${this.idleTimeoutMs}ms`],
        );
        this.backends.set(client, rows[0]!.pid);
      } catch (err) {
        client.release(true);
        throw err;
      }
    }
    return client;
  }

  /**
   * One statement that writes in its own implicit transaction: it resolves only once that
   * commit is durable (the server replies after the WAL flush), and no client round trip
   * happens while it holds locks. Re-run after a serialisation failure or deadlock (it wrote
   * nothing). If the connection breaks while it runs, its outcome is unknown: the statement's
   * backend is terminated and awaited (a backend finishes a commit it started before it
   * exits), then `landed()` reads whether the write is stored — `'landed'` if so, else the
   * connection's error is thrown, and nothing was written.
   */
  protected async autocommit<R extends pg.QueryResultRow>(
    text: string,
    values: readonly unknown[],
    landed: () => Promise<boolean>,
  ): Promise<pg.QueryResult<R> | 'landed'> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      const pid = this.backends.get(client)!;
      let broken = false;
      try {
        return await client.query<R>(text, values as unknown[]);
      } catch (err) {
        broken = !hasSqlState(err) || LOST.has(sqlState(err)!.slice(0, 2));
        if (broken) {
          client.release(true);
          await this.backendGone(pid, err);
          if (await landed()) return 'landed';
          throw err;
        }
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has(sqlState(err) ?? '')) throw err;
      } finally {
        if (!broken) client.release();
      }
      await sleep(5 * attempt + Math.random() * 20 * attempt);
    }
  }

  /**
   * Terminates backend `pid` (a statement whose connection broke) and returns once it has
   * exited; throws if that cannot be learned, since the statement's outcome would stay open.
   */
  private async backendGone(pid: number, cause: unknown): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last: unknown = cause;
    while (Date.now() < deadline && !this.closed) {
      try {
        const { rows } = await this.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1',
          [pid],
        );
        if (rows.length === 0) return;
      } catch (err) {
        last = err;
      }
      await sleep(50);
    }
    throw new Error(
      `the outcome of a write is unknown: its connection broke (${errorMessage(cause)}) ` +
        `and its backend ${pid} could not be seen to end (${errorMessage(last)})`,
      { cause },
    );
  }

  /** One statement outside an explicit transaction. */
  protected async query<R extends pg.QueryResultRow>(
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
  protected async transaction<T>(work: (tx: Tx) => Promise<TxOutcome<T>>): Promise<T> {
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

  protected async logId(name: string): Promise<number> {
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

  protected async sizes(
    id: number,
  ): Promise<{ sequenced_size: number; integrated_size: number; last_time: number }> {
    const { rows } = await this.query<{
      sequenced_size: number;
      integrated_size: number;
      last_time: number;
    }>(`SELECT sequenced_size, integrated_size, last_time FROM ${this.t.logs} WHERE id = $1`, [id]);
    return rows[0]!;
  }

  /** Ends the pool (waiting for checked-out connections to be returned). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

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
