import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONCISE_PROBLEM_MEDIA_TYPE, encodeConciseProblem } from '@proofline/cose';
import { acceptQuality } from '../accept.js';
import { problemTitle, type HttpProblem } from '../problem.js';

/** The paths of the SCRAPI resources, whose errors are concise problem details. */
function isScrapiPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return (
    path === '/entries' ||
    path.startsWith('/entries/') ||
    path === '/.well-known/scitt-keys' ||
    path.startsWith('/.well-known/scitt-keys/') ||
    path === '/.well-known/transparency-configuration'
  );
}

const JSON_TYPES = ['application/problem+json', 'application/json'];
const CBOR_TYPES = [CONCISE_PROBLEM_MEDIA_TYPE, 'application/cbor'];

/**
 * Whether the problem of `request` is answered as RFC 9290 concise problem details: on the
 * SCRAPI resources (SCRAPI requires it), unless Accept prefers JSON (application/problem+json
 * or application/json with a higher q than the CBOR types).
 */
export function wantsConciseProblem(request: FastifyRequest): boolean {
  if (!isScrapiPath(request.url)) return false;
  const accept = request.headers.accept;
  return acceptQuality(accept, JSON_TYPES) <= acceptQuality(accept, CBOR_TYPES);
}

/**
 * The concise problem details of `problem` (@proofline/cose encodeConciseProblem): title,
 * detail, and in Proofline's entry its code, status and string or integer extensions.
 */
export function conciseProblem(problem: HttpProblem): Uint8Array {
  const custom: Record<string, string | number> = { code: problem.code, status: problem.status };
  for (const [name, value] of Object.entries(problem.extensions)) {
    if (typeof value === 'string' || Number.isSafeInteger(value)) {
      custom[name] = value as string | number;
    }
  }
  return encodeConciseProblem({
    title: problemTitle(problem.status),
    detail: problem.detail,
    custom,
  });
}

/** Sends `problem` as concise problem details, with its headers (Retry-After, ...). */
export function sendConciseProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  const bytes = conciseProblem(problem);
  return reply
    .code(problem.status)
    .headers({ 'cache-control': 'no-store', ...problem.headers })
    .header('vary', 'accept')
    .type(CONCISE_PROBLEM_MEDIA_TYPE)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
