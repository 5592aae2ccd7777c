import type { Storage, StoredCheckpoint } from '@proofline/storage';

/**
 * Lets requests wait until a log's published checkpoint covers a size. One poll loop per
 * log runs only while someone waits; it sees checkpoints published by any process sharing
 * the store, not just this one.
 */
export class CheckpointWaiter {
  private readonly waiting = new Map<string, Set<Waiter>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly storage: Storage,
    private readonly pollMs = 20,
  ) {}

  /** Resolves with a checkpoint of at least `size`, or undefined after `timeoutMs`. */
  async waitFor(
    log: string,
    size: number,
    timeoutMs: number,
  ): Promise<StoredCheckpoint | undefined> {
    const current = await this.storage.latestCheckpoint(log);
    if (current && current.size >= size) return current;
    let set = this.waiting.get(log);
    if (!set) this.waiting.set(log, (set = new Set()));
    const waiters = set;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        size,
        resolve: (checkpoint) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(checkpoint);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      waiters.add(waiter);
      this.schedule(log);
    });
  }

  private schedule(log: string): void {
    if (this.timers.has(log)) return;
    this.timers.set(
      log,
      setTimeout(() => void this.poll(log), this.pollMs),
    );
  }

  private async poll(log: string): Promise<void> {
    try {
      const set = this.waiting.get(log);
      if (!set || set.size === 0) return;
      const checkpoint = await this.storage.latestCheckpoint(log);
      if (checkpoint) {
        for (const waiter of [...set])
          if (checkpoint.size >= waiter.size) waiter.resolve(checkpoint);
      }
    } catch {
      // A failed poll is retried on the next tick; waiters time out on their own.
    } finally {
      this.timers.delete(log);
      if ((this.waiting.get(log)?.size ?? 0) > 0) this.schedule(log);
    }
  }
}

interface Waiter {
  readonly size: number;
  resolve(checkpoint: StoredCheckpoint | undefined): void;
}
