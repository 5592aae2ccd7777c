import {
  BUNDLE_V2_MEDIA_TYPE,
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

/** A v2 bundle's members from `checkpoint` on, checked, with their text. */
export interface BundleTail extends Pick<BundleV2, 'checkpoint' | 'timestamps' | 'latest'> {
  readonly text: string;
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
  const part = Object.freeze({ ...tail, text: tailText(tail, (note) => JSON.stringify(note)) });
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
  return checkedSize(headText(b, receipt?.json) + tail.text);
}
