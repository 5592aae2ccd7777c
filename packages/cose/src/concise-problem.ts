/**
 * RFC 9290 concise problem details, the error format of the SCRAPI resources: one home for
 * the server that encodes them and the clients that read them.
 */
import { CborMap, type CborValue } from './cbor.js';
import { decodeCbor } from './cbor-decode.js';
import { encodeCbor } from './cbor-encode.js';

/** RFC 9290's media type. */
export const CONCISE_PROBLEM_MEDIA_TYPE = 'application/concise-problem-details+cbor';

/** RFC 9290 standard problem detail keys. */
const TITLE = -1;
const DETAIL = -2;

/**
 * The key of Proofline's custom problem detail entry (RFC 9290 §3: a URI key, a map value),
 * which is also the prefix of its RFC 9457 problem `type` URIs. The map carries what the JSON
 * problem carries beyond title and detail: `code` (the problem type slug), `status`, and
 * extension members (`field`, ...).
 */
export const PROOFLINE_PROBLEM_KEY = 'https://proofline.dev/problems';

/** What a concise problem says; `custom` holds the string and integer members of the entry. */
export interface ConciseProblem {
  readonly title?: string;
  readonly detail?: string;
  readonly custom: Readonly<Record<string, string | number>>;
}

/** `{-1: title, -2: detail, PROOFLINE_PROBLEM_KEY: {...custom}}`, deterministically encoded. */
export function encodeConciseProblem(problem: ConciseProblem): Uint8Array {
  const entries: [CborValue, CborValue][] = [];
  if (problem.title !== undefined) entries.push([TITLE, problem.title]);
  if (problem.detail !== undefined) entries.push([DETAIL, problem.detail]);
  entries.push([PROOFLINE_PROBLEM_KEY, new CborMap(Object.entries(problem.custom))]);
  return encodeCbor(new CborMap(entries));
}

/**
 * The concise problem in `bytes` (at most `maxBytes`, depth 4), keeping only members of the
 * expected types: a server's error answer is untrusted. Throws CoseError when it is not CBOR.
 */
export function decodeConciseProblem(bytes: Uint8Array, maxBytes: number): ConciseProblem {
  const map = decodeCbor(bytes, { maxBytes, maxDepth: 4 });
  if (!(map instanceof CborMap)) return { custom: {} };
  const text = (v: CborValue | undefined) => (typeof v === 'string' ? v : undefined);
  const title = text(map.get(TITLE));
  const detail = text(map.get(DETAIL));
  const custom: Record<string, string | number> = {};
  const entry = map.get(PROOFLINE_PROBLEM_KEY);
  if (entry instanceof CborMap) {
    for (const [k, v] of entry.entries) {
      if (typeof k === 'string' && (typeof v === 'string' || Number.isSafeInteger(v))) {
        custom[k] = v as string | number;
      }
    }
  }
  return {
    ...(title === undefined ? {} : { title }),
    ...(detail === undefined ? {} : { detail }),
    custom,
  };
}
