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

/** A final HTTP status that is not 200 (no retry for < 500). */
class StatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * One GET: the body (decoded if gzip), following redirects; rejects on a status other than
 * 200. `apiKey` (a private log's entries need one) is sent as a bearer token to the first
 * URL's origin only, never to another origin a redirect names.
 */
function get(url: string, apiKey?: string, redirects = 0, origin?: string): Promise<Buffer> {
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
          return resolve(get(new URL(res.headers.location, u).href, apiKey, redirects + 1, home));
        }
        if (status !== 200) {
          res.resume();
          return reject(new StatusError(status));
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            const coding = res.headers['content-encoding'];
            resolve(coding === 'gzip' || coding === 'x-gzip' ? gunzipSync(body) : body);
          } catch (err) {
            reject(err as Error);
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
 * GET with a few retries on network errors and 5xx (then LogUnavailableError); any other
 * non-200 is an Error naming the URL and status.
 */
export async function fetchBytes(url: string, apiKey?: string): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await get(url, apiKey);
    } catch (err) {
      const status = err instanceof StatusError ? err.status : 0;
      const message = `GET ${url}: ${(err as Error).message}`;
      if (status > 0 && status < 500) throw new Error(message, { cause: err });
      if (attempt >= 4) throw new LogUnavailableError(message, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

export async function fetchText(url: string, apiKey?: string): Promise<string> {
  return (await fetchBytes(url, apiKey)).toString('utf8');
}
