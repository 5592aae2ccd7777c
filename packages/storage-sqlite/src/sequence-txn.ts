import type Database from 'better-sqlite3';
import type { IdempotentOutcome, SequenceResult } from '@proofline/storage';

/** One caller's group, built for the proposed batch time, as sent to the writer. */
export interface BuiltGroup {
  /**
   * Number of entries: the next `count` slices of the request's entry data. 0 only for a
   * group that repeats the idempotency key of an earlier group of the same request.
   */
  readonly count: number;
  readonly lookupKeys?: readonly number[];
  readonly idempotency?: {
    readonly tenant: string;
    readonly key: string;
    readonly requestHash: string;
  };
}

/**
 * A sequencing request: the entries of every group concatenated in `data`, entry i being
 * bytes [ends[i-1] (or 0), ends[i]).
 */
export interface SequenceRequest {
  readonly logId: number;
  /** The batch time the entries were built with (the caller's max(now, last time seen)). */
  readonly time: number;
  readonly groups: readonly BuiltGroup[];
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * The outcome: one result per group, or — when another writer committed a later batch time
 * since the caller read it — `retryAt`, that time: nothing was written, and the caller
 * rebuilds its entries with it (times never decrease along the log).
 */
export type SequenceReply = { readonly results: SequenceResult[] } | { readonly retryAt: number };

interface IdempotencyRow {
  request_hash: string;
  name: string;
  first_idx: number;
  count: number;
}

/**
 * Prepares the statements of the sequencing transaction on `db` and returns the function
 * that runs it. The transaction is BEGIN IMMEDIATE ... COMMIT on one connection, so with WAL
 * and synchronous=FULL it is durable when the function returns and absent if it throws.
 */
export function sequenceTransaction(
  db: Database.Database,
): (req: SequenceRequest) => SequenceReply {
  const sizes = db.prepare<[number], { sequenced_size: number; last_time: number }>(
    'SELECT sequenced_size, last_time FROM logs WHERE id = ?',
  );
  const setSequenced = db.prepare('UPDATE logs SET sequenced_size = ?, last_time = ? WHERE id = ?');
  const insertEntry = db.prepare('INSERT INTO entries (log_id, idx, data) VALUES (?, ?, ?)');
  const insertBatch = db.prepare('INSERT INTO batches (log_id, first_idx, time) VALUES (?, ?, ?)');
  const insertLookup = db.prepare(
    'INSERT OR IGNORE INTO lookup (log_id, key, idx) VALUES (?, ?, ?)',
  );
  const findIdempotency = db.prepare<[string, string], IdempotencyRow>(
    'SELECT i.request_hash, l.name, i.first_idx, i.count FROM idempotency i ' +
      'JOIN logs l ON l.id = i.log_id WHERE i.tenant = ? AND i.key = ?',
  );
  const insertIdempotency = db.prepare(
    'INSERT INTO idempotency (tenant, key, request_hash, log_id, first_idx, count, created_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const run = db.transaction((req: SequenceRequest): SequenceReply => {
    const { logId, time, data, ends } = req;
    const state = sizes.get(logId);
    if (!state) throw new Error(`unknown log id ${logId}`);
    if (state.last_time > time) return { retryAt: state.last_time };
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let next = state.sequenced_size;
    let entry = 0;
    const results: SequenceResult[] = [];
    for (const group of req.groups) {
      const idem = group.idempotency;
      const used = idem && findIdempotency.get(idem.tenant, idem.key);
      if (used) {
        results.push({ status: 'duplicate', ...idempotentOutcome(used) });
        entry += group.count;
        continue;
      }
      if (group.count === 0) throw new Error('a group without entries must repeat an earlier key');
      for (let i = 0; i < group.count; i++, entry++) {
        const start = entry === 0 ? 0 : ends[entry - 1]!;
        insertEntry.run(logId, next + i, buffer.subarray(start, ends[entry]!));
        if (group.lookupKeys) insertLookup.run(logId, group.lookupKeys[i], next + i);
      }
      if (idem) {
        insertIdempotency.run(
          idem.tenant,
          idem.key,
          idem.requestHash,
          logId,
          next,
          group.count,
          time,
        );
      }
      results.push({ status: 'sequenced', first: next, count: group.count, timeMs: time });
      next += group.count;
    }
    if (next > state.sequenced_size) {
      insertBatch.run(logId, state.sequenced_size, time);
      setSequenced.run(next, time, logId);
    }
    return { results };
  });
  return (req) => run.immediate(req);
}

export function idempotentOutcome(row: IdempotencyRow): IdempotentOutcome {
  return { requestHash: row.request_hash, log: row.name, first: row.first_idx, count: row.count };
}
