import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  LOG_NAME_PATTERN,
  TENANT_NAME_PATTERN,
  type LogConfig,
  type Storage,
} from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { CheckpointGuard, ReceiptSealer, workerEd25519Signer } from '@proofline/sequencer';
import type { Signer } from '@proofline/note';
import {
  guardPath,
  keyFromEnvironment,
  keySource,
  loadExistingKey,
  loadOrCreateKey,
  verifierKeyOf,
} from './keys.js';

import { DEFAULT_TENANT } from './defaults.js';

export { DEFAULT_LOG, DEFAULT_TENANT } from './defaults.js';

export interface LogHandle {
  readonly config: LogConfig;
  readonly signer: Signer;
  /** This node's checkpoint guard for the log (`<keys>/<log>.checkpoint`). */
  readonly guard: CheckpointGuard;
  /** Seals the creation receipt of each commit (one per log per process: pass it to one Sequencer). */
  readonly sealer: ReceiptSealer;
}

/** Where a deployment lives: a SQLite data directory, or a PostgreSQL database plus a key directory. */
export interface Target {
  /** SQLite: the data directory (database and keys inside). */
  readonly data?: string;
  /** PostgreSQL connection string shared by every node. */
  readonly db?: string;
  /** With `db`: the directory of log signing keys shared by the nodes. */
  readonly keys?: string;
  /** With `db`: the PostgreSQL schema holding Proofline's tables (default `proofline`). */
  readonly schema?: string;
  /**
   * This node's own writable, persistent directory for its checkpoint guards (one file per
   * log, `<log>.checkpoint`); default: the key directory. Give it when keys are mounted
   * read-only. Never on the database's volume or in its backups.
   */
  readonly state?: string;
}

export interface Deployment {
  readonly storage: Storage;
  /** Opens (creating on first use, owned by `tenant`) a log and its signing key. */
  log(name: string, origin?: string, tenant?: string): Promise<LogHandle>;
  close(): Promise<void>;
}

/** Default origin of a new log: `<host>/logs/<name>`, a schema-less URL as tlog-tiles asks. */
export function defaultOrigin(name: string, originBase = hostname()): string {
  return `${originBase.replace(/\/+$/, '')}/logs/${name}`;
}

/**
 * Opens a deployment: SQLite in `data` (created 0700 if missing; keys in `data/keys`), or
 * PostgreSQL at `db` with keys in `keys`. A log's key may instead come from the environment
 * variable PROOFLINE_LOG_KEY_<NAME> (upper case, `-` as `_`), e.g. from a secret store.
 */
export async function openDeployment(target: Target): Promise<Deployment> {
  let storage: Storage;
  let keyDir: string;
  if (target.db !== undefined) {
    if (target.keys === undefined)
      throw new Error('--db needs --keys DIR (the log keys the nodes share)');
    // Loaded only when used: the SQLite default does not pay for the PostgreSQL driver.
    const { PostgresStorage } = await import('@proofline/storage-postgres');
    storage = await PostgresStorage.open({
      connectionString: target.db,
      ...(target.schema ? { schema: target.schema } : {}),
    });
    keyDir = target.keys;
  } else if (target.data !== undefined) {
    mkdirSync(target.data, { recursive: true, mode: 0o700 });
    storage = new SqliteStorage(join(target.data, 'proofline.db'));
    keyDir = join(target.data, 'keys');
  } else {
    throw new Error('give --data DIR (SQLite) or --db URL (PostgreSQL)');
  }
  return {
    storage,
    async log(name, origin, tenant = DEFAULT_TENANT) {
      if (!LOG_NAME_PATTERN.test(name)) {
        throw new Error(`invalid log name ${JSON.stringify(name)}: use a-z, 0-9 and -`);
      }
      const existing = await storage.getLog(name);
      const key =
        keyFromEnvironment(name) ??
        (existing
          ? loadExistingKey(keyDir, name) // never mint a key for a log that already has one
          : loadOrCreateKey(keyDir, name, origin ?? defaultOrigin(name)));
      if (!TENANT_NAME_PATTERN.test(tenant)) {
        throw new Error(`invalid tenant name ${JSON.stringify(tenant)}: use a-z, 0-9 and -`);
      }
      const guard = new CheckpointGuard({
        path: guardPath(target.state ?? keyDir, name),
        log: name,
        verifierKey: verifierKeyOf(key),
      });
      // A new log starts with an empty guard, made before the log exists in the database: an
      // existing log whose guard is missing is then a lost file, refused until it is reset.
      if (!existing) guard.create();
      const config = await storage.ensureLog({
        name,
        tenant,
        origin: key.name,
        verifierKey: verifierKeyOf(key),
        createdAt: Date.now(),
      });
      if (config.verifierKey !== verifierKeyOf(key)) {
        throw new Error(
          `the key of log ${name} (from ${keySource(keyDir, name)}) is not its registered key ${config.verifierKey}`,
        );
      }
      return {
        config,
        signer: workerEd25519Signer(key.name, key.seed),
        guard,
        sealer: new ReceiptSealer(key.name, key.seed),
      };
    },
    close: () => storage.close(),
  };
}
