import type Database from 'better-sqlite3';
import { StorageError, type EntryErasure, type ErasedEntry } from '@proofline/storage';

/**
 * Entry erasure (Storage.eraseEntry, erasedEntries) on the calling thread's connection: a
 * rare administrative write, one IMMEDIATE transaction (durable when it returns: WAL +
 * synchronous=FULL). A crash before COMMIT leaves the entry as it was.
 */
export class SqliteErasures {
  private readonly integrated;
  private readonly insert;
  private readonly blank;
  private readonly unlook;
  private readonly list;

  constructor(private readonly db: Database.Database) {
    this.integrated = db
      .prepare<[number], number>('SELECT integrated_size FROM logs WHERE id = ?')
      .pluck();
    this.insert = db.prepare(
      'INSERT INTO erasures (log_id, idx, erased_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.blank = db.prepare("UPDATE entries SET data = X'' WHERE log_id = ? AND idx = ?");
    const unlook = (table: string) =>
      db.prepare(`DELETE FROM ${table} WHERE log_id = ? AND key = ? AND idx = ?`);
    this.unlook = [unlook('lookup'), unlook('lookup_recent')];
    this.list = db.prepare<[number, number, number], { idx: number; erased_at: number }>(
      'SELECT idx, erased_at FROM erasures WHERE log_id = ? AND idx >= ? AND idx < ? ORDER BY idx',
    );
  }

  erase(logId: number, log: string, index: number, erasure: EntryErasure): boolean {
    return this.db
      .transaction(() => {
        if (index >= this.integrated.get(logId)!) {
          throw new StorageError('OUT_OF_RANGE', `entry ${index} is not integrated`, {
            details: { log, index },
          });
        }
        if (this.insert.run(logId, index, erasure.timeMs).changes === 0) return false;
        this.blank.run(logId, index);
        const key = erasure.lookupKey;
        if (key !== undefined) for (const u of this.unlook) u.run(logId, key, index);
        return true;
      })
      .immediate();
  }

  erased(logId: number, start: number, end: number): ErasedEntry[] {
    return this.list.all(logId, start, end).map((r) => ({ index: r.idx, erasedAt: r.erased_at }));
  }
}
