import type { CommitNote, IndexRange, Storage, StoredCommit } from '@proofline/storage';

/**
 * Commit starts read per storage query while an index catches up with its log: a log of
 * millions of commits is read in pages of a few ms each on SQLite, not in one long query.
 */
export const COMMIT_STARTS_PAGE = 16 * 1024;

/**
 * Receipt notes kept per log, one per slot, a commit's slot fixed by its position in the log
 * (direct-mapped: a new note replaces the one in its slot, nothing is ever emptied wholesale).
 * About 540 bytes each (a note is a two-byte string: its signature line's em dash), ~17 MiB.
 * Under uniformly random reads, the share of commits whose note is kept is min(1, slots ÷
 * commits), and a miss costs what every read cost without it.
 */
export const COMMIT_NOTE_SLOTS = 32 * 1024;

/**
 * Notes read per storage query when a commit's note is not kept: the commit's and those of
 * the commits after it (Storage.commitNotes), about 17 KiB, each put in its own slot. A log's
 * first pass then costs one query per 32 commits instead of one per commit; a page costs about
 * two commitRange queries on SQLite.
 */
export const COMMIT_NOTES_PAGE = 32;

/**
 * One log's commits in memory: the first index of each (8 bytes per commit, in a typed array
 * grown with the log and never emptied), from Storage.commitStarts, so finding the commit of
 * an index is a binary search instead of a query; and, for the commits whose slot holds it,
 * the receipt note as storage first answered it.
 *
 * Invariants: every commit starting below `size` is in `starts` (storage answered them with
 * that sequenced size from one snapshot; commits are append-only and never split or moved).
 * A note is kept only when storage answered exactly the index's range for it: commitRange's
 * range, or in commitNotes' answer the commit's start followed by the next one's.
 *
 * Insider with database write access: a receipt row edited or deleted after this node read
 * it (for its own commit or in a page of its neighbours') is served as first read (the note
 * the node stored and signed when it sequenced the commit) until its slot is reused or the
 * process restarts; a node that reads the row after the edit serves what storage answers, as
 * without this index (an edited note fails its signature in every verifier; a deleted one
 * means no receipt). Nothing here makes a note.
 */
export class CommitIndex {
  private starts = new Float64Array(1024);
  private count = 0;
  /** A sequenced size storage answered: every commit starting below it is in `starts`. */
  private size = 0;
  private catchingUp: Promise<void> | undefined;
  /** By slot: the start of the commit whose note it holds (-1: none) and that note. */
  private readonly noteStarts: Float64Array;
  private readonly notes: (string | undefined)[];

  constructor(
    private readonly storage: Storage,
    private readonly log: string,
    /** For tests: {@link COMMIT_NOTE_SLOTS}, {@link COMMIT_STARTS_PAGE} (at least 2). */
    private readonly noteSlots = COMMIT_NOTE_SLOTS,
    private readonly page = COMMIT_STARTS_PAGE,
    /** For tests: {@link COMMIT_NOTES_PAGE} (0: commitRange only). */
    private readonly notesPage = COMMIT_NOTES_PAGE,
  ) {
    this.noteStarts = new Float64Array(noteSlots).fill(-1);
    this.notes = new Array<string | undefined>(noteSlots);
  }

  /**
   * The commit holding `index`: its range and note, from memory when its note is kept, else
   * storage's commitRange (what it rejects with, e.g. OUT_OF_RANGE, is rejected with here).
   */
  async commit(index: number): Promise<StoredCommit> {
    const at = await this.position(index);
    if (at >= 0) {
      const kept = this.kept(at);
      if (kept !== undefined) return kept;
      if (this.notesPage > 0) {
        const notes = await this.storage.commitNotes(
          this.log,
          this.starts[at]!,
          Math.min(this.notesPage, this.noteSlots),
        );
        this.keepPage(at, notes);
        const paged = this.kept(at);
        if (paged !== undefined) return paged;
      }
    }
    const stored = await this.storage.commitRange(this.log, index);
    if (at >= 0 && this.matches(at, stored)) {
      const slot = at % this.noteSlots;
      this.noteStarts[slot] = stored.start;
      this.notes[slot] = stored.receipt;
    }
    return stored;
  }

  /** The commit at position `at` from memory, if its slot keeps its note. */
  private kept(at: number): StoredCommit | undefined {
    const slot = at % this.noteSlots;
    const start = this.starts[at]!;
    if (this.noteStarts[slot] !== start) return undefined;
    const end = at + 1 < this.count ? this.starts[at + 1]! : this.size;
    const receipt = this.notes[slot];
    return receipt === undefined ? { start, end } : { start, end, receipt };
  }

  /**
   * Keeps the notes of `notes` (commitNotes from the start at position `at`) whose commit and
   * the next are exactly the index's positions at and after it: a commit whose next one is
   * not in the page, or not where the index has it (a row removed from storage), is not kept.
   */
  private keepPage(at: number, notes: readonly CommitNote[]): void {
    for (let i = 0; i + 1 < notes.length; i++) {
      const p = at + i;
      if (p + 1 >= this.count) return;
      if (notes[i]!.start !== this.starts[p] || notes[i + 1]!.start !== this.starts[p + 1]) return;
      const slot = p % this.noteSlots;
      this.noteStarts[slot] = this.starts[p]!;
      this.notes[slot] = notes[i]!.receipt;
    }
  }

  /** Commits known (for tests). */
  get known(): number {
    return this.count;
  }

  /** Whether `stored` is the range the index holds at position `at`. */
  private matches(at: number, stored: IndexRange): boolean {
    const end = at + 1 < this.count ? this.starts[at + 1]! : this.size;
    return stored.start === this.starts[at] && stored.end === end;
  }

  /** The position in `starts` of the commit holding `index`, or -1 if it is not known. */
  private async position(index: number): Promise<number> {
    if (index >= this.size) await this.catchUp();
    if (index >= this.size) return -1;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Reads the commits storage has beyond `size` (one catch-up at a time). */
  private catchUp(): Promise<void> {
    this.catchingUp ??= this.readStarts().finally(() => (this.catchingUp = undefined));
    return this.catchingUp;
  }

  private async readStarts(): Promise<void> {
    for (;;) {
      const { starts, size } = await this.storage.commitStarts(this.log, this.size, this.page);
      if (this.count + starts.length > this.starts.length) {
        const grown = new Float64Array(
          Math.max(2 * this.starts.length, this.count + starts.length),
        );
        grown.set(this.starts.subarray(0, this.count));
        this.starts = grown;
      }
      if (starts.length < this.page) {
        this.starts.set(starts, this.count);
        this.count += starts.length;
        this.size = Math.max(this.size, size);
        return;
      }
      // A full page: its last commit's end is not known yet; it is read again with the next.
      this.starts.set(starts.slice(0, -1), this.count);
      this.count += starts.length - 1;
      this.size = starts[starts.length - 1]!;
    }
  }
}
