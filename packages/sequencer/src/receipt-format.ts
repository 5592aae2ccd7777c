import type { Verifier } from '@proofline/note';
import type { HashChildren, HashChildrenInto } from '@proofline/tlog';

/**
 * The receipt port: how a commit's creation receipt is written and checked. The sequencer
 * signs and stores the text and checks stored notes, but owns no receipt format; the
 * composition root (the CLI, tests) passes `receiptFormat` from `@proofline/records`.
 */
export interface ReceiptFormat {
  /**
   * The note text the log key signs for `commit` and, for more than one entry, the tree
   * over its leaf hashes (built with `hashChildren`, or with `hashChildrenInto` when given:
   * the same hashes, each written where it lies, nothing allocated per node) whose root the
   * text signs. Deterministic: the same commit always gives the same bytes. Throws for a
   * commit it cannot state (no leaves, a bad origin or time).
   */
  text(
    commit: ReceiptCommit,
    hashChildren: HashChildren,
    hashChildrenInto?: HashChildrenInto,
  ): ReceiptText;
  /**
   * Opens the stored `note` with `verifier` (the log key) and compares what it signs with
   * the commit of entries `[first, first + leaves.length)` whose leaf hashes are `leaves`.
   * Resolves with undefined if the note signs exactly that commit, otherwise with a short
   * phrase naming the difference (for an error message); rejects if the note does not open
   * with the key (unparsable, not signed by it, or of no receipt kind this format knows).
   */
  check(
    note: string,
    commit: Pick<ReceiptCommit, 'first' | 'leaves'>,
    verifier: Verifier,
    hashChildren: HashChildren,
  ): Promise<string | undefined>;
}

/** A commit as its creation receipt states it. */
export interface ReceiptCommit {
  /** The log's origin. */
  readonly origin: string;
  /** The index of the commit's first entry. */
  readonly first: number;
  /** The commit's time, milliseconds since the epoch. */
  readonly timeMs: number;
  /** The RFC 6962 leaf hashes of its entries, in index order (1 or more). */
  readonly leaves: readonly Uint8Array[];
}

/** What `ReceiptFormat.text` returns. */
export interface ReceiptText {
  readonly text: string;
  /** For a commit of more than one entry: the tree whose root `text` signs. */
  readonly tree?: CommitTree;
}

/** The RFC 6962 tree over a commit's leaf hashes, for each entry's inclusion proof. */
export interface CommitTree {
  readonly root: Uint8Array;
  /** PATH(i, D[n]) (RFC 9162 §2.1.3.1): fresh copies of the hashes, from the leaf up. */
  proof(i: number): Uint8Array[];
  /** proof(i) with each hash passed through `encode`, which must not modify it. */
  encodedProof<T>(i: number, encode: (hash: Uint8Array) => T): T[];
}
