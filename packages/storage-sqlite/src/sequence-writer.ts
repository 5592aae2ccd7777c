import { Worker } from 'node:worker_threads';
import type { SequenceReply, SequenceRequest } from './sequence-txn.js';

interface Pending {
  resolve(reply: SequenceReply): void;
  reject(err: unknown): void;
}

/**
 * The main-thread side of the writer thread (writer-thread.ts). Requests run one at a time,
 * in the order sent. If the thread dies, the requests it owed are rejected — their
 * transactions either committed before it died or were rolled back by SQLite, exactly as
 * for a crashed process, and their callers were not told they succeeded — and the next
 * request starts a new thread. The thread keeps the process alive only while it owes replies.
 */
export class SequenceWriter {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  run(request: SequenceRequest): Promise<SequenceReply> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<SequenceReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, request }, [request.data.buffer as ArrayBuffer]);
    });
  }

  /** Closes the thread's connection once it has answered everything sent before. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ close: true });
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./writer-thread.js', import.meta.url), {
      workerData: { path: this.path, busyTimeoutMs: this.busyTimeoutMs },
    });
    worker.unref();
    worker.on(
      'message',
      (msg: { id: number; reply?: SequenceReply; error?: { message: string; code?: string } }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (this.pending.size === 0) worker.unref();
        if (msg.reply) p.resolve(msg.reply);
        else p.reject(Object.assign(new Error(msg.error!.message), { code: msg.error!.code }));
      },
    );
    const failAll = (err: unknown): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) =>
      failAll(new Error(`the SQLite writer thread exited (code ${code})`)),
    );
    return worker;
  }
}
