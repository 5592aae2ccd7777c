/**
 * The key history of a log (migration 6; Storage.keyHistory, Storage.retireKey) on the
 * calling thread's connection: a rare administrative write, like the log registry.
 */
import type Database from 'better-sqlite3';
import type { RetireKeyAnswer, RetireKeyRequest, StoredKeyHandover } from '@proofline/storage';
import { checkRetireKey } from '@proofline/storage/checks';

interface HandoverRow {
  end_idx: number;
  retired_key: string;
  note: string;
}

export function readKeyHistory(db: Database.Database, logId: number): StoredKeyHandover[] {
  return db
    .prepare<[number], HandoverRow>(
      'SELECT end_idx, retired_key, note FROM key_history WHERE log_id = ? ORDER BY end_idx',
    )
    .all(logId)
    .map((r) => ({ end: r.end_idx, retiredKey: r.retired_key, note: r.note }));
}

/** One IMMEDIATE transaction: the checks of Storage.retireKey, then both writes or neither. */
export function retireKey(
  db: Database.Database,
  logId: number,
  request: RetireKeyRequest,
  nowMs: number,
): RetireKeyAnswer {
  checkRetireKey(request);
  return db
    .transaction((): RetireKeyAnswer => {
      const row = db
        .prepare<
          [number],
          {
            verifier_key: string;
            sequenced_size: number;
            lease_owner: string | null;
            lease_expires: number;
          }
        >('SELECT verifier_key, sequenced_size, lease_owner, lease_expires FROM logs WHERE id = ?')
        .get(logId)!;
      const leaseHeld = row.lease_owner === request.leaseOwner && row.lease_expires > nowMs;
      if (
        row.verifier_key !== request.retiredKey ||
        row.sequenced_size !== request.end ||
        !leaseHeld
      ) {
        return {
          status: 'stale',
          verifierKey: row.verifier_key,
          sequencedSize: row.sequenced_size,
          leaseHeld,
        };
      }
      db.prepare(
        'INSERT INTO key_history (log_id, end_idx, retired_key, note) VALUES (?, ?, ?, ?)',
      ).run(logId, request.end, request.retiredKey, request.note);
      db.prepare('UPDATE logs SET verifier_key = ? WHERE id = ?').run(request.successorKey, logId);
      return { status: 'retired' };
    })
    .immediate();
}
