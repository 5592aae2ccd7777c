import type pg from 'pg';
import {
  StorageError,
  type CommitAnswer,
  type CommitRequest,
  type IdempotentOutcome,
} from '@proofline/storage';
import { toOutcome, type IdempotencyRow } from '@proofline/storage/rows';
import { chunkByBytes, pack } from './bytes.js';

/** The tables `sequence` writes, schema-qualified. */
export interface SequenceTables {
  readonly logs: string;
  readonly entries: string;
  readonly batches: string;
  readonly lookup: string;
  readonly idempotency: string;
}

/** Entry bytes sent in one statement; larger commits are split (bytea values stop at 1 GiB). */
const MAX_STATEMENT_BYTES = 32 << 20;

/** One statement outside any explicit transaction, on a pooled connection. */
export type Run = <R extends pg.QueryResultRow>(
  text: string,
  values: readonly unknown[],
) => Promise<pg.QueryResult<R>>;

/** Entry bytes above which a commit takes the multi-statement path (`sequenceIn`). */
export const ONE_STATEMENT_BYTES = MAX_STATEMENT_BYTES;

/**
 * The parameters of `sequence_commit` (schema.ts) for `commit` on log `logId`: the whole
 * commit in one statement. `waitMs`: how long a reserved commit waits for its predecessors;
 * `lockSpace`: the first key of the log's advisory lock (the store's, see PostgresStorage).
 */
export function commitParams(
  logId: number,
  commit: CommitRequest,
  waitMs: number,
  lockSpace: number,
): unknown[] {
  const entries: Uint8Array[] = [];
  const lookupKeys: number[] = [];
  const lookupIdx: number[] = [];
  const claims = keyClaims(commit);
  for (const group of commit.groups) {
    group.lookupKeys?.forEach((key, i) => {
      lookupKeys.push(key);
      lookupIdx.push(commit.first + entries.length + i);
    });
    entries.push(...group.entries);
  }
  const packed = pack(entries);
  return [
    logId,
    commit.first,
    commit.timeMs,
    commit.epoch ?? null,
    waitMs,
    lockSpace,
    packed.data,
    packed.starts,
    packed.lengths,
    lookupKeys,
    lookupIdx,
    claims.map((c) => c.tenant),
    claims.map((c) => c.key),
    claims.map((c) => c.hash),
    claims.map((c) => c.first),
    claims.map((c) => c.count),
    commit.receipt ?? null,
  ];
}

/** The statement that runs `sequence_commit` with `commitParams`. */
export function commitStatement(schema: string): string {
  const args = Array.from({ length: 17 }, (_, i) => `$${i + 1}`).join(', ');
  return `SELECT o_status, o_size, o_time FROM ${schema}.sequence_commit(${args})`;
}

/**
 * The stored outcomes of the commit's idempotency keys, after `sequence_commit` answered
 * `duplicates` (its own claims rolled back; the keys that stopped it are committed).
 */
export async function storedOutcomes(
  run: Run,
  t: SequenceTables,
  commit: CommitRequest,
): Promise<(IdempotentOutcome | undefined)[]> {
  const claims = keyClaims(commit);
  const { rows } = await run<IdempotencyRow & { tenant: string; key: string }>(
    `SELECT i.tenant, i.key, i.request_hash, l.name, i.first_idx, i.count ` +
      `FROM unnest($1::text[], $2::text[]) AS u(tenant, key) ` +
      `JOIN ${t.idempotency} i ON i.tenant = u.tenant AND i.key = u.key ` +
      `JOIN ${t.logs} l ON l.id = i.log_id`,
    [claims.map((c) => c.tenant), claims.map((c) => c.key)],
  );
  return outcomesOf(commit, rows);
}

/**
 * Whether `commit` is stored on `logId`: a commit at its first index with its time and
 * receipt, holding its entries byte for byte (asked after the statement's reply was lost).
 */
export async function commitLanded(
  run: Run,
  t: SequenceTables,
  logId: number,
  commit: CommitRequest,
): Promise<boolean> {
  const entries = commit.groups.flatMap((g) => g.entries);
  const { rows } = await run<{ time: number; receipt: string | null }>(
    `SELECT time, receipt FROM ${t.batches} WHERE log_id = $1 AND first_idx = $2`,
    [logId, commit.first],
  );
  const batch = rows[0];
  if (!batch || batch.time !== commit.timeMs || batch.receipt !== (commit.receipt ?? null)) {
    return false;
  }
  const stored = await run<{ data: Uint8Array }>(
    `SELECT data FROM ${t.entries} WHERE log_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
    [logId, commit.first, commit.first + entries.length],
  );
  return (
    stored.rows.length === entries.length &&
    stored.rows.every((r, i) => Buffer.from(r.data).equals(entries[i]!))
  );
}

/**
 * The compare-and-swap of Storage.sequence in several statements, for commits beyond
 * ONE_STATEMENT_BYTES, run in the caller's READ COMMITTED transaction on `client` (the
 * commit was checked by checkCommit). Takes the log's row `FOR UPDATE`, which serialises
 * every writer of the log on every node until COMMIT or ROLLBACK, then answers `retry` if
 * the tail is not the commit's, `duplicates` if a key is already stored (or was stored by a
 * transaction this one waited for), and otherwise writes everything. Returns the answer,
 * whether the transaction must commit (only when `committed`; the other answers roll back
 * the key claims) and its transaction id (for a lost COMMIT reply). It does not wait for
 * reserved predecessors: a reserved commit this large that comes early is answered `retry`.
 */
export async function sequenceIn(
  client: pg.PoolClient,
  t: SequenceTables,
  log: string,
  commit: CommitRequest,
): Promise<{ answer: CommitAnswer; commit: boolean; xid: string }> {
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
  const { id, xid } = state;
  if (state.sequenced_size !== commit.first || state.last_time > commit.timeMs) {
    const tail = { size: state.sequenced_size, timeMs: state.last_time };
    return { answer: { status: 'retry', tail }, commit: false, xid };
  }
  const outcomes = await claimKeys(client, t, id, commit);
  if (outcomes) return { answer: { status: 'duplicates', outcomes }, commit: false, xid };

  const entries: Uint8Array[] = [];
  const lookupKeys: number[] = [];
  const lookupIdx: number[] = [];
  for (const group of commit.groups) {
    group.lookupKeys?.forEach((key, i) => {
      lookupKeys.push(key);
      lookupIdx.push(commit.first + entries.length + i);
    });
    entries.push(...group.entries);
  }
  // Entries beyond MAX_STATEMENT_BYTES go in statements of their own; the last chunk rides
  // in the statement that writes everything else.
  const chunks = chunkByBytes(entries, MAX_STATEMENT_BYTES);
  let first = commit.first;
  const insertEntries =
    `INSERT INTO ${t.entries} (log_id, idx, data) ` +
    'SELECT $1::bigint, $2::bigint + u.o - 1, substring($3::bytea FROM u.p FOR u.n) ' +
    'FROM unnest($4::int4[], $5::int4[]) WITH ORDINALITY AS u(p, n, o)';
  for (const chunk of chunks.slice(0, -1)) {
    const packed = pack(chunk);
    await client.query(insertEntries, [id, first, packed.data, packed.starts, packed.lengths]);
    first += chunk.length;
  }
  const last = pack(chunks.at(-1) ?? []);
  await client.query(
    `WITH e AS (${insertEntries}), k AS (
       INSERT INTO ${t.lookup} (log_id, key, idx)
       SELECT $1::bigint, u.key, u.idx FROM unnest($6::int8[], $7::int8[]) AS u(key, idx)
       ON CONFLICT DO NOTHING
     ), b AS (
       INSERT INTO ${t.batches} (log_id, first_idx, time, receipt)
       VALUES ($1::bigint, $8::bigint, $9::bigint, $11::text)
     )
     UPDATE ${t.logs} SET sequenced_size = $10::bigint, last_time = $9::bigint,
       commits = commits + 1
     WHERE id = $1::bigint`,
    [
      id,
      first,
      last.data,
      last.starts,
      last.lengths,
      lookupKeys,
      lookupIdx,
      commit.first,
      commit.timeMs,
      commit.first + entries.length,
      commit.receipt ?? null,
    ],
  );
  return { answer: { status: 'committed' }, commit: true, xid };
}

/**
 * Inserts each group's idempotency row with its final first index and count, in key order
 * (so two transactions claiming overlapping keys cannot deadlock). A key that another
 * transaction (of any log, on any node) holds uncommitted makes the INSERT wait for it;
 * once it commits, ON CONFLICT skips the row. Returns undefined when every key was free,
 * else per group the stored outcome of its key (READ COMMITTED: this next statement sees
 * every row whose conflict the INSERT waited for).
 */
async function claimKeys(
  client: pg.PoolClient,
  t: SequenceTables,
  logId: number,
  commit: CommitRequest,
): Promise<(IdempotentOutcome | undefined)[] | undefined> {
  const claims = keyClaims(commit);
  if (claims.length === 0) return undefined;
  const inserted = await client.query(
    `INSERT INTO ${t.idempotency} ` +
      '(tenant, key, request_hash, log_id, first_idx, count, created_at) ' +
      'SELECT u.tenant, u.key, u.hash, $1::bigint, u.first, u.n, $2::bigint ' +
      'FROM unnest($3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[]) ' +
      'WITH ORDINALITY AS u(tenant, key, hash, first, n, o) ' +
      'ORDER BY u.o ON CONFLICT (tenant, key) DO NOTHING',
    [
      logId,
      commit.timeMs,
      claims.map((c) => c.tenant),
      claims.map((c) => c.key),
      claims.map((c) => c.hash),
      claims.map((c) => c.first),
      claims.map((c) => c.count),
    ],
  );
  if (inserted.rowCount === claims.length) return undefined;
  const { rows } = await client.query<IdempotencyRow & { tenant: string; key: string }>(
    `SELECT i.tenant, i.key, i.request_hash, l.name, i.first_idx, i.count ` +
      `FROM unnest($1::text[], $2::text[]) AS u(tenant, key) ` +
      `JOIN ${t.idempotency} i ON i.tenant = u.tenant AND i.key = u.key ` +
      `JOIN ${t.logs} l ON l.id = i.log_id WHERE i.log_id <> $3 OR i.first_idx < $4`,
    [claims.map((c) => c.tenant), claims.map((c) => c.key), logId, commit.first],
  );
  return outcomesOf(commit, rows);
}

interface KeyClaim {
  readonly tenant: string;
  readonly key: string;
  readonly hash: string;
  readonly first: number;
  readonly count: number;
}

/**
 * Each group's idempotency row with its final first index and count, in key order (so two
 * transactions claiming overlapping keys cannot deadlock).
 */
function keyClaims(commit: CommitRequest): KeyClaim[] {
  const claims: KeyClaim[] = [];
  let first = commit.first;
  for (const { entries, idempotency } of commit.groups) {
    if (idempotency) {
      const { tenant, key, requestHash: hash } = idempotency;
      claims.push({ tenant, key, hash, first, count: entries.length });
    }
    first += entries.length;
  }
  return claims.sort((a, b) =>
    a.tenant !== b.tenant ? (a.tenant < b.tenant ? -1 : 1) : a.key < b.key ? -1 : 1,
  );
}

/** Per group, the stored outcome of its key among `rows`; CORRUPT if none can be read. */
function outcomesOf(
  commit: CommitRequest,
  rows: readonly (IdempotencyRow & { tenant: string; key: string })[],
): (IdempotentOutcome | undefined)[] {
  const stored = new Map(rows.map((r) => [`${r.tenant}\u0000${r.key}`, toOutcome(r)]));
  const outcomes = commit.groups.map(
    (g) => g.idempotency && stored.get(`${g.idempotency.tenant}\u0000${g.idempotency.key}`),
  );
  if (outcomes.every((o) => o === undefined)) {
    throw new StorageError('CORRUPT', 'an idempotency key conflicted but cannot be read');
  }
  return outcomes;
}
