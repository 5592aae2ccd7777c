import { Worker } from 'node:worker_threads';
import type { Signer } from '@proofline/note';
import { pkcs8Ed25519 } from '@proofline/note/node';
import { nodeEd25519Signer } from './node-signer.js';

/** Most messages sent to the signing thread in one batch. */
const MAX_BATCH = 4096;

/**
 * A batch this small, when the thread owes nothing, is signed here: one signature (~35 µs)
 * costs less than the round trip to the thread (~150 µs), which only pays off under load.
 */
const SIGN_HERE_MAX = 2;

interface Pending {
  readonly message: Uint8Array;
  resolve(signature: Uint8Array): void;
  reject(err: unknown): void;
}

/**
 * An Ed25519 note signer that signs on a worker thread (node:crypto there), so the ~40 µs
 * of each signature is spent beside the event loop instead of on it. Signatures are
 * byte-identical to nodeEd25519Signer's (Ed25519 is deterministic).
 *
 * Every `sign` call made in the same turn of the event loop (e.g. all receipts of one commit,
 * or every bundle request parsed in that turn) goes to the thread as one batch, in one
 * transferred buffer: one message per turn, not per signature. When only one or two
 * signatures are due and the thread is idle, they are made on this thread instead. The thread is
 * started on first use and does not keep the process alive while idle. If it dies, the
 * signatures it owed are rejected and the next call starts a new one.
 */
export function workerEd25519Signer(name: string, seed: Uint8Array): Signer {
  const identity = nodeEd25519Signer(name, seed); // validates the seed, derives the key id
  const pkcs8 = pkcs8Ed25519(seed);
  let worker: Worker | undefined;
  let queued: Pending[] = [];
  const inFlight = new Map<number, Pending[]>();
  let nextId = 0;

  const failAll = (err: unknown): void => {
    for (const batch of inFlight.values()) for (const p of batch) p.reject(err);
    inFlight.clear();
    worker = undefined;
  };

  const start = (): Worker => {
    const w = new Worker(new URL('./sign-worker.js', import.meta.url), {
      workerData: { pkcs8 },
    });
    w.unref();
    w.on('message', (reply: { id: number; signatures?: ArrayBuffer; error?: string }) => {
      const batch = inFlight.get(reply.id);
      if (!batch) return;
      inFlight.delete(reply.id);
      if (inFlight.size === 0) w.unref();
      if (reply.signatures === undefined) {
        const err = new Error(`signing failed: ${reply.error}`);
        for (const p of batch) p.reject(err);
        return;
      }
      const signatures = new Uint8Array(reply.signatures);
      batch.forEach((p, i) => p.resolve(signatures.subarray(64 * i, 64 * (i + 1))));
    });
    w.on('error', failAll);
    w.on('exit', (code) => {
      if (worker === w) failAll(new Error(`the signing thread exited (code ${code})`));
    });
    return w;
  };

  const flush = (): void => {
    if (queued.length <= SIGN_HERE_MAX && inFlight.size === 0) {
      for (const p of queued.splice(0)) identity.sign(p.message).then(p.resolve, p.reject);
      return;
    }
    while (queued.length > 0) {
      const batch = queued.slice(0, MAX_BATCH);
      queued = queued.slice(batch.length);
      let total = 0;
      for (const p of batch) total += p.message.length;
      const messages = new Uint8Array(total);
      const ends = new Uint32Array(batch.length);
      let offset = 0;
      batch.forEach((p, i) => {
        messages.set(p.message, offset);
        offset += p.message.length;
        ends[i] = offset;
      });
      worker ??= start();
      const id = nextId++;
      inFlight.set(id, batch);
      worker.ref();
      worker.postMessage({ id, messages: messages.buffer, ends }, [messages.buffer]);
    }
  };

  return Object.freeze({
    name: identity.name,
    keyId: identity.keyId,
    sign(message: Uint8Array): Promise<Uint8Array> {
      return new Promise<Uint8Array>((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ message, resolve, reject });
      });
    },
  });
}
