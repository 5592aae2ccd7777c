import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { FilesError } from './errors.js';

/**
 * Reads a private file (a signing key, a node's state) as UTF-8, refusing one that group or
 * others may access in any way (mode & 0o077: a key other users can read no longer proves
 * anything) and anything but a regular file. The checks are made on the opened file (fstat),
 * so a swap between check and read cannot slip a different file in. Throws FilesError
 * NOT_PRIVATE (naming `chmod 600`) or NOT_A_FILE, or the file system's error (ENOENT...).
 */
export function readPrivateFile(path: string): string {
  // O_NONBLOCK: opening a FIFO put in the file's place must not hang (it is then refused).
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new FilesError('NOT_A_FILE', path, `refusing to use ${path}: it is not a regular file`);
    }
    const mode = stat.mode & 0o777;
    if (mode & 0o077) {
      throw new FilesError(
        'NOT_PRIVATE',
        path,
        `refusing to use ${path}: it is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${path}`,
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
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
