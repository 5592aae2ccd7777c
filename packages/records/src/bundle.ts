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
/** Bound on the UTF-8 size of a proof bundle's JSON text. */
export const MAX_BUNDLE_SIZE = 256 * 1024;
/** Bound on inclusion proof length: a tree of safe-integer size has at most 2^53 leaves. */
export const MAX_PROOF_HASHES = 63;

/** Base64 length of the largest entry. */
const MAX_ENTRY_BASE64_LENGTH = Math.ceil(MAX_ENTRY_SIZE / 3) * 4;

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
  const { entries } = ownEntries(value, BUNDLE_FIELDS.length + 1, 'INVALID_BUNDLE', '');
  const members = new Map(entries);
  for (const name of members.keys()) {
    if (!(BUNDLE_FIELDS as readonly string[]).includes(name)) {
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
  } as Bundle;
  checkBundle(bundle, 'INVALID_BUNDLE');
  return Object.freeze(bundle);
}
