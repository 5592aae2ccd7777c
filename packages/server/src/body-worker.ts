/**
 * The thread behind BodyParserPool: parses request bodies off the event loop.
 *
 * Protocol (parent → worker): `{ chunks: Uint8Array[] }`, the body in pieces (transferred).
 * Reply: `{ outcome: BodyOutcome }` (structured clone). One body at a time: the pool
 * sends the next only after the reply.
 */
import { parentPort } from 'node:worker_threads';
import { parseBody } from './body-parse.js';

parentPort!.on('message', ({ chunks }: { chunks: Uint8Array[] }) => {
  parentPort!.postMessage({ outcome: parseBody(Buffer.concat(chunks)) });
});
