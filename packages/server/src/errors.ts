import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StorageError } from '@proofline/storage';
import { SequencerError } from '@proofline/sequencer';
import { TlogError } from '@proofline/tlog';
import { RecordError } from '@proofline/records';
import { HttpProblem, sendProblem } from './problem.js';

/** Stable problem codes for the request errors fastify raises before a handler runs. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-request',
  FST_ERR_CTP_INVALID_TYPE: 'invalid-request',
  FST_ERR_BAD_URL: 'invalid-url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
};

/** Maps every typed error of the lower layers to its HTTP problem; anything else is a 500. */
export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof TlogError && err.code === 'BAD_TILE_PATH') {
    return new HttpProblem(400, 'bad-tile-path', err.message);
  }
  if (err instanceof SequencerError) {
    switch (err.code) {
      case 'ENTRY_TOO_LARGE':
        return new HttpProblem(413, 'entry-too-large', err.message);
      case 'BATCH_TOO_LARGE':
        return new HttpProblem(413, 'batch-too-large', err.message);
      case 'OVERLOADED':
      case 'CONTENDED':
      case 'CLOSED':
        return new HttpProblem(503, 'overloaded', err.message, {
          'retry-after': String(err.retryAfterSeconds ?? 1),
        });
    }
  }
  if (err instanceof StorageError && err.code === 'UNKNOWN_LOG') {
    return new HttpProblem(404, 'unknown-log', err.message);
  }
  if (err instanceof RecordError) {
    return new HttpProblem(400, 'invalid-statement', err.message, {}, { field: err.field ?? '/' });
  }
  const fastifyError = err as Partial<FastifyError>;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    return new HttpProblem(
      status,
      FASTIFY_CODES[fastifyError.code ?? ''] ??
        (status === 400 ? 'invalid-request' : `http-${status}`),
      fastifyError.message ?? 'bad request',
    );
  }
  return new HttpProblem(500, 'internal', 'internal error');
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(err);
  if (problem.status >= 500) request.log.error({ err }, 'request failed');
  return sendProblem(reply, problem);
}
