import type Database from 'better-sqlite3';
import { toOutcome, type IdempotencyRow } from '@proofline/storage/rows';
import {
  StorageError,
  type SequenceResult,
  type StoredCheckpoint,
  type StoredTile,
} from '@proofline/storage';

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
  /**
   * With `receipt`: the first index the caller sealed the commit for. The writer commits only
   * if it is the log's sequenced size, the time is not before the log's last time, and no
   * built group's idempotency key turns out used; otherwise it answers retry.
   */
  readonly first: number;
  /** The commit's note, sealed by the caller for `first`, `time` and exactly these entries. */
  readonly receipt?: string;
  readonly groups: readonly BuiltGroup[];
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * The outcome: one result per group, or — when another writer committed a later batch time
 * since the caller read it, or (sealed requests) the proposed first index or set of groups
 * no longer holds — retry: nothing was written, the caller's note is dropped, and the caller
 * rebuilds (and re-seals) with the log's actual last time `retryAt` and size `next`.
 */
export type SequenceReply =
  { readonly results: SequenceResult[] } | { readonly retryAt: number; readonly next: number };

/**
 * The writes on a log's hot path, each one transaction on `db` (BEGIN IMMEDIATE ... COMMIT;
 * with WAL and synchronous=FULL durable when the function returns, absent if it throws).
 * They run on the writer thread (writer-thread.ts); arguments were validated by the caller.
 */
export function writeOperations(db: Database.Database) {
  const sizes = db.prepare<
    [number],
    { sequenced_size: number; integrated_size: number; last_time: number }
  >('SELECT sequenced_size, integrated_size, last_time FROM logs WHERE id = ?');
  const setSequenced = db.prepare('UPDATE logs SET sequenced_size = ?, last_time = ? WHERE id = ?');
  const insertEntry = db.prepare('INSERT INTO entries (log_id, idx, data) VALUES (?, ?, ?)');
  const insertBatch = db.prepare(
    'INSERT INTO batches (log_id, first_idx, time, receipt) VALUES (?, ?, ?, ?)',
  );
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
  const setIntegrated = db.prepare(
    'UPDATE logs SET integrated_size = ? WHERE id = ? AND integrated_size = ?',
  );
  const upsertTile = db.prepare(
    'INSERT INTO tiles (log_id, level, idx, data) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (log_id, level, idx) DO UPDATE SET data = excluded.data',
  );
  const latest = db.prepare<[number], { note: string; size: number }>(
    'SELECT c.note, c.size FROM logs l JOIN checkpoints c ON c.id = l.checkpoint_id WHERE l.id = ?',
  );
  const insertCheckpoint = db.prepare(
    'INSERT INTO checkpoints (log_id, size, note, published_at) VALUES (?, ?, ?, ?)',
  );
  const setLatest = db.prepare('UPDATE logs SET checkpoint_id = ? WHERE id = ?');
  const addTimestamp = db.prepare(
    'INSERT OR IGNORE INTO checkpoint_timestamps (log_id, size, tsa, token, gen_time) ' +
      'VALUES (?, ?, ?, ?, ?)',
  );
  const lease = db.prepare(
    'UPDATE logs SET lease_owner = ?, lease_expires = ? ' +
      'WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires < ?)',
  );
  const release = db.prepare(
    'UPDATE logs SET lease_owner = NULL, lease_expires = 0 WHERE id = ? AND lease_owner = ?',
  );
  const bytes = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

  const sequence = db.transaction((req: SequenceRequest): SequenceReply => {
    const { logId, time, ends, receipt } = req;
    const state = sizes.get(logId);
    if (!state) throw new Error(`unknown log id ${logId}`);
    const retry = { retryAt: state.last_time, next: state.sequenced_size };
    if (state.last_time > time) return retry;
    // A sealed note binds its first index and entries: commit exactly those or nothing.
    if (receipt !== undefined) {
      if (state.sequenced_size !== req.first) return retry;
      const used = req.groups.some(
        (g) =>
          g.count > 0 &&
          g.idempotency &&
          findIdempotency.get(g.idempotency.tenant, g.idempotency.key),
      );
      if (used) return retry;
    }
    const data = bytes(req.data);
    let next = state.sequenced_size;
    let entry = 0;
    const results: SequenceResult[] = [];
    for (const group of req.groups) {
      const idem = group.idempotency;
      const used = idem && findIdempotency.get(idem.tenant, idem.key);
      if (used) {
        results.push({ status: 'duplicate', ...toOutcome(used) });
        entry += group.count;
        continue;
      }
      if (group.count === 0) throw new Error('a group without entries must repeat an earlier key');
      for (let i = 0; i < group.count; i++, entry++) {
        const start = entry === 0 ? 0 : ends[entry - 1]!;
        insertEntry.run(logId, next + i, data.subarray(start, ends[entry]!));
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
      results.push({
        status: 'sequenced',
        first: next,
        count: group.count,
        timeMs: time,
        ...(receipt === undefined ? {} : { receipt }),
      });
      next += group.count;
    }
    if (next > state.sequenced_size) {
      insertBatch.run(logId, state.sequenced_size, time, receipt ?? null);
      setSequenced.run(next, time, logId);
    }
    return { results };
  });

  const integrate = db.transaction(
    (logId: number, fromSize: number, toSize: number, tiles: readonly StoredTile[]): boolean => {
      const state = sizes.get(logId)!;
      if (state.integrated_size !== fromSize) return false;
      if (toSize > state.sequenced_size) {
        throw new StorageError('OUT_OF_RANGE', `cannot integrate beyond ${state.sequenced_size}`);
      }
      for (const t of tiles) upsertTile.run(logId, t.level, t.index, bytes(t.data));
      setIntegrated.run(toSize, logId, fromSize);
      return true;
    },
  );

  const publishCheckpoint = db.transaction(
    (logId: number, expectedNote: string | undefined, next: StoredCheckpoint): boolean => {
      const current = latest.get(logId);
      if (current?.note !== expectedNote) return false;
      if (current && next.size < current.size) return false;
      const { lastInsertRowid } = insertCheckpoint.run(
        logId,
        next.size,
        next.note,
        next.publishedAt,
      );
      setLatest.run(lastInsertRowid, logId);
      return true;
    },
  );

  return {
    sequence: (req: SequenceRequest) => sequence.immediate(req),
    integrate: (logId: number, fromSize: number, toSize: number, tiles: readonly StoredTile[]) =>
      integrate.immediate(logId, fromSize, toSize, tiles),
    publishCheckpoint: (logId: number, expectedNote: string | undefined, next: StoredCheckpoint) =>
      publishCheckpoint.immediate(logId, expectedNote, next),
    addCheckpointTimestamp: (
      logId: number,
      size: number,
      tsa: string,
      token: Uint8Array,
      genTimeMs: number,
    ): void => void addTimestamp.run(logId, size, tsa, bytes(token), genTimeMs),
    acquireLease: (logId: number, owner: string, expiresMs: number, nowMs: number): boolean =>
      lease.run(owner, expiresMs, logId, owner, nowMs).changes === 1,
    releaseLease: (logId: number, owner: string): void => void release.run(logId, owner),
  };
}

/** The operations the writer thread performs, by name. */
export type WriteOperations = ReturnType<typeof writeOperations>;
