import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StorageError } from '@proofline/storage';
import { MIGRATIONS } from './schema.js';

/** What a database file holds, per log: enough to judge a backup before restoring it. */
export interface DatabaseSummary {
  /** The schema version (`PRAGMA user_version`). */
  readonly schemaVersion: number;
  readonly logs: readonly {
    readonly name: string;
    readonly verifierKey: string;
    readonly sequencedSize: number;
    /** Tree size of the latest published checkpoint (0 when none). */
    readonly checkpointSize: number;
  }[];
}

/**
 * Writes a consistent copy of the database at `source` to `out` while other processes keep
 * writing to it: `VACUUM INTO` reads one snapshot in a read transaction, which in WAL mode
 * blocks no writer (the online backup API would restart on every concurrent commit).
 *
 * Crash behaviour: the copy is written to `<out>.partial` (0600), checked with
 * `PRAGMA integrity_check`, fsynced and only then renamed to `out`, with the directory fsynced:
 * `out` either does not exist or is a complete, checked backup. Refuses (StorageError
 * INVALID_ARGUMENT, nothing written) if `source` is not an existing Proofline database or
 * `out` exists. Returns the summary of the copy.
 */
export function backupDatabase(source: string, out: string): DatabaseSummary {
  if (exists(out)) throw invalid(`${out} exists: choose a new file for the backup`);
  const db = openExisting(source);
  const partial = `${out}.partial`;
  try {
    closeSync(openSync(partial, 'wx', 0o600)); // VACUUM INTO accepts an empty file
    db.prepare('VACUUM INTO ?').run(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  try {
    const summary = summarize(partial);
    fsyncFile(partial);
    renameSync(partial, out);
    fsyncFile(dirname(out));
    return summary;
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

/**
 * Checks that `path` is a sound Proofline database this code can read (integrity check,
 * schema version, tables) without writing to it, and summarises its logs.
 */
export function summarize(path: string): DatabaseSummary {
  const db = openExisting(path);
  try {
    return summarizeOpen(db, path);
  } catch (cause) {
    if (cause instanceof StorageError) throw cause;
    throw invalid(`${path} is not a Proofline database: ${(cause as Error).message}`);
  } finally {
    db.close();
  }
}

function summarizeOpen(db: Database.Database, path: string): DatabaseSummary {
  const check = db.pragma('integrity_check', { simple: true });
  if (check !== 'ok') throw corrupt(`${path} fails the integrity check: ${String(check)}`);
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  if (schemaVersion < 1 || schemaVersion > MIGRATIONS.length) {
    throw invalid(
      `${path} has schema version ${schemaVersion}; this Proofline reads 1 to ${MIGRATIONS.length}`,
    );
  }
  const logs = db
    .prepare<[], { name: string; verifier_key: string; sequenced_size: number; size: number }>(
      `SELECT l.name, l.verifier_key, l.sequenced_size,
                COALESCE((SELECT MAX(c.size) FROM checkpoints c WHERE c.log_id = l.id), 0) AS size
           FROM logs l ORDER BY l.name`,
    )
    .all()
    .map((r) => ({
      name: r.name,
      verifierKey: r.verifier_key,
      sequencedSize: r.sequenced_size,
      checkpointSize: r.size,
    }));
  return { schemaVersion, logs };
}

/**
 * Restores the backup `backup` as the database `target` (which must not exist, nor its
 * -wal/-shm). The copy is made at `<target>.restoring` (0600) and fsynced; `check` is then
 * given that path to accept it (e.g. open it and compare with what the log key already
 * signed) and only then is it renamed to `target`, with the directory fsynced. A refusal or
 * a crash leaves no `target`: at most a `.restoring` file, which the next restore replaces.
 * Returns the backup's summary.
 */
export async function restoreDatabase(
  backup: string,
  target: string,
  check: (copy: string, summary: DatabaseSummary) => Promise<void>,
): Promise<DatabaseSummary> {
  for (const path of [target, `${target}-wal`, `${target}-shm`]) {
    if (exists(path)) throw invalid(`${path} exists: move it aside before restoring`);
  }
  const summary = summarize(backup);
  const copy = `${target}.restoring`;
  const removeCopy = () => {
    for (const path of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(path, { force: true });
  };
  removeCopy();
  const db = openExisting(backup);
  try {
    closeSync(openSync(copy, 'wx', 0o600));
    db.prepare('VACUUM INTO ?').run(copy);
    fsyncFile(copy);
    await check(copy, summary);
    if (exists(`${copy}-wal`)) throw invalid(`${copy} was left with a write-ahead log`);
    rmSync(`${copy}-shm`, { force: true });
    renameSync(copy, target);
    fsyncFile(dirname(target));
  } catch (err) {
    removeCopy();
    throw err;
  } finally {
    db.close();
  }
  return summary;
}

function openExisting(path: string): Database.Database {
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw invalid(`cannot open ${path} as a database: ${(cause as Error).message}`);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const invalid = (message: string) => new StorageError('INVALID_ARGUMENT', message);
const corrupt = (message: string) => new StorageError('CORRUPT', message);
