/**
 * The auditor's HTTP client: node:http(s) with keep-alive agents (one per thread), whole
 * bodies buffered and gunzipped in one call. An audit makes two requests per 256 entries;
 * undici's fetch cost several times more CPU per request (web streams, abort signals,
 * chunk-by-chunk decompression), CPU taken from a server that often shares the machine.
 */
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { CodedError } from '@proofline/tlog';

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};
const TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;

/**
 * The most bytes fetchBytes reads of an answer unless told fewer: the largest entry bundle
 * (256 entries of at most 65535 bytes, each behind its 2-byte length). Every answer of the
 * log is untrusted: none is read, or gunzipped, beyond its bound.
 */
export const MAX_ANSWER_BYTES = 256 * (65_535 + 2);

/**
 * zlib's output step: a 256-entry bundle of ~200-byte entries (~50 KB) gunzips in one step
 * and no concatenation (the default 16 KiB takes four, 77 against 59 µs a bundle).
 */
const GUNZIP_CHUNK = 64 * 1024;

/** A final HTTP status that is not 200 (no retry for < 500). */
class StatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** An answer (or its gunzipped body) larger than its bound: misbehaviour, never retried. */
export class AnswerTooLargeError extends CodedError<'ANSWER_TOO_LARGE'> {
  constructor(message: string) {
    super('ANSWER_TOO_LARGE', message);
    this.name = 'AnswerTooLargeError';
  }
}

/**
 * One GET: the body (decoded if gzip), following redirects; rejects on a status other than
 * 200, and with AnswerTooLargeError once the body (declared, read or gunzipped) exceeds
 * `maxBytes`. `apiKey` (a private log's entries need one) is sent as a bearer token to the
 * first URL's origin only, never to another origin a redirect names.
 */
function get(
  url: string,
  maxBytes: number,
  apiKey?: string,
  redirects = 0,
  origin?: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const home = origin ?? u.origin;
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!mod) return reject(new Error(`unsupported URL scheme ${u.protocol}`));
    const req = mod.get(
      u,
      {
        agent: agents[u.protocol as keyof typeof agents],
        headers: {
          'accept-encoding': 'gzip, identity',
          ...(apiKey !== undefined && u.origin === home
            ? { authorization: `Bearer ${apiKey}` }
            : {}),
        },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && redirects < MAX_REDIRECTS) {
          res.resume();
          return resolve(
            get(new URL(res.headers.location, u).href, maxBytes, apiKey, redirects + 1, home),
          );
        }
        if (status !== 200) {
          res.resume();
          return reject(new StatusError(status));
        }
        const tooLarge = () => new AnswerTooLargeError(`the answer exceeds ${maxBytes} bytes`);
        if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
          res.destroy();
          return reject(tooLarge());
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > maxBytes) {
            res.destroy();
            reject(tooLarge());
          } else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            const coding = res.headers['content-encoding'];
            resolve(
              coding === 'gzip' || coding === 'x-gzip'
                ? gunzipSync(body, { maxOutputLength: maxBytes, chunkSize: GUNZIP_CHUNK })
                : body,
            );
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            reject(code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : (err as Error));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  });
}

/**
 * The log could not be read: a network error, a timeout or a 5xx, after the retries. An
 * outage, not evidence of misbehaviour (a monitor waits it out; an audit fails with it).
 */
export class LogUnavailableError extends CodedError<'LOG_UNAVAILABLE'> {
  constructor(message: string, options?: ErrorOptions) {
    super('LOG_UNAVAILABLE', message, { cause: options?.cause });
    this.name = 'LogUnavailableError';
  }
}

/**
 * The log refused the read (401 or 403): a private log's entries need an API key of its
 * tenant with a read scope. A setting to fix, not misbehaviour of the log nor an outage.
 */
export class ReadRefusedError extends CodedError<'READ_REFUSED'> {
  constructor(message: string) {
    super('READ_REFUSED', message);
    this.name = 'ReadRefusedError';
  }
}

/**
 * GET with a few retries on network errors and 5xx (then LogUnavailableError); any other
 * non-200 is an Error naming the URL and status (ReadRefusedError for 401 and 403), an
 * answer over `maxBytes` (default MAX_ANSWER_BYTES) an AnswerTooLargeError naming the URL.
 */
export async function fetchBytes(
  url: string,
  apiKey?: string,
  maxBytes = MAX_ANSWER_BYTES,
): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await get(url, maxBytes, apiKey);
    } catch (err) {
      if (err instanceof AnswerTooLargeError)
        throw new AnswerTooLargeError(`GET ${url}: ${err.message}`);
      const status = err instanceof StatusError ? err.status : 0;
      const message = `GET ${url}: ${(err as Error).message}`;
      if (status === 401 || status === 403) {
        throw new ReadRefusedError(
          `${message}: the log's entries were refused: a private log needs --api-key, a key of its tenant with audit:read (or records:read)`,
        );
      }
      if (status > 0 && status < 500) throw new Error(message, { cause: err });
      if (attempt >= 4) throw new LogUnavailableError(message, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

/** fetchBytes as UTF-8 text. */
export async function fetchText(
  url: string,
  apiKey?: string,
  maxBytes = MAX_ANSWER_BYTES,
): Promise<string> {
  return (await fetchBytes(url, apiKey, maxBytes)).toString('utf8');
}
