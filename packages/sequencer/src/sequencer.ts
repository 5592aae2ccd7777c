import type { SequenceGroup, SequenceResult, Storage } from '@proofline/storage';
import { SequencerError } from './errors.js';
import type { ReceiptSealer, SealedCommit } from './receipt-sealer.js';

export const MAX_ENTRY_SIZE = 65535;

export interface SequencerOptions {
  /** Most entries committed in one transaction (default 4096). */
  readonly maxBatchSize?: number;
  /**
   * Longest the first entry of a batch waits for company, in ms (default 0: the batch is
   * committed on the next event-loop turn; entries that arrive while a commit is in flight
   * form the next batch, so batches grow with load on their own).
   */
  readonly maxBatchDelayMs?: number;
  /** Entries waiting for a commit beyond which appends are refused with OVERLOADED (default 65536). */
  readonly maxPending?: number;
  /** The clock that proposes each batch's time (default Date.now). */
  readonly now?: () => number;
  /**
   * Most batches handed to storage before the first of them has committed (default 1). With
   * 2, the next batch is sent while one commits, so a storage whose commits run off the event
   * loop (SQLite's writer thread, PostgreSQL) is never left idle between commits. Each batch
   * is still one atomic transaction; storage serialises them, in the order sent.
   */
  readonly maxInFlight?: number;
  /**
   * Seals every commit's creation receipt into its storage transaction (the results'
   * `receipt`); without one, commits store no receipt. One sealer per log per process.
   */
  readonly sealer?: ReceiptSealer;
  /**
   * Called after every storage transaction, committed or failed (e.g. to measure it); must
   * not throw. Not called for appends refused before they were queued.
   */
  readonly onCommit?: (report: CommitReport) => void;
}

/** One storage transaction of the sequencer, as `onCommit` hears of it. */
export interface CommitReport {
  /** Entries in the batch (idempotent groups that were replayed included). */
  readonly entries: number;
  /** Entries the commit sequenced: `entries` less the replayed groups', 0 if it failed. */
  readonly sequenced: number;
  readonly groups: number;
  /** From handing the batch to storage to its settling, in ms. */
  readonly ms: number;
  /** Whether it committed. */
  readonly ok: boolean;
}

/** A caller's group: the storage group plus how many entries `build` will return. */
export interface PendingGroup extends SequenceGroup {
  readonly count: number;
}

/** One storage transaction as the sequencer made it: its groups in order, and their results. */
export interface Commit {
  readonly groups: readonly PendingGroup[];
  readonly results: readonly SequenceResult[];
  /** With a sealer, what it sealed for this commit: the stored note, leaf hashes and tree. */
  readonly sealed?: SealedCommit;
}

/** A group's storage result, with the commit it was part of (shared by all its groups). */
export type GroupResult = SequenceResult & { readonly commit: Commit };

interface Waiting {
  readonly group: PendingGroup;
  resolve(result: GroupResult): void;
  reject(err: unknown): void;
}

/**
 * Groups appends from many concurrent callers into batches and sequences each batch in one
 * durable storage transaction. A caller hears its indices only after that transaction has
 * committed; if it fails, every caller in the batch gets the error and none of its entries
 * exists. The entries of one group always share a transaction and get consecutive indices.
 *
 * Memory is bounded: at most `maxPending` entries wait; beyond that appends are refused with
 * OVERLOADED (retry later) instead of queueing.
 */
export class Sequencer {
  private readonly maxBatchSize: number;
  private readonly maxBatchDelayMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private readonly sealer: ReceiptSealer | undefined;
  private readonly onCommit: ((report: CommitReport) => void) | undefined;
  private queue: Waiting[] = [];
  private pending = 0;
  /** Batches handed to storage and not yet settled. */
  private inFlight = 0;
  /** The scheduled commit: an immediate one, or a delayed one that a full batch may advance. */
  private scheduled:
    { kind: 'immediate' } | { kind: 'delayed'; handle: ReturnType<typeof setTimeout> } | undefined;
  private closed = false;
  private readonly drainWaiters: (() => void)[] = [];

  constructor(
    private readonly storage: Storage,
    readonly log: string,
    options: SequencerOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 4096;
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? 0;
    this.maxPending = options.maxPending ?? 65536;
    this.now = options.now ?? Date.now;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.sealer = options.sealer;
    this.onCommit = options.onCommit;
  }

  /** Entries accepted and not yet committed or failed (at most `maxPending`). */
  get backlog(): number {
    return this.pending;
  }

  /** Whether its commits are sealed (store a creation receipt): it was given a sealer. */
  get seals(): boolean {
    return this.sealer !== undefined;
  }

  /** Appends one entry; resolves with its index once durably sequenced. */
  async append(entry: Uint8Array): Promise<number> {
    return this.appendBatch([entry]);
  }

  /** Appends entries atomically; resolves with the first index once durably sequenced. */
  async appendBatch(entries: readonly Uint8Array[]): Promise<number> {
    for (const [i, entry] of entries.entries()) {
      if (entry.length > MAX_ENTRY_SIZE) {
        throw new SequencerError(
          'ENTRY_TOO_LARGE',
          `entry ${i} is ${entry.length} bytes; entries are at most ${MAX_ENTRY_SIZE} bytes`,
        );
      }
    }
    const result = await this.appendGroup({ count: entries.length, build: () => entries });
    if (result.status !== 'sequenced') throw new Error('unreachable: no idempotency key');
    return result.first;
  }

  /**
   * Queues a group for the next batch. The group's builder must return `count` valid
   * entries (callers validate sizes before). Resolves with the storage's result and the
   * commit it was part of.
   */
  appendGroup(group: PendingGroup): Promise<GroupResult> {
    if (this.closed) {
      return Promise.reject(
        new SequencerError('CLOSED', 'the log is shutting down', {
          details: { retryAfterSeconds: 1 },
        }),
      );
    }
    if (group.count > this.maxPending) {
      return Promise.reject(
        new SequencerError(
          'BATCH_TOO_LARGE',
          `${group.count} entries at once exceed the backlog of ${this.maxPending}`,
        ),
      );
    }
    if (this.pending + group.count > this.maxPending) {
      return Promise.reject(
        new SequencerError('OVERLOADED', 'too many entries are waiting to be sequenced', {
          details: { retryAfterSeconds: 1 },
        }),
      );
    }
    return new Promise<GroupResult>((resolve, reject) => {
      this.queue.push({ group, resolve, reject });
      this.pending += group.count;
      this.schedule();
    });
  }

  /** Refuses new entries and resolves once every accepted entry has been committed or failed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const full = this.pending >= this.maxBatchSize || this.maxBatchDelayMs === 0;
    if (this.scheduled?.kind === 'immediate') return;
    if (this.scheduled?.kind === 'delayed') {
      if (!full) return;
      clearTimeout(this.scheduled.handle);
    }
    if (full) {
      // Next event-loop turn: after the I/O callbacks that are queueing more entries.
      setImmediate(() => void this.commit());
      this.scheduled = { kind: 'immediate' };
    } else {
      this.scheduled = {
        kind: 'delayed',
        handle: setTimeout(() => void this.commit(), this.maxBatchDelayMs),
      };
    }
  }

  /**
   * Whether storage holds `sealed`, the last seal of a `sequence` call that rejected (its
   * commit may have landed with the answer lost): read back from storage; a read that fails
   * answers true, which keeps those indices from ever being sealed again in this process.
   */
  private async wasStored(sealed: SealedCommit | undefined): Promise<boolean> {
    if (sealed === undefined) return false;
    try {
      if ((await this.storage.sequencedSize(this.log)) <= sealed.first) return false;
      return (await this.storage.commitRange(this.log, sealed.first)).receipt === sealed.note;
    } catch {
      return true;
    }
  }

  private async commit(): Promise<void> {
    this.scheduled = undefined;
    const batch: Waiting[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (count === 0 || count + this.queue[0]!.group.count <= this.maxBatchSize)
    ) {
      const waiting = this.queue.shift()!;
      batch.push(waiting);
      count += waiting.group.count;
    }
    this.inFlight++;
    this.schedule(); // a batch beyond maxBatchSize, while another may be in flight
    const sealing = this.sealer?.session();
    const started = performance.now();
    let ok = false;
    let sequenced = 0;
    try {
      const results = await this.storage
        .sequence(
          this.log,
          batch.map((w) => w.group),
          this.now(),
          sealing?.seal,
        )
        .then(
          (r) => (sealing?.settle(r), r),
          async (err: unknown) => {
            if (sealing) {
              sealing.settle();
              sealing.resolve(await this.wasStored(sealing.sealed()));
            }
            throw err;
          },
        );
      const sealed = sealing?.sealed();
      const stored = results.some((r) => r.status === 'sequenced' && r.receipt === sealed?.note);
      const commit: Commit = {
        groups: batch.map((w) => w.group),
        results,
        ...(sealed && stored ? { sealed } : {}),
      };
      ok = true;
      batch.forEach((w, i) => {
        if (results[i]!.status === 'sequenced') sequenced += w.group.count;
      });
      batch.forEach((w, i) => w.resolve({ ...results[i]!, commit }));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.onCommit?.({
        entries: count,
        sequenced,
        groups: batch.length,
        ms: performance.now() - started,
        ok,
      });
      this.pending -= count;
      this.inFlight--;
      if (this.queue.length > 0) this.schedule();
      else if (this.closed && this.inFlight === 0) {
        this.drainWaiters.splice(0).forEach((resolve) => resolve());
      }
    }
  }
}
