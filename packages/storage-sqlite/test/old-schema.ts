import Database from 'better-sqlite3';
import { MIGRATIONS } from '../src/schema.js';

/** The schema version just before the first migration containing `marker` (-1: none does). */
export function versionBefore(marker: string): number {
  return MIGRATIONS.findIndex((m) => m.includes(marker));
}

/** Writes a database at `path` as an older version left it: schema `version`, then `rows` (SQL). */
export function writeOldDatabase(path: string, version: number, rows: string): void {
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.slice(0, version)) old.exec(m);
  old.pragma(`user_version = ${version}`);
  old.exec(rows);
  old.close();
}
