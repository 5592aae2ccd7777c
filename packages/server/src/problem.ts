import type { FastifyReply } from 'fastify';
import { PROOFLINE_PROBLEM_KEY } from '@proofline/cose';

/**
 * Every problem code the HTTP API answers with, and its status: the one table that
 * docs/errors.md documents (a test checks they are equal). `toProblem` (errors.ts) is the only
 * place that builds problems, and it can only name codes of this table.
 */
export const PROBLEM_STATUS = {
  'invalid-json': 400,
  'invalid-request': 400,
  'invalid-statement': 400,
  'invalid-issuer-signature': 400,
  'invalid-signed-statement': 400,
  'invalid-idempotency-key': 400,
  'log-required': 400,
  'invalid-url': 400,
  'bad-tile-path': 400,
  unauthorized: 401,
  'insufficient-scope': 403,
  'unknown-log': 404,
  'record-not-found': 404,
  'share-not-found': 404,
  'record-erased': 410,
  'erasure-refused': 409,
  'not-yet-checkpointed': 404,
  'tile-not-found': 404,
  'no-checkpoint': 404,
  'checkpoint-not-found': 404,
  'web-not-built': 404,
  'not-found': 404,
  'period-not-closed': 409,
  'idempotency-key-reused': 409,
  'payload-too-large': 413,
  'batch-too-large': 413,
  'entry-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  'unsupported-content-encoding': 415,
  'rate-limited': 429,
  internal: 500,
  'storage-corrupt': 500,
  'storage-inconsistent': 500,
  overloaded: 503,
  'log-unavailable': 503,
  'not-ready': 503,
  'shutting-down': 503,
} as const satisfies Record<string, number>;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

/** An RFC 9457 problem: `code` is stable and documented; `detail` is for people. */
export class HttpProblem {
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Extra members of the problem document (e.g. `field`). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    this.status = PROBLEM_STATUS[code];
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * The problem types' URI prefix: a problem's `type` is this, a slash and its code (also the key
 * of Proofline's entry in concise problems).
 */
export const PROBLEM_TYPE_BASE = PROOFLINE_PROBLEM_KEY;

/** A problem's title: the reason phrase of its status. */
export function problemTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  return reply
    .code(problem.status)
    .headers({ 'cache-control': 'no-store', ...problem.headers })
    .type('application/problem+json')
    .send({
      type: `${PROBLEM_TYPE_BASE}/${problem.code}`,
      title: problemTitle(problem.status),
      status: problem.status,
      code: problem.code,
      detail: problem.detail,
      ...problem.extensions,
    });
}
