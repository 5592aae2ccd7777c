import type { Storage } from '@proofline/storage';
import { SequencerError } from './errors.js';

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
}

interface Group {
  readonly entries: readonly Uint8Array[];
  resolve(first: number): void;
  reject(err: unknown): void;
}

/**
 * Groups appends from many concurrent callers into batches and gives each batch its indices
 * in one durable storage transaction. A caller hears its index only after that transaction
 * has committed; if it fails, every caller in the batch gets the error and none of its
 * entries exists. The entries of one `appendBatch` call always share a transaction and get
 * consecutive indices.
 *
 * Memory is bounded: at most `maxPending` entries wait; beyond that `append` rejects with
 * OVERLOADED instead of queueing.
 */
export class Sequencer {
  private readonly maxBatchSize: number;
  private readonly maxBatchDelayMs: number;
  private readonly maxPending: number;
  private queue: Group[] = [];
  private pending = 0;
  private committing = false;
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly storage: Storage,
    readonly log: string,
    options: SequencerOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 4096;
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? 0;
    this.maxPending = options.maxPending ?? 65536;
  }

  /** Appends one entry; resolves with its index once durably sequenced. */
  append(entry: Uint8Array): Promise<number> {
    return this.appendBatch([entry]);
  }

  /** Appends entries atomically; resolves with the first index once durably sequenced. */
  appendBatch(entries: readonly Uint8Array[]): Promise<number> {
    if (this.closed) {
      return Promise.reject(new SequencerError('CLOSED', 'the log is shutting down'));
    }
    for (const [i, entry] of entries.entries()) {
      if (entry.length > MAX_ENTRY_SIZE) {
        return Promise.reject(
          new SequencerError(
            'ENTRY_TOO_LARGE',
            `entry ${i} is ${entry.length} bytes; entries are at most ${MAX_ENTRY_SIZE} bytes`,
          ),
        );
      }
    }
    if (this.pending + entries.length > this.maxPending) {
      return Promise.reject(
        new SequencerError('OVERLOADED', 'too many entries are waiting to be sequenced', 1),
      );
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      this.pending += entries.length;
      this.schedule();
    });
  }

  /** Refuses new entries and resolves once every accepted entry has been committed or failed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending === 0 && !this.committing) return;
    await new Promise<void>((resolve) => (this.drained = resolve));
  }

  private schedule(): void {
    if (this.committing || this.timer !== undefined || this.queue.length === 0) return;
    if (this.pending >= this.maxBatchSize || this.maxBatchDelayMs === 0) {
      this.timer = setImmediate(() => this.commit());
    } else {
      this.timer = setTimeout(() => this.commit(), this.maxBatchDelayMs);
    }
  }

  private async commit(): Promise<void> {
    this.timer = undefined;
    const batch: Group[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (count === 0 || count + this.queue[0]!.entries.length <= this.maxBatchSize)
    ) {
      const group = this.queue.shift()!;
      batch.push(group);
      count += group.entries.length;
    }
    this.committing = true;
    try {
      const entries = batch.length === 1 ? batch[0]!.entries : batch.flatMap((g) => g.entries);
      let next = await this.storage.sequence(this.log, entries);
      for (const group of batch) {
        group.resolve(next);
        next += group.entries.length;
      }
    } catch (err) {
      for (const group of batch) group.reject(err);
    } finally {
      this.pending -= count;
      this.committing = false;
      if (this.queue.length > 0) this.schedule();
      else if (this.closed && this.drained) this.drained();
    }
  }
}
