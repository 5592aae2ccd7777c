/**
 * JSON answers of a log (its description, key history), bounded: read within a byte bound
 * (fetchBytes) and parsed strictly. Apart from fetch.ts so that the audit's worker threads,
 * which fetch only bytes, do not load @proofline/records at start.
 */
import { parseJson } from '@proofline/records';
import { fetchText } from './fetch.js';

/**
 * A JSON answer, read within `maxBytes` (fetchBytes) and parsed strictly (parseJson of
 * @proofline/records: a repeated member name is refused). Throws an Error naming `what` when
 * it is not JSON; rejects as fetchBytes otherwise.
 */
export async function fetchJson(
  url: string,
  what: string,
  maxBytes: number,
  apiKey?: string,
): Promise<unknown> {
  return parseJsonAnswer(await fetchText(url, apiKey, maxBytes), what, maxBytes);
}

/** `text` (an answer or a file of the log's) as JSON within `maxBytes`, strictly; Error naming `what` if not. */
export function parseJsonAnswer(text: string, what: string, maxBytes: number): unknown {
  try {
    return parseJson(text, maxBytes, 'INVALID_ARGUMENT');
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
}
