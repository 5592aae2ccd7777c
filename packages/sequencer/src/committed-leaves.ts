/** Most leaf hashes held (32 B each, ≈ 8 MiB): beyond it, new commits are not remembered. */
const MAX_HELD = 1 << 18;

/**
 * The leaf hashes of the commits this process's ReceiptSealer saw stored, for this process's
 * Publisher, which then integrates its own commits without reading their entries back from
 * storage and hashing them again (the sealer hashed exactly the bytes it handed to the
 * committing transaction). Process memory only, bounded (`MAX_HELD`): a commit not held is
 * read and hashed from storage as before, so the tiles are the same either way.
 *
 * Insider note: an entry row edited between its commit and its integration is integrated as
 * committed (the hash tiles and checkpoints sign the original entry), so the edit is not
 * refused at integration (COMMIT_ALTERED) but stands out wherever entries meet the signed
 * tree: the audit (`proofline audit` re-hashes every entry against the checkpoint), the
 * record's proof bundle and its receipt no longer verify over the edited entry.
 */
export class CommittedLeaves {
  /** Stored commits' leaf hashes (and the note sealed over them) by first index; no overlaps. */
  private readonly runs = new Map<number, Run>();
  private held = 0;

  constructor(private readonly max = MAX_HELD) {}

  /**
   * Remembers the leaf hashes of a stored commit whose first entry is `first`, and the
   * receipt note this process sealed over exactly them (see `sealed`).
   */
  add(first: number, leaves: readonly Uint8Array[], note: string): void {
    if (leaves.length === 0 || this.held + leaves.length > this.max) return;
    this.runs.set(first, { leaves, note });
    this.held += leaves.length;
  }

  /**
   * The commits held inside `[from, to)`, by first index: their end and the note this process
   * sealed over their leaf hashes (the ones `take(from, to)` answers). A stored receipt equal
   * to that note needs no second look at those leaves (CommitCheck). Forgets nothing.
   */
  sealed(from: number, to: number): ReadonlyMap<number, SealedRun> {
    const out = new Map<number, SealedRun>();
    for (const [start, { leaves, note }] of this.runs) {
      const end = start + leaves.length;
      if (start >= from && end <= to) out.set(start, { end, note });
    }
    return out;
  }

  /**
   * The leaf hashes of `[from, to)`, each one held or undefined (entries another process
   * committed, or a commit whose answer this process has not heard yet: read them from
   * storage). Forgets the commits that end at or below `to` (and any below `from`:
   * integrated elsewhere).
   */
  take(from: number, to: number): (Uint8Array | undefined)[] {
    const out = new Array<Uint8Array | undefined>(to - from).fill(undefined);
    for (const [start, { leaves }] of [...this.runs]) {
      const end = start + leaves.length;
      for (let i = Math.max(start, from); i < Math.min(end, to); i++) {
        out[i - from] = leaves[i - start];
      }
      if (end <= to) {
        this.runs.delete(start);
        this.held -= leaves.length;
      }
    }
    return out;
  }
}

interface Run {
  readonly leaves: readonly Uint8Array[];
  readonly note: string;
}

/** A commit this process sealed: where it ends and the receipt note it sealed. */
export interface SealedRun {
  readonly end: number;
  readonly note: string;
}
