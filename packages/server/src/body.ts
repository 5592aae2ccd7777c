import type { FastifyInstance } from 'fastify';
import { parseBody, type BodyOutcome } from './body-parse.js';
import { BodyPoolError, type BodyParserPool } from './body-pool.js';
import { HttpProblem } from './problem.js';

/** Bodies larger than this (bytes) are parsed on the pool's threads, smaller ones here. */
export const THREAD_THRESHOLD = 64 * 1024;

/**
 * Makes JSON the only body type (no text/plain parser): strict UTF-8 (a charset other than
 * utf-8 is a 415), parsed by the bounded parser (bounded-json.ts: depth, counts, duplicate
 * names) in one pass; a body above THREAD_THRESHOLD on `pool`, off the event loop. Refusals:
 * 400 `invalid-json` (not UTF-8, empty, not JSON, too deep, a repeated name with its
 * `field`), 413 `payload-too-large` (too many members, elements or values), 503 `overloaded`
 * (the pool's queue is full or the server is closing).
 */
export function registerJsonBody(app: FastifyInstance, pool: BodyParserPool): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset=([^;\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^"?utf-8"?$/i.test(charset)) {
      done(new HttpProblem(415, 'unsupported-media-type', 'JSON bodies must be UTF-8'), undefined);
      return;
    }
    const settle = (outcome: BodyOutcome) => {
      if (outcome.ok) done(null, outcome.value);
      else done(refusal(outcome), undefined);
    };
    const bytes = body as Buffer;
    if (bytes.length <= THREAD_THRESHOLD) {
      settle(parseBody(bytes));
      return;
    }
    pool.parse(bytes).then(settle, (err: unknown) => {
      done(
        err instanceof BodyPoolError && err.code !== 'CRASHED'
          ? new HttpProblem(503, 'overloaded', err.message, { 'retry-after': '1' })
          : (err as Error),
        undefined,
      );
    });
  });
}

function refusal(outcome: Extract<BodyOutcome, { ok: false }>): HttpProblem {
  switch (outcome.code) {
    case 'MEMBERS':
    case 'ELEMENTS':
    case 'VALUES':
      return new HttpProblem(413, 'payload-too-large', outcome.message);
    default:
      return new HttpProblem(
        400,
        'invalid-json',
        outcome.message,
        {},
        outcome.field === undefined ? {} : { field: outcome.field },
      );
  }
}
