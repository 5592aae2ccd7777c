import { formatNote, type Signer } from '@proofline/note';
import { SequencerError } from './errors.js';
import { nodeHashInto, nodeInteriorHash, nodeLeafHashes } from '@proofline/tlog/node';
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
  /**
   * Signs the commit's note; throws SequencerError INDEX_ALREADY_SEALED to refuse. With a
   * SyncSigner it returns the note itself (no promise, no microtask); with an asynchronous
   * signer a promise of it, which rejects with INDEX_ALREADY_SEALED or SIGNER_FAILED. The
   * index checks run before it returns either way (and, for a promise, again when the
   * signature arrives).
   */
  seal(commit: CommitToSeal): string | Promise<string>;
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

/** Longest an asynchronous signer may take over one receipt by default, in ms. */
export const SIGN_TIMEOUT_MS = 10_000;

export interface ReceiptSealerOptions {
  /**
   * Longest an asynchronous signer may take over one receipt, in ms (default SIGN_TIMEOUT_MS);
   * then the seal fails with SIGNER_FAILED. Unused with a SyncSigner.
   */
  readonly signTimeoutMs?: number;
}

/**
 * Signs each commit's creation receipt before the sequencer hands the commit to storage,
 * which stores it with the commit or not at all: synchronously (node:crypto Ed25519 from a
 * seed, or a SyncSigner such as a PKCS#11 token's key named by the log's origin), or through
 * an asynchronous note Signer (a network KMS, an external program: openExecKey), which must
 * answer only signatures it checked (openExecKey verifies each against the log key). The note's
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
 *
 * With an asynchronous signer the seal is checked synchronously, before the signer is
 * called (a refused commit never reaches the signer), and again when the signature arrives,
 * synchronously with handing the note back: a call already under way may have stored a
 * commit covering those indices meanwhile, or failed with its outcome unknown, and the note
 * is then refused as above and dropped, never stored nor returned. That refusal is a race
 * between this process's own calls, not a sign of a rolled-back storage, so it is not
 * reported to `onRefused`: the sequencer proposes afresh, and a proposal below what this
 * process saw stored is refused, and reported, before any signing. While it is being signed
 * a seal is like one of a call under way: it blocks nothing, since nothing can store it yet.
 * A signer that rejects, or takes longer than `signTimeoutMs`, fails the seal with
 * SIGNER_FAILED: the commit is not sent, its indices are sealed anew by the next commit.
 * That holds even if the signer did sign (a timeout, a KMS answer lost on the way): a
 * signature this process never received cannot be stored or handed to anyone by it, and
 * whoever holds the signing key could sign any note anyway. A late answer is ignored.
 */
export class ReceiptSealer {
  private readonly signer: SyncSigner | Signer;
  /** The signer's `signSync`, if it has one: the fast path, without a promise. */
  private readonly signSync: ((message: Uint8Array) => Uint8Array) | undefined;
  private readonly signTimeoutMs: number;
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
    key: Uint8Array | SyncSigner | Signer,
    private readonly format: ReceiptFormat,
    private readonly onRefused: (err: SequencerError) => void = (err) =>
      console.error(`receipts of ${origin}:`, err.message),
    options: ReceiptSealerOptions = {},
  ) {
    const signer = key instanceof Uint8Array ? nodeEd25519Signer(origin, key) : key;
    this.signer = signer;
    const { signSync } = signer as Partial<SyncSigner>;
    this.signSync = signSync?.bind(signer);
    this.signTimeoutMs = options.signTimeoutMs ?? SIGN_TIMEOUT_MS;
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

  private seal(session: SealSession, commit: CommitToSeal): string | Promise<string> {
    const first = commit.first;
    const end = first + commit.entries.length;
    this.refuseCovered(first, end);
    const { leaves, text, tree } = this.text(commit);
    const message = new TextEncoder().encode(text);
    if (this.signSync !== undefined) {
      const sealed = this.note(first, text, this.signSync(message), leaves, tree);
      this.open.set(session, sealed);
      return sealed.note;
    }
    this.open.delete(session); // its last seal was answered: this one is not stored yet
    return this.signAsync(message).then(
      (signature) => {
        this.refuseCovered(first, end, false);
        const sealed = this.note(first, text, signature, leaves, tree);
        this.open.set(session, sealed);
        return sealed.note;
      },
      (err: unknown) => {
        throw new SequencerError(
          'SIGNER_FAILED',
          `the signer of ${this.origin} did not sign entries [${first}, ${end}): ${(err as Error).message}`,
          { cause: err },
        );
      },
    );
  }

  /**
   * Throws INDEX_ALREADY_SEALED if [first, end) starts below the floor or meets a seal that
   * may have been stored, and reports it to `onRefused` if `report`.
   */
  private refuseCovered(first: number, end: number, report = true): void {
    let blocked: readonly [number, number] | undefined;
    if (first >= this.settledEnd) {
      for (const range of this.unresolved.values()) {
        if (range[0] < end && first < range[1]) blocked = range;
      }
      if (blocked === undefined) return;
    }
    const err = new SequencerError(
      'INDEX_ALREADY_SEALED',
      blocked
        ? `refusing to seal entries [${first}, ${end}): a failed commit sealed [${blocked[0]}, ${blocked[1]}) and may have been stored`
        : `refusing to seal entries [${first}, ${end}): this process already sealed a receipt up to index ${this.settledEnd - 1}`,
    );
    if (report) this.onRefused(err);
    throw err;
  }

  /** The asynchronous signer's signature of `message`, or a rejection after the timeout. */
  private signAsync(message: Uint8Array): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no signature within ${this.signTimeoutMs} ms`)),
        this.signTimeoutMs,
      );
      this.signer.sign(message).then(
        (signature) => {
          clearTimeout(timer);
          resolve(signature);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  private text(commit: CommitToSeal): {
    leaves: Uint8Array[];
    text: string;
    tree: CommitTree | undefined;
  } {
    const { first, timeMs } = commit;
    const leaves = nodeLeafHashes(commit.entries);
    const { text, tree } = this.format.text(
      { origin: this.origin, first, timeMs, leaves },
      nodeInteriorHash,
      nodeHashInto,
    );
    return { leaves, text, tree };
  }

  private note(
    first: number,
    text: string,
    signature: Uint8Array,
    leaves: readonly Uint8Array[],
    tree: CommitTree | undefined,
  ): SealedCommit {
    const { keyId } = this.signer;
    const note = formatNote({ text, signatures: [{ name: this.origin, keyId, signature }] });
    return { first, note, leaves, ...(tree ? { tree } : {}) };
  }
}
