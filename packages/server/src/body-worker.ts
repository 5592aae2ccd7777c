/**
 * The thread behind BodyParserPool: parses request bodies off the event loop.
 *
 * Protocol (parent → worker): `{ chunks: Uint8Array[], prepare: boolean }`, the body in
 * pieces (transferred); `prepare` when the body is a batch attest's (records/prepared-batch.ts).
 * Reply: `{ prepared: PreparedMessage }` (its typed arrays transferred) when `prepare` is set
 * and the body parsed to a batch of 1 to MAX_BATCH statements, else `{ outcome: BodyOutcome }`
 * (structured clone). One body at a time: the pool sends the next only after the reply. An
 * unexpected exception kills the thread (the pool fails that body with CRASHED).
 */
import { parentPort } from 'node:worker_threads';
import { parseBody } from './body-parse.js';
import { prepareBatch, transferList } from './records/prepared-batch.js';

parentPort!.on('message', ({ chunks, prepare }: { chunks: Uint8Array[]; prepare: boolean }) => {
  const outcome = parseBody(Buffer.concat(chunks));
  const prepared = prepare && outcome.ok ? prepareBatch(outcome.value) : undefined;
  if (prepared === undefined) parentPort!.postMessage({ outcome });
  else parentPort!.postMessage({ prepared }, transferList(prepared));
});
