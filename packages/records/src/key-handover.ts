import {
  base64Encode,
  ed25519Verifier,
  exceedsUtf8Size,
  MAX_NOTE_SIZE,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  type Signer,
} from '@proofline/note';
import { decodeHash } from './base64.js';
import { RecordError } from './errors.js';
import { parseIndex } from './record-id.js';

/**
 * A log's key handover: the statement, signed by both keys (a signed note whose key name is
 * the origin), that the key `retired` sealed the creation receipts of the entries
 * `[start, end)` and signed the tree of size `end` with root `rootHash`, and that `successor`
 * seals every later entry and signs every later checkpoint. The note text is exactly
 *
 *     proofline.dev/key-handover/v1
 *     origin <origin>
 *     retired <C2SP verifier key>
 *     successor <C2SP verifier key>
 *     range <start> <end>
 *     root <standard base64 of the 32-byte root hash of the tree of size end>
 *
 * Its second line is not a tree size: it never parses as a checkpoint, nor as a receipt.
 * The history rows that carry these notes are database data an insider can edit or delete:
 * only what the signatures cover is believed (verifyKeyHistory).
 */
export interface KeyHandover {
  readonly origin: string;
  readonly retired: string;
  readonly successor: string;
  /** The first entry whose receipt `retired` sealed (0, or the previous handover's end). */
  readonly start: number;
  /** The first entry whose receipt `successor` sealed; also the size of `rootHash`'s tree. */
  readonly end: number;
  readonly rootHash: Uint8Array;
}

const HEADER = 'proofline.dev/key-handover/v1';
const FIELD_NAMES = ['origin', 'retired', 'successor', 'range', 'root'] as const;

const invalid = (message: string, field?: string, cause?: unknown) =>
  new RecordError('INVALID_KEY_HISTORY', message, {
    ...(field === undefined ? {} : { field }),
    ...(cause === undefined ? {} : { cause }),
  });

/** The note text of `h`. Throws RecordError INVALID_ARGUMENT. */
export function formatKeyHandoverText(h: KeyHandover): string {
  const text =
    `${HEADER}\norigin ${h.origin}\nretired ${h.retired}\nsuccessor ${h.successor}\n` +
    `range ${h.start} ${h.end}\nroot ${base64Encode(h.rootHash)}\n`;
  try {
    checkHandover(parseKeyHandoverText(text), h);
  } catch (cause) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      `not a valid key handover: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return text;
}

/** Signs `h` with the retired key then the successor (both must be `h`'s keys). */
export async function signKeyHandover(
  h: KeyHandover,
  retired: Signer,
  successor: Signer,
): Promise<string> {
  return signNote(formatKeyHandoverText(h), [retired, successor]);
}

/**
 * Parses a handover note text strictly (six newline-terminated lines in order, canonical
 * decimals, two distinct Ed25519 verifier keys named by the origin, start ≤ end). Does not
 * check signatures. Throws RecordError INVALID_KEY_HISTORY.
 */
export function parseKeyHandoverText(text: string): KeyHandover {
  if (exceedsUtf8Size(text, MAX_NOTE_SIZE)) throw invalid('handover exceeds MAX_NOTE_SIZE');
  const lines = text.split('\n', 8);
  if (lines.length !== 7 || lines[6] !== '' || lines[0] !== HEADER) {
    throw invalid(`a key handover is the ${HEADER} header and five lines`);
  }
  const values = FIELD_NAMES.map((name, i) => {
    const line = lines[i + 1]!;
    if (!line.startsWith(`${name} `)) throw invalid(`expected a "${name} " line`, `/${name}`);
    return line.slice(name.length + 1);
  });
  const [origin, retired, successor, range, root] = values as [
    string,
    string,
    string,
    string,
    string,
  ];
  for (const [field, vkey] of [
    ['retired', retired],
    ['successor', successor],
  ] as const) {
    let name: string;
    try {
      ({ name } = parseVerifierKey(vkey));
    } catch (cause) {
      throw invalid('not an Ed25519 verifier key', `/${field}`, cause);
    }
    if (name !== origin) throw invalid(`the key is not named by the origin`, `/${field}`);
  }
  if (retired === successor) throw invalid('the successor is the retired key', '/successor');
  const bounds = range.split(' ');
  const [start, end] = bounds.map(parseIndex);
  if (bounds.length !== 2 || start === undefined || end === undefined || end < start) {
    throw invalid('expected "range <start> <end>" with start ≤ end', '/range');
  }
  let rootHash: Uint8Array;
  try {
    rootHash = decodeHash(root, 'INVALID_ARGUMENT', '/root');
  } catch (cause) {
    throw invalid('not the base64 of a 32-byte hash', '/root', cause);
  }
  return Object.freeze({ origin, retired, successor, start, end, rootHash });
}

function checkHandover(parsed: KeyHandover, h: KeyHandover): void {
  const same =
    parsed.origin === h.origin &&
    parsed.retired === h.retired &&
    parsed.successor === h.successor &&
    parsed.start === h.start &&
    parsed.end === h.end &&
    base64Encode(parsed.rootHash) === base64Encode(h.rootHash);
  if (!same) throw new Error('it does not encode to itself');
}

/**
 * Opens a handover note: parses its text and requires a valid signature by each of the two
 * keys it names (other signatures are ignored). Throws RecordError INVALID_KEY_HISTORY.
 */
export async function openKeyHandover(note: string): Promise<KeyHandover> {
  let text: string;
  try {
    ({ text } = parseNote(note));
  } catch (cause) {
    throw invalid('not a signed note', undefined, cause);
  }
  const h = parseKeyHandoverText(text);
  const verifiers = [h.retired, h.successor].map((vkey) => {
    const { name, publicKey } = parseVerifierKey(vkey);
    return ed25519Verifier(name, publicKey);
  });
  let verified;
  try {
    ({ verified } = await openNote(note, verifiers));
  } catch (cause) {
    throw invalid(
      `the handover note does not verify: ${(cause as Error).message}`,
      undefined,
      cause,
    );
  }
  for (const [i, field] of ['retired', 'successor'].entries()) {
    if (!verified.some((s) => s.keyId === verifiers[i]!.keyId)) {
      throw invalid(`the handover note is not signed by its ${field} key`, `/${field}`);
    }
  }
  return h;
}

/** A log's keys in order: each retired key with its range, then the current key. */
export interface KeyHistory {
  /** The retired keys, oldest first, each with the handover note that retired it. */
  readonly retired: readonly (KeyHandover & { readonly note: string })[];
  /** The log's registered key, which seals the entries from `currentStart` on. */
  readonly current: string;
  readonly currentStart: number;
}

/**
 * Verifies a log's key history: `notes` (oldest first, as stored) must be a chain of
 * handovers each signed by both its keys, the first from index 0, each starting where the
 * previous ended and retiring the previous successor, keys never reused, and the last
 * successor `current` (the key the caller trusts). Each note is thereby vouched for by every
 * key of the chain, so a row an insider edited (a range moved) or deleted breaks it. Throws
 * RecordError INVALID_KEY_HISTORY.
 */
export async function verifyKeyHistory(
  notes: readonly string[],
  current: string,
): Promise<KeyHistory> {
  const retired: (KeyHandover & { note: string })[] = [];
  const seen = new Set<string>();
  let start = 0;
  let key: string | undefined;
  for (const [i, note] of notes.entries()) {
    const h = await openKeyHandover(note);
    if (h.start !== start) {
      throw invalid(`handover ${i} starts at ${h.start}, not at ${start}`, `/${i}/range`);
    }
    if (key !== undefined && h.retired !== key) {
      throw invalid(
        `handover ${i} retires a key that the previous one did not hand over to`,
        `/${i}/retired`,
      );
    }
    if (seen.has(h.retired) || seen.has(h.successor)) {
      throw invalid(`handover ${i} names a key used before`, `/${i}`);
    }
    seen.add(h.retired);
    retired.push({ ...h, note });
    start = h.end;
    key = h.successor;
  }
  if (key !== undefined && key !== current) {
    throw invalid(
      'the last handover does not hand over to the log key',
      `/${notes.length - 1}/successor`,
    );
  }
  if (retired.some((h) => h.origin !== parseVerifierKey(current).name)) {
    throw invalid('a handover is for another origin');
  }
  return Object.freeze({ retired, current, currentStart: start });
}

/**
 * The key that sealed the receipt of entry `index` (and signed the checkpoints of trees up
 * to its range's end): a retired key inside its range, else the current key.
 */
export function keyForIndex(history: KeyHistory, index: number): string {
  return history.retired.find((h) => index >= h.start && index < h.end)?.retired ?? history.current;
}
