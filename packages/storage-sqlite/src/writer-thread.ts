/**
 * The SQLite writer thread: owns one connection and runs every sequencing transaction of
 * its SqliteStorage (see SequenceWriter), so that COMMIT — its WAL writes and fsync — runs
 * beside the event loop instead of blocking it.
 *
 * Messages in: `{ id, request }` (a SequenceRequest whose `data` buffer was transferred) or
 * `{ close: true }`. Out: `{ id, reply }` or `{ id, error: { message, code } }`, sent only
 * after the transaction committed (or rolled back). On close the connection is closed and
 * the thread ends.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { sequenceTransaction, type SequenceRequest } from './sequence-txn.js';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const db = new Database(path);
db.pragma('synchronous = FULL');
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
db.pragma('foreign_keys = ON');
const sequence = sequenceTransaction(db);

parentPort!.on('message', (msg: { id: number; request: SequenceRequest } | { close: true }) => {
  if ('close' in msg) {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: msg.id, reply: sequence(msg.request) });
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    parentPort!.postMessage({
      id: msg.id,
      error: {
        message: String(e?.message ?? err),
        code: typeof e?.code === 'string' ? e.code : undefined,
      },
    });
  }
});
