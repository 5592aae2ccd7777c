import type { Verifier } from '@proofline/note';
import { StorageError, readTilesAt, type Storage, type StoredCommit } from '@proofline/storage';
import { tileHashReader } from '@proofline/tlog';
import { SequencerError } from './errors.js';
import { nodeInteriorHash } from '@proofline/tlog/node';
import { nodeEd25519Verifier } from './node-signer.js';
import type { ReceiptFormat } from './receipt-format.js';

/**
 * Checks, before entries are integrated (and so before any checkpoint can sign them), that
 * every commit still holds exactly the entries its stored creation receipt signs, as the
 * receipt port (`format`) opens it with the log key and compares it with the commit's index
 * range and leaf hashes. An entry
 * edited in the database between sequencing and integration is refused with SequencerError
 * COMMIT_ALTERED naming the commit, and nothing is integrated or signed.
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
  /** Every commit ending at or below this index was checked. */
  private checkedEnd = 0;

  constructor(
    private readonly storage: Storage,
    private readonly log: { readonly name: string; readonly verifierKey: string },
    private readonly leafHash: (entry: Uint8Array) => Uint8Array,
    private readonly format: ReceiptFormat,
    private readonly onUnsealed: (commit: StoredCommit) => void = () => {},
  ) {
    this.verifier = nodeEd25519Verifier(log.verifierKey);
  }

  /**
   * Checks the commits overlapping `[from, to)`, whose leaf hashes are `leaves` (entries of
   * a commit outside that range are read from storage). Resolves if all match; rejects with
   * COMMIT_ALTERED otherwise, or with the storage's error.
   */
  async check(from: number, to: number, leaves: readonly Uint8Array[]): Promise<void> {
    let index = Math.max(from, this.checkedEnd);
    while (index < to) {
      const commit = await this.commitAt(index);
      if (commit.receipt === undefined) this.onUnsealed(commit);
      else await this.verify(commit, await this.leavesOf(commit, from, to, leaves));
      index = commit.end;
    }
    this.checkedEnd = Math.max(this.checkedEnd, index);
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
    let difference: string | undefined;
    try {
      const stored = { first: commit.start, leaves };
      difference = await this.format.check(
        commit.receipt!,
        stored,
        this.verifier,
        nodeInteriorHash,
      );
    } catch (err) {
      throw altered('the stored note does not open with the log key', err);
    }
    if (difference !== undefined) throw altered(difference);
  }
}
