import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_NOTE_SIZE, openCheckpoint, type Verifier } from '@proofline/note';
import { HASH_SIZE, emptyTreeHash, equalHashes } from '@proofline/tlog';
import { GuardError } from './guard-error.js';

/** The `format` line of a guard file; another value is refused, never guessed at. */
export const GUARD_FORMAT = 'proofline.dev/checkpoint-guard/v1';
/** A guard file is one JSON object holding at most one note (with cosignatures). */
const MAX_GUARD_FILE = 2 * MAX_NOTE_SIZE + 4096;
const KEYS = ['format', 'origin', 'size', 'rootHash', 'sequenced', 'note'];

/** The last checkpoint a node signed (or accepted) for a log, as its guard file keeps it. */
export interface GuardState {
  /** Tree size of the checkpoint; 0 without a note: nothing signed yet. */
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Entries the database had sequenced when the checkpoint was signed (≥ size). */
  readonly sequenced: number;
  /** The signed checkpoint, as evidence (verified with the log key on every read). */
  readonly note: string | undefined;
}

export interface GuardFile {
  readonly path: string;
  readonly log: string;
  readonly origin: string;
  readonly verifier: Verifier;
  /**
   * Keys the log retired, each with the size of the last tree it signed: a guard written
   * before the switch holds a checkpoint of one of them, accepted up to that size only.
   */
  readonly retired?: readonly { readonly verifier: Verifier; readonly end: number }[];
}

export const EMPTY_GUARD_STATE: GuardState = {
  size: 0,
  rootHash: emptyTreeHash(),
  sequenced: 0,
  note: undefined,
};

export function formatGuardState(origin: string, s: GuardState): string {
  const json = {
    format: GUARD_FORMAT,
    origin,
    size: s.size,
    rootHash: Buffer.from(s.rootHash).toString('hex'),
    sequenced: s.sequenced,
    note: s.note ?? null,
  };
  return `${JSON.stringify(json, null, 1)}\n`;
}

/**
 * Reads the guard file's text: refuses (STATE_UNREADABLE) a file that group or others may
 * access (a guard anyone can rewrite guards nothing), that is not a regular file or is
 * larger than any valid state; a missing file is STATE_MISSING.
 */
export function readGuardText(file: GuardFile): string {
  let fd: number;
  try {
    fd = openSync(file.path, 'r');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GuardError(
      missing ? 'STATE_MISSING' : 'STATE_UNREADABLE',
      missing
        ? `log ${file.log}: the checkpoint guard ${file.path} does not exist`
        : `log ${file.log}: cannot open the checkpoint guard ${file.path}`,
      { log: file.log, path: file.path, cause: err },
    );
  }
  try {
    const stat = fstatSync(fd);
    const mode = stat.mode & 0o777;
    const problem = !stat.isFile()
      ? 'it is not a regular file'
      : mode & 0o077
        ? `other users may access it (mode ${mode.toString(8)}; run chmod 600 ${file.path})`
        : stat.size > MAX_GUARD_FILE
          ? `it has ${stat.size} bytes, more than a guard state can have`
          : undefined;
    if (problem) {
      throw new GuardError(
        'STATE_UNREADABLE',
        `log ${file.log}: refusing the checkpoint guard ${file.path}: ${problem}`,
        { log: file.log, path: file.path },
      );
    }
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } catch (err) {
    if (err instanceof GuardError) throw err;
    throw new GuardError(
      'STATE_UNREADABLE',
      `log ${file.log}: cannot read the checkpoint guard ${file.path}`,
      { log: file.log, path: file.path, cause: err },
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses a guard file strictly: exactly the fields formatGuardState writes, the log's origin,
 * safe integers with sequenced ≥ size, a 32-byte root, and a checkpoint note signed by the
 * log key whose size and root are the file's (no note only for size 0: nothing signed yet).
 * Anything else is STATE_CORRUPT: the guard never guesses what a damaged file meant.
 */
export async function parseGuardState(file: GuardFile, text: string): Promise<GuardState> {
  const corrupt = (why: string, cause?: unknown) =>
    new GuardError(
      'STATE_CORRUPT',
      `log ${file.log}: the checkpoint guard ${file.path} is corrupt (${why}); restore it from ` +
        `this node's backup, or reset it deliberately (see reset-guard)`,
      { log: file.log, path: file.path, ...(cause === undefined ? {} : { cause }) },
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt('not JSON', err);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw corrupt('not a JSON object');
  }
  const o = json as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== KEYS.length || !KEYS.every((k) => keys.includes(k))) {
    throw corrupt(`fields ${keys.join(',')}, want ${KEYS.join(',')}`);
  }
  if (o.format !== GUARD_FORMAT) throw corrupt(`format ${JSON.stringify(o.format)}`);
  if (o.origin !== file.origin) throw corrupt(`origin ${JSON.stringify(o.origin)}`);
  const { size, sequenced, rootHash, note } = o;
  if (!Number.isSafeInteger(size) || (size as number) < 0) throw corrupt('bad size');
  if (!Number.isSafeInteger(sequenced) || (sequenced as number) < (size as number)) {
    throw corrupt('bad sequenced size');
  }
  if (typeof rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(rootHash)) {
    throw corrupt('bad root hash');
  }
  const root = Uint8Array.from(Buffer.from(rootHash, 'hex'));
  if (root.length !== HASH_SIZE) throw corrupt('bad root hash');
  const state: GuardState = {
    size: size as number,
    rootHash: root,
    sequenced: sequenced as number,
    note: undefined,
  };
  if (size === 0 && !equalHashes(root, emptyTreeHash())) throw corrupt('size 0, non-empty root');
  if (note === null && size === 0) return state; // nothing signed yet
  if (typeof note !== 'string') throw corrupt('no signed checkpoint');
  const checkpoint = await openGuarded(file, note, corrupt);
  if (checkpoint.size !== size || !equalHashes(checkpoint.rootHash, root)) {
    throw corrupt('its checkpoint does not match its size and root');
  }
  return { ...state, note };
}

/**
 * The guarded checkpoint, signed by the log key, or by a retired key for a tree no larger
 * than the last it signed (a guard last written before the key switch).
 */
async function openGuarded(
  file: GuardFile,
  note: string,
  corrupt: (why: string, cause?: unknown) => GuardError,
) {
  try {
    return (await openCheckpoint(note, file.origin, file.verifier)).checkpoint;
  } catch (err) {
    for (const { verifier, end } of file.retired ?? []) {
      let checkpoint;
      try {
        ({ checkpoint } = await openCheckpoint(note, file.origin, verifier));
      } catch {
        continue;
      }
      if (checkpoint.size <= end) return checkpoint;
      throw corrupt(
        `its checkpoint of size ${checkpoint.size} is signed by a key retired at ${end}`,
      );
    }
    throw corrupt('its checkpoint is not signed by the log key', err);
  }
}
