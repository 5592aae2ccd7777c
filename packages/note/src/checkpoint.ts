import { base64Decode, base64Encode } from './base64.js';
import { NoteError } from './errors.js';
import { MAX_NOTE_SIZE, type Note } from './note.js';
import { openNote, type OpenedNote } from './open.js';
import { exceedsUtf8Size, isNoteSafe } from './text.js';
import type { Verifier } from './verifier.js';

/** The body of a checkpoint (c2sp.org/tlog-checkpoint §Note text). */
export interface Checkpoint {
  /** Log identity; non-empty, no control characters. */
  readonly origin: string;
  /** Number of leaves, a safe integer >= 0. */
  readonly size: number;
  /** RFC 6962 Merkle tree root hash at `size`, 32 bytes. */
  readonly rootHash: Uint8Array;
  /** Opaque, non-empty extension lines. */
  readonly extensions: readonly string[];
}

/** Decimal with no leading zero (except "0"), at most 16 digits (Number.MAX_SAFE_INTEGER). */
const SIZE_LINE = /^(0|[1-9][0-9]{0,15})$/;

function malformed(message: string): NoteError {
  return new NoteError('MALFORMED_CHECKPOINT', message);
}

function isLine(line: string): boolean {
  return typeof line === 'string' && line !== '' && !line.includes('\n') && isNoteSafe(line);
}

/**
 * Encodes a checkpoint body: "<origin>\n<size>\n<base64 root>\n" then each extension line and
 * "\n" (c2sp.org/tlog-checkpoint §Note text). Throws NoteError INVALID_ARGUMENT.
 */
export function formatCheckpoint(c: Checkpoint): string {
  if (!isLine(c.origin)) throw new NoteError('INVALID_ARGUMENT', 'invalid origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0) {
    throw new NoteError('INVALID_ARGUMENT', 'size must be a safe integer >= 0');
  }
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== 32) {
    throw new NoteError('INVALID_ARGUMENT', 'root hash must be 32 bytes');
  }
  if (!c.extensions.every(isLine)) {
    throw new NoteError('INVALID_ARGUMENT', 'extension lines must be non-empty single lines');
  }
  const text = `${c.origin}\n${c.size}\n${base64Encode(c.rootHash)}\n${c.extensions
    .map((line) => `${line}\n`)
    .join('')}`;
  if (exceedsUtf8Size(text, MAX_NOTE_SIZE)) {
    throw new NoteError('INVALID_ARGUMENT', 'checkpoint exceeds MAX_NOTE_SIZE');
  }
  return text;
}

/**
 * Parses a checkpoint body (c2sp.org/tlog-checkpoint §Note text), strictly: at most
 * MAX_NOTE_SIZE bytes, no control characters but newline, ending in newline, at least three
 * lines; a non-empty origin; a decimal size without leading zeros that is a safe integer; a
 * root hash in canonical base64 of exactly 32 bytes; non-empty extension lines.
 * Throws NoteError MALFORMED_CHECKPOINT.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw malformed('checkpoint must be a string');
  if (exceedsUtf8Size(text, MAX_NOTE_SIZE)) throw malformed('checkpoint exceeds MAX_NOTE_SIZE');
  if (!isNoteSafe(text)) throw malformed('control character or lone surrogate in checkpoint');
  if (!text.endsWith('\n')) throw malformed('checkpoint does not end in newline');
  const [origin, sizeLine, rootLine, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    throw malformed('checkpoint has fewer than three lines');
  }
  if (origin === '') throw malformed('empty origin');
  if (!SIZE_LINE.test(sizeLine)) throw malformed('size is not a canonical decimal');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('size exceeds Number.MAX_SAFE_INTEGER');
  if (rootLine.length !== 44) throw malformed('root hash is not 44 base64 characters');
  const rootHash = base64Decode(rootLine, 'MALFORMED_CHECKPOINT');
  if (rootHash.length !== 32) throw malformed('root hash is not 32 bytes');
  if (extensions.includes('')) throw malformed('empty extension line');
  return Object.freeze({ origin, size, rootHash, extensions: Object.freeze(extensions) });
}

/**
 * Opens a signed checkpoint: openNote with the log's verifier only, so it requires a valid
 * signature by the log's own key, whose name must equal `origin` (c2sp.org/tlog-checkpoint
 * §Signatures; otherwise INVALID_ARGUMENT); then parses the text and requires its origin line
 * to equal `origin` (else MALFORMED_CHECKPOINT). Other signatures (witness cosignatures, ...)
 * are returned unverified. `note` may be a Note that parseNote returned (see openNote).
 * Throws NoteError.
 */
export async function openCheckpoint(
  note: string | Uint8Array | Note,
  origin: string,
  logVerifier: Verifier,
): Promise<{ checkpoint: Checkpoint; note: OpenedNote }> {
  if (logVerifier.name !== origin) {
    throw new NoteError('INVALID_ARGUMENT', "the log verifier's key name must equal the origin");
  }
  const opened = await openNote(note, [logVerifier]);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) {
    throw malformed(`checkpoint origin ${JSON.stringify(checkpoint.origin)} is not ${origin}`);
  }
  return { checkpoint, note: opened };
}
