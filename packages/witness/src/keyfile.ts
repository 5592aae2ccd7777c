import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Private key files (log and witness keys), shared by every command that keeps one.
 * A key file that other users can read is refused: the key would no longer prove anything.
 */
export function readPrivateFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(
      `refusing to use ${path}: it is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${path}`,
    );
  }
  return readFileSync(path, 'utf8');
}

/**
 * Creates `path` (mode 0600) holding `text`, atomically and at most once across processes:
 * written to a temporary file and fsynced, hard-linked into place (which fails if another
 * process won the race: its file stays), then the directory is fsynced so the new name
 * survives a crash. Returns false if the file already existed.
 */
export function createPrivateFileOnce(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    chmodSync(tmp, 0o600); // the umask may have narrowed the mode further; never widen it
  } finally {
    closeSync(fd);
  }
  let created = true;
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    rmSync(tmp, { force: true });
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return created;
}
