import { isValidKeyName } from '@proofline/note';
import { decodeBase64, decodeHash, isHash } from './base64.js';
import { RecordError, pointer, type RecordErrorCode } from './errors.js';
import { arrayItems, isJsonObject, ownEntries, parseJson } from './json.js';
import { checkNote } from './notes.js';
import { MAX_ENTRY_SIZE } from './record.js';
import { isIndex, isName, recordId } from './recordid.js';
import { exceedsUtf8Size } from './text.js';

/** The media type of a proof bundle. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.proofline.bundle.v1+json';
/**
 * Bound on the UTF-8 size of a proof bundle's JSON text: room for the largest entry and
 * MAX_BUNDLE_TIMESTAMPS tokens of MAX_TIMESTAMP_TOKEN_SIZE, in base64.
 */
export const MAX_BUNDLE_SIZE = 1024 * 1024;
/** Most RFC 3161 timestamps in one bundle. */
export const MAX_BUNDLE_TIMESTAMPS = 8;
/** Bound on one DER TimeStampToken in a bundle. */
export const MAX_TIMESTAMP_TOKEN_SIZE = 64 * 1024;
/** A timestamp authority label: display only. */
export const TSA_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Bound on inclusion proof length: a tree of safe-integer size has at most 2^53 leaves. */
export const MAX_PROOF_HASHES = 63;

/** Base64 length of the largest entry. */
const MAX_ENTRY_BASE64_LENGTH = Math.ceil(MAX_ENTRY_SIZE / 3) * 4;
const MAX_TOKEN_BASE64_LENGTH = Math.ceil(MAX_TIMESTAMP_TOKEN_SIZE / 3) * 4;

/** An RFC 3161 timestamp of the bundle's checkpoint note text. */
export interface BundleTimestamp {
  /** Label of the authority, TSA_NAME_PATTERN (display only: never trusted). */
  readonly tsa: string;
  /** DER TimeStampToken, at most MAX_TIMESTAMP_TOKEN_SIZE bytes. */
  readonly token: Uint8Array;
}

/**
 * Everything needed to check, offline, that a record is in a log: a JSON object with exactly
 * these members.
 *
 * - `mediaType`: BUNDLE_MEDIA_TYPE.
 * - `id`: the record id, recordId(log, index).
 * - `log`: the log's name, ^[a-z0-9][a-z0-9-]{0,62}$.
 * - `origin`: the log origin (its checkpoint origin line and key name).
 * - `index`: the entry's index in the log, a safe non-negative integer.
 * - `entry`: standard base64 of the entry bytes (the canonical record), at most 65,535 bytes.
 * - `receipt`: the signed receipt note (see Receipt).
 * - `inclusionProof`: at most 63 base64 32-byte hashes, RFC 6962 inclusion proof of the
 *   entry's leaf hash at `index` in the checkpoint's tree, from the leaf up.
 * - `checkpoint`: a signed checkpoint note (c2sp.org/tlog-checkpoint) of the log, possibly
 *   with witness cosignatures.
 * - `timestamps` (optional, omitted when there are none): at most 8 objects with exactly
 *   `tsa` (a display label, ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$) and `token` (standard base64 of
 *   a DER RFC 3161 TimeStampToken over the checkpoint's note text, at most 64 KiB).
 *
 * Parsing checks shapes and bounds only: a verifier still opens the receipt and checkpoint
 * with the log's key, parses the entry as a record and verifies the inclusion proof.
 */
export interface Bundle {
  readonly mediaType: typeof BUNDLE_MEDIA_TYPE;
  readonly id: string;
  readonly log: string;
  readonly origin: string;
  readonly index: number;
  readonly entry: Uint8Array;
  readonly receipt: string;
  readonly inclusionProof: readonly Uint8Array[];
  readonly checkpoint: string;
  readonly timestamps?: readonly BundleTimestamp[];
}

/** Every bundle member, in serialization order. */
const BUNDLE_FIELDS = [
  'mediaType',
  'id',
  'log',
  'origin',
  'index',
  'entry',
  'receipt',
  'inclusionProof',
  'checkpoint',
] as const;
const OPTIONAL_FIELDS = ['timestamps'] as const;

/** Checks the members of a bundle, throwing RecordError `code` (parsing, formatting, conversion). */
export function checkBundle(b: Bundle, code: RecordErrorCode): void {
  checkMembers(b, code, undefined);
}

/**
 * checkBundle, skipping the note check of `b.checkpoint` when it is `checkedCheckpoint`, a
 * note that passed it already (the check depends on the text only).
 */
function checkMembers(
  b: Bundle,
  code: RecordErrorCode,
  checkedCheckpoint: string | undefined,
): void {
  const fail = (field: string, message: string): RecordError =>
    new RecordError(code, message, { field });
  if (b.mediaType !== BUNDLE_MEDIA_TYPE) throw fail('/mediaType', `must be ${BUNDLE_MEDIA_TYPE}`);
  if (!isName(b.log)) throw fail('/log', 'must match ^[a-z0-9][a-z0-9-]{0,62}$');
  if (!isValidKeyName(b.origin)) throw fail('/origin', 'must be a valid key name');
  if (!isIndex(b.index)) throw fail('/index', 'must be a safe non-negative integer');
  if (b.id !== recordId(b.log, b.index)) throw fail('/id', 'must be "<log>-<index>"');
  if (!(b.entry instanceof Uint8Array) || b.entry.length > MAX_ENTRY_SIZE) {
    throw fail('/entry', `must be at most ${MAX_ENTRY_SIZE} bytes`);
  }
  checkNote(b.receipt, code, '/receipt');
  if (!Array.isArray(b.inclusionProof)) throw fail('/inclusionProof', 'must be an array');
  if (b.inclusionProof.length > MAX_PROOF_HASHES) {
    throw fail('/inclusionProof', `more than ${MAX_PROOF_HASHES} hashes`);
  }
  b.inclusionProof.forEach((h, i) => {
    if (!isHash(h)) throw fail(pointer('/inclusionProof', i), 'must be a 32-byte hash');
  });
  if (checkedCheckpoint === undefined || b.checkpoint !== checkedCheckpoint) {
    checkNote(b.checkpoint, code, '/checkpoint');
  }
  if (b.timestamps !== undefined) {
    if (!Array.isArray(b.timestamps)) throw fail('/timestamps', 'must be an array');
    if (b.timestamps.length > MAX_BUNDLE_TIMESTAMPS) {
      throw fail('/timestamps', `more than ${MAX_BUNDLE_TIMESTAMPS} timestamps`);
    }
    b.timestamps.forEach((t, i) => {
      const at = pointer('/timestamps', i);
      if (typeof t !== 'object' || t === null) throw fail(at, 'must be an object');
      if (typeof t.tsa !== 'string' || !TSA_NAME_PATTERN.test(t.tsa)) {
        throw fail(pointer(at, 'tsa'), 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');
      }
      if (
        !(t.token instanceof Uint8Array) ||
        t.token.length === 0 ||
        t.token.length > MAX_TIMESTAMP_TOKEN_SIZE
      ) {
        throw fail(pointer(at, 'token'), `must be 1 to ${MAX_TIMESTAMP_TOKEN_SIZE} bytes`);
      }
    });
  }
}

/**
 * The checkpoint note formatBundle last checked, and its JSON string: consecutive bundles are
 * mostly built against the same checkpoint, so each checks and escapes it once.
 */
let lastCheckpoint: string | undefined;
let lastCheckpointJson = '';

/**
 * The JSON text of a bundle, members in the documented order, indented by two spaces.
 * Throws RecordError INVALID_ARGUMENT.
 *
 * The text is exactly JSON.stringify of the members with indentation 2 (the tests check it),
 * written out directly: base64 needs no escaping, nor do `id` and `log` (checked names and
 * digits), `index` is a safe integer; the other strings go through JSON.stringify.
 */
export function formatBundle(b: Bundle): string {
  checkMembers(b, 'INVALID_ARGUMENT', lastCheckpoint);
  if (b.checkpoint !== lastCheckpoint) {
    lastCheckpointJson = JSON.stringify(b.checkpoint);
    lastCheckpoint = b.checkpoint;
  }
  let text =
    `{\n  "mediaType": ${MEDIA_TYPE_JSON},\n  "id": "${b.id}",\n  "log": "${b.log}",\n` +
    `  "origin": ${JSON.stringify(b.origin)},\n  "index": ${b.index},\n` +
    `  "entry": "${base64(b.entry)}",\n  "receipt": ${JSON.stringify(b.receipt)},\n` +
    `  "inclusionProof": ${formatHashes(b.inclusionProof)},\n  "checkpoint": ${lastCheckpointJson}`;
  if (b.timestamps?.length) {
    text += ',\n  "timestamps": [';
    for (let i = 0; i < b.timestamps.length; i++) {
      const t = b.timestamps[i];
      // A hole of a sparse array (checkBundle skips it) is what JSON.stringify makes of it.
      text +=
        t === undefined
          ? `${i === 0 ? '' : ','}\n    null`
          : `${i === 0 ? '' : ','}\n    {\n      "tsa": ${JSON.stringify(t.tsa)},\n` +
            `      "token": "${base64(t.token)}"\n    }`;
    }
    text += '\n  ]';
  }
  text += '\n}';
  // Each UTF-16 code unit is at most 3 UTF-8 bytes: only a longer text can exceed the bound.
  if (text.length * 3 > MAX_BUNDLE_SIZE && exceedsUtf8Size(text, MAX_BUNDLE_SIZE)) {
    throw new RecordError('INVALID_ARGUMENT', `bundle exceeds ${MAX_BUNDLE_SIZE} bytes`);
  }
  return text;
}

const MEDIA_TYPE_JSON = JSON.stringify(BUNDLE_MEDIA_TYPE);

/**
 * Standard padded base64 (RFC 4648 §4), the text of note's base64Encode, for formatBundle:
 * written as ASCII codes into a byte array and decoded once, which makes one flat string
 * instead of a rope of two-character pieces (about three times faster, flattening included).
 */
const BASE64_CODES = Uint8Array.from(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  (c) => c.charCodeAt(0),
);
const EQUALS = 0x3d;
const ascii = new TextDecoder();

/** Writes the base64 of `bytes` into `out` from `at`; returns where it ends. */
function base64Into(bytes: Uint8Array, out: Uint8Array, at: number): number {
  const codes = BASE64_CODES;
  let o = at;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = codes[n >>> 18] as number;
    out[o++] = codes[(n >>> 12) & 63] as number;
    out[o++] = codes[(n >>> 6) & 63] as number;
    out[o++] = codes[n & 63] as number;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = codes[n >>> 18] as number;
    out[o++] = codes[(n >>> 12) & 63] as number;
    out[o++] = rest === 2 ? (codes[(n >>> 6) & 63] as number) : EQUALS;
    out[o++] = EQUALS;
  }
  return o;
}

function base64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  base64Into(bytes, out, 0);
  return ascii.decode(out);
}

const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ITEM = asciiBytes('\n    "');
const NULL_ITEM = asciiBytes('\n    null');
const CLOSE = asciiBytes('\n  ]');
const COMMA = 0x2c;
const QUOTE = 0x22;
/** The most bytes one item takes: a comma, ITEM, 44 base64 characters and a quote. */
const MAX_ITEM = 1 + ITEM.length + 44 + 1;

/**
 * A JSON array of base64 hashes, as JSON.stringify indents it at the second level (a hole
 * of a sparse array, which checkBundle skips, is written null as JSON.stringify writes it).
 */
function formatHashes(hashes: readonly Uint8Array[]): string {
  if (hashes.length === 0) return '[]';
  const out = new Uint8Array(1 + hashes.length * MAX_ITEM + CLOSE.length);
  out[0] = 0x5b; // [
  let o = 1;
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    if (i > 0) out[o++] = COMMA;
    if (h === undefined) {
      out.set(NULL_ITEM, o);
      o += NULL_ITEM.length;
    } else {
      out.set(ITEM, o);
      o = base64Into(h, out, o + ITEM.length);
      out[o++] = QUOTE;
    }
  }
  out.set(CLOSE, o);
  return ascii.decode(out.subarray(0, o + CLOSE.length));
}

/**
 * Parses a bundle's JSON text, strictly: at most MAX_BUNDLE_SIZE bytes (checked first); valid
 * JSON without repeated member names; exactly the Bundle members, with the right types;
 * entry and hashes in canonical base64; the receipt and checkpoint syntactically valid
 * signed notes; and `id` equal to recordId(log, index). Throws RecordError INVALID_BUNDLE.
 */
export function parseBundle(json: string): Bundle {
  const value = parseJson(json, MAX_BUNDLE_SIZE, 'INVALID_BUNDLE');
  if (!isJsonObject(value)) throw new RecordError('INVALID_BUNDLE', 'must be a JSON object');
  const { entries } = ownEntries(
    value,
    BUNDLE_FIELDS.length + OPTIONAL_FIELDS.length + 1,
    'INVALID_BUNDLE',
    '',
  );
  const members = new Map(entries);
  for (const name of members.keys()) {
    if (
      !(BUNDLE_FIELDS as readonly string[]).includes(name) &&
      !(OPTIONAL_FIELDS as readonly string[]).includes(name)
    ) {
      throw new RecordError('INVALID_BUNDLE', 'unknown member', { field: pointer('', name) });
    }
  }
  for (const name of BUNDLE_FIELDS) {
    if (!members.has(name)) {
      throw new RecordError('INVALID_BUNDLE', 'is required', { field: `/${name}` });
    }
  }
  const get = (name: string): unknown => members.get(name);
  const proof = get('inclusionProof');
  if (!Array.isArray(proof)) {
    throw new RecordError('INVALID_BUNDLE', 'must be an array', { field: '/inclusionProof' });
  }
  if (proof.length > MAX_PROOF_HASHES) {
    throw new RecordError('INVALID_BUNDLE', `more than ${MAX_PROOF_HASHES} hashes`, {
      field: '/inclusionProof',
    });
  }
  const index = get('index');
  const timestamps = members.has('timestamps') ? parseTimestamps(get('timestamps')) : undefined;
  const bundle = {
    mediaType: get('mediaType'),
    id: get('id'),
    log: get('log'),
    origin: get('origin'),
    // JSON -0 is the index 0.
    index: index === 0 ? 0 : index,
    entry: decodeBase64(get('entry'), MAX_ENTRY_BASE64_LENGTH, 'INVALID_BUNDLE', '/entry'),
    receipt: get('receipt'),
    inclusionProof: Object.freeze(
      arrayItems(proof, 'INVALID_BUNDLE', '/inclusionProof').map((h, i) =>
        decodeHash(h, 'INVALID_BUNDLE', pointer('/inclusionProof', i)),
      ),
    ),
    checkpoint: get('checkpoint'),
    ...(timestamps?.length ? { timestamps } : {}),
  } as Bundle;
  checkBundle(bundle, 'INVALID_BUNDLE');
  return Object.freeze(bundle);
}

function parseTimestamps(value: unknown): readonly BundleTimestamp[] {
  const field = '/timestamps';
  if (!Array.isArray(value)) throw new RecordError('INVALID_BUNDLE', 'must be an array', { field });
  if (value.length > MAX_BUNDLE_TIMESTAMPS) {
    throw new RecordError('INVALID_BUNDLE', `more than ${MAX_BUNDLE_TIMESTAMPS} timestamps`, {
      field,
    });
  }
  return Object.freeze(
    arrayItems(value, 'INVALID_BUNDLE', field).map((item, i) => {
      const at = pointer(field, i);
      if (!isJsonObject(item))
        throw new RecordError('INVALID_BUNDLE', 'must be an object', { field: at });
      const { entries } = ownEntries(item, 3, 'INVALID_BUNDLE', at);
      const members = new Map(entries);
      for (const name of members.keys()) {
        if (name !== 'tsa' && name !== 'token') {
          throw new RecordError('INVALID_BUNDLE', 'unknown member', { field: pointer(at, name) });
        }
      }
      for (const name of ['tsa', 'token']) {
        if (!members.has(name)) {
          throw new RecordError('INVALID_BUNDLE', 'is required', { field: pointer(at, name) });
        }
      }
      const token = decodeBase64(
        members.get('token'),
        MAX_TOKEN_BASE64_LENGTH,
        'INVALID_BUNDLE',
        pointer(at, 'token'),
      );
      return Object.freeze({ tsa: members.get('tsa') as string, token });
    }),
  );
}
