import type { Verifier } from '@proofline/note';
import { equalHashes, type HashChildren, type HashChildrenInto } from '@proofline/tlog';
import {
  BATCH_RECEIPT_HEADER,
  batchTree,
  formatBatchReceiptText,
  openBatchReceipt,
  type BatchTree,
} from './batch-receipt.js';
import { formatReceiptText, openReceipt } from './receipt.js';
import { formatTime } from './time.js';

/**
 * The creation receipts of the sequencer's receipt port (`ReceiptFormat` in
 * `@proofline/sequencer`), which the composition root hands to its `ReceiptSealer` and
 * `Publisher`: a commit of one entry gets a proofline.dev/receipt/v1 text over origin, index,
 * leaf hash and time; a larger one a proofline.dev/batch-receipt/v1 text over origin, first
 * index, size, the RFC 6962 root of its leaf hashes (`batchTree`) and time.
 */
export const receiptFormat = Object.freeze({
  /**
   * The text to sign for a commit and, for more than one leaf, its tree (`hashChildrenInto`,
   * when given, builds it in place: see batchTree). Throws RecordError.
   */
  text(
    commit: {
      readonly origin: string;
      readonly first: number;
      readonly timeMs: number;
      readonly leaves: readonly Uint8Array[];
    },
    hashChildren: HashChildren,
    hashChildrenInto?: HashChildrenInto,
  ): { readonly text: string; readonly tree?: BatchTree } {
    const { origin, first, leaves } = commit;
    const time = formatTime(commit.timeMs);
    if (leaves.length <= 1) {
      return { text: formatReceiptText({ origin, index: first, leafHash: leaves[0]!, time }) };
    }
    const tree = batchTree(leaves, hashChildren, hashChildrenInto);
    const size = leaves.length;
    return { text: formatBatchReceiptText({ origin, first, size, root: tree.root, time }), tree };
  },

  /**
   * Undefined if `note`, opened with `verifier`, signs exactly the commit of `leaves` at
   * `first`; otherwise what differs. Rejects with RecordError if the note does not open.
   */
  async check(
    note: string,
    commit: { readonly first: number; readonly leaves: readonly Uint8Array[] },
    verifier: Verifier,
    hashChildren: HashChildren,
  ): Promise<string | undefined> {
    const { first, leaves } = commit;
    if (note.startsWith(`${BATCH_RECEIPT_HEADER}\n`)) {
      const r = await openBatchReceipt(note, verifier);
      if (r.first !== first || r.size !== leaves.length) return 'other index range';
      if (!equalHashes(batchTree(leaves, hashChildren).root, r.root)) {
        return 'the leaf hashes do not give the signed root';
      }
      return undefined;
    }
    const r = await openReceipt(note, verifier);
    if (leaves.length !== 1 || r.index !== first) return 'other index';
    if (!equalHashes(leaves[0]!, r.leafHash)) return 'other leaf hash';
    return undefined;
  },
});
