import { base64Encode, type Checkpoint } from '@proofline/note';
import { TlogError, verifyInclusion } from '@proofline/tlog';
import { failed, passed } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { Check } from '../types.js';

/**
 * Step 6: the RFC 9162 §2.1.3.2 inclusion proof leads from the entry's leaf hash at `index`
 * to the root of the verified checkpoint's tree, so the log's signed tree contains exactly
 * this entry at this index.
 */
export function inclusionStep(
  leaf: Uint8Array,
  index: number,
  proof: readonly Uint8Array[],
  checkpoint: Checkpoint,
): Check {
  const evidence = {
    leafHash: base64Encode(leaf),
    index: String(index),
    treeSize: String(checkpoint.size),
    rootHash: base64Encode(checkpoint.rootHash),
    proofLength: String(proof.length),
  };
  try {
    verifyInclusion(leaf, index, checkpoint.size, proof, checkpoint.rootHash);
  } catch (cause) {
    if (!(cause instanceof TlogError)) throw cause;
    const reason =
      index >= checkpoint.size
        ? `index ${index} is not below the tree size ${checkpoint.size}`
        : cause.message;
    const error = new VerificationError(
      'INCLUSION_PROOF_INVALID',
      'inclusion',
      `the entry is not proven at index ${index}: ${reason}`,
      { evidence, cause },
    );
    return failed(error);
  }
  return passed(
    'inclusion',
    `The entry is leaf ${index} of the checkpoint's tree of size ${checkpoint.size}.`,
    evidence,
  );
}
