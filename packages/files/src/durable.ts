import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs the directory `dir`, so that names created or renamed in it survive a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to `path` (mode 0600) so that after a crash at any moment the file holds
 * either its old content or the new one, never a mix: the text goes to a temporary file in
 * the same directory (created O_EXCL, 0600), which is fsynced, then renamed over `path` (or,
 * with `once`, hard-linked to `path`, which fails if `path` exists, so that of racing
 * processes exactly one wins), and the directory is fsynced so that the new name survives a
 * crash. Returns false (writing nothing) only with `once` when `path` already exists. A crash
 * may leave a `*.tmp` file behind; it is never read.
 */
export function writeFileDurably(path: string, text: string, once = false): boolean {
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  let written = true;
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
      chmodSync(tmp, 0o600); // the umask may have narrowed the mode further; never widen it
    } finally {
      closeSync(fd);
    }
    if (once) {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        written = false;
      }
    } else {
      renameSync(tmp, path);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDirectory(dirname(path));
  return written;
}

/**
 * writeFileDurably(path, text) (replace, never `once`) with every system call off the event
 * loop: the same files, fsyncs and order (temporary file written and fsynced, renamed over
 * `path`, directory fsynced), so the same outcome after a crash at any moment. Resolves once
 * the directory's fsync returned, which is when the new content is durable.
 */
export async function replaceFileDurably(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    try {
      await file.writeFile(text);
      await file.sync();
      await chmod(tmp, 0o600); // the umask may have narrowed the mode further; never widen it
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }); // after a rename there is no temporary file to remove
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Creates `path` (mode 0600) holding `text`, durably and at most once across processes (a
 * key file): writeFileDurably with `once`. Returns false, leaving the existing file as it
 * is, when `path` already existed (another process may have won the race).
 */
export function createPrivateFileOnce(path: string, text: string): boolean {
  return writeFileDurably(path, text, true);
}
