import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite's WAL checkpoints beside the commits (checkpoint-thread.ts) instead of inside
 * them. With SQLite's default, the commit that takes the WAL past 1000 pages copies them all
 * into the database file and syncs it before it returns: every few dozen commits under load,
 * one commit (and every commit queued behind it on the writer thread) waited 1–15 ms. The
 * thread starts on `start()`, does not keep the process alive, and is restarted by the next
 * `start()` if it died; until it runs, the WAL only grows (SQLite checkpoints it when the
 * last connection closes).
 */
export class Checkpointer {
  private worker: Worker | undefined;

  constructor(
    private readonly path: string,
    private readonly intervalMs: number,
  ) {}

  /** Starts the thread unless it runs. */
  start(): void {
    if (this.worker) return;
    const worker = new Worker(new URL('./checkpoint-thread.js', import.meta.url), {
      workerData: { path: this.path, intervalMs: this.intervalMs },
    });
    worker.unref();
    const gone = () => {
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.worker = worker;
  }

  /** Ends the thread once it has closed its connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ close: true });
    await exited;
  }
}
