import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  type SignerKey,
} from '@proofline/note';

/**
 * Log signing keys live in `<data>/keys/<log>.key` as a C2SP/sumdb-style signer key
 * (`PRIVATE+KEY+<name>+<id>+<base64>`), mode 0600 in a 0700 directory. A key file that
 * other users can read is refused: the key would no longer prove anything.
 *
 * Creation is atomic and race-free across processes: the key is written to a temporary
 * file, fsynced, then hard-linked into place, which fails if another process won the race
 * (its key is then used).
 */
export function keyPath(dataDir: string, log: string): string {
  return join(dataDir, 'keys', `${log}.key`);
}

export function loadOrCreateKey(dataDir: string, log: string, origin: string): SignerKey {
  const path = keyPath(dataDir, log);
  mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  try {
    return loadKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${generateSignerKey(origin)}\n`);
    chmodSync(tmp, 0o600); // the umask may have narrowed the mode further; never widen it
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return loadKey(path);
}

export function loadKey(path: string): SignerKey {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(
      `refusing to use ${path}: it is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${path}`,
    );
  }
  return parseSignerKey(readFileSync(path, 'utf8').trim());
}

export function verifierKeyOf(key: SignerKey): string {
  return formatVerifierKey(key.name, key.publicKey);
}
