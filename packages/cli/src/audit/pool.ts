import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { HashJob, HashResult } from './worker.js';

/** A fixed set of audit workers (one per core by default); jobs go to the least busy. */
export class HashPool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, (r: HashResult) => void>();
  private nextId = 0;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url));
      const slot = { worker, busy: 0 };
      worker.on('message', (result: HashResult) => {
        slot.busy--;
        this.pending.get(result.id)?.(result);
        this.pending.delete(result.id);
      });
      worker.on('error', (err) => {
        for (const resolve of this.pending.values()) {
          resolve({
            id: -1,
            problems: [`audit worker failed: ${err.message}`],
          });
        }
        this.pending.clear();
      });
      this.workers.push(slot);
    }
  }

  run(job: Omit<HashJob, 'id'>): Promise<HashResult> {
    const id = this.nextId++;
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      slot.worker.postMessage({ ...job, id });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
