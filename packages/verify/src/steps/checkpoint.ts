import {
  NoteError,
  base64Encode,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  type Checkpoint,
  type Note,
  type Verifier,
} from '@proofline/note';
import { failed, keyLabel, passed, type StepResult } from '../checks.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';

/** A checkpoint whose log signature verified, and its note text (the signed body). */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly text: string;
}

/** The origin line of an unverified note's text, if it is a checkpoint at all. */
function originOf(note: string): string | undefined {
  try {
    return parseCheckpoint(parseNote(note).text).origin;
  } catch {
    return undefined;
  }
}

/** The code for a NoteError from openCheckpoint. */
function codeOf(error: NoteError, note: string, origin: string): VerificationErrorCode {
  if (error.code === 'MALFORMED_NOTE') return 'CHECKPOINT_MALFORMED';
  if (error.code !== 'MALFORMED_CHECKPOINT') return 'CHECKPOINT_UNVERIFIED';
  const found = originOf(note);
  return found !== undefined && found !== origin ? 'ORIGIN_MISMATCH' : 'CHECKPOINT_MALFORMED';
}

/**
 * Opens a signed checkpoint with the log key (note openCheckpoint: a valid signature by the
 * log key, a well-formed c2sp.org/tlog-checkpoint body, origin line = the log's origin).
 * Returns the verified checkpoint, or the NoteError and the code that reports it. Used for
 * the bundle's checkpoint and for the caller's trusted one. `parsed` is parseNote(note), when
 * the caller has it.
 */
export async function openLogCheckpoint(
  note: string,
  policy: ResolvedPolicy,
  parsed?: Note,
): Promise<
  VerifiedCheckpoint | { readonly error: NoteError; readonly code: VerificationErrorCode }
> {
  const opened = await openChainCheckpoint(
    note,
    policy.origin,
    policy.chain ?? [{ verifier: policy.log, start: 0, end: Infinity, pinned: true }],
    parsed,
  );
  return 'error' in opened ? opened : { checkpoint: opened.checkpoint, text: opened.text };
}

/**
 * Opens a signed checkpoint of `origin` with the keys of a verified key chain (verifyKeyChain,
 * or the pinned key alone): the pinned key first (its error is the one reported), then the
 * others, each only for trees no larger than the last it signed (`end`). Returns the verified
 * checkpoint and the key that opened it, or the NoteError and its code. `parsed` is
 * parseNote(note), when the caller has it.
 */
export async function openChainCheckpoint<
  K extends { readonly verifier: Verifier; readonly end: number; readonly pinned: boolean },
>(
  note: string,
  origin: string,
  chain: readonly K[],
  parsed?: Note,
): Promise<
  | (VerifiedCheckpoint & { readonly key: K })
  | { readonly error: NoteError; readonly code: VerificationErrorCode }
> {
  const keys = [...chain.filter((k) => k.pinned), ...chain.filter((k) => !k.pinned)];
  let first: NoteError | undefined;
  for (const key of keys) {
    try {
      const opened = await openCheckpoint(parsed ?? note, origin, key.verifier);
      if (opened.checkpoint.size <= key.end) {
        return { checkpoint: opened.checkpoint, text: opened.note.text, key };
      }
      first ??= new NoteError(
        'UNVERIFIED_NOTE',
        `signed by a retired log key for ${opened.checkpoint.size} entries, beyond the ${key.end} it signed before its handover`,
      );
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      first ??= error;
    }
  }
  first ??= new NoteError('UNVERIFIED_NOTE', 'no log key to open the checkpoint with');
  return { error: first, code: codeOf(first, note, origin) };
}

/** checkpointEvidence's member names for each prefix: checkpoint, size, rootHash. */
const EVIDENCE_NAMES = {
  '': ['checkpoint', 'size', 'rootHash'],
  bundle: ['bundleCheckpoint', 'bundleSize', 'bundleRootHash'],
  trusted: ['trustedCheckpoint', 'trustedSize', 'trustedRootHash'],
  anchor: ['anchorCheckpoint', 'anchorSize', 'anchorRootHash'],
  latest: ['latestCheckpoint', 'latestSize', 'latestRootHash'],
} as const;

/** Evidence about a verified checkpoint: its text, size and root, names prefixed by `prefix`. */
export function checkpointEvidence(
  prefix: keyof typeof EVIDENCE_NAMES,
  { checkpoint, text }: VerifiedCheckpoint,
): Record<string, string> {
  const [checkpointName, sizeName, rootHashName] = EVIDENCE_NAMES[prefix];
  return {
    [checkpointName]: text,
    [sizeName]: String(checkpoint.size),
    [rootHashName]: base64Encode(checkpoint.rootHash),
  };
}

/**
 * Step 7: the checkpoint is signed by the log key and is a checkpoint of the policy's origin
 * (other signatures, such as witness cosignatures, are ignored here). Proves the log
 * committed to this tree size and root; not that it shows everyone the same tree (see
 * witnesses and consistency). `parsed` is parseNote(note), when the caller has it.
 */
export async function checkpointStep(
  note: string,
  policy: ResolvedPolicy,
  parsed?: Note,
): Promise<StepResult<VerifiedCheckpoint>> {
  const logKey = keyLabel(policy.log.name, policy.log.keyId);
  const opened = await openLogCheckpoint(note, policy, parsed);
  if ('error' in opened) {
    const error = new VerificationError(
      opened.code,
      'checkpoint',
      `the checkpoint does not open with the log key ${logKey}: ${opened.error.message}`,
      { evidence: { logKey, origin: policy.origin }, cause: opened.error },
    );
    return { check: failed(error) };
  }
  const { size } = opened.checkpoint;
  return {
    check: passed(
      'checkpoint',
      `The checkpoint of size ${size} is signed by the log key ${logKey}.`,
      { logKey, origin: policy.origin, ...checkpointEvidence('', opened) },
    ),
    value: opened,
  };
}
