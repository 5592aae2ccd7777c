import { readFileSync, statSync } from 'node:fs';
import { FilesError } from './errors.js';

/**
 * Reads a private file (a signing key, a node's state), refusing one that group or others
 * may access in any way (mode & 0o077): a key other users can read no longer proves anything.
 * Throws FilesError NOT_PRIVATE (naming `chmod 600`), or the file system's error (ENOENT...).
 */
export function readPrivateFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new FilesError(
      'NOT_PRIVATE',
      path,
      `refusing to use ${path}: it is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${path}`,
    );
  }
  return readFileSync(path, 'utf8');
}

/**
 * Refuses a folder of private files that group or others may access in any way (they could
 * swap a key in it). `what` names it in the message (default "the folder"). Throws FilesError
 * NOT_PRIVATE (naming `chmod 700`), or the file system's error (ENOENT...).
 */
export function checkPrivateDirectory(dir: string, what = 'the folder'): void {
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) {
    throw new FilesError(
      'NOT_PRIVATE',
      dir,
      `refusing to use ${what} ${dir}: it is open to other users (mode ${mode.toString(8)}); run chmod 700 ${dir}`,
    );
  }
}
