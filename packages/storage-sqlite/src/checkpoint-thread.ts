/**
 * The SQLite checkpoint thread (checkpointer.ts): its own connection copies the WAL's
 * committed frames into the database file (`PRAGMA wal_checkpoint(PASSIVE)`, which never
 * waits for or blocks a writer) every `intervalMs`, so that no commit pays for it: the
 * connections that commit run with `wal_autocheckpoint = 0`. Durability does not depend on
 * it (a commit is durable once its WAL frames are synced); a crash mid-checkpoint is
 * recovered by SQLite on the next open. A failed round is retried on the next one.
 *
 * Messages in: `{ close: true }` (closes the connection and ends the thread).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path);
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // The database is busy or closing: the next round tries again.
  }
}, intervalMs);

parentPort!.on('message', (msg: { close?: true }) => {
  if (!msg.close) return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
