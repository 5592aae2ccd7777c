import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  LOG_NAME_PATTERN,
  TENANT_NAME_PATTERN,
  type AccessStore,
  type LogConfig,
  type LogVisibility,
  type Storage,
} from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { CheckpointGuard, ReceiptSealer, type RetiredKey } from '@proofline/sequencer';
import { openNote, parseVerifierKey, type Signer } from '@proofline/note';
import {
  guardPath,
  keyFromEnvironment,
  keyPath,
  keySource,
  loadExistingKey,
  createSuccessorKey,
  loadOrCreateKey,
  loadSuccessorKey,
  successorKeyPath,
  verifierKeyOf,
} from './keys.js';
import { fileLogKey, openTokenKey, tokenLogKey, type LogKey, type TokenKey } from './log-key.js';
import { signersFromEnvironment } from './log-signers.js';
import { finishInterruptedMoves, retireKey, type Retirement } from './retire.js';

import { DEFAULT_LOG, DEFAULT_TENANT } from './defaults.js';
import { targetArgs } from './guard.js';
import { CodedError } from '@proofline/tlog';
import { keyForIndex, receiptFormat, verifyKeyHistory, type KeyHistory } from '@proofline/records';

export { DEFAULT_LOG, DEFAULT_TENANT } from './defaults.js';

export interface LogHandle {
  readonly config: LogConfig;
  readonly signer: Signer;
  /**
   * What signs checkpoints: `signer`, then during a key rotation the successor key
   * (`<keys>/<log>.next.key`, or `--log-signer LOG.next=pkcs11:…`). See docs/keys.md.
   */
  readonly checkpointSigners: readonly Signer[];
  /** This node's checkpoint guard for the log (`<keys>/<log>.checkpoint`). */
  readonly guard: CheckpointGuard;
  /**
   * The log's key history, verified (verifyKeyHistory) to end at the registered key, which
   * the key opened here was checked to be: the retired keys and the entries each sealed.
   */
  readonly keyHistory: KeyHistory;
  /** The retired keys with their ranges, for the Publisher's commit check. */
  readonly retiredKeys: readonly RetiredKey[];
  /** During a rotation: the successor key (see checkpointSigners). */
  readonly successor?: LogKey;
  /** Seals the creation receipt of each commit (one per log per process: pass it to one Sequencer). */
  readonly sealer: ReceiptSealer;
  /** Set when this call created the log's signing key: the key file's path. */
  readonly createdKey?: string;
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
  /**
   * Logs whose key is in a PKCS#11 token or an external program: log name → pkcs11: URI or
   * exec: command (`--log-signer`). Others
   * (and those not named here) may be set by PROOFLINE_LOG_SIGNER_<NAME>; the rest use key
   * files. A flag wins over the variable for the same log.
   */
  readonly signers?: ReadonlyMap<string, string>;
}

export interface Deployment {
  readonly storage: Storage;
  /** Tenants, API keys and issuer keys: the same driver object as `storage`. */
  readonly access: AccessStore;
  /**
   * Opens (creating on first use, owned by `tenant`, with its witness and TSA `policy` and its
   * `visibility`, default public) a log and its signing key: only for `create-log` (private
   * unless told) and `serve`'s first start (`default`, public: the quickstart's log).
   */
  log(
    name: string,
    origin?: string,
    tenant?: string,
    policy?: string,
    visibility?: LogVisibility,
  ): Promise<LogHandle>;
  /** Opens an existing log and its key; writes nothing. A missing log is a DeploymentError. */
  openLog(name: string): Promise<LogHandle>;
  /**
   * Starts a key rotation of an existing log with a key file: creates its successor key
   * file `<keys>/<log>.next.key` (refused if one exists, or if the log's key is in a token)
   * and returns the successor's verifier key. See docs/keys.md.
   */
  createSuccessor(name: string): Promise<string>;
  /**
   * Finishes a key rotation: the successor becomes the registered key and the key history
   * records the handover (see retire.ts); refused, changing nothing, without a successor,
   * without a checkpoint of both keys over every entry, or while a node runs.
   */
  retireKey(name: string): Promise<Retirement>;
  close(): Promise<void>;
}

/**
 * What is missing when a command that must not create it finds it absent (`NO_DATA`,
 * `NO_LOG`, `NO_TENANT_LOG`, `VISIBILITY`), or `EXTERNAL_KEY`: the log's key is held by a
 * PKCS#11 token or an external program, which must make its successor (rotate-key).
 */
export type DeploymentErrorCode =
  'NO_DATA' | 'NO_LOG' | 'NO_TENANT_LOG' | 'VISIBILITY' | 'EXTERNAL_KEY';

export class DeploymentError extends CodedError<DeploymentErrorCode> {
  constructor(code: DeploymentErrorCode, message: string) {
    super(code, message);
    this.name = 'DeploymentError';
  }
}

/** How to make a log in `target`, for error messages. */
export function createLogHint(target: Target, log = 'NAME', tenant?: string): string {
  const owner = tenant === undefined || tenant === DEFAULT_TENANT ? '' : ` --tenant ${tenant}`;
  return `proofline create-log ${targetArgs(target)} --log ${log}${owner}`;
}

/**
 * Throws NO_DATA unless `data` is a folder holding proofline.db: what a command that must
 * not create a deployment checks before opening anything.
 */
function checkDataExists(target: Target & { data: string }): void {
  const db = join(target.data, DATABASE_FILE);
  let what: string | undefined;
  try {
    if (!statSync(target.data).isDirectory()) what = `${target.data} is not a folder`;
    else statSync(db);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    what ??= statSync(target.data, { throwIfNoEntry: false })
      ? `${target.data} holds no Proofline database (${DATABASE_FILE})`
      : `no data folder ${target.data}`;
  }
  if (what !== undefined) {
    throw new DeploymentError(
      'NO_DATA',
      `${what}; nothing was created. To start a deployment there: ${createLogHint(target)}, ` +
        `or proofline serve --data ${target.data} (which creates the log ${DEFAULT_LOG})`,
    );
  }
}

/** The SQLite database's file name in the data folder. */
export const DATABASE_FILE = 'proofline.db';

/** Default origin of a new log: `<host>/logs/<name>`, a schema-less URL as tlog-tiles asks. */
export function defaultOrigin(name: string, originBase = hostname()): string {
  return `${originBase.replace(/\/+$/, '')}/logs/${name}`;
}

/**
 * Opens a deployment: SQLite in `data` (keys in `data/keys`), or PostgreSQL at `db` with keys
 * in `keys`. A log's key may instead come from the environment variable
 * PROOFLINE_LOG_KEY_<NAME> (upper case, `-` as `_`), e.g. from a secret store, or be held by a
 * PKCS#11 token (`target.signers`, PROOFLINE_LOG_SIGNER_<NAME>): every token key is opened
 * first, so a wrong PIN, an absent token or a missing key label fails before anything is
 * created or written. Keys are closed with the deployment.
 *
 * With `existing` (every command but `create-log` and `serve`), a missing SQLite data folder
 * or database, or a PostgreSQL schema without Proofline's tables, is a DeploymentError
 * NO_DATA and nothing is created. Otherwise the folder is created 0700 and the database file
 * 0600 (SQLite gives its -wal and -shm files the database's mode), or the schema is created.
 * An existing PostgreSQL schema is brought up to date either way.
 */
export async function openDeployment(
  target: Target,
  { existing: mustExist = false }: { existing?: boolean } = {},
): Promise<Deployment> {
  const tokenKeys = await openTokenKeys(target);
  try {
    return await openWithKeys(target, mustExist, tokenKeys);
  } catch (err) {
    for (const k of tokenKeys.values()) k.key.close();
    throw err;
  }
}

/** Opens the token or program key of every log with a signer (flags over environment), or none. */
async function openTokenKeys(target: Target): Promise<Map<string, TokenKey>> {
  const uris = new Map([...signersFromEnvironment(), ...(target.signers ?? [])]);
  const keys = new Map<string, TokenKey>();
  try {
    for (const [log, uri] of uris) keys.set(log, await openTokenKey(uri));
  } catch (err) {
    for (const k of keys.values()) k.key.close();
    throw err;
  }
  return keys;
}

async function openWithKeys(
  target: Target,
  mustExist: boolean,
  tokenKeys: ReadonlyMap<string, TokenKey>,
): Promise<Deployment> {
  let storage: Storage & AccessStore;
  let keyDir: string;
  if (target.db !== undefined) {
    if (target.keys === undefined)
      throw new Error('--db needs --keys DIR (the log keys the nodes share)');
    // Loaded only when used: the SQLite default does not pay for the PostgreSQL driver.
    const { PostgresStorage } = await import('@proofline/storage-postgres');
    const options = {
      connectionString: target.db,
      ...(target.schema ? { schema: target.schema } : {}),
    };
    if (mustExist) {
      // Read before migrating, which would create a missing (e.g. mistyped) schema.
      const probe = new PostgresStorage(options);
      try {
        await probe.listLogs();
      } catch (err) {
        // 42P01 undefined_table, 3F000 invalid_schema_name: no Proofline tables there.
        const code = (err as { code?: string }).code;
        if (code !== '42P01' && code !== '3F000') throw err;
        throw new DeploymentError(
          'NO_DATA',
          `the database has no Proofline schema ${target.schema ?? 'proofline'}; nothing was ` +
            `created. To start a deployment there: ${createLogHint(target)}`,
        );
      } finally {
        await probe.close();
      }
    }
    storage = await PostgresStorage.open(options);
    keyDir = target.keys;
  } else if (target.data !== undefined) {
    const data = target.data;
    const path = join(data, DATABASE_FILE);
    if (mustExist) checkDataExists({ ...target, data });
    else {
      mkdirSync(data, { recursive: true, mode: 0o700 });
      try {
        closeSync(openSync(path, 'wx', 0o600)); // an empty file is an empty SQLite database
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    storage = new SqliteStorage(path);
    keyDir = join(target.data, 'keys');
  } else {
    throw new Error('give --data DIR (SQLite) or --db URL (PostgreSQL)');
  }
  const guardOf = (name: string, key: LogKey, history?: KeyHistory): CheckpointGuard =>
    new CheckpointGuard({
      path: guardPath(target.state ?? keyDir, name),
      log: name,
      verifierKey: key.verifierKey,
      retiredKeys: (history?.retired ?? []).map((h) => ({ verifierKey: h.retired, end: h.end })),
    });
  /**
   * The log's stored key history, verified to end at its registered key (checked against
   * the key by the caller); a row an insider edited, moved or deleted is refused.
   */
  const historyOf = async (config: LogConfig): Promise<KeyHistory> => {
    const rows = await storage.keyHistory(config.name);
    let history: KeyHistory;
    try {
      history = await verifyKeyHistory(
        rows.map((r) => r.note),
        config.verifierKey,
      );
    } catch (err) {
      throw new Error(
        `the key history of log ${config.name} in the database does not verify (altered?): ${(err as Error).message}`,
        { cause: err },
      );
    }
    await checkFirstReceipt(storage, config.name, history);
    rows.forEach((row, i) => {
      const h = history.retired[i]!;
      if (row.end !== h.end || row.retiredKey !== h.retired) {
        throw new Error(
          `the key history of log ${config.name} in the database was altered: row ${i} says ${row.retiredKey} until ${row.end}, its signed handover ${h.retired} until ${h.end}`,
        );
      }
    });
    return history;
  };
  const checkKey = (config: LogConfig, key: LogKey) => {
    if (config.verifierKey !== key.verifierKey) {
      const next = tokenKeys.has(config.name) ? undefined : loadSuccessorKey(keyDir, config.name);
      const interrupted = next !== undefined && verifierKeyOf(next) === config.verifierKey;
      throw new Error(
        `the key of log ${config.name} (from ${key.source}) is not its registered key ${config.verifierKey}` +
          (interrupted
            ? `: the successor key is; a retire-key was interrupted: run proofline retire-key ${targetArgs(target)} --log ${config.name} again to finish it`
            : ''),
      );
    }
  };
  /**
   * The log's key: its token's (named by the log's origin), else its file or variable; with
   * the path of the key file when this call created it.
   */
  const keyOf = (
    name: string,
    existing?: LogConfig,
    origin?: string,
  ): { key: LogKey; createdKey?: string } => {
    const token = tokenKeys.get(name);
    if (token)
      return { key: tokenLogKey(token, existing?.origin ?? origin ?? defaultOrigin(name)) };
    const source = keySource(keyDir, name);
    const fromEnv = keyFromEnvironment(name);
    if (fromEnv) return { key: fileLogKey(fromEnv, source) };
    // Never mint a key for a log that already has one.
    if (existing) return { key: fileLogKey(loadExistingKey(keyDir, name), source) };
    const made = loadOrCreateKey(keyDir, name, origin ?? defaultOrigin(name));
    return {
      key: fileLogKey(made.key, source),
      ...(made.created ? { createdKey: keyPath(keyDir, name) } : {}),
    };
  };
  /** The successor key during a rotation, as note key `origin`, if there is one. */
  const successorOf = (name: string, origin: string): LogKey | undefined => {
    const token = tokenKeys.get(`${name}.next`);
    if (token) return tokenLogKey(token, origin);
    const fileKey = loadSuccessorKey(keyDir, name);
    if (fileKey === undefined) return undefined;
    if (fileKey.name !== origin) {
      throw new Error(
        `the successor key ${successorKeyPath(keyDir, name)} is for ${fileKey.name}, not the origin ${origin} of log ${name}`,
      );
    }
    return fileLogKey(fileKey, successorKeyPath(keyDir, name));
  };
  const handle = async (
    config: LogConfig,
    key: LogKey,
    createdKey?: string,
  ): Promise<LogHandle> => {
    const keyHistory = await historyOf(config);
    const successor = successorOf(config.name, config.origin);
    if (successor?.verifierKey === key.verifierKey) {
      throw new Error(`the successor key of log ${config.name} is its current key`);
    }
    return {
      config,
      signer: key.signer,
      checkpointSigners: successor ? [key.signer, successor.signer] : [key.signer],
      guard: guardOf(config.name, key, keyHistory),
      keyHistory,
      retiredKeys: keyHistory.retired.map((h) => ({
        verifierKey: h.retired,
        start: h.start,
        end: h.end,
      })),
      ...(successor ? { successor } : {}),
      sealer: new ReceiptSealer(key.name, key.receiptSigner, receiptFormat),
      ...(createdKey === undefined ? {} : { createdKey }),
    };
  };
  const deployment: Deployment = {
    storage,
    access: storage,
    async openLog(name) {
      const config = await storage.getLog(name);
      if (!config) {
        const logs = (await storage.listLogs()).map((l) => l.name);
        throw new DeploymentError(
          'NO_LOG',
          `no log ${JSON.stringify(name)} (${logs.length ? `logs: ${logs.join(', ')}` : 'no logs yet'}); ` +
            `nothing was created. To create it: ${createLogHint(target, LOG_NAME_PATTERN.test(name) ? name : 'NAME')}`,
        );
      }
      const { key } = keyOf(name, config);
      checkKey(config, key);
      return handle(config, key);
    },
    async createSuccessor(name) {
      const { config } = await deployment.openLog(name);
      const external = tokenKeys.get(name) ?? tokenKeys.get(`${name}.next`);
      if (external) {
        throw new DeploymentError(
          'EXTERNAL_KEY',
          external.uri.startsWith('exec:')
            ? `the key of log ${name} is held by an external program (exec:): have it (or its KMS) make the successor key and give that as --log-signer ${name}.next=exec:…`
            : `the key of log ${name} is in a PKCS#11 token: generate the successor on the token and give it as --log-signer ${name}.next=pkcs11:…`,
        );
      }
      return createSuccessorKey(keyDir, name, config.origin);
    },
    async retireKey(name) {
      const fileKeys =
        !tokenKeys.has(name) &&
        !tokenKeys.has(`${name}.next`) &&
        keyFromEnvironment(name) === undefined;
      const config = await storage.getLog(name);
      if (config && fileKeys) {
        const finished = finishInterruptedMoves(keyDir, name, config.verifierKey);
        if (finished) return finished;
      }
      const handle = await deployment.openLog(name);
      return retireKey(storage, handle, fileKeys ? keyDir : undefined);
    },
    async log(name, origin, tenant = DEFAULT_TENANT, policy, visibility = 'public') {
      if (!LOG_NAME_PATTERN.test(name)) {
        throw new Error(`invalid log name ${JSON.stringify(name)}: use a-z, 0-9 and -`);
      }
      const existing = await storage.getLog(name);
      const { key, createdKey } = keyOf(name, existing, origin);
      if (!TENANT_NAME_PATTERN.test(tenant)) {
        throw new Error(`invalid tenant name ${JSON.stringify(tenant)}: use a-z, 0-9 and -`);
      }
      const guard = guardOf(name, key);
      // A new log starts with an empty guard, made before the log exists in the database: an
      // existing log whose guard is missing is then a lost file, refused until it is reset.
      if (!existing) guard.create();
      const config = await storage.ensureLog(
        {
          name,
          tenant,
          origin: key.name,
          verifierKey: key.verifierKey,
          createdAt: Date.now(),
          visibility,
        },
        policy,
      );
      checkKey(config, key);
      return handle(config, key, createdKey);
    },
    close: async () => {
      try {
        await storage.close();
      } finally {
        for (const k of tokenKeys.values()) k.key.close();
      }
    },
  };
  return deployment;
}

/**
 * The receipt of entry 0, if stored, must be sealed by the first key of `history`: a history
 * whose rows an insider deleted all of (the registered key then seems to have sealed
 * everything) is refused here, as is one that leaves out the first handovers.
 */
async function checkFirstReceipt(storage: Storage, log: string, history: KeyHistory) {
  if ((await storage.sequencedSize(log)) === 0) return;
  const { receipt } = await storage.commitRange(log, 0);
  if (receipt === undefined) return;
  try {
    await openNote(receipt, [parseVerifierKey(keyForIndex(history, 0))]);
  } catch (err) {
    throw new Error(
      `the key history of log ${log} in the database is incomplete (altered?): the receipt of entry 0 is not sealed by its first key ${keyForIndex(history, 0)}`,
      { cause: err },
    );
  }
}
