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
import { nodeEd25519Signer } from '@proofline/sequencer';
import type { Signer } from '@proofline/note';
import { loadOrCreateKey, verifierKeyOf } from './keys.js';

export const DEFAULT_LOG = 'default';
export const DEFAULT_TENANT = 'default';

export interface LogHandle {
  readonly config: LogConfig;
  readonly signer: Signer;
}

export interface Deployment {
  readonly storage: Storage;
  readonly dataDir: string;
  /** Opens (creating on first use, owned by `tenant`) a log and its signing key. */
  log(name: string, origin?: string, tenant?: string): Promise<LogHandle>;
  close(): Promise<void>;
}

/** Default origin of a new log: `<host>/logs/<name>`, a schema-less URL as tlog-tiles asks. */
export function defaultOrigin(name: string, originBase = hostname()): string {
  return `${originBase.replace(/\/+$/, '')}/logs/${name}`;
}

/** Opens the SQLite deployment in `dataDir` (created 0700 if missing). */
export async function openDeployment(dataDir: string): Promise<Deployment> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const storage = new SqliteStorage(join(dataDir, 'proofline.db'));
  return {
    storage,
    dataDir,
    async log(name, origin, tenant = DEFAULT_TENANT) {
      if (!LOG_NAME_PATTERN.test(name)) {
        throw new Error(`invalid log name ${JSON.stringify(name)}: use a-z, 0-9 and -`);
      }
      const existing = await storage.getLog(name);
      const key = loadOrCreateKey(dataDir, name, existing?.origin ?? origin ?? defaultOrigin(name));
      if (!TENANT_NAME_PATTERN.test(tenant)) {
        throw new Error(`invalid tenant name ${JSON.stringify(tenant)}: use a-z, 0-9 and -`);
      }
      const config = await storage.ensureLog({
        name,
        tenant,
        origin: key.name,
        verifierKey: verifierKeyOf(key),
        createdAt: Date.now(),
      });
      if (config.verifierKey !== verifierKeyOf(key)) {
        throw new Error(
          `the key in ${join(dataDir, 'keys', name + '.key')} is not the key of log ${name} (${config.verifierKey})`,
        );
      }
      return { config, signer: nodeEd25519Signer(key.name, key.seed) };
    },
    close: () => storage.close(),
  };
}
