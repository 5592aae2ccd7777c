import { parseCheckpoint, parseNote } from '@proofline/note';
import type { Bundle } from '@proofline/records';
import { cosignatureLines, tokenTimes } from './trust.js';

/**
 * What a sampled bundle's anchor (its `checkpoint`: the first checkpoint that covered the
 * record) carries as the record's "existed no later than" bound, unverified: its size, the
 * earliest witness cosignature time on it and the earliest genTime of its RFC 3161 tokens.
 * Only verify-evidence under a witness or TSA policy checks them.
 */
export interface AnchorTimes {
  readonly size: number;
  /** RFC 3339 UTC, as the cosignature line states it. */
  readonly cosignedAt?: string;
  /** RFC 3339 UTC, as the token states it (unreadable tokens are left out). */
  readonly genTime?: string;
}

/** The signed text of a note: what the log key signs; cosignature lines are not part of it. */
function signedText(note: string): string {
  return parseNote(note).text;
}

/**
 * Why `bundle` is not tied to the package's end checkpoint (the note `endNote`), or undefined
 * when it is: with a `latest`, its signed text must be the end checkpoint's; without one, the
 * anchor's must be. Signed texts (origin, size, root) are compared, never cosignatures, which
 * a checkpoint republished at the same size may add. An anchor larger than the end checkpoint
 * is named as such. The signatures and the consistency anchor → latest are verifyBundle's to
 * check; this only says which checkpoints they are.
 */
export function endTieProblem(bundle: Bundle, endNote: string): string | undefined {
  let endText: string;
  let anchorText: string;
  let endSize: number;
  let anchorSize: number;
  try {
    endText = signedText(endNote);
    anchorText = signedText(bundle.checkpoint);
    endSize = parseCheckpoint(endText).size;
    anchorSize = parseCheckpoint(anchorText).size;
  } catch (err) {
    return `its checkpoint or the end checkpoint does not parse: ${(err as Error).message}`;
  }
  if (anchorSize > endSize) {
    return `anchored to a checkpoint of size ${anchorSize}, after the end checkpoint (size ${endSize})`;
  }
  const latest = 'latest' in bundle ? bundle.latest : undefined;
  if (latest === undefined) {
    return anchorText === endText
      ? undefined
      : `anchored to a checkpoint of size ${anchorSize} without a latest checkpoint: not tied to the end checkpoint`;
  }
  let latestText: string;
  try {
    latestText = signedText(latest.checkpoint);
  } catch (err) {
    return `its latest checkpoint does not parse: ${(err as Error).message}`;
  }
  return latestText === endText
    ? undefined
    : 'its latest checkpoint is not the end checkpoint of the package';
}

/** The anchor's size and the times it carries (see AnchorTimes); the bundle parsed already. */
export function anchorTimes(bundle: Bundle): AnchorTimes {
  const size = parseCheckpoint(signedText(bundle.checkpoint)).size;
  const earliest = (times: string[]) => times.sort()[0];
  const cosignedAt = earliest(cosignatureLines(bundle.checkpoint).map((l) => l.time));
  const genTime = earliest(
    tokenTimes([bundle.timestamps])
      .map((t) => t.genTime)
      .filter((t) => !t.startsWith('unreadable')),
  );
  return {
    size,
    ...(cosignedAt === undefined ? {} : { cosignedAt }),
    ...(genTime === undefined ? {} : { genTime }),
  };
}
