import { formatNote } from '@proofline/note';
import { SequencerError } from './errors.js';
import { nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import { CommittedLeaves } from './committed-leaves.js';
import { nodeEd25519Signer, type SyncSigner } from './node-signer.js';
import type { CommitTree, ReceiptFormat } from './receipt-format.js';

/** What a seal covers: one commit as the sequencer proposes it to storage. */
export interface CommitToSeal {
  /** The index of the commit's first entry. */
  readonly first: number;
  /** The commit's time, milliseconds since the epoch (every entry was built with it). */
  readonly timeMs: number;
  /** The commit's entries in index order (1 or more). */
  readonly entries: readonly Uint8Array[];
}

/**
 * How storage answered the `sequence` call made with a session's last seal: it stored it
 * (`committed`), it did not (`retry` or `duplicates`: the note was dropped unwritten), or
 * the call rejected and the note may or may not be stored.
 */
export type SealOutcome = 'stored' | 'dropped' | 'unknown';

/** The sealing of one batch: each proposal's seal, then how storage answered the last one. */
export interface SealSession {
  /** Signs the commit's note; throws SequencerError INDEX_ALREADY_SEALED to refuse. */
  seal(commit: CommitToSeal): string;
  /** How storage answered the last seal; a no-op when no seal is open. */
  settle(outcome: SealOutcome): void;
  /**
   * After `unknown`: whether storage holds that seal (read back by the caller). `false`
   * frees its indices (the note was never stored nor returned to anyone); `true` makes them
   * a floor like a stored seal's. Until resolved they stay blocked.
   */
  resolve(stored: boolean): void;
  /** The last seal (after `stored`: the commit stored), if it sealed any. */
  sealed(): SealedCommit | undefined;
}

/** A sealed commit: its first index, note, leaf hashes and, for more than one, their tree. */
export interface SealedCommit {
  readonly first: number;
  readonly note: string;
  readonly leaves: readonly Uint8Array[];
  readonly tree?: CommitTree;
}

/**
 * Signs each commit's creation receipt, synchronously (node:crypto Ed25519 from a seed, or a
 * SyncSigner such as a PKCS#11 token's key named by the log's origin), before the sequencer
 * hands the commit to storage, which stores it with the commit or not at all. The note's
 * text is the receipt port's (`format`, `receiptFormat` of @proofline/records: receipt/v1 for
 * one entry, batch-receipt/v1 over the RFC 6962 root of the leaf hashes otherwise).
 *
 * Guard (one sealer per log per process): it never seals a commit whose first index is
 * below the end of a commit it sealed that storage stored, or may have stored (a call that
 * rejected, whose outcome it cannot know). A storage that rolls back its size (an insider
 * editing the database) therefore cannot make this process sign a second receipt for an
 * index that a stored receipt may already cover: the commit is refused with SequencerError
 * INDEX_ALREADY_SEALED (reported to `onRefused`) and nothing is written. Seals of calls
 * still under way may overlap (a batch sent behind one that is then retried was proposed to
 * follow it): storage commits a note only at the exact first index it was sealed for (the
 * compare-and-swap of Storage.sequence), so at most one of them is ever stored and the
 * others are dropped unwritten. The seal of a call that rejected may or may not have been
 * stored (a commit whose answer was lost): its indices stay blocked until the caller reads
 * storage back and `resolve`s it.
 */
export class ReceiptSealer {
  private readonly signer: SyncSigner;
  /** End of the last seal stored (or possibly stored and resolved so): never resealed below. */
  private settledEnd = 0;
  /** The current seal of each session whose call is under way. */
  private readonly open = new Map<SealSession, SealedCommit>();
  /** The last seal of each session settled `unknown` and not yet resolved, as [first, end). */
  private readonly unresolved = new Map<SealSession, readonly [number, number]>();
  /** The last seal of each settled call still referenced (for `sealed()`). */
  private readonly settled = new WeakMap<SealSession, SealedCommit>();
  /** Where stored commits' leaf hashes go, once a publisher asked (see `committedLeaves`). */
  private committed: CommittedLeaves | undefined;

  constructor(
    private readonly origin: string,
    key: Uint8Array | SyncSigner,
    private readonly format: ReceiptFormat,
    private readonly onRefused: (err: SequencerError) => void = (err) =>
      console.error(`receipts of ${origin}:`, err.message),
  ) {
    this.signer = key instanceof Uint8Array ? nodeEd25519Signer(origin, key) : key;
    if (this.signer.name !== origin) {
      throw new TypeError(`receipts of ${origin} cannot be signed by key ${this.signer.name}`);
    }
  }

  /**
   * The leaf hashes of the commits stored from now on, for this process's Publisher of the
   * log (its `committedLeaves` option): remembered only once this was called.
   */
  committedLeaves(): CommittedLeaves {
    return (this.committed ??= new CommittedLeaves());
  }

  /** A session for one batch (one or more `Storage.sequence` calls, one at a time). */
  session(): SealSession {
    const session: SealSession = {
      seal: (commit) => this.seal(session, commit),
      settle: (outcome) => {
        const last = this.open.get(session);
        if (last === undefined) return;
        this.open.delete(session);
        if (outcome === 'dropped') return;
        const end = last.first + last.leaves.length;
        if (outcome === 'stored') {
          this.settledEnd = Math.max(this.settledEnd, end);
          this.committed?.add(last.first, last.leaves, last.note);
        } else this.unresolved.set(session, [last.first, end]);
        this.settled.set(session, last);
      },
      resolve: (stored) => {
        const range = this.unresolved.get(session);
        if (range === undefined) return;
        this.unresolved.delete(session);
        if (stored) this.settledEnd = Math.max(this.settledEnd, range[1]);
      },
      sealed: () => this.open.get(session) ?? this.settled.get(session),
    };
    return session;
  }

  private seal(session: SealSession, commit: CommitToSeal): string {
    const first = commit.first;
    const end = first + commit.entries.length;
    const blocked = [...this.unresolved.values()].find(([f, e]) => f < end && first < e);
    if (first < this.settledEnd || blocked) {
      const err = new SequencerError(
        'INDEX_ALREADY_SEALED',
        blocked && first >= this.settledEnd
          ? `refusing to seal entries [${first}, ${end}): a failed commit sealed [${blocked[0]}, ${blocked[1]}) and may have been stored`
          : `refusing to seal entries [${first}, ${end}): this process already sealed a receipt up to index ${this.settledEnd - 1}`,
      );
      this.onRefused(err);
      throw err;
    }
    const sealed = this.sign(commit);
    this.open.set(session, sealed);
    return sealed.note;
  }

  private sign(commit: CommitToSeal): SealedCommit {
    const { first, timeMs } = commit;
    const origin = this.origin;
    const leaves = commit.entries.map((e) => nodeLeafHash(e));
    const { text, tree } = this.format.text({ origin, first, timeMs, leaves }, nodeInteriorHash);
    const signature = this.signer.signSync(new TextEncoder().encode(text));
    const { keyId } = this.signer;
    const note = formatNote({ text, signatures: [{ name: origin, keyId, signature }] });
    return { first, note, leaves, ...(tree ? { tree } : {}) };
  }
}
