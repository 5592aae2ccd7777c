import {
  BUNDLE_V2_MEDIA_TYPE,
  checkHead,
  checkTail,
  checkBundleBytes,
  headPrefix,
  tailText,
  type BundleV2,
} from './bundle.js';
import { base64Into, hashesInto, hashesLength } from './bundle-json.js';
import { RecordError } from './errors.js';
import { checkNote } from './notes.js';

/**
 * formatBundle's text of a v2 bundle spliced from parts checked and formatted once and shared
 * by many bundles: a commit's receipt note ({@link CheckedNote}) and everything from
 * `checkpoint` on ({@link BundleTail}: the anchor, its tokens and the latest checkpoint with
 * its consistency proof, the same for every record of an anchor). Parts are only made here
 * (checked when made): formatBundleParts refuses any other object.
 */

/**
 * A signed note checked as a bundle's receipt, with the bundle's `receipt` line in UTF-8
 * (encoded once: a note's em dashes would make every bundle's text a two-byte string).
 * Only read: formatBundleParts copies it.
 */
export interface CheckedNote {
  readonly note: string;
  readonly line: Uint8Array;
}

/** A v2 bundle's members from `checkpoint` on, checked, with their text in UTF-8 (only read). */
export interface BundleTail extends Pick<BundleV2, 'checkpoint' | 'timestamps' | 'latest'> {
  readonly bytes: Uint8Array;
}

/** The members of a v2 bundle before `checkpoint`, but the receipt. */
export type BundleHead = Pick<
  BundleV2,
  'id' | 'log' | 'origin' | 'index' | 'entry' | 'receiptProof' | 'inclusionProof'
>;

const made = new WeakSet<object>();
const utf8 = new TextEncoder();
/** A character beyond ASCII (without one, a text's UTF-8 is one byte per character). */
const NOT_ASCII = /[\u0080-\uffff]/;

/** `note` checked as a receipt (RecordError INVALID_ARGUMENT at /receipt). */
export function checkedNote(note: string): CheckedNote {
  checkNote(note, 'INVALID_ARGUMENT', '/receipt');
  const line = utf8.encode(`  "receipt": ${JSON.stringify(note)},\n`);
  const part = Object.freeze({ note, line });
  made.add(part);
  return part;
}

/**
 * The tail of the bundles anchored to `members.checkpoint`, checked as formatBundle checks
 * them (RecordError INVALID_ARGUMENT); empty `timestamps` are omitted.
 */
export function bundleTail(
  members: Pick<BundleV2, 'checkpoint' | 'timestamps' | 'latest'>,
): BundleTail {
  const { checkpoint, timestamps, latest } = members;
  const tail = {
    checkpoint,
    ...(timestamps?.length ? { timestamps } : {}),
    ...(latest === undefined
      ? {}
      : {
          latest: {
            checkpoint: latest.checkpoint,
            consistencyProof: latest.consistencyProof,
            ...(latest.timestamps?.length ? { timestamps: latest.timestamps } : {}),
          },
        }),
  };
  checkTail(
    tail,
    'INVALID_ARGUMENT',
    (note, field) => void checkNote(note, 'INVALID_ARGUMENT', field),
  );
  const bytes = utf8.encode(tailText(tail, (note) => JSON.stringify(note)));
  const part = Object.freeze({ ...tail, bytes });
  made.add(part);
  return part;
}

/**
 * formatBundle of the v2 bundle of `head`, `receipt` (none if undefined) and `tail`, in UTF-8:
 * the same bytes as formatBundle's text encoded, and the same checks of `head` (RecordError
 * INVALID_ARGUMENT). The array is its own memory, exactly as long as the text.
 */
export function formatBundleParts(
  head: BundleHead,
  receipt: CheckedNote | undefined,
  tail: BundleTail,
): Uint8Array {
  if (!made.has(tail) || (receipt !== undefined && !made.has(receipt))) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      'bundle parts must come from checkedNote and bundleTail',
    );
  }
  const b: BundleV2 = {
    mediaType: BUNDLE_V2_MEDIA_TYPE,
    id: head.id,
    log: head.log,
    origin: head.origin,
    index: head.index,
    entry: head.entry,
    ...(receipt === undefined ? {} : { receipt: receipt.note }),
    ...(head.receiptProof === undefined ? {} : { receiptProof: head.receiptProof }),
    inclusionProof: head.inclusionProof,
    checkpoint: tail.checkpoint,
  };
  // The receipt was checked when made; the notes of the tail are not looked at here.
  checkHead(b, 'INVALID_ARGUMENT', () => undefined);
  // Written as headText + receipt line + tail would be encoded (the tests compare them): only
  // the prefix is a string (its origin may be beyond ASCII); base64 and hashes are ASCII
  // codes written in place; the receipt line and the tail were encoded when made.
  const prefix = headPrefix(b);
  const { entry, receiptProof, inclusionProof } = b;
  const line = receipt?.line;
  const size =
    utf8Length(prefix) +
    Math.ceil(entry.length / 3) * 4 +
    ENTRY_END.length +
    (line?.length ?? 0) +
    (receiptProof === undefined
      ? 0
      : RECEIPT_PROOF.length + hashesLength(receiptProof, 1) + MEMBER_END.length) +
    INCLUSION_PROOF.length +
    hashesLength(inclusionProof, 1) +
    MEMBER_END.length +
    tail.bytes.length;
  checkBundleBytes(size);
  const out = new Uint8Array(size);
  let at = base64Into(entry, out, utf8.encodeInto(prefix, out).written);
  at = put(out, at, ENTRY_END);
  if (line !== undefined) at = put(out, at, line);
  if (receiptProof !== undefined) {
    at = put(out, hashesInto(receiptProof, 1, out, put(out, at, RECEIPT_PROOF)), MEMBER_END);
  }
  at = put(out, hashesInto(inclusionProof, 1, out, put(out, at, INCLUSION_PROOF)), MEMBER_END);
  put(out, at, tail.bytes);
  return out;
}

const ENTRY_END = utf8.encode('",\n');
const RECEIPT_PROOF = utf8.encode('  "receiptProof": ');
const INCLUSION_PROOF = utf8.encode('  "inclusionProof": ');
const MEMBER_END = utf8.encode(',\n');

/** Writes `bytes` into `out` at `at`; returns where they end. */
function put(out: Uint8Array, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  return at + bytes.length;
}

function utf8Length(text: string): number {
  return NOT_ASCII.test(text) ? utf8.encode(text).length : text.length;
}
