import {
  base64Encode,
  exceedsUtf8Size,
  isValidKeyName,
  MAX_NOTE_SIZE,
  NoteError,
  openNote,
  parseNote,
  signNote,
  type Signer,
  type Verifier,
} from '@proofline/note';
import { decodeHash, isHash } from './base64.js';
import { RecordError, type RecordErrorCode } from './errors.js';
import { isIndex, parseIndex } from './record-id.js';
import { timeValue } from './time.js';

/**
 * The log's promise that it sequenced an entry: the body of a signed note (c2sp.org/signed-note)
 * signed by the log's key, whose key name is the log origin. The note text is exactly
 *
 *     proofline.dev/receipt/v1
 *     origin <origin>
 *     index <decimal, no leading zeros>
 *     leaf <standard base64 of the 32-byte RFC 6962 leaf hash of the entry>
 *     time <the record's time string>
 *
 * with every line ending in a newline. Its second line is not a decimal tree size, so a
 * receipt never parses as a checkpoint (c2sp.org/tlog-checkpoint), nor a checkpoint as a
 * receipt.
 */
export interface Receipt {
  /** The log origin, which is also the log key's name: a valid note key name. */
  readonly origin: string;
  /** The entry's index in the log, a safe non-negative integer. */
  readonly index: number;
  /** leafHash(entry) = SHA-256(0x00 || entry), 32 bytes. */
  readonly leafHash: Uint8Array;
  /** The record's `time` (see formatTime). */
  readonly time: string;
}

const RECEIPT_HEADER = 'proofline.dev/receipt/v1';

function checkReceipt(r: Receipt, code: RecordErrorCode): void {
  if (!isValidKeyName(r.origin)) {
    throw new RecordError(code, 'must be a valid key name', { field: '/origin' });
  }
  if (!isIndex(r.index)) {
    throw new RecordError(code, 'must be a safe non-negative integer', { field: '/index' });
  }
  if (!isHash(r.leafHash)) throw new RecordError(code, 'must be 32 bytes', { field: '/leafHash' });
  checkReceiptTime(r.time, code);
}

/** The receipt note text of `r`. Throws RecordError INVALID_ARGUMENT. */
export function formatReceiptText(r: Receipt): string {
  checkReceipt(r, 'INVALID_ARGUMENT');
  const text = `${RECEIPT_HEADER}\norigin ${r.origin}\nindex ${r.index}\nleaf ${base64Encode(r.leafHash)}\ntime ${r.time}\n`;
  if (exceedsUtf8Size(text, MAX_NOTE_SIZE)) {
    throw new RecordError('INVALID_ARGUMENT', 'receipt exceeds MAX_NOTE_SIZE', {
      field: '/origin',
    });
  }
  return text;
}

/** Throws RecordError `code` (field `/time`) unless `time` is a record time string. */
export function checkReceiptTime(time: unknown, code: RecordErrorCode): void {
  if (timeValue(time) === undefined) {
    throw new RecordError(code, 'must be RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS.sssZ', {
      field: '/time',
    });
  }
}

/** The value of line `line` of a receipt, which must start with `name` and a space. */
export function lineValue(line: string | undefined, name: string): string {
  if (line === undefined || !line.startsWith(`${name} `)) {
    throw new RecordError('INVALID_RECEIPT', `expected a "${name} " line`, { field: `/${name}` });
  }
  return line.slice(name.length + 1);
}

/**
 * Parses a receipt note text (see Receipt), strictly: at most MAX_NOTE_SIZE bytes, exactly
 * the five lines in order, each ending in newline, no CR. Does not check signatures (see
 * openReceipt). Throws RecordError INVALID_RECEIPT.
 */
export function parseReceiptText(text: string): Receipt {
  const { lines, origin } = receiptLines(text, RECEIPT_HEADER, ['five', 5], 'receipt');
  const index = indexLine(lines[2], 'index');
  const leafHash = decodeHash(lineValue(lines[3], 'leaf'), 'INVALID_RECEIPT', '/leaf');
  const time = lineValue(lines[4], 'time');
  checkReceiptTime(time, 'INVALID_RECEIPT');
  return Object.freeze({ origin, index, leafHash, time });
}

/**
 * The lines of a receipt note text (a receipt or a batch receipt, `what`), strictly: a
 * string of at most MAX_NOTE_SIZE bytes, exactly `count` lines each ending in newline, the
 * first `header`, the second "origin <valid key name>". Throws RecordError INVALID_RECEIPT.
 */
export function receiptLines(
  text: unknown,
  header: string,
  [countWord, count]: readonly [string, number],
  what: string,
): { lines: string[]; origin: string } {
  if (typeof text !== 'string') throw new RecordError('INVALID_RECEIPT', 'must be a string');
  if (exceedsUtf8Size(text, MAX_NOTE_SIZE)) {
    throw new RecordError('INVALID_RECEIPT', `${what} exceeds MAX_NOTE_SIZE`);
  }
  const lines = text.split('\n', count + 2);
  if (lines.length !== count + 1 || lines[count] !== '') {
    throw new RecordError(
      'INVALID_RECEIPT',
      `a ${what} is exactly ${countWord} newline-terminated lines`,
    );
  }
  if (lines[0] !== header) {
    throw new RecordError('INVALID_RECEIPT', `first line must be ${header}`);
  }
  const origin = lineValue(lines[1], 'origin');
  if (!isValidKeyName(origin)) {
    throw new RecordError('INVALID_RECEIPT', 'must be a valid key name', { field: '/origin' });
  }
  return { lines, origin };
}

/** The value of the line "<name> <decimal without leading zeros>". Throws INVALID_RECEIPT. */
export function indexLine(line: string | undefined, name: string): number {
  const index = parseIndex(lineValue(line, name));
  if (index === undefined) {
    throw new RecordError('INVALID_RECEIPT', 'must be a decimal without leading zeros', {
      field: `/${name}`,
    });
  }
  return index;
}

/**
 * Signs the receipt `r` with the log's `signer`, whose name must be `r.origin`, and returns
 * the signed note text. Throws RecordError INVALID_ARGUMENT (with a NoteError `cause` when
 * signing fails); an error thrown by the signer itself propagates unchanged.
 */
export async function signReceipt(r: Receipt, signer: Signer): Promise<string> {
  return signReceiptText(formatReceiptText(r), r.origin, signer, 'receipt');
}

/**
 * Signs a receipt note text (`what`: a receipt or a batch receipt) of `origin` with the log's
 * `signer`, whose name must be the origin. Throws RecordError INVALID_ARGUMENT (with a
 * NoteError `cause` when signing fails); an error thrown by the signer itself propagates.
 */
export async function signReceiptText(
  text: string,
  origin: string,
  signer: Signer,
  what: string,
): Promise<string> {
  if (signer.name !== origin) {
    throw new RecordError('INVALID_ARGUMENT', "the log signer's name must equal the origin");
  }
  try {
    return await signNote(text, [signer]);
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    throw new RecordError('INVALID_ARGUMENT', `cannot sign the ${what}`, { cause });
  }
}

/** Wraps a NoteError as INVALID_RECEIPT; rethrows anything else. */
export function wrapNoteError(cause: unknown, message: string): never {
  if (!(cause instanceof NoteError)) throw cause;
  throw new RecordError('INVALID_RECEIPT', `${message}: ${cause.message}`, { cause });
}

/**
 * Opens a signed receipt: the note must parse (c2sp.org/signed-note), its text must be a
 * receipt whose origin equals `logVerifier.name` (field `/origin`), and it must carry a valid
 * signature by the log's key (other signatures are ignored). Throws RecordError
 * INVALID_RECEIPT, with the NoteError as `cause` for note and signature failures; an error
 * thrown by the verifier itself propagates unchanged.
 */
export function openReceipt(note: string, logVerifier: Verifier): Promise<Receipt> {
  return openSignedReceipt(note, logVerifier, parseReceiptText);
}

/**
 * What openReceipt does, with `parseText` for the note's text: the one way both receipt
 * kinds (receipt/v1, batch-receipt/v1) are opened.
 */
export async function openSignedReceipt<T extends { readonly origin: string }>(
  note: string,
  logVerifier: Verifier,
  parseText: (text: string) => T,
): Promise<T> {
  let text: string;
  try {
    text = parseNote(note).text;
  } catch (cause) {
    wrapNoteError(cause, 'malformed note');
  }
  const receipt = parseText(text);
  if (receipt.origin !== logVerifier.name) {
    throw new RecordError('INVALID_RECEIPT', "origin is not the log verifier's key name", {
      field: '/origin',
    });
  }
  try {
    await openNote(note, [logVerifier]);
  } catch (cause) {
    wrapNoteError(cause, 'not signed by the log');
  }
  return receipt;
}
