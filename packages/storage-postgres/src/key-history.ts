/**
 * The key history of a log (migration 6; Storage.keyHistory, Storage.retireKey). The
 * handover takes the log's row FOR UPDATE, like sequencing, so no commit of any node can
 * slip between its check of the sequenced size and the new registered key.
 */
import type pg from 'pg';
import type { Tx } from './connection.js';
import type { RetireKeyAnswer, RetireKeyRequest, StoredKeyHandover } from '@proofline/storage';

interface HandoverRow {
  end_idx: string | number;
  retired_key: string;
  note: string;
}

export async function readKeyHistory(
  query: (sql: string, values: unknown[]) => Promise<pg.QueryResult<HandoverRow>>,
  schema: string,
  logId: number,
): Promise<StoredKeyHandover[]> {
  const { rows } = await query(
    `SELECT end_idx, retired_key, note FROM ${schema}.key_history WHERE log_id = $1 ORDER BY end_idx`,
    [logId],
  );
  return rows.map((r) => ({ end: Number(r.end_idx), retiredKey: r.retired_key, note: r.note }));
}

/** The body of retireKey's transaction: commit only when it answers `retired`. */
export async function retireKeyIn(
  tx: Tx,
  schema: string,
  logId: number,
  request: RetireKeyRequest,
): Promise<RetireKeyAnswer> {
  const { client } = tx;
  const { rows } = await client.query<{
    verifier_key: string;
    sequenced_size: string | number;
    lease_held: boolean;
    xid: string;
  }>(
    `SELECT verifier_key, sequenced_size, txid_current()::text AS xid, ` +
      `(lease_owner = $2 AND lease_expires > floor(extract(epoch FROM clock_timestamp()) * 1000)) AS lease_held ` +
      `FROM ${schema}.logs WHERE id = $1 FOR UPDATE`,
    [logId, request.leaseOwner],
  );
  const row = rows[0]!;
  tx.xid = row.xid;
  const sequencedSize = Number(row.sequenced_size);
  const leaseHeld = row.lease_held === true;
  if (row.verifier_key !== request.retiredKey || sequencedSize !== request.end || !leaseHeld) {
    return { status: 'stale', verifierKey: row.verifier_key, sequencedSize, leaseHeld };
  }
  await client.query(
    `INSERT INTO ${schema}.key_history (log_id, end_idx, retired_key, note) VALUES ($1, $2, $3, $4)`,
    [logId, request.end, request.retiredKey, request.note],
  );
  await client.query(`UPDATE ${schema}.logs SET verifier_key = $2 WHERE id = $1`, [
    logId,
    request.successorKey,
  ]);
  return { status: 'retired' };
}
