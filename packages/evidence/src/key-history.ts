import { MAX_NOTE_SIZE, parseNote, parseVerifierKey } from '@proofline/note';
import { parseKeyHandoverText, RecordError } from '@proofline/records';
import { verifyKeyChain, type KeyChainLink } from '@proofline/verify';
import { malformed } from './errors.js';

/**
 * key-history.json: the log's key history as the package carries it, for packages of a log
 * that retired a key (docs/keys.md). Its `retiredKeys` are those of the log's description
 * (`GET /logs/<name>/`), oldest first, so `proofline verify --key-history key-history.json`
 * reads it too. Only the `handover` notes, exactly as signed by both keys, are believed
 * (verifyKeyChain of @proofline/verify); `verifierKey`, `start` and `end` are copies of what
 * each note states, for people, and a copy that disagrees with its note fails.
 */
export const KEY_HISTORY_MEDIA_TYPE = 'application/vnd.proofline.key-history.v1+json';

/** Most handovers key-history.json may hold (as @proofline/verify's policy bound). */
const MAX_HANDOVERS = 1000;

export interface RetiredKeyEntry {
  readonly verifierKey: string;
  readonly start: number;
  readonly end: number;
  readonly handover: string;
}

export interface KeyHistoryDocument {
  readonly mediaType: typeof KEY_HISTORY_MEDIA_TYPE;
  readonly log: string;
  readonly origin: string;
  readonly retiredKeys: readonly RetiredKeyEntry[];
}

/**
 * Why a package's key history fails (Item.code of the `key-history` item, or of the bundle
 * item of a record that needs a history the package lacks):
 *
 * - `KEY_HISTORY_MISSING`: a record's receipt is sealed by another key of the log, and the
 *   package carries no key-history.json (or the manifest and the member disagree on it).
 * - `KEY_HISTORY_MALFORMED`: key-history.json breaks its format, is for another log, or a
 *   copied range or key disagrees with its handover note.
 * - `INVALID_KEY_HISTORY`: the handover notes are not one chain of notes each signed by both
 *   its keys (an edited byte, notes swapped or dropped, a range extended).
 * - `KEY_HISTORY_UNTRUSTED`: the chain verifies but does not name the key you trust.
 */
export type KeyHistoryCode =
  'KEY_HISTORY_MISSING' | 'KEY_HISTORY_MALFORMED' | 'INVALID_KEY_HISTORY' | 'KEY_HISTORY_UNTRUSTED';

const KEY_HISTORY_CODES: ReadonlySet<string> = new Set<KeyHistoryCode>([
  'KEY_HISTORY_MISSING',
  'KEY_HISTORY_MALFORMED',
  'INVALID_KEY_HISTORY',
  'KEY_HISTORY_UNTRUSTED',
]);

/** Whether `code` (an Item's) is a KeyHistoryCode. */
export const isKeyHistoryCode = (code: string | undefined): code is KeyHistoryCode =>
  code !== undefined && KEY_HISTORY_CODES.has(code);

/** A key history that does not hold, with its code. */
export class KeyHistoryProblem extends Error {
  constructor(
    readonly code: KeyHistoryCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeyHistoryProblem';
  }
}

/** The text of key-history.json for handover notes (as the log serves them, oldest first). */
export function keyHistoryJson(log: string, origin: string, notes: readonly string[]): string {
  const doc: KeyHistoryDocument = {
    mediaType: KEY_HISTORY_MEDIA_TYPE,
    log,
    origin,
    retiredKeys: notes.map((handover) => {
      const h = parseKeyHandoverText(parseNote(handover).text);
      return { verifierKey: h.retired, start: h.start, end: h.end, handover };
    }),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function exactKeys(v: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (
    !isObject(v) ||
    Object.keys(v).length !== keys.length ||
    !keys.every((k) => Object.hasOwn(v, k))
  ) {
    throw malformed(`${where}: must be an object with exactly ${keys.join(', ')}`);
  }
  return v;
}

/**
 * Parses key-history.json (a parsed JSON value) strictly: the media type, the log and origin,
 * at most MAX_HANDOVERS retired keys, each copy equal to what its handover note states. Does
 * not check signatures (verifyPackageKeyHistory does). Throws EvidenceError MALFORMED.
 */
export function parseKeyHistoryDocument(value: unknown): KeyHistoryDocument {
  const d = exactKeys(value, 'key-history.json', ['mediaType', 'log', 'origin', 'retiredKeys']);
  if (d.mediaType !== KEY_HISTORY_MEDIA_TYPE)
    throw malformed(`key-history.json: mediaType must be ${KEY_HISTORY_MEDIA_TYPE}`);
  if (typeof d.log !== 'string' || typeof d.origin !== 'string')
    throw malformed('key-history.json: log and origin must be strings');
  if (!Array.isArray(d.retiredKeys) || d.retiredKeys.length > MAX_HANDOVERS)
    throw malformed(`key-history.json: retiredKeys must be an array of at most ${MAX_HANDOVERS}`);
  const retiredKeys = d.retiredKeys.map((r: unknown, i) => {
    const where = `key-history.json/retiredKeys/${i}`;
    const e = exactKeys(r, where, ['verifierKey', 'start', 'end', 'handover']);
    if (typeof e.handover !== 'string' || e.handover.length > MAX_NOTE_SIZE)
      throw malformed(`${where}/handover: must be a note of at most ${MAX_NOTE_SIZE} bytes`);
    let stated;
    try {
      stated = parseKeyHandoverText(parseNote(e.handover).text);
    } catch (cause) {
      throw malformed(`${where}/handover: ${(cause as Error).message}`, cause);
    }
    if (e.verifierKey !== stated.retired || e.start !== stated.start || e.end !== stated.end) {
      throw malformed(
        `${where}: verifierKey, start and end must be those of its handover note (${stated.retired}, [${stated.start}, ${stated.end}))`,
      );
    }
    return {
      verifierKey: stated.retired,
      start: stated.start,
      end: stated.end,
      handover: e.handover,
    };
  });
  return { mediaType: KEY_HISTORY_MEDIA_TYPE, log: d.log, origin: d.origin, retiredKeys };
}

/**
 * The verified key chain of a package's key history, pinned to `logKey` (the key the auditor
 * trusts, current or retired): parsed strictly, for `log` and `origin`, then verifyKeyChain.
 * Throws KeyHistoryProblem.
 */
export async function verifyPackageKeyHistory(
  value: unknown,
  logKey: string,
  log: string,
  origin: string,
): Promise<{ readonly notes: readonly string[]; readonly chain: readonly KeyChainLink[] }> {
  let doc: KeyHistoryDocument;
  try {
    doc = parseKeyHistoryDocument(value);
  } catch (cause) {
    throw new KeyHistoryProblem('KEY_HISTORY_MALFORMED', (cause as Error).message, { cause });
  }
  if (doc.log !== log || doc.origin !== origin) {
    throw new KeyHistoryProblem(
      'KEY_HISTORY_MALFORMED',
      `key-history.json is for ${doc.log} (${doc.origin}), not ${log} (${origin})`,
    );
  }
  const notes = doc.retiredKeys.map((r) => r.handover);
  return { notes, chain: await verifyHandovers(logKey, notes) };
}

/**
 * The verified key chain of handover notes (untrusted: as a log serves them or a file holds
 * them), pinned to `logKey`, with verifyKeyChain of @proofline/verify; empty for no notes.
 * Throws KeyHistoryProblem INVALID_KEY_HISTORY (the notes are not one chain of notes each
 * signed by both its keys) or KEY_HISTORY_UNTRUSTED (the chain does not name `logKey`).
 */
export async function verifyHandovers(
  logKey: string,
  notes: readonly string[],
): Promise<readonly KeyChainLink[]> {
  try {
    return await verifyKeyChain(logKey, notes);
  } catch (cause) {
    const broken = (cause as Error).cause instanceof RecordError;
    throw new KeyHistoryProblem(
      broken ? 'INVALID_KEY_HISTORY' : 'KEY_HISTORY_UNTRUSTED',
      (cause as Error).message,
      { cause },
    );
  }
}

const keyLabel = (vkey: string): string => {
  const { name, keyId } = parseVerifierKey(vkey);
  return `${name}+${keyId.toString(16).padStart(8, '0')}`;
};

/**
 * The chain as a verdict names it: each key, its range, the handover that retired it (by its
 * position in `source`, where the notes came from).
 */
export function describeChain(chain: readonly KeyChainLink[], source = 'key-history.json'): string {
  return chain
    .map((k, i) => {
      const range = k.end === Infinity ? `entries ${k.start} on` : `entries [${k.start}, ${k.end})`;
      const why =
        k.handover === undefined
          ? 'the current key'
          : `retired by handover ${i + 1} of ${source}, signed by it and its successor`;
      return `${keyLabel(k.verifierKey)}${k.pinned ? ' (the key you trust)' : ''} sealed ${range}, ${why}`;
    })
    .join('; ');
}

/**
 * The other key of the log (named by the origin, not `trustedKeyId`) that sealed a receipt,
 * if any: a record that needs a key history. Undefined when the receipt is not a note.
 */
export function otherSealer(
  receipt: string,
  origin: string,
  trustedKeyId: number,
): string | undefined {
  try {
    const s = parseNote(receipt).signatures.find(
      (sig) => sig.name === origin && sig.keyId !== trustedKeyId,
    );
    return s && `${s.name}+${s.keyId.toString(16).padStart(8, '0')}`;
  } catch {
    return undefined;
  }
}
