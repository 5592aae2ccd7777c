import { exceedsUtf8Size, isParsedNote, isValidKeyName, type Note } from '@proofline/note';
import { decodeBase64, decodeHash, isHash } from './base64.js';
import { MAX_RECEIPT_PROOF_HASHES } from './batch-receipt.js';
import { base64, formatHashes, formatTimestamps } from './bundle-json.js';
import { RecordError, pointer, type RecordErrorCode } from './errors.js';
import { arrayItems, isJsonObject, ownEntries, parseJson, type JsonObject } from './json.js';
import { checkNote } from './notes.js';
import { MAX_ENTRY_SIZE } from './record.js';
import { isIndex, isName, recordId } from './record-id.js';

/** The media type of a v1 proof bundle (against any checkpoint that covers the record). */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.proofline.bundle.v1+json';
/** The media type of a v2 proof bundle (anchored to the first checkpoint covering the record). */
export const BUNDLE_V2_MEDIA_TYPE = 'application/vnd.proofline.bundle.v2+json';
/**
 * Bound on the UTF-8 size of a proof bundle's JSON text: room for the largest entry and
 * 2 × MAX_BUNDLE_TIMESTAMPS tokens of MAX_TIMESTAMP_TOKEN_SIZE (the anchor's and the latest
 * checkpoint's), in base64.
 */
export const MAX_BUNDLE_SIZE = 2 * 1024 * 1024;
/** Most RFC 3161 timestamps of one checkpoint in a bundle. */
export const MAX_BUNDLE_TIMESTAMPS = 8;
/** Bound on one DER TimeStampToken in a bundle. */
export const MAX_TIMESTAMP_TOKEN_SIZE = 64 * 1024;
/** A timestamp authority label: display only. */
export const TSA_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Bound on inclusion proof length: a tree of safe-integer size has at most 2^53 leaves. */
export const MAX_PROOF_HASHES = 63;
/**
 * Bound on a v2 bundle's consistency proof: an RFC 9162 consistency proof between trees of
 * fewer than 2^53 leaves has at most 54 hashes.
 */
export const MAX_CONSISTENCY_PROOF_HASHES = 64;

/** Base64 length of the largest entry. */
const MAX_ENTRY_BASE64_LENGTH = Math.ceil(MAX_ENTRY_SIZE / 3) * 4;
const MAX_TOKEN_BASE64_LENGTH = Math.ceil(MAX_TIMESTAMP_TOKEN_SIZE / 3) * 4;

/** An RFC 3161 timestamp of a checkpoint's note text. */
export interface BundleTimestamp {
  /** Label of the authority, TSA_NAME_PATTERN (display only: never trusted). */
  readonly tsa: string;
  /** DER TimeStampToken, at most MAX_TIMESTAMP_TOKEN_SIZE bytes. */
  readonly token: Uint8Array;
}

/** The members every bundle version has (see packages/records/README.md). */
interface BundleCommon {
  readonly id: string;
  readonly log: string;
  readonly origin: string;
  readonly index: number;
  readonly entry: Uint8Array;
  /** RFC 6962 inclusion proof of the entry's leaf hash at `index` in `checkpoint`'s tree. */
  readonly inclusionProof: readonly Uint8Array[];
  /** A signed checkpoint note of the log, possibly with witness cosignatures. */
  readonly checkpoint: string;
  /** RFC 3161 tokens over `checkpoint`'s note text; omitted when there are none. */
  readonly timestamps?: readonly BundleTimestamp[];
}

/**
 * A v1 bundle: `checkpoint` is any checkpoint covering the record (the server used the latest),
 * `receipt` a proofline.dev/receipt/v1 note.
 */
export interface BundleV1 extends BundleCommon {
  readonly mediaType: typeof BUNDLE_MEDIA_TYPE;
  readonly receipt: string;
}

/** A v2 bundle's view of the log today: the latest checkpoint, consistent with the anchor. */
export interface BundleLatest {
  /** The latest signed checkpoint note, never the anchor itself. */
  readonly checkpoint: string;
  /** RFC 9162 consistency proof from the anchor's tree size to this checkpoint's. */
  readonly consistencyProof: readonly Uint8Array[];
  /** RFC 3161 tokens over this checkpoint's note text; omitted when there are none. */
  readonly timestamps?: readonly BundleTimestamp[];
}

/**
 * A v2 bundle: `checkpoint`, `inclusionProof` and `timestamps` are those of the **anchor**,
 * the first published checkpoint that covered the record, with the cosignatures and tokens
 * stored for it; so the time bound they give never moves forward. `latest` (omitted when the
 * anchor is the latest) links the anchor to the latest checkpoint. `receipt` is omitted when
 * the log kept none for the record; with a proofline.dev/batch-receipt/v1 receipt,
 * `receiptProof` is the record's inclusion proof under the batch root.
 */
export interface BundleV2 extends BundleCommon {
  readonly mediaType: typeof BUNDLE_V2_MEDIA_TYPE;
  readonly receipt?: string;
  readonly receiptProof?: readonly Uint8Array[];
  readonly latest?: BundleLatest;
}

/**
 * Everything needed to check, offline, that a record is in a log. Parsing checks shapes and
 * bounds only: a verifier still opens the receipt and checkpoints with the log's key, parses
 * the entry as a record and verifies the proofs.
 */
export type Bundle = BundleV1 | BundleV2;

/** Members in serialization order; `?` marks optional ones. */
const V1_FIELDS = [
  'mediaType',
  'id',
  'log',
  'origin',
  'index',
  'entry',
  'receipt',
  'inclusionProof',
  'checkpoint',
  'timestamps?',
] as const;
const V2_FIELDS = [
  'mediaType',
  'id',
  'log',
  'origin',
  'index',
  'entry',
  'receipt?',
  'receiptProof?',
  'inclusionProof',
  'checkpoint',
  'timestamps?',
  'latest?',
] as const;
const LATEST_FIELDS = ['checkpoint', 'consistencyProof', 'timestamps?'] as const;

/** Checks the members of a bundle, throwing RecordError `code` (parsing, formatting, conversion). */
export function checkBundle(b: Bundle, code: RecordErrorCode): void {
  checkMembers(b, code, (note, field) => void checkNote(note, code, field));
}

export type NoteCheck = (note: unknown, field: string) => void;

/** checkBundle with the signed-note check of its notes given. */
function checkMembers(b: Bundle, code: RecordErrorCode, checkNoteAt: NoteCheck): void {
  checkHead(b, code, checkNoteAt);
  checkTail(b, code, checkNoteAt);
}

/** A check's failure: RecordError `code` at `field`. */
const failer =
  (code: RecordErrorCode): Fail =>
  (field, message) =>
    new RecordError(code, message, { field });

/** The checks of checkBundle up to and including `inclusionProof`. */
export function checkHead(b: Bundle, code: RecordErrorCode, checkNoteAt: NoteCheck): void {
  const fail = failer(code);
  if (typeof b !== 'object' || b === null) throw new RecordError(code, 'must be an object');
  const v2 = b.mediaType === BUNDLE_V2_MEDIA_TYPE;
  if (!v2 && b.mediaType !== BUNDLE_MEDIA_TYPE) {
    throw fail('/mediaType', `must be ${BUNDLE_MEDIA_TYPE} or ${BUNDLE_V2_MEDIA_TYPE}`);
  }
  if (!isName(b.log)) throw fail('/log', 'must match ^[a-z0-9][a-z0-9-]{0,62}$');
  if (!isValidKeyName(b.origin)) throw fail('/origin', 'must be a valid key name');
  if (!isIndex(b.index)) throw fail('/index', 'must be a safe non-negative integer');
  if (b.id !== recordId(b.log, b.index)) throw fail('/id', 'must be "<log>-<index>"');
  if (!(b.entry instanceof Uint8Array) || b.entry.length > MAX_ENTRY_SIZE) {
    throw fail('/entry', `must be at most ${MAX_ENTRY_SIZE} bytes`);
  }
  const { receiptProof, latest } = b as Partial<BundleV2>;
  if (!v2 && (receiptProof !== undefined || latest !== undefined)) {
    throw fail(receiptProof !== undefined ? '/receiptProof' : '/latest', 'only in a v2 bundle');
  }
  if (!v2 || b.receipt !== undefined) checkNoteAt(b.receipt, '/receipt');
  if (receiptProof !== undefined) {
    if (b.receipt === undefined) throw fail('/receiptProof', 'only with a receipt');
    checkHashes(receiptProof, MAX_RECEIPT_PROOF_HASHES, fail, '/receiptProof');
  }
  checkHashes(b.inclusionProof, MAX_PROOF_HASHES, fail, '/inclusionProof');
}

/** The checks of checkBundle from `checkpoint` on (a v1 bundle has no `latest`: checkHead). */
export function checkTail(
  b: Pick<BundleV2, 'checkpoint' | 'timestamps' | 'latest'>,
  code: RecordErrorCode,
  checkNoteAt: NoteCheck,
): void {
  const fail = failer(code);
  const { latest } = b;
  checkNoteAt(b.checkpoint, '/checkpoint');
  if (b.timestamps !== undefined) checkTimestamps(b.timestamps, fail, '/timestamps');
  if (latest !== undefined) {
    if (typeof latest !== 'object' || latest === null) throw fail('/latest', 'must be an object');
    checkNoteAt(latest.checkpoint, '/latest/checkpoint');
    if (latest.checkpoint === b.checkpoint) {
      throw fail('/latest', 'must be omitted when the anchor is the latest checkpoint');
    }
    checkHashes(
      latest.consistencyProof,
      MAX_CONSISTENCY_PROOF_HASHES,
      fail,
      '/latest/consistencyProof',
    );
    if (latest.timestamps !== undefined) {
      checkTimestamps(latest.timestamps, fail, '/latest/timestamps');
    }
  }
}

type Fail = (field: string, message: string) => RecordError;

function checkHashes(hashes: unknown, max: number, fail: Fail, field: string): void {
  if (!Array.isArray(hashes)) throw fail(field, 'must be an array');
  if (hashes.length > max) throw fail(field, `more than ${max} hashes`);
  hashes.forEach((h, i) => {
    if (!isHash(h)) throw fail(pointer(field, i), 'must be a 32-byte hash');
  });
}

function checkTimestamps(timestamps: unknown, fail: Fail, field: string): void {
  if (!Array.isArray(timestamps)) throw fail(field, 'must be an array');
  if (timestamps.length > MAX_BUNDLE_TIMESTAMPS) {
    throw fail(field, `more than ${MAX_BUNDLE_TIMESTAMPS} timestamps`);
  }
  (timestamps as unknown[]).forEach((t, i) => {
    const at = pointer(field, i);
    if (typeof t !== 'object' || t === null) throw fail(at, 'must be an object');
    const { tsa, token } = t as Partial<BundleTimestamp>;
    if (typeof tsa !== 'string' || !TSA_NAME_PATTERN.test(tsa)) {
      throw fail(pointer(at, 'tsa'), 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');
    }
    if (
      !(token instanceof Uint8Array) ||
      token.length === 0 ||
      token.length > MAX_TIMESTAMP_TOKEN_SIZE
    ) {
      throw fail(pointer(at, 'token'), `must be 1 to ${MAX_TIMESTAMP_TOKEN_SIZE} bytes`);
    }
  });
}

/**
 * Notes formatBundle checked lately and their JSON strings: consecutive bundles mostly share
 * their checkpoints (the latest, and an anchor per batch of records), so each is checked and
 * escaped once. Bounded: cleared when full.
 */
const checkedNotes = new Map<string, string>();
const MAX_CHECKED_NOTES = 16;

function noteJson(note: string): string {
  const json = checkedNotes.get(note);
  if (json !== undefined) return json;
  if (checkedNotes.size >= MAX_CHECKED_NOTES) checkedNotes.clear();
  const fresh = JSON.stringify(note);
  checkedNotes.set(note, fresh);
  return fresh;
}

/**
 * The JSON text of a bundle, members in the documented order, indented by two spaces.
 * Throws RecordError INVALID_ARGUMENT.
 *
 * The text is exactly JSON.stringify of the members with indentation 2 (the tests check it),
 * written out directly: base64 needs no escaping, nor do `id` and `log` (checked names and
 * digits), `index` is a safe integer; the other strings go through JSON.stringify. Empty
 * `timestamps` are omitted.
 */
export function formatBundle(b: Bundle): string {
  checkMembers(b, 'INVALID_ARGUMENT', (note, field) => {
    if (typeof note !== 'string' || !checkedNotes.has(note)) {
      checkNote(note, 'INVALID_ARGUMENT', field);
    }
  });
  const receipt = b.receipt === undefined ? undefined : JSON.stringify(b.receipt);
  return checkedSize(headText(b, receipt) + tailText(b, noteJson));
}

/**
 * formatBundle's text up to and including the `inclusionProof` line, `receipt` being the
 * JSON string of `b.receipt` (undefined without one). `b` is checked (checkHead).
 */
export function headText(b: Bundle, receipt: string | undefined): string {
  const line = receipt === undefined ? '' : `  "receipt": ${receipt},\n`;
  return headStart(b) + line + headEnd(b);
}

/** headText up to and including the `entry` line (before `receipt`). */
function headStart(b: Bundle): string {
  return `${headPrefix(b)}${base64(b.entry)}",\n`;
}

/** headText up to the entry's base64: from `{` to `"entry": "`. */
export function headPrefix(b: Bundle): string {
  return (
    `{\n  "mediaType": ${JSON.stringify(b.mediaType)},\n  "id": "${b.id}",\n  "log": "${b.log}",\n` +
    `  "origin": ${JSON.stringify(b.origin)},\n  "index": ${b.index},\n  "entry": "`
  );
}

/** headText after the `receipt` line: `receiptProof` (v2) and `inclusionProof`. */
function headEnd(b: Bundle): string {
  const proof =
    b.mediaType === BUNDLE_V2_MEDIA_TYPE && b.receiptProof !== undefined
      ? `  "receiptProof": ${formatHashes(b.receiptProof, 1)},\n`
      : '';
  return proof + `  "inclusionProof": ${formatHashes(b.inclusionProof, 1)},\n`;
}

/**
 * formatBundle's text from the `checkpoint` member to the end, notes written by `json` (their
 * JSON strings). The members are checked (checkTail).
 */
export function tailText(
  b: Pick<BundleV2, 'checkpoint' | 'timestamps' | 'latest'>,
  json: (note: string) => string,
): string {
  let text = `  "checkpoint": ${json(b.checkpoint)}`;
  if (b.timestamps?.length) text += `,\n  "timestamps": ${formatTimestamps(b.timestamps, 1)}`;
  if (b.latest !== undefined) {
    const { checkpoint, consistencyProof, timestamps } = b.latest;
    text +=
      `,\n  "latest": {\n    "checkpoint": ${json(checkpoint)},\n` +
      `    "consistencyProof": ${formatHashes(consistencyProof, 2)}`;
    if (timestamps?.length) text += `,\n    "timestamps": ${formatTimestamps(timestamps, 2)}`;
    text += '\n  }';
  }
  return text + '\n}';
}

/** `text`, unless its UTF-8 encoding exceeds MAX_BUNDLE_SIZE (RecordError INVALID_ARGUMENT). */
function checkedSize(text: string): string {
  if (exceedsUtf8Size(text, MAX_BUNDLE_SIZE)) {
    throw bundleTooLarge();
  }
  return text;
}

/** Throws RecordError INVALID_ARGUMENT if a bundle of `size` UTF-8 bytes exceeds MAX_BUNDLE_SIZE. */
export function checkBundleBytes(size: number): void {
  if (size > MAX_BUNDLE_SIZE) throw bundleTooLarge();
}

function bundleTooLarge(): RecordError {
  return new RecordError('INVALID_ARGUMENT', `bundle exceeds ${MAX_BUNDLE_SIZE} bytes`);
}

/**
 * The members of a JSON object, exactly those of `fields` (`name?` optional): no unknown
 * member, none missing. Throws RecordError INVALID_BUNDLE at `at`.
 */
function members(value: unknown, fields: readonly string[], at: string): Map<string, unknown> {
  if (!isJsonObject(value))
    throw new RecordError('INVALID_BUNDLE', 'must be an object', at === '' ? {} : { field: at });
  const names = fields.map((f) => f.replace('?', ''));
  // One more than allowed: an object with too many members shows an unknown one among them.
  const { entries, more } = ownEntries(
    value as JsonObject,
    fields.length + 1,
    'INVALID_BUNDLE',
    at,
  );
  const found = new Map(entries);
  for (const name of found.keys()) {
    if (!names.includes(name)) {
      throw new RecordError('INVALID_BUNDLE', 'unknown member', { field: pointer(at, name) });
    }
  }
  if (more) throw new RecordError('INVALID_BUNDLE', 'too many members', { field: at });
  for (const f of fields) {
    if (!f.endsWith('?') && !found.has(f)) {
      throw new RecordError('INVALID_BUNDLE', 'is required', { field: pointer(at, f) });
    }
  }
  return found;
}

/**
 * Parses a bundle's JSON text, v1 or v2, strictly: at most MAX_BUNDLE_SIZE bytes (checked
 * first); valid JSON without repeated member names; exactly the members of its `mediaType`'s
 * version (and of `latest`), with the right types; entry and hashes in canonical base64 and
 * within their bounds; the notes syntactically valid signed notes; `id` equal to
 * recordId(log, index). Throws RecordError INVALID_BUNDLE. `parsed` may give what parseNote
 * returned for a note text, when the caller has it: a note so given (isParsedNote for that
 * very string) is not parsed again; anything else is.
 */
export function parseBundle(json: string, parsed?: (note: string) => Note | undefined): Bundle {
  const value = parseJson(json, MAX_BUNDLE_SIZE, 'INVALID_BUNDLE');
  if (!isJsonObject(value)) throw new RecordError('INVALID_BUNDLE', 'must be a JSON object');
  const mediaType = Object.getOwnPropertyDescriptor(value, 'mediaType')?.value as unknown;
  if (mediaType !== BUNDLE_MEDIA_TYPE && mediaType !== BUNDLE_V2_MEDIA_TYPE) {
    throw new RecordError(
      'INVALID_BUNDLE',
      `must be ${BUNDLE_MEDIA_TYPE} or ${BUNDLE_V2_MEDIA_TYPE}`,
      { field: '/mediaType' },
    );
  }
  const v2 = mediaType === BUNDLE_V2_MEDIA_TYPE;
  const found = members(value, v2 ? V2_FIELDS : V1_FIELDS, '');
  const get = (name: string): unknown => found.get(name);
  const index = get('index');
  const timestamps = found.has('timestamps')
    ? parseTimestamps(get('timestamps'), '/timestamps')
    : undefined;
  const bundle = {
    mediaType,
    id: get('id'),
    log: get('log'),
    origin: get('origin'),
    // JSON -0 is the index 0.
    index: index === 0 ? 0 : index,
    entry: decodeBase64(get('entry'), MAX_ENTRY_BASE64_LENGTH, 'INVALID_BUNDLE', '/entry'),
    ...(found.has('receipt') ? { receipt: get('receipt') } : {}),
    ...(found.has('receiptProof')
      ? {
          receiptProof: parseHashes(get('receiptProof'), MAX_RECEIPT_PROOF_HASHES, '/receiptProof'),
        }
      : {}),
    inclusionProof: parseHashes(get('inclusionProof'), MAX_PROOF_HASHES, '/inclusionProof'),
    checkpoint: get('checkpoint'),
    ...(timestamps?.length ? { timestamps } : {}),
    ...(found.has('latest') ? { latest: parseLatest(get('latest')) } : {}),
  } as Bundle;
  checkMembers(bundle, 'INVALID_BUNDLE', (note, field) => {
    if (typeof note !== 'string' || !isParsedNote(parsed?.(note), note)) {
      checkNote(note, 'INVALID_BUNDLE', field);
    }
  });
  return Object.freeze(bundle);
}

function parseLatest(value: unknown): BundleLatest {
  const found = members(value, LATEST_FIELDS, '/latest');
  const timestamps = found.has('timestamps')
    ? parseTimestamps(found.get('timestamps'), '/latest/timestamps')
    : undefined;
  return Object.freeze({
    checkpoint: found.get('checkpoint') as string,
    consistencyProof: parseHashes(
      found.get('consistencyProof'),
      MAX_CONSISTENCY_PROOF_HASHES,
      '/latest/consistencyProof',
    ),
    ...(timestamps?.length ? { timestamps } : {}),
  });
}

function parseHashes(value: unknown, max: number, field: string): readonly Uint8Array[] {
  if (!Array.isArray(value)) throw new RecordError('INVALID_BUNDLE', 'must be an array', { field });
  if (value.length > max) {
    throw new RecordError('INVALID_BUNDLE', `more than ${max} hashes`, { field });
  }
  return Object.freeze(
    arrayItems(value, 'INVALID_BUNDLE', field).map((h, i) =>
      decodeHash(h, 'INVALID_BUNDLE', () => pointer(field, i)),
    ),
  );
}

function parseTimestamps(value: unknown, field: string): readonly BundleTimestamp[] {
  if (!Array.isArray(value)) throw new RecordError('INVALID_BUNDLE', 'must be an array', { field });
  if (value.length > MAX_BUNDLE_TIMESTAMPS) {
    throw new RecordError('INVALID_BUNDLE', `more than ${MAX_BUNDLE_TIMESTAMPS} timestamps`, {
      field,
    });
  }
  return Object.freeze(
    arrayItems(value, 'INVALID_BUNDLE', field).map((item, i) => {
      const at = pointer(field, i);
      const found = members(item, ['tsa', 'token'], at);
      const token = decodeBase64(
        found.get('token'),
        MAX_TOKEN_BASE64_LENGTH,
        'INVALID_BUNDLE',
        pointer(at, 'token'),
      );
      return Object.freeze({ tsa: found.get('tsa') as string, token });
    }),
  );
}
