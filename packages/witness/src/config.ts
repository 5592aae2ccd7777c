/**
 * Running a witness from a data directory and a configuration file.
 *
 * The configuration is JSON:
 *
 *     {
 *       "name": "witness.example.com/w1",
 *       "logs": [
 *         { "origin": "ledger.example.com/logs/default", "key": "<log verifier key>" },
 *         { "origin": "other.example/log", "keys": ["<vkey>", "<vkey>"] }
 *       ]
 *     }
 *
 * `name` is the witness's key name (its cosignature lines start "— <name> "). Each log is its
 * checkpoint origin and the Ed25519 (0x01) verifier key(s) it signs with; `origin` defaults
 * to the key name (c2sp.org/tlog-checkpoint: the log's key name SHOULD be its origin).
 *
 * The data directory (created 0700) holds `witness.key`, the signing key, created 0600 on
 * first start as "PRIVATE+KEY+<name>+<key id>+<base64(0x04 || seed)>" and refused if other
 * users can read it, and `witness.db`, the state (see WitnessStore).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createPrivateFileOnce, readPrivateFile } from '@proofline/files';
import {
  SIG_TYPE_COSIGNATURE,
  formatVerifierKey,
  isValidKeyName,
  parseVerifierKey,
  type Verifier,
} from '@proofline/note';
import { buildWitnessApp } from './app.js';
import {
  cosigner,
  generateCosignerKey,
  parseCosignerKey,
  type CosignerKey,
} from './cosignature.js';
import { WitnessError } from './errors.js';
import { WitnessStore } from './store.js';
import { Witness, type WitnessEvent, type WitnessedLog } from './witness.js';

export interface WitnessConfig {
  /** The witness's key name. */
  readonly name: string;
  readonly logs: readonly WitnessedLog[];
}

const MAX_CONFIG_SIZE = 1024 * 1024;
const MAX_LOGS = 10_000;
const MAX_KEYS_PER_LOG = 16;

function invalid(message: string, cause?: unknown): WitnessError {
  return new WitnessError('INVALID_CONFIG', `witness config: ${message}`, { cause });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyMembers(value: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`unknown member ${JSON.stringify(key)} in ${where}`);
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Parses and checks a witness configuration (see the module comment). Throws WitnessError. */
export function parseWitnessConfig(text: string): WitnessConfig {
  if (text.length > MAX_CONFIG_SIZE) throw invalid(`larger than ${MAX_CONFIG_SIZE} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid('not valid JSON', cause);
  }
  if (!isObject(value)) throw invalid('must be a JSON object');
  onlyMembers(value, ['name', 'logs'], 'the configuration');
  const { name, logs } = value;
  if (typeof name !== 'string' || !isValidKeyName(name)) {
    throw invalid('"name" must be a key name (no spaces, no "+"), e.g. witness.example.com/w1');
  }
  if (!Array.isArray(logs) || logs.length > MAX_LOGS) {
    throw invalid(`"logs" must be an array of at most ${MAX_LOGS} logs`);
  }
  const origins = new Set<string>();
  const parsed = logs.map((log, i): WitnessedLog => {
    const where = `logs[${i}]`;
    if (!isObject(log)) throw invalid(`${where} must be an object`);
    onlyMembers(log, ['origin', 'key', 'keys'], where);
    if ((log.key === undefined) === (log.keys === undefined)) {
      throw invalid(`${where} needs either "key" or "keys"`);
    }
    const keys = log.keys ?? [log.key];
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS_PER_LOG) {
      throw invalid(`${where}.keys must be an array of 1 to ${MAX_KEYS_PER_LOG} keys`);
    }
    const verifiers: Verifier[] = keys.map((key, k) => {
      try {
        return parseVerifierKey(key as string);
      } catch (cause) {
        throw invalid(`${where} key ${k + 1}: ${(cause as Error).message}`, cause);
      }
    });
    const origin = log.origin ?? verifiers[0]!.name;
    if (typeof origin !== 'string' || origin === '' || hasControlCharacter(origin)) {
      throw invalid(`${where}.origin must be a non-empty line`);
    }
    if (origins.has(origin)) throw invalid(`origin ${origin} is configured twice`);
    origins.add(origin);
    return Object.freeze({ origin, verifiers: Object.freeze(verifiers) });
  });
  return Object.freeze({ name, logs: Object.freeze(parsed) });
}

/** Reads and parses a configuration file. Throws WitnessError or a file system error. */
export function readWitnessConfig(path: string): WitnessConfig {
  return parseWitnessConfig(readFileSync(path, 'utf8'));
}

/** The key file in a witness data directory. */
export function witnessKeyPath(dataDir: string): string {
  return join(dataDir, 'witness.key');
}

/** Loads a key file, refusing one that other users can read. */
export function loadWitnessKey(path: string): CosignerKey {
  return parseCosignerKey(readPrivateFile(path).trim());
}

/**
 * Loads the witness key of `dataDir`, creating it for `name` on first use: written to a
 * temporary file (0600), fsynced, then hard-linked into place, which fails if another
 * process won the race (its key is then used). The key's name must be `name` when given.
 */
export function loadOrCreateWitnessKey(dataDir: string, name?: string): CosignerKey {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = witnessKeyPath(dataDir);
  let key: CosignerKey | undefined;
  try {
    key = loadWitnessKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (key === undefined) {
    if (name === undefined) throw new Error(`no witness key in ${dataDir}: give the config`);
    createPrivateFileOnce(path, `${generateCosignerKey(name)}\n`);
    key = loadWitnessKey(path);
  }
  if (name !== undefined && key.name !== name) {
    throw new Error(`the witness key in ${path} is for ${key.name}, not ${name}`);
  }
  return key;
}

/** The verifier key (0x04 vkey) of a witness key. */
export function witnessVerifierKey(key: CosignerKey): string {
  return formatVerifierKey(key.name, key.publicKey, SIG_TYPE_COSIGNATURE);
}

export interface RunWitnessOptions {
  readonly dataDir: string;
  readonly config: WitnessConfig;
  readonly port: number;
  readonly host?: string;
  /** Submission prefix path (default ""). */
  readonly prefix?: string;
  readonly onEvent?: (event: WitnessEvent) => void;
}

export interface RunningWitness {
  readonly address: string;
  readonly verifierKey: string;
  readonly app: FastifyInstance;
  readonly witness: Witness;
  readonly store: WitnessStore;
  /** Stops accepting requests, lets in-flight ones finish, closes the store. */
  close(): Promise<void>;
}

/** Opens the key and the state in `dataDir` and serves the witness on host:port. */
export async function runWitness(options: RunWitnessOptions): Promise<RunningWitness> {
  const key = loadOrCreateWitnessKey(options.dataDir, options.config.name);
  const store = new WitnessStore(join(options.dataDir, 'witness.db'));
  try {
    const witness = new Witness({
      store,
      cosigner: cosigner(key),
      logs: options.config.logs,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const app = await buildWitnessApp(witness, { prefix: options.prefix ?? '' });
    const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
    return {
      address,
      verifierKey: witnessVerifierKey(key),
      app,
      witness,
      store,
      close: async () => {
        await app.close();
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
