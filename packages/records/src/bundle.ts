import { base64Encode, isValidKeyName } from '@proofline/note';
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
  checkNote(b.checkpoint, code, '/checkpoint');
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
 * The JSON text of a bundle, members in the documented order, indented by two spaces.
 * Throws RecordError INVALID_ARGUMENT.
 */
export function formatBundle(b: Bundle): string {
  checkBundle(b, 'INVALID_ARGUMENT');
  const text = JSON.stringify(
    {
      mediaType: b.mediaType,
      id: b.id,
      log: b.log,
      origin: b.origin,
      index: b.index,
      entry: base64Encode(b.entry),
      receipt: b.receipt,
      inclusionProof: b.inclusionProof.map(base64Encode),
      checkpoint: b.checkpoint,
      ...(b.timestamps?.length
        ? { timestamps: b.timestamps.map((t) => ({ tsa: t.tsa, token: base64Encode(t.token) })) }
        : {}),
    },
    null,
    2,
  );
  if (exceedsUtf8Size(text, MAX_BUNDLE_SIZE)) {
    throw new RecordError('INVALID_ARGUMENT', `bundle exceeds ${MAX_BUNDLE_SIZE} bytes`);
  }
  return text;
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
