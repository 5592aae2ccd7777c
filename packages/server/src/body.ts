import type { FastifyInstance } from 'fastify';
import { parseBody, type BodyOutcome } from './body-parse.js';
import { BodyPoolError, type BodyParserPool } from './body-pool.js';
import { preparesBody } from './records/prepared-batch.js';
import { ServiceError } from './service-error.js';

/** Bodies larger than this (bytes) are parsed on the pool's threads, smaller ones here. */
export const THREAD_THRESHOLD = 64 * 1024;

/**
 * Makes JSON the only body type (no text/plain parser): strict UTF-8 (a charset other than
 * utf-8 is a 415), at most the route's `bodyLimit` bytes (413 `payload-too-large`, from the
 * Content-Length before anything is read), parsed by the bounded parser (bounded-json.ts:
 * depth, counts, duplicate names) in one pass. A body above THREAD_THRESHOLD is parsed on
 * `pool`, off the event loop: from the threshold on, each chunk is copied as it arrives
 * (socket read buffers may be shared) and the copies are handed over without another copy,
 * so no large buffer is allocated or copied on the event loop. A large body of a batch
 * attest asking for the compact answer (preparesBody) is also validated there: its value is
 * then a PreparedBatch (records/prepared-batch.ts) rather than the parsed JSON, when it is a
 * batch of 1 to MAX_BATCH statements. Refusals: 400 `invalid-json` (not UTF-8, empty, not
 * JSON, too deep, a repeated name with its `field`), 413 `payload-too-large` (too many
 * members, elements or values), 503 `overloaded` (the pool's queue is full or the server is
 * closing); a thread that dies or breaks its protocol is a 500.
 */
export function registerJsonBody(app: FastifyInstance, pool: BodyParserPool): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request, payload, done) => {
    const charset = /;\s*charset=([^;\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^"?utf-8"?$/i.test(charset)) {
      done(new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'JSON bodies must be UTF-8'), undefined);
      return;
    }
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 0;
    const tooLarge = () => new ServiceError('PAYLOAD_TOO_LARGE', `the body exceeds ${limit} bytes`);
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(tooLarge(), undefined);
      return;
    }
    let chunks: Uint8Array[] = [];
    let length = 0;
    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        stop();
        done(tooLarge(), undefined);
        return;
      }
      if (length <= THREAD_THRESHOLD) {
        chunks.push(chunk);
        return;
      }
      if (length - chunk.length <= THREAD_THRESHOLD) chunks = chunks.map((c) => new Uint8Array(c));
      chunks.push(new Uint8Array(chunk));
    };
    const onError = (err: Error & { statusCode?: number }) => {
      stop();
      done(
        new ServiceError('INVALID_REQUEST', `the body could not be read: ${err.message}`, {
          cause: err,
        }),
      );
    };
    const onEnd = () => {
      stop();
      if (!Number.isNaN(declared) && length !== declared) {
        done(new ServiceError('INVALID_REQUEST', 'the body does not match Content-Length'));
        return;
      }
      if (length <= THREAD_THRESHOLD) {
        settle(parseBody(Buffer.concat(chunks, length)));
        return;
      }
      const prepare = preparesBody(
        request.method,
        request.routeOptions.url,
        request.headers.accept,
      );
      pool.parse(chunks, prepare).then(settle, (err: unknown) => {
        done(
          err instanceof BodyPoolError && (err.code === 'BUSY' || err.code === 'CLOSED')
            ? new ServiceError('OVERLOADED', err.message, {
                cause: err,
                details: { retryAfterSeconds: 1 },
              })
            : (err as Error),
          undefined,
        );
      });
    };
    const settle = (outcome: BodyOutcome) => {
      if (outcome.ok) done(null, outcome.value);
      else done(refusal(outcome), undefined);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  });
}

function refusal(outcome: Extract<BodyOutcome, { ok: false }>): ServiceError {
  switch (outcome.code) {
    case 'MEMBERS':
    case 'ELEMENTS':
    case 'VALUES':
      return new ServiceError('PAYLOAD_TOO_LARGE', outcome.message);
    default:
      return new ServiceError(
        'INVALID_JSON',
        outcome.message,
        outcome.field === undefined ? {} : { details: { field: outcome.field } },
      );
  }
}
