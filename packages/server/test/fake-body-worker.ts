/**
 * A body parser thread for tests: body-worker.ts's protocol, broken on request. A body whose
 * text contains CRASH-THE-THREAD makes the thread exit; MALFORMED-ANSWER makes it answer a
 * prepared batch whose offsets do not fit its bytes (or, to a body that did not ask for one,
 * a valid prepared batch); NOT-THE-PROTOCOL makes it answer a
 * number. Any other body is answered as body-worker.ts does.
 */
import { parentPort } from 'node:worker_threads';
import { parseBody } from '../src/body-parse.js';
import { prepareBatch, transferList } from '../src/records/prepared-batch.js';

parentPort!.on('message', ({ chunks, prepare }: { chunks: Uint8Array[]; prepare: boolean }) => {
  const bytes = Buffer.concat(chunks);
  const text = bytes.toString('utf8');
  if (text.includes('CRASH-THE-THREAD')) process.exit(3);
  if (text.includes('NOT-THE-PROTOCOL')) {
    parentPort!.postMessage(42);
    return;
  }
  const malformed = text.includes('MALFORMED-ANSWER');
  const outcome = parseBody(bytes);
  const prepared = (prepare || malformed) && outcome.ok ? prepareBatch(outcome.value) : undefined;
  if (prepared !== undefined && malformed && prepare && 'offsets' in prepared) {
    prepared.offsets[prepared.offsets.length - 1]! += 7;
  }
  if (prepared === undefined) parentPort!.postMessage({ outcome });
  else parentPort!.postMessage({ prepared }, transferList(prepared));
});
