/**
 * Stable error codes of @proofline/files. Callers branch on `code`, never on `message`.
 *
 * - `NOT_PRIVATE`: a private file or folder has permissions for group or others; the message
 *   names the `chmod` that fixes it.
 * - `NOT_A_FILE`: what should be a private file is not a regular file (a folder, a FIFO...).
 *
 * File system errors (ENOENT, EACCES, ...) are thrown unchanged, with their own `code`.
 */
export type FilesErrorCode = 'NOT_PRIVATE' | 'NOT_A_FILE';

/** The error this package throws for a file it refuses. */
export class FilesError extends Error {
  readonly code: FilesErrorCode;
  /** The refused path. */
  readonly path: string;

  constructor(code: FilesErrorCode, path: string, message: string) {
    super(message);
    this.name = 'FilesError';
    this.code = code;
    this.path = path;
  }
}
