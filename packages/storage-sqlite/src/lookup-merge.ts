import type Database from 'better-sqlite3';
import { StorageError } from '@proofline/storage';

/**
 * Lookup rows in two tables (schema migration 11). A commit inserts its rows into
 * `lookup_recent`, a small table; integration moves them into `lookup` in key order, many at
 * a time.
 *
 * Why: lookup keys are random, so in one table every row of a commit lands on its own page of
 * a large B-tree, and each touched page is a 4 KiB WAL frame written, synced and checkpointed
 * back (a 1000-row commit into a 200k-row log: ~700 pages, ~3 KB of WAL per record). In the
 * small table the same rows share a few dozen pages; moved thousands at a time, in key order,
 * many of them share each page of `lookup` they touch.
 *
 * Invariants: a row is in exactly one of the two tables (a move inserts and deletes in one
 * transaction); readers query both in one statement (one snapshot). Everything this class
 * remembers is a hint for when to move rows: rows move correctly in any order and at any
 * time, so a wrong hint (another process's commits, a transaction rolled back) only moves
 * them earlier or later. Crash: a move is part of the `integrate` transaction; killed before
 * COMMIT, both tables are as they were.
 */
export interface LookupMergeOptions {
  /** Rows in `lookup_recent` (estimated) that start moving them (default 4,096). */
  readonly mergeRows?: number;
  /**
   * The log size per step of a move: a move of a log of n entries is spread over
   * ceil(n / stepRows) integrations, each taking one range of keys, so that one step writes
   * the pages of at most ~stepRows rows of `lookup` (default 32,768: ~220 pages, ~1 MB of
   * WAL, a step of ≤ ~10 ms that the commits queued behind it wait for), however large the
   * log.
   */
  readonly stepRows?: number;
}

/**
 * `options` with its defaults; throws StorageError INVALID_ARGUMENT unless each given value
 * is a positive integer (0 or NaN would never move a row, or move at every integration).
 */
export function lookupMergeSettings(
  options: LookupMergeOptions = {},
): Required<LookupMergeOptions> {
  const settings = { mergeRows: 4_096, stepRows: 32_768, ...options };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new StorageError('INVALID_ARGUMENT', `lookupMerge.${name} must be a positive integer`);
    }
  }
  return settings;
}

/** Lookup keys are below 2^48 (the storage contract). */
const KEY_SPACE = 2 ** 48;

interface LogState {
  /** Rows in `lookup_recent` for the log, as far as this connection knows. */
  recent: number;
  /** The range of keys each step of the move in progress takes (0: no move in progress). */
  width: number;
  /** Where the move in progress takes its next range. */
  next: number;
}

export class LookupMerger {
  private readonly count;
  private readonly move;
  private readonly drop;
  private readonly logs = new Map<number, LogState>();
  private readonly mergeRows: number;
  private readonly stepRows: number;

  constructor(db: Database.Database, options: LookupMergeOptions = {}) {
    ({ mergeRows: this.mergeRows, stepRows: this.stepRows } = lookupMergeSettings(options));
    this.count = db
      .prepare<[number], number>('SELECT count(*) FROM lookup_recent WHERE log_id = ?')
      .pluck();
    this.move = db.prepare(
      'INSERT OR IGNORE INTO lookup (log_id, key, idx) SELECT log_id, key, idx FROM ' +
        'lookup_recent WHERE log_id = ? AND key >= ? AND key < ? ORDER BY key, idx',
    );
    this.drop = db.prepare('DELETE FROM lookup_recent WHERE log_id = ? AND key >= ? AND key < ?');
  }

  /**
   * Inside the transaction that integrated [fromSize, toSize): counts the new entries as
   * recent rows (at most one each) and, when enough have gathered or a move is in progress,
   * moves the next range of keys.
   */
  integrated(logId: number, fromSize: number, toSize: number): void {
    let s = this.logs.get(logId);
    if (!s) this.logs.set(logId, (s = { recent: this.count.get(logId)!, width: 0, next: 0 }));
    else s.recent += toSize - fromSize;
    if (s.width === 0) {
      if (s.recent < this.mergeRows) return;
      s.width = Math.ceil(KEY_SPACE / Math.max(1, Math.ceil(toSize / this.stepRows)));
      s.next = 0;
    }
    const end = Math.min(KEY_SPACE, s.next + s.width);
    this.move.run(logId, s.next, end);
    s.recent -= this.drop.run(logId, s.next, end).changes;
    if (end === KEY_SPACE) s.width = 0;
    else s.next = end;
  }
}
