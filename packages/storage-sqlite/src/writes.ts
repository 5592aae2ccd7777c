import type Database from 'better-sqlite3';
import { toOutcome, type IdempotencyRow } from '@proofline/storage/rows';
import {
  StorageError,
  type CommitAnswer,
  type Idempotency,
  type StoredCheckpoint,
  type StoredTile,
} from '@proofline/storage';
import { LookupMerger, type LookupMergeOptions } from './lookup-merge.js';
import { rowInserter } from './row-inserter.js';

/** One group of a sequencing request: its entries are the next `count` slices of `data`. */
export interface RequestGroup {
  readonly count: number;
  readonly lookupKeys?: readonly number[];
  readonly idempotency?: Idempotency;
}

/**
 * A commit as sent to the writer thread (CommitRequest, checked by the caller): the entries
 * of every group concatenated in `data`, entry i being bytes [ends[i-1] (or 0), ends[i]).
 */
export interface SequenceRequest {
  readonly logId: number;
  readonly first: number;
  readonly time: number;
  readonly receipt?: string;
  readonly groups: readonly RequestGroup[];
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * The writes on a log's hot path, each one transaction on `db` (BEGIN IMMEDIATE ... COMMIT;
 * with WAL and synchronous=FULL durable when the function returns, absent if it throws).
 * They run on the writer thread (writer-thread.ts); arguments were validated by the caller.
 */
export function writeOperations(db: Database.Database, lookupMerge: LookupMergeOptions = {}) {
  const sizes = db.prepare<
    [number],
    { sequenced_size: number; integrated_size: number; last_time: number }
  >('SELECT sequenced_size, integrated_size, last_time FROM logs WHERE id = ?');
  const setSequenced = db.prepare('UPDATE logs SET sequenced_size = ?, last_time = ? WHERE id = ?');
  const insertEntries = rowInserter(db, 'INSERT INTO entries (log_id, idx, data)');
  const insertBatch = db.prepare(
    'INSERT INTO batches (log_id, first_idx, time, receipt) VALUES (?, ?, ?, ?)',
  );
  // New lookup rows go to the small table; integrate moves them (lookup-merge.ts).
  const insertLookups = rowInserter(db, 'INSERT OR IGNORE INTO lookup_recent (log_id, key, idx)');
  const merger = new LookupMerger(db, lookupMerge);
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
    'INSERT INTO checkpoints (log_id, size, note, published_at, cose_root) VALUES (?, ?, ?, ?, ?)',
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

  // The compare-and-swap of Storage.sequence: check the tail and the keys, then write all.
  const sequence = db.transaction((req: SequenceRequest): CommitAnswer => {
    const { logId, first, time, ends, receipt } = req;
    const state = sizes.get(logId);
    if (!state) throw new Error(`unknown log id ${logId}`);
    if (state.sequenced_size !== first || state.last_time > time) {
      return { status: 'retry', tail: { size: state.sequenced_size, timeMs: state.last_time } };
    }
    const outcomes = req.groups.map((g) => {
      const row = g.idempotency && findIdempotency.get(g.idempotency.tenant, g.idempotency.key);
      return row ? toOutcome(row) : undefined;
    });
    if (outcomes.some((o) => o !== undefined)) return { status: 'duplicates', outcomes };
    const data = bytes(req.data);
    const count = req.groups.reduce((n, g) => n + g.count, 0);
    insertEntries(count, (e, args, at) => {
      args[at] = logId;
      args[at + 1] = first + e;
      args[at + 2] = data.subarray(e === 0 ? 0 : ends[e - 1]!, ends[e]!);
    });
    let next = first;
    for (const group of req.groups) {
      const keys = group.lookupKeys;
      if (keys) {
        const start = next;
        insertLookups(keys.length, (i, args, at) => {
          args[at] = logId;
          args[at + 1] = keys[i];
          args[at + 2] = start + i;
        });
      }
      const idem = group.idempotency;
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
      next += group.count;
    }
    insertBatch.run(logId, first, time, receipt ?? null);
    setSequenced.run(next, time, logId);
    return { status: 'committed' };
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
      merger.integrated(logId, fromSize, toSize);
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
        next.coseRoot === undefined ? null : bytes(next.coseRoot),
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
