import type { StoredCommit } from '@proofline/storage';

/**
 * Commits kept per log (about 500 bytes each with a receipt note: ~32 MiB at the bound). A
 * log's index is emptied when full: the next reads ask storage again, one per commit.
 */
export const COMMIT_INDEX_ENTRIES = 64 * 1024;

/**
 * The commits of one log as read from storage (Storage.commitRange): their ranges and stored
 * receipt notes, so that finding the commit of an index is a binary search rather than a
 * query. A commit is immutable once sequenced (entries are never rewritten, its note was
 * stored in the same transaction), so an entry is never stale; like the other read caches, a
 * row altered in the database after it was read is served as first read (a genuine signed
 * note stays a genuine one, re-attached to nothing it did not sign: the entry is read afresh).
 */
export class CommitIndex {
  /**
   * By span (index / SPAN), the known commits holding an index of that span, ascending: a
   * commit of many spans is in each. Small sorted arrays keep insertion cheap at any size.
   */
  private readonly spans = new Map<number, StoredCommit[]>();
  private count = 0;

  constructor(private readonly bound = COMMIT_INDEX_ENTRIES) {}

  /** The known commit holding `index`, if any. */
  find(index: number): StoredCommit | undefined {
    const commits = this.spans.get(Math.floor(index / SPAN));
    if (commits === undefined) return undefined;
    const commit = commits[lastAtOrBelow(commits, index)];
    return commit !== undefined && index < commit.end ? commit : undefined;
  }

  /**
   * Remembers `commit` (a range storage answered); an empty range, or one overlapping a known
   * commit (storage never answers either), is not kept. Empties the index first when full.
   */
  add(commit: StoredCommit): void {
    const { start, end } = commit;
    if (!(start < end)) return;
    const first = Math.floor(start / SPAN);
    const last = Math.floor((end - 1) / SPAN);
    for (let span = first; span <= last; span++) {
      const commits = this.spans.get(span) ?? [];
      const at = lastAtOrBelow(commits, start) + 1;
      const before = commits[at - 1];
      const after = commits[at];
      if (
        (before !== undefined && before.end > start) ||
        (after !== undefined && after.start < end)
      ) {
        return;
      }
    }
    if (this.count >= this.bound) {
      this.spans.clear();
      this.count = 0;
    }
    for (let span = first; span <= last; span++) {
      let commits = this.spans.get(span);
      if (commits === undefined) this.spans.set(span, (commits = []));
      commits.splice(lastAtOrBelow(commits, start) + 1, 0, commit);
    }
    this.count++;
  }

  /** Commits known. */
  get size(): number {
    return this.count;
  }
}

/** Indices per span of CommitIndex. */
const SPAN = 256;

/** The position of the last of `commits` (ascending) starting at or below `index` (-1 if none). */
function lastAtOrBelow(commits: readonly StoredCommit[], index: number): number {
  let lo = 0;
  let hi = commits.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (commits[mid]!.start <= index) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
