import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BodyOutcome } from './body-parse.js';
import { preparedFromMessage } from './records/prepared-batch.js';

/**
 * BUSY: the queue is full; CLOSED: the pool was closed; CRASHED: the thread died; MALFORMED:
 * the thread answered something the protocol does not allow (the thread is replaced).
 */
export type BodyPoolErrorCode = 'BUSY' | 'CLOSED' | 'CRASHED' | 'MALFORMED';

export class BodyPoolError extends Error {
  constructor(
    readonly code: BodyPoolErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BodyPoolError';
  }
}

interface Job {
  readonly chunks: readonly Uint8Array[];
  readonly prepare: boolean;
  resolve(outcome: BodyOutcome): void;
  reject(err: unknown): void;
}

interface Thread {
  readonly worker: Worker;
  /** The body it is parsing; undefined while idle. */
  job: Job | undefined;
}

/**
 * Parses large request bodies (parseBody) on a few worker threads, so that a 16 MiB body
 * never holds the event loop. Each thread parses one body at a time; bodies beyond the busy
 * threads wait in a queue of at most `maxQueued`, and beyond that are refused at once (BUSY)
 * rather than piling up memory. Threads start on first use and do not keep the process alive
 * while idle. A thread that dies fails its body (CRASHED), one that answers outside the
 * protocol fails it with MALFORMED and is stopped; either is replaced on the next body.
 */
export class BodyParserPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(
    // Leave a core to the event loop.
    private readonly size = Math.max(1, Math.min(2, availableParallelism() - 1)),
    private readonly maxQueued = 8,
    /** The threads' module: body-worker.js, or one speaking its protocol (tests). */
    private readonly workerUrl = new URL('./body-worker.js', import.meta.url),
  ) {}

  /**
   * Parses the body made of `chunks` on a thread. The chunks' memory is transferred to it:
   * each must own its whole ArrayBuffer (e.g. `new Uint8Array(chunk)`), and is unusable
   * afterwards. With `prepare` (a batch attest's body), a batch of statements is also
   * validated on the thread: the outcome's value is then a PreparedBatch (body-worker.ts).
   * Rejects with BodyPoolError.
   */
  parse(chunks: readonly Uint8Array[], prepare = false): Promise<BodyOutcome> {
    if (this.closed) return Promise.reject(new BodyPoolError('CLOSED', 'the server is closing'));
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new BodyPoolError('BUSY', 'too many large bodies are being parsed'));
    }
    return new Promise<BodyOutcome>((resolve, reject) => {
      this.queue.push({ chunks, prepare, resolve, reject });
      this.dispatch();
    });
  }

  /** Refuses new bodies, fails the queued and running ones (CLOSED) and stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new BodyPoolError('CLOSED', 'the server is closing');
    for (const job of this.queue.splice(0)) job.reject(err);
    const threads = this.threads.splice(0);
    for (const thread of threads) thread.job?.reject(err);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = this.threads.find((t) => t.job === undefined);
      if (thread === undefined) {
        if (this.threads.length >= this.size) return;
        thread = this.start();
      }
      const job = this.queue.shift()!;
      thread.job = job;
      thread.worker.ref();
      const buffers = job.chunks.map((c) => c.buffer as ArrayBuffer);
      thread.worker.postMessage({ chunks: job.chunks, prepare: job.prepare }, buffers);
    }
  }

  private start(): Thread {
    const worker = new Worker(this.workerUrl);
    const thread: Thread = { worker, job: undefined };
    this.threads.push(thread);
    const fail = (err: unknown, code: BodyPoolErrorCode = 'CRASHED') => {
      const index = this.threads.indexOf(thread);
      if (index < 0) return; // closed, or already failed
      this.threads.splice(index, 1);
      thread.job?.reject(
        new BodyPoolError(
          code,
          code === 'CRASHED'
            ? 'the body parsing thread died'
            : 'the body parsing thread answered outside its protocol',
          { cause: err },
        ),
      );
      thread.job = undefined;
      void worker.terminate();
      this.dispatch();
    };
    worker.on('message', (message: unknown) => {
      let outcome: BodyOutcome;
      try {
        outcome = answerOf(message, thread.job?.prepare === true);
      } catch (err) {
        fail(err, 'MALFORMED');
        return;
      }
      const job = thread.job;
      thread.job = undefined;
      job?.resolve(outcome);
      this.dispatch();
      if (thread.job === undefined) worker.unref();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    return thread;
  }
}

/**
 * The outcome a thread's reply carries (see body-worker.ts): a prepared batch only when one
 * was asked for, checked by preparedFromMessage. Throws when the reply is outside the protocol.
 */
function answerOf(message: unknown, prepare: boolean): BodyOutcome {
  const m = message as { outcome?: unknown; prepared?: unknown } | null;
  if (prepare && m?.prepared !== undefined) {
    return { ok: true, value: preparedFromMessage(m.prepared) };
  }
  const outcome = m?.outcome as BodyOutcome | undefined;
  if (typeof outcome !== 'object' || outcome === null || typeof outcome.ok !== 'boolean') {
    throw new Error('a reply with neither an outcome nor an asked-for prepared batch');
  }
  return outcome;
}
