import { base64Decode, base64Encode } from './base64.js';
import { NoteError } from './errors.js';
import { isUint32, isValidKeyName, readUint32 } from './key-id.js';
import { exceedsUtf8Size, isNoteSafe, utf8Decode } from './text.js';

/**
 * Bound on a signed note's size: 64 KiB of UTF-8, checked before any decoding. A checkpoint
 * with 100 Ed25519 signatures from keys with 200-character names is about 31 KiB; the bound
 * also leaves room for a handful of post-quantum signatures (c2sp.org/signed-note §Format
 * asks verifiers to bound notes and to accept at least 16 signatures).
 */
export const MAX_NOTE_SIZE = 64 * 1024;
/** Bound on the number of signature lines in a note (as golang.org/x/mod/sumdb/note). */
export const MAX_SIGNATURES = 100;

/** One signature line: "— <name> base64(key id || signature)". */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The bytes after the 4-byte key id. */
  readonly signature: Uint8Array;
}

/** A note's text (ending in newline) and its signatures, verified or not. */
export interface Note {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** The notes parseNote returned (frozen), each with the string it parsed (null: bytes). */
const parsedNotes = new WeakMap<Note, string | null>();

/**
 * Whether `value` is a note that parseNote returned, for the string `source` when that is
 * given (so parseNote(source) would return an equal note; a string cannot change).
 */
export function isParsedNote(value: unknown, source?: string): value is Note {
  if (typeof value !== 'object' || value === null) return false;
  const parsedFrom = parsedNotes.get(value as Note);
  return parsedFrom !== undefined && (source === undefined || parsedFrom === source);
}

/** Em dash (U+2014) and space: the start of every signature line. */
const SIGNATURE_PREFIX = '\u2014 ';

function malformed(message: string): NoteError {
  return new NoteError('MALFORMED_NOTE', message);
}

/** Bounds, then decodes, a note given as a string or as UTF-8 bytes. */
function decodeNote(note: string | Uint8Array): string {
  if (typeof note === 'string') {
    if (exceedsUtf8Size(note, MAX_NOTE_SIZE)) throw malformed('note exceeds MAX_NOTE_SIZE');
    return note;
  }
  if (note instanceof Uint8Array) {
    if (note.length > MAX_NOTE_SIZE) throw malformed('note exceeds MAX_NOTE_SIZE');
    const text = utf8Decode(note);
    if (text === undefined) throw malformed('note is not valid UTF-8');
    return text;
  }
  throw malformed('note must be a string or a Uint8Array');
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line must start with "— "');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('signature line is not "— <name> <signature>"');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed('invalid key name in signature line');
  const bytes = base64Decode(rest.slice(space + 1), 'MALFORMED_NOTE');
  if (bytes.length < 5) throw malformed('signature shorter than key id + 1 byte');
  return Object.freeze({ name, keyId: readUint32(bytes, 0), signature: bytes.slice(4) });
}

/**
 * Parses a signed note (c2sp.org/signed-note §Format), strictly and within bounds:
 * at most MAX_NOTE_SIZE bytes; valid UTF-8; no ASCII control character but newline (so no
 * CR); the text ends in newline and is separated from the signatures by the last blank line;
 * 1 to MAX_SIGNATURES lines "— <key name> <base64 of at least 5 bytes>\n"; nothing after.
 * Signatures are not checked (see openNote). Throws NoteError MALFORMED_NOTE.
 */
export function parseNote(note: string | Uint8Array): Note {
  const text = decodeNote(note);
  if (!isNoteSafe(text)) throw malformed('note contains a control character or a lone surrogate');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const block = text.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('signatures missing or not ending in newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const parsed = Object.freeze({
    text: text.slice(0, split + 1),
    signatures: Object.freeze(lines.map(parseSignatureLine)),
  });
  parsedNotes.set(parsed, typeof note === 'string' ? note : null); // bytes are not kept
  return parsed;
}

/** Throws NoteError INVALID_ARGUMENT unless `text` is a valid note text within bounds. */
export function checkNoteText(text: string): void {
  if (
    typeof text !== 'string' ||
    !text.endsWith('\n') ||
    !isNoteSafe(text) ||
    exceedsUtf8Size(text, MAX_NOTE_SIZE)
  ) {
    throw new NoteError(
      'INVALID_ARGUMENT',
      'note text must end in newline, be well-formed, have no control characters but newline, and fit MAX_NOTE_SIZE',
    );
  }
}

function formatSignatureLine(sig: NoteSignature): string {
  if (
    !isValidKeyName(sig.name) ||
    !isUint32(sig.keyId) ||
    !(sig.signature instanceof Uint8Array) ||
    sig.signature.length === 0
  ) {
    throw new NoteError('INVALID_ARGUMENT', 'invalid signature (name, key id or empty bytes)');
  }
  const bytes = new Uint8Array(4 + sig.signature.length);
  new DataView(bytes.buffer).setUint32(0, sig.keyId, false);
  bytes.set(sig.signature, 4);
  return `${SIGNATURE_PREFIX}${sig.name} ${base64Encode(bytes)}\n`;
}

/**
 * Encodes a note: text, blank line, signature lines in order. The result always parses back
 * to an equal note. Throws NoteError INVALID_ARGUMENT.
 */
export function formatNote(note: Note): string {
  checkNoteText(note.text);
  const count = note.signatures.length;
  if (count === 0 || count > MAX_SIGNATURES) {
    throw new NoteError('INVALID_ARGUMENT', `a note has 1 to ${MAX_SIGNATURES} signatures`);
  }
  const out = `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
  if (exceedsUtf8Size(out, MAX_NOTE_SIZE)) {
    throw new NoteError('INVALID_ARGUMENT', 'note exceeds MAX_NOTE_SIZE');
  }
  return out;
}
