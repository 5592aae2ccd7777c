import { base64Encode } from '@proofline/note';
import { failed, notApplicable, passed, type StepResult } from '../checks.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import { checkpointEvidence, openLogCheckpoint } from '../steps/checkpoint.js';
import type { ServiceKey } from './keys.js';

/** What the service step establishes. */
export interface Signed {
  readonly key: ServiceKey;
  readonly root: Uint8Array;
  readonly treeSize: number;
  readonly leafIndex: number;
}

/**
 * Step 'checkpoint': with a signed checkpoint, opened with the verifier key of the very key
 * that signed the receipt, the receipt's root must be the checkpoint's root at the same size
 * (then size and index are confirmed: for a fixed size the index follows from the path).
 */
export async function checkpointStep(
  note: string | undefined,
  signed: Signed,
  origin: string | undefined,
): Promise<StepResult<true>> {
  const { treeSize, leafIndex } = signed;
  if (note === undefined) {
    return {
      check: notApplicable(
        'checkpoint',
        `No signed checkpoint given: the tree size ${treeSize} and leaf index ${leafIndex} are ` +
          'unsigned and not confirmed; only the root is signed.',
      ),
    };
  }
  const bad = (code: VerificationErrorCode, message: string, evidence = {}, cause?: unknown) => ({
    check: failed(new VerificationError(code, 'checkpoint', message, { evidence, cause })),
  });
  const log = signed.key.log;
  if (log === undefined) {
    return bad(
      'CHECKPOINT_UNVERIFIED',
      "the receipt's service key was pinned as a COSE key: a checkpoint needs the log's verifier key (name+id+key)",
    );
  }
  const opened = await openLogCheckpoint(note, log);
  if ('error' in opened) {
    return bad(
      opened.code,
      `the checkpoint does not open with the log key ${log.log.name}: ${opened.error.message}`,
      { origin: log.origin },
      opened.error,
    );
  }
  const evidence = { ...checkpointEvidence('', opened), receiptRoot: base64Encode(signed.root) };
  if (origin !== undefined && origin !== opened.checkpoint.origin) {
    return bad(
      'ORIGIN_MISMATCH',
      `the receipt is of ${origin}, the checkpoint of ${opened.checkpoint.origin}`,
      evidence,
    );
  }
  if (opened.checkpoint.size !== treeSize) {
    return bad(
      'CHECKPOINT_SIZE_MISMATCH',
      `the checkpoint is of a tree of ${opened.checkpoint.size}, the receipt of ${treeSize}: give the checkpoint of the receipt's size`,
      evidence,
    );
  }
  if (base64Encode(opened.checkpoint.rootHash) !== base64Encode(signed.root)) {
    return bad(
      'RECEIPT_ROOT_MISMATCH',
      `the receipt's root is not the root the log signed in its checkpoint of size ${treeSize}`,
      evidence,
    );
  }
  return {
    check: passed(
      'checkpoint',
      `The log's signed checkpoint of size ${treeSize} has the receipt's root: the tree size and leaf index ${leafIndex} are confirmed.`,
      evidence,
    ),
    value: true,
  };
}
