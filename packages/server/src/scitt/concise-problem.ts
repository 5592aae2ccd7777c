import type { FastifyReply, FastifyRequest } from 'fastify';
import { CborMap, encodeCbor, type CborValue } from '@proofline/cose';
import { acceptQuality } from '../accept.js';
import { PROBLEM_TYPE_BASE, problemTitle, type HttpProblem } from '../problem.js';

/** RFC 9290's media type. */
export const CONCISE_PROBLEM_MEDIA_TYPE = 'application/concise-problem-details+cbor';

/** RFC 9290 standard problem detail keys. */
const TITLE = -1;
const DETAIL = -2;

/**
 * The custom problem detail entry (RFC 9290 §3: a URI key, a map value) carrying what the
 * JSON problem carries beyond title and detail: `code` (the problem type slug), `status`,
 * and its extension members (`field`, `erasure`, ...).
 */
export const PROOFLINE_PROBLEM_KEY = PROBLEM_TYPE_BASE;

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
 * The concise problem details of `problem`: `{-1: title, -2: detail, "<PROBLEM_TYPE_BASE>":
 * {"code": ..., "status": ..., ...extensions}}`, deterministically encoded.
 */
export function conciseProblem(problem: HttpProblem): Uint8Array {
  const custom: [CborValue, CborValue][] = [
    ['code', problem.code],
    ['status', problem.status],
  ];
  for (const [name, value] of Object.entries(problem.extensions)) {
    if (typeof value === 'string' || Number.isSafeInteger(value)) {
      custom.push([name, value as string | number]);
    }
  }
  return encodeCbor(
    new CborMap([
      [TITLE, problemTitle(problem.status)],
      [DETAIL, problem.detail],
      [PROOFLINE_PROBLEM_KEY, new CborMap(custom)],
    ]),
  );
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
