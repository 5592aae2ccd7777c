import {
  BUNDLE_V2_MEDIA_TYPE,
  MAX_BUNDLE_SIZE,
  checkHead,
  checkTail,
  checkedSize,
  headText,
  tailText,
  type BundleV2,
} from './bundle.js';
import { RecordError } from './errors.js';
import { checkNote } from './notes.js';

/**
 * formatBundle's text of a v2 bundle spliced from parts checked and formatted once and shared
 * by many bundles: a commit's receipt note ({@link CheckedNote}) and everything from
 * `checkpoint` on ({@link BundleTail}: the anchor, its tokens and the latest checkpoint with
 * its consistency proof, the same for every record of an anchor). Parts are only made here
 * (checked when made): formatBundleParts refuses any other object.
 */

/** A signed note checked as a bundle's receipt, with its JSON string. */
export interface CheckedNote {
  readonly note: string;
  readonly json: string;
}

/** A v2 bundle's members from `checkpoint` on, checked, with their text and its UTF-8. */
export interface BundleTail extends Pick<BundleV2, 'checkpoint' | 'timestamps' | 'latest'> {
  readonly text: string;
  /** `text` in UTF-8 (shared by every bundle spliced with this tail: never written to). */
  readonly bytes: Uint8Array;
}

/** The members of a v2 bundle before `checkpoint`, but the receipt. */
export type BundleHead = Pick<
  BundleV2,
  'id' | 'log' | 'origin' | 'index' | 'entry' | 'receiptProof' | 'inclusionProof'
>;

const made = new WeakSet<object>();

/** `note` checked as a receipt (RecordError INVALID_ARGUMENT at /receipt). */
export function checkedNote(note: string): CheckedNote {
  checkNote(note, 'INVALID_ARGUMENT', '/receipt');
  const part = Object.freeze({ note, json: JSON.stringify(note) });
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
  const text = tailText(tail, (note) => JSON.stringify(note));
  const part = Object.freeze({ ...tail, text, bytes: utf8.encode(text) });
  made.add(part);
  return part;
}

/**
 * formatBundle of the v2 bundle of `head`, `receipt` (none if undefined) and `tail`: the same
 * text, byte for byte, and the same checks of `head` (RecordError INVALID_ARGUMENT).
 */
export function formatBundleParts(
  head: BundleHead,
  receipt: CheckedNote | undefined,
  tail: BundleTail,
): string {
  checkMade(tail);
  return checkedSize(formatBundleHead(head, receipt) + tail.text);
}

/**
 * The text of formatBundleParts(head, receipt, tail) before the tail: it depends on neither
 * the anchor's note nor the latest checkpoint, so a server may keep it (in UTF-8) for as long
 * as the record's inclusion proof stands, and splice it with any tail (spliceBundle). Checks
 * `head` as formatBundleParts does (RecordError INVALID_ARGUMENT).
 */
export function formatBundleHead(head: BundleHead, receipt: CheckedNote | undefined): string {
  if (receipt !== undefined && !made.has(receipt)) {
    throw new RecordError('INVALID_ARGUMENT', 'bundle parts must come from checkedNote');
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
    checkpoint: '', // neither checkHead nor headText reads it: the tail's
  };
  // The receipt was checked when made.
  checkHead(b, 'INVALID_ARGUMENT', () => undefined);
  return headText(b, receipt?.json);
}

/**
 * formatBundleParts's text in UTF-8 from `head`, the UTF-8 of a formatBundleHead text (the
 * caller's: not parsed again), and `tail`: both in a new array from `alloc` (of the size
 * asked; its contents are overwritten, so it may be uninitialised, e.g. Buffer.allocUnsafe).
 * RecordError INVALID_ARGUMENT for a tail not made by bundleTail, or beyond MAX_BUNDLE_SIZE
 * bytes.
 */
export function spliceBundle<T extends Uint8Array = Uint8Array>(
  head: Uint8Array,
  tail: BundleTail,
  alloc: (size: number) => T = (size) => new Uint8Array(size) as T,
): T {
  checkMade(tail);
  const size = head.length + tail.bytes.length;
  if (size > MAX_BUNDLE_SIZE) {
    throw new RecordError('INVALID_ARGUMENT', `bundle exceeds ${MAX_BUNDLE_SIZE} bytes`);
  }
  const out = alloc(size);
  out.set(head, 0);
  out.set(tail.bytes, head.length);
  return out;
}

const utf8 = new TextEncoder();

function checkMade(tail: BundleTail): void {
  if (!made.has(tail)) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      'bundle parts must come from checkedNote and bundleTail',
    );
  }
}
