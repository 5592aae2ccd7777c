import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointGuard, GuardError } from '@proofline/sequencer';
import {
  backupDatabase,
  restoreDatabase,
  SqliteStorage,
  type DatabaseSummary,
} from '@proofline/storage-sqlite';
import { DATABASE_FILE } from '../deployment.js';
import { guardPath, keyFromEnvironment, loadExistingKey, verifierKeyOf } from '../keys.js';
import { retiredKeyPath } from '../retire.js';

export interface BackupOptions {
  /** The SQLite data folder (its proofline.db is copied; keys/ is not). */
  readonly data: string;
  /** The backup file to create; it must not exist. */
  readonly out: string;
}

/**
 * A consistent copy of a SQLite deployment's database while it serves (see
 * @proofline/storage-sqlite backupDatabase). The signing keys and checkpoint guards are not in
 * it: they are kept apart (docs/operations.md). Writes only `out`.
 */
export function backup(options: BackupOptions): void {
  const summary = backupDatabase(join(options.data, DATABASE_FILE), options.out);
  console.log(`backup ${options.out}: a checked copy of ${join(options.data, DATABASE_FILE)}`);
  printSummary(summary);
  console.log(
    `  not in it: the signing keys and checkpoint guards of ${join(options.data, 'keys')} (keep them apart)`,
  );
}

export interface RestoreOptions {
  /** The SQLite data folder to restore into: its keys/ must hold every log's key. */
  readonly data: string;
  /** The backup file (from `proofline backup`). */
  readonly from: string;
  /** This node's guard folder, if not the key folder (`--state-dir`). */
  readonly state?: string;
  /** Restore even a backup older than what this node's log keys already signed. */
  readonly force: boolean;
}

/**
 * Restores a backup as the data folder's database, refusing (nothing written) when the folder
 * already has one, when a log's key is missing or is not the log's registered key, and, unless
 * forced, when the backup is older than, or forks from, the last checkpoint this node signed
 * (its checkpoint guard): restoring it would make the log sign a fork of what it published.
 * Logs without a guard file get one made from the backup's latest checkpoint.
 */
export async function restore(options: RestoreOptions): Promise<void> {
  const keyDir = join(options.data, 'keys');
  const guardDir = options.state ?? keyDir;
  mkdirSync(options.data, { recursive: true, mode: 0o700 });
  const forced: string[] = [];
  const created: string[] = [];
  const summary = await restoreDatabase(
    options.from,
    join(options.data, DATABASE_FILE),
    async (copy, found) => {
      const guards = found.logs.map((log) => {
        const key = keyFromEnvironment(log.name) ?? loadExistingKey(keyDir, log.name);
        if (verifierKeyOf(key) !== log.verifierKey) {
          const retired = existsSync(retiredKeyPath(keyDir, log.name, log.verifierKey));
          throw new Error(
            retired
              ? `the backup registers key ${log.verifierKey} of log ${log.name}, which this deployment retired since (${retiredKeyPath(keyDir, log.name, log.verifierKey)}): this backup predates the key switch; restore a backup taken after it`
              : `the key of log ${log.name} in ${keyDir} is not the key the backup registers (${log.verifierKey}): this backup is of another deployment`,
          );
        }
        return new CheckpointGuard({
          path: guardPath(guardDir, log.name),
          log: log.name,
          verifierKey: log.verifierKey,
        });
      });
      const storage = new SqliteStorage(copy);
      try {
        for (const guard of guards) {
          try {
            await guard.reconcile(storage);
          } catch (err) {
            if (err instanceof GuardError && err.code === 'STATE_MISSING') {
              await guard.reset(storage);
              created.push(guard.path);
            } else if (options.force && err instanceof GuardError) {
              forced.push(`log ${guard.log}: ${err.message}`);
            } else {
              throw new Error(
                `refusing to restore: log ${guard.log}: ${(err as Error).message}` +
                  (err instanceof GuardError ? ' (--force restores it anyway)' : ''),
                { cause: err },
              );
            }
          }
        }
      } finally {
        await storage.close();
      }
    },
  );
  console.log(`restored ${options.from} as ${join(options.data, DATABASE_FILE)}`);
  printSummary(summary);
  for (const path of created) {
    console.log(`  checkpoint guard ${path} made from the backup's latest checkpoint`);
  }
  for (const line of forced) {
    console.log(`  FORCED ${line}`);
    console.log(
      '  serve refuses this log until `proofline reset-guard`; going on from this backup makes the ' +
        'log sign a fork of what it published, which witnesses and monitors will report',
    );
  }
}

function printSummary(summary: DatabaseSummary): void {
  console.log(`  schema version ${summary.schemaVersion}, ${summary.logs.length} log(s)`);
  for (const log of summary.logs) {
    console.log(
      `  log ${log.name}: ${log.sequencedSize} entries, latest checkpoint size ${log.checkpointSize}`,
    );
  }
}
