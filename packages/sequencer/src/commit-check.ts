import type { Verifier } from '@proofline/note';
import { StorageError, readTilesAt, type Storage, type StoredCommit } from '@proofline/storage';
import { tileHashReader } from '@proofline/tlog';
import { SequencerError } from './errors.js';
import { nodeInteriorHash } from '@proofline/tlog/node';
import { nodeEd25519Verifier } from './node-signer.js';
import type { SealedRun } from './committed-leaves.js';
import type { ReceiptFormat } from './receipt-format.js';

/** Most commits whose notes one `commitNotes` read fetches (see CommitCheck.commitsFrom). */
const COMMIT_NOTES_READ = 1024;

/**
 * A key the log retired (see Storage.retireKey): it sealed the receipts of the entries
 * `[start, end)`. From a key history the caller verified (verifyKeyHistory of
 * @proofline/records), never from the database's rows as they are.
 */
export interface RetiredKey {
  readonly verifierKey: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Checks, before entries are integrated (and so before any checkpoint can sign them), that
 * every commit still holds exactly the entries its stored creation receipt signs, as the
 * receipt port (`format`) opens it with the key that sealed it (a retired key inside its
 * range, else the log key) and compares it with the commit's index range and leaf hashes.
 * An entry edited in the database between sequencing and integration, or a receipt sealed by
 * a retired key outside its range, is refused with SequencerError COMMIT_ALTERED naming the
 * commit, and nothing is integrated or signed.
 *
 * Before each check with work to do, the log's registered key is read again: if it is no
 * longer this node's log key (retired by `proofline retire-key` while the node ran), the check
 * fails with KEY_RETIRED and nothing is integrated: the node must restart with the new key.
 *
 * Entries of a commit below `from` (integrated earlier) may have been erased: their leaf
 * hashes come from the hash tiles (see integratedLeaves). Entries being integrated never
 * are, since only integrated entries can be erased.
 *
 * A commit with no stored receipt (made before receipts were stored, or its note removed) is
 * reported to `onUnsealed` and integrated: the receipt its client holds still contradicts a
 * checkpoint over other bytes, which is signed evidence of the alteration.
 */
export class CommitCheck {
  private readonly verifier: Verifier;
  private readonly retired: readonly (RetiredKey & { readonly verifier: Verifier })[];
  /** Every commit ending at or below this index was checked. */
  private checkedEnd = 0;

  constructor(
    private readonly storage: Storage,
    private readonly log: {
      readonly name: string;
      readonly verifierKey: string;
      readonly retiredKeys?: readonly RetiredKey[];
    },
    private readonly leafHash: (entry: Uint8Array) => Uint8Array,
    private readonly format: ReceiptFormat,
    private readonly onUnsealed: (commit: StoredCommit) => void = () => {},
  ) {
    this.verifier = nodeEd25519Verifier(log.verifierKey);
    this.retired = (log.retiredKeys ?? []).map((k) => ({
      ...k,
      verifier: nodeEd25519Verifier(k.verifierKey),
    }));
  }

  /**
   * Checks the commits overlapping `[from, to)`, whose leaf hashes are `leaves` (entries of
   * a commit outside that range are read from storage). Resolves if all match; rejects with
   * COMMIT_ALTERED otherwise, or with the storage's error.
   *
   * `sealed` (CommittedLeaves.sealed) may be given only when the leaves of each commit it
   * names are, in `leaves`, the ones this process's sealer hashed and sealed: a commit inside `[from, to)` whose stored receipt is
   * byte for byte the note sealed over exactly its range is not opened and re-hashed again
   * (that note signs the root the sealer computed from these very leaves, with this log's
   * key, checked against the registered key here before any check). Any other receipt (an
   * insider's edit, another range, a retired key's range) is checked in full.
   */
  async check(
    from: number,
    to: number,
    leaves: readonly Uint8Array[],
    sealed?: ReadonlyMap<number, SealedRun>,
  ): Promise<void> {
    let index = Math.max(from, this.checkedEnd);
    if (index < to) await this.checkRegisteredKey();
    while (index < to) {
      for (const commit of await this.commitsFrom(index, to)) {
        if (commit.receipt === undefined) this.onUnsealed(commit);
        else if (!this.sealedHere(commit, from, to, sealed)) {
          await this.verify(commit, await this.leavesOf(commit, from, to, leaves));
        }
        index = commit.end;
      }
    }
    this.checkedEnd = Math.max(this.checkedEnd, index);
  }

  /**
   * The commit holding `index` (commitAt), then those that follow it and start below `to`,
   * in order, at most COMMIT_NOTES_READ of them from one `commitNotes` read: each exactly as
   * commitRange answers it (a commit ends where the next one starts). The last note read
   * only closes the commit before it; its own commit comes from the next call. A lone-record
   * load commits one entry at a time: one read per round instead of one per record.
   */
  private async commitsFrom(index: number, to: number): Promise<StoredCommit[]> {
    const first = await this.commitAt(index);
    const commits = [first];
    if (first.end >= to) return commits;
    const limit = Math.min(COMMIT_NOTES_READ, to - first.end) + 1;
    const notes = await this.storage.commitNotes(this.log.name, first.end, limit);
    if (notes[0]?.start !== first.end) return commits; // not contiguous: commitAt decides
    for (let i = 0; i + 1 < notes.length && notes[i]!.start < to; i++) {
      const { start, receipt } = notes[i]!;
      const end = notes[i + 1]!.start;
      commits.push(receipt === undefined ? { start, end } : { start, end, receipt });
    }
    return commits;
  }

  /** Whether `commit` is in `sealed` as stored: within [from, to), same end, same note, log key. */
  private sealedHere(
    commit: StoredCommit,
    from: number,
    to: number,
    sealed: ReadonlyMap<number, SealedRun> | undefined,
  ): boolean {
    const run = sealed?.get(commit.start);
    return (
      run !== undefined &&
      commit.start >= from &&
      commit.end <= to &&
      run.end === commit.end &&
      run.note === commit.receipt &&
      this.verifierOf(commit) === this.verifier
    );
  }

  private async checkRegisteredKey(): Promise<void> {
    const registered = (await this.storage.getLog(this.log.name))?.verifierKey;
    if (registered !== this.log.verifierKey) {
      throw new SequencerError(
        'KEY_RETIRED',
        `log ${this.log.name}: its registered key is no longer this node's key ` +
          `${this.log.verifierKey} (retired while the node ran?): refusing to integrate or sign; restart the node with the log's key`,
      );
    }
  }

  /**
   * The verifier of the key that sealed `commit`: the retired key whose range holds it, else
   * the log key; undefined for a commit across a key switch (no key sealed it all).
   */
  private verifierOf(commit: StoredCommit): Verifier | undefined {
    const key = this.retired.find((k) => commit.start >= k.start && commit.start < k.end);
    if (key) return commit.end <= key.end ? key.verifier : undefined;
    return this.retired.every((k) => commit.start >= k.end) ? this.verifier : undefined;
  }

  /** The commit holding `index`; a sequenced entry whose commit row is gone stands alone. */
  private async commitAt(index: number): Promise<StoredCommit> {
    try {
      return await this.storage.commitRange(this.log.name, index);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'OUT_OF_RANGE') {
        return { start: index, end: index + 1 };
      }
      throw err;
    }
  }

  private async leavesOf(
    commit: StoredCommit,
    from: number,
    to: number,
    leaves: readonly Uint8Array[],
  ): Promise<readonly Uint8Array[]> {
    const inside = leaves.slice(
      Math.max(commit.start, from) - from,
      Math.min(commit.end, to) - from,
    );
    const read = async (start: number, end: number) =>
      start >= end
        ? []
        : (await this.storage.readEntries(this.log.name, start, end)).map((e) => this.leafHash(e));
    return [
      ...(await this.integratedLeaves(commit.start, Math.min(from, commit.end))),
      ...inside,
      ...(await read(Math.max(to, commit.start), commit.end)),
    ];
  }

  /**
   * Leaf hashes of `[start, end)`, all below `from` and so integrated: of the entries, except
   * that an erased entry (zero bytes; Storage.eraseEntry erases only integrated entries, so
   * nothing at or above `from` is ever erased) has its leaf hash from the level-0 hash tiles.
   */
  private async integratedLeaves(start: number, end: number): Promise<Uint8Array[]> {
    if (start >= end) return [];
    const entries = await this.storage.readEntries(this.log.name, start, end);
    const leaves = entries.map((e) => this.leafHash(e));
    const erased = entries.flatMap((e, i) => (e.length === 0 ? [start + i] : []));
    if (erased.length === 0) return leaves;
    const integrated = await this.storage.integratedSize(this.log.name);
    const read = tileHashReader(integrated, (tiles) =>
      readTilesAt(this.storage, this.log.name, tiles),
    );
    const fromTiles = await read(erased.map((index) => ({ level: 0, index })));
    erased.forEach((index, i) => (leaves[index - start] = fromTiles[i]!));
    return leaves;
  }

  private async verify(commit: StoredCommit, leaves: readonly Uint8Array[]): Promise<void> {
    const altered = (why: string, cause?: unknown) =>
      new SequencerError(
        'COMMIT_ALTERED',
        `log ${this.log.name}: entries [${commit.start}, ${commit.end}) are not what their stored creation receipt signs (${why}): the database was altered; refusing to integrate or sign them`,
        { cause },
      );
    const verifier = this.verifierOf(commit);
    if (verifier === undefined) throw altered('the commit spans a switch of the log key');
    let difference: string | undefined;
    try {
      const stored = { first: commit.start, leaves };
      difference = await this.format.check(commit.receipt!, stored, verifier, nodeInteriorHash);
    } catch (err) {
      throw altered('the stored note does not open with the log key that sealed this range', err);
    }
    if (difference !== undefined) throw altered(difference);
  }
}
