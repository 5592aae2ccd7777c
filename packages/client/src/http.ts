import { CONCISE_PROBLEM_MEDIA_TYPE, decodeConciseProblem } from '@proofline/cose';
import { ProoflineError } from './errors.js';
/** Largest problem document read. */
const PROBLEM_LIMIT = 256 * 1024;

/**
 * The body of a response, refusing one longer than `limit` bytes (by its Content-Length at
 * once, else while reading): a server's answer is untrusted input.
 */
export async function readBoundedBytes(response: Response, limit: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new ProoflineError(`the answer exceeds ${limit} bytes`, response.status, 'response-too-large');
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/** readBoundedBytes as UTF-8 text. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBoundedBytes(response, limit));
}

/** What a problem document says: the stable code, the detail, the offending field. */
interface Problem {
  code?: unknown;
  detail?: unknown;
  field?: unknown;
}

/** RFC 9290 concise problem details (the SCRAPI routes' errors): detail, code and field. */
function conciseProblem(bytes: Uint8Array): Problem {
  const { detail, custom } = decodeConciseProblem(bytes, PROBLEM_LIMIT);
  return { detail, code: custom['code'], field: custom['field'] };
}

/**
 * The ProoflineError of a failed response: its RFC 9457 problem (JSON) or RFC 9290 concise
 * problem (CBOR) gives the code, message and field; an unreadable or absent one leaves
 * `http-<status>` and the status. Retry-After (seconds) is kept. Consumes the body.
 */
export async function responseProblem(response: Response): Promise<ProoflineError> {
  const type = response.headers.get('content-type') ?? '';
  let problem: Problem = {};
  try {
    if (type.includes('problem+json')) {
      problem = JSON.parse(await readBounded(response, PROBLEM_LIMIT)) as Problem;
    } else if (type.includes(CONCISE_PROBLEM_MEDIA_TYPE)) {
      problem = conciseProblem(await readBoundedBytes(response, PROBLEM_LIMIT));
    } else {
      await response.body?.cancel();
    }
  } catch {
    // An unreadable problem document: the status alone describes the failure.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ProoflineError(
    typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`,
    response.status,
    typeof problem.code === 'string' ? problem.code : `http-${response.status}`,
    typeof problem.field === 'string' ? problem.field : undefined,
    Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {},
  );
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Waits before retry `attempt`: Retry-After, or an exponential backoff with jitter (≤ 10 s). */
export async function backoff(attempt: number, retryAfterSeconds = 0): Promise<void> {
  const ms = Math.max(retryAfterSeconds * 1000, 100 * 2 ** (attempt - 1) * (0.5 + Math.random()));
  await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10_000)));
}
