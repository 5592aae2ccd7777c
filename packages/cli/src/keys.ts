import { existsSync, mkdirSync } from 'node:fs';
import { checkPrivateDirectory, createPrivateFileOnce, readPrivateFile } from '@proofline/files';
import { join } from 'node:path';
import {
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  type SignerKey,
} from '@proofline/note';

/**
 * Log signing keys live in `<keys>/<log>.key` (`<data>/keys` with SQLite) as a C2SP/sumdb-style signer key
 * (`PRIVATE+KEY+<name>+<id>+<base64>`), mode 0600 in a 0700 directory. A key file that
 * other users can read, or a key folder open to them (they could swap the key), is refused:
 * the key would no longer prove anything.
 *
 * Creation is atomic and race-free across processes (`createPrivateFileOnce`): if another
 * process won the race, its key is used.
 */
export function keyPath(keyDir: string, log: string): string {
  return join(keyDir, `${log}.key`);
}

/**
 * This node's checkpoint guard of a log (see @proofline/sequencer CheckpointGuard) in `dir`:
 * `--state DIR`, or by default beside the key, so it is per node exactly as the key
 * directory is, and outside the database.
 */
export function guardPath(dir: string, log: string): string {
  return join(dir, `${log}.checkpoint`);
}

function envName(log: string): string {
  return `PROOFLINE_LOG_KEY_${log.toUpperCase().replace(/-/g, '_')}`;
}

/** The log's signer key from PROOFLINE_LOG_KEY_<NAME>, if set. */
export function keyFromEnvironment(log: string): SignerKey | undefined {
  const value = process.env[envName(log)];
  return value === undefined ? undefined : parseSignerKey(value.trim());
}

export function keySource(keyDir: string, log: string): string {
  return process.env[envName(log)] === undefined ? keyPath(keyDir, log) : `$${envName(log)}`;
}

/** The key in `<keyDir>/<log>.key`, made now if missing (`created`: by this call). */
export function loadOrCreateKey(
  keyDir: string,
  log: string,
  origin: string,
): { key: SignerKey; created: boolean } {
  const path = keyPath(keyDir, log);
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  checkPrivateDirectory(keyDir, 'the key folder');
  try {
    return { key: loadKey(path), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const created = createPrivateFileOnce(path, `${generateSignerKey(origin)}\n`);
  return { key: loadKey(path), created };
}

/** The key of an existing log: a missing file is an error, never a reason to make a new key. */
export function loadExistingKey(keyDir: string, log: string): SignerKey {
  const path = keyPath(keyDir, log);
  try {
    checkPrivateDirectory(keyDir, 'the key folder');
    return loadKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(
      `log ${log} exists but its signing key is missing: put it in ${path} or set ${envName(log)}`,
    );
  }
}

/** Where a log's successor key waits during a rotation (`proofline rotate-key`). */
export function successorKeyPath(keyDir: string, log: string): string {
  return join(keyDir, `${log}.next.key`);
}

/** The log's successor key file, if a rotation is under way; refused like a key file. */
export function loadSuccessorKey(keyDir: string, log: string): SignerKey | undefined {
  const path = successorKeyPath(keyDir, log);
  if (!existsSync(path)) return undefined;
  checkPrivateDirectory(keyDir, 'the key folder');
  return loadKey(path);
}

/**
 * Creates the successor key of a log whose key is `origin`'s (atomically; refused if one
 * exists: a rotation under way is finished or abandoned first). Returns its verifier key.
 */
export function createSuccessorKey(keyDir: string, log: string, origin: string): string {
  const path = successorKeyPath(keyDir, log);
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  checkPrivateDirectory(keyDir, 'the key folder');
  if (existsSync(path)) {
    throw new Error(`log ${log} already has a successor key ${path}: a rotation is under way`);
  }
  createPrivateFileOnce(path, `${generateSignerKey(origin)}\n`);
  return verifierKeyOf(loadKey(path));
}

export function loadKey(path: string): SignerKey {
  return parseSignerKey(readPrivateFile(path).trim());
}

export function verifierKeyOf(key: SignerKey): string {
  return formatVerifierKey(key.name, key.publicKey);
}
