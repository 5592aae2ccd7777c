/**
 * The SQLite writer thread: owns one connection and runs the hot-path writes of its
 * SqliteStorage (writes.ts), so that each COMMIT — its WAL writes, its fsync and any wait
 * for another process's lock — happens beside the event loop instead of blocking it.
 *
 * Messages in: `{ id, op, args }`, or `{ close: true }`. Out: `{ id, result }` or
 * `{ id, error: { name, code, message } }`, sent only once the transaction has committed
 * (or rolled back). Messages run one at a time, in order. On close the connection is
 * closed and the thread ends.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { LookupMergeOptions } from './lookup-merge.js';
import { writeOperations, type WriteOperations } from './writes.js';

const { path, busyTimeoutMs, autocheckpoint, lookupMerge } = workerData as {
  path: string;
  busyTimeoutMs: number;
  /** False: a Checkpointer copies the WAL into the database, not these commits. */
  autocheckpoint: boolean;
  lookupMerge: LookupMergeOptions;
};
const db = new Database(path);
db.pragma('synchronous = FULL');
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
if (!autocheckpoint) db.pragma('wal_autocheckpoint = 0');
db.pragma('foreign_keys = ON');
const ops = writeOperations(db, lookupMerge);

type Call = { id: number; op: keyof WriteOperations; args: unknown[] };

parentPort!.on('message', (msg: Call | { close: true }) => {
  if ('close' in msg) {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    const result = (ops[msg.op] as (...args: unknown[]) => unknown)(...msg.args);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (err) {
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    parentPort!.postMessage({
      id: msg.id,
      error: { name: String(e?.name), code: e?.code, message: String(e?.message ?? err) },
    });
  }
});
