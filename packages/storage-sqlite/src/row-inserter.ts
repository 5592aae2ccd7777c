import type Database from 'better-sqlite3';

/** Rows per statement of a multi-row INSERT. */
const ROWS = 50;

/**
 * Inserts rows of three values with one statement per ROWS rows (`head` is the INSERT up to
 * VALUES): one step into SQLite per 50 rows instead of per row, the same rows in the same
 * order, inside the caller's transaction. `fill(i, args, at)` writes row i's three values at
 * args[at..at + 2].
 */
export function rowInserter(db: Database.Database, head: string) {
  const values = (n: number) => Array<string>(n).fill('(?, ?, ?)').join(', ');
  const many = db.prepare(`${head} VALUES ${values(ROWS)}`);
  const one = db.prepare(`${head} VALUES ${values(1)}`);
  const args: unknown[] = new Array<unknown>(3 * ROWS);
  return (n: number, fill: (i: number, args: unknown[], at: number) => void): void => {
    let i = 0;
    for (; i + ROWS <= n; i += ROWS) {
      for (let j = 0; j < ROWS; j++) fill(i + j, args, 3 * j);
      many.run(args);
    }
    for (; i < n; i++) {
      fill(i, args, 0);
      one.run(args[0], args[1], args[2]);
    }
    args.fill(undefined); // keep no entry bytes past the call
  };
}
