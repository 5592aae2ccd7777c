import { Worker } from 'node:worker_threads';
import { StorageError } from '@proofline/storage';
import type { LookupMergeOptions } from './lookup-merge.js';
import type { WriteOperations } from './writes.js';

interface Pending {
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { name: string; code?: unknown; message: string };
}

/** The error the thread reported, as the caller would have seen it on its own thread. */
function toError(e: NonNullable<Reply['error']>): Error {
  if (e.name === 'StorageError') return new StorageError(e.code as StorageError['code'], e.message);
  return Object.assign(new Error(e.message), { code: e.code });
}

/**
 * The calling side of the writer thread (writer-thread.ts). Calls run one at a time,
 * in the order sent. If the thread dies, the requests it owed are rejected — their
 * transactions either committed before it died or were rolled back by SQLite, exactly as
 * for a crashed process, and their callers were not told they succeeded — and the next
 * request starts a new thread. The thread keeps the process alive only while it owes replies.
 */
export class Writer {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    /** Whether the thread's commits checkpoint the WAL (SQLite's default) or leave it to a Checkpointer. */
    private readonly autocheckpoint: boolean,
    private readonly lookupMerge: LookupMergeOptions,
    /** Called before each call is sent (e.g. to start the Checkpointer). */
    private readonly onCall: () => void = () => {},
  ) {}

  /** True when the thread owes no reply: no transaction of this store is running there. */
  get idle(): boolean {
    return this.pending.size === 0;
  }

  /** Runs `op` on the thread; `transfer` lists buffers of `args` handed over, not copied. */
  call<K extends keyof WriteOperations>(
    op: K,
    args: Parameters<WriteOperations[K]>,
    transfer: ArrayBuffer[] = [],
  ): Promise<ReturnType<WriteOperations[K]>> {
    this.onCall();
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, op, args }, transfer);
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
      workerData: {
        path: this.path,
        busyTimeoutMs: this.busyTimeoutMs,
        autocheckpoint: this.autocheckpoint,
        lookupMerge: this.lookupMerge,
      },
    });
    worker.unref();
    worker.on('message', (msg: Reply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (msg.error) p.reject(toError(msg.error));
      else p.resolve(msg.result);
    });
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
