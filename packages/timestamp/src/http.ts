/** RFC 3161 §3.4 time-stamp protocol over HTTP, with fetch. Browser-safe. */
import { TimestampError } from './errors.js';
import { createRequest, type CreateRequestOptions } from './request.js';
import {
  MAX_RESPONSE_SIZE,
  verifyResponse,
  type VerifiedTimestamp,
  type VerifyResponseOptions,
} from './verify.js';

/** Default time allowed for a whole TSA exchange. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface RequestTimestampOptions
  extends CreateRequestOptions, Omit<VerifyResponseOptions, 'data' | 'nonce'> {
  /** Time allowed for connecting, sending and reading the whole reply. Default 10 s. */
  readonly timeoutMs?: number;
  /** The largest reply read. Default (and maximum) MAX_RESPONSE_SIZE. */
  readonly maxResponseBytes?: number;
  /** Extra request headers (e.g. authorization for a commercial TSA). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch implementation. Default globalThis.fetch. */
  readonly fetch?: typeof globalThis.fetch;
  /** An outside signal that cancels the exchange (reported as TIMEOUT). */
  readonly signal?: AbortSignal;
}

const REPLY_TYPES = ['application/timestamp-reply', 'application/timestamp-response'];

/**
 * Timestamps `data` at the TSA at `url`: builds a TimeStampReq (with a fresh nonce unless one
 * is given), POSTs it as application/timestamp-query, reads an application/timestamp-reply of
 * bounded size within the timeout, and verifies it with verifyResponse against `data`, the
 * nonce and the trusted roots. Returns the verified timestamp; its `token` is what to store.
 */
export async function requestTimestamp(
  url: string | URL,
  data: Uint8Array,
  options: RequestTimestampOptions,
): Promise<VerifiedTimestamp> {
  let target: URL;
  try {
    target = new URL(url);
  } catch (cause) {
    throw new TimestampError('INVALID_ARGUMENT', 'url is not a valid URL', { cause });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new TimestampError('INVALID_ARGUMENT', 'url must be http: or https:');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = Math.min(options.maxResponseBytes ?? MAX_RESPONSE_SIZE, MAX_RESPONSE_SIZE);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TimestampError('INVALID_ARGUMENT', 'timeoutMs must be a positive number');
  }
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new TimestampError('INVALID_ARGUMENT', 'maxResponseBytes must be a positive integer');
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const request = await createRequest(data, options);

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  let body: Uint8Array;
  try {
    let response: Response;
    try {
      response = await doFetch(target, {
        method: 'POST',
        headers: {
          ...options.headers,
          'content-type': 'application/timestamp-query',
          accept: 'application/timestamp-reply',
        },
        body: request.der as Uint8Array<ArrayBuffer>,
        signal: controller.signal,
        redirect: 'error',
      });
    } catch (cause) {
      throw transportError(controller.signal.aborted, timedOut, cause);
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => undefined);
      throw new TimestampError('HTTP_ERROR', `TSA answered HTTP ${response.status}`);
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!REPLY_TYPES.includes(type)) {
      await response.body?.cancel().catch(() => undefined);
      throw new TimestampError('HTTP_ERROR', `TSA answered content type "${type}"`);
    }
    body = await readBounded(response, maxBytes, () =>
      transportError(controller.signal.aborted, timedOut, undefined),
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return verifyResponse(body, { ...options, data, nonce: request.nonce });
}

function transportError(aborted: boolean, timedOut: boolean, cause: unknown): TimestampError {
  if (aborted || timedOut) {
    return new TimestampError('TIMEOUT', 'the TSA did not answer in time', { cause });
  }
  return new TimestampError('HTTP_ERROR', 'could not reach the TSA', { cause });
}

async function readBounded(
  response: Response,
  maxBytes: number,
  onError: () => TimestampError,
): Promise<Uint8Array> {
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new TimestampError('MALFORMED', `TSA reply of ${length} bytes is over ${maxBytes}`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new TimestampError('MALFORMED', `TSA reply is over ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof TimestampError) throw cause;
    const error = onError();
    throw new TimestampError(error.code, error.message, { cause });
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
