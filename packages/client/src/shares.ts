import { ProoflineError } from './errors.js';
import { readBounded } from './http.js';

/** A share link as the server lists it: never its token. */
export interface ShareLink {
  readonly id: string;
  readonly recordId: string;
  readonly status: 'active' | 'revoked' | 'expired';
  /** The id of the API key that made it. */
  readonly createdBy: string;
  /** RFC 3339 times. */
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
}

/** A link just made: its token and URL are shown this once (only a hash is stored). */
export interface NewShareLink extends ShareLink {
  readonly token: string;
  /** `<server>/r/<id>#t=<token>`: the record's verification page, opened for whoever has it. */
  readonly url: string;
}

export interface ShareClientOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const LIMIT = 4 * 1024 * 1024;

/**
 * Share links of records in private logs (`/v1/records/<id>/shares`, `/v1/shares/<id>`):
 * make one (`records:write`), list a record's (`records:read`), revoke one or all of a
 * record's (`records:write`). Answers are not verified against a log key: a link is a
 * capability the server checks, not a claim of the log. Nothing is retried (a retried make
 * could make two links).
 */
export class ShareClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ShareClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Makes a link to record `id`, valid for `expiresInSeconds` (default: until revoked). */
  create(id: string, expiresInSeconds?: number): Promise<NewShareLink> {
    return this.call(
      'POST',
      `${recordPath(id)}/shares`,
      expiresInSeconds === undefined ? {} : { expiresInSeconds },
    ) as Promise<NewShareLink>;
  }

  async list(id: string): Promise<ShareLink[]> {
    const body = (await this.call('GET', `${recordPath(id)}/shares`)) as { shares?: unknown };
    if (!Array.isArray(body.shares)) {
      throw new ProoflineError('the list of share links is not a list', 200, 'invalid-response');
    }
    return body.shares as ShareLink[];
  }

  /** Revokes one link by its id; resolves with how many were revoked (0: already revoked). */
  async revoke(shareId: string): Promise<number> {
    const body = (await this.call('DELETE', `/v1/shares/${encodeURIComponent(shareId)}`)) as {
      revoked: number;
    };
    return body.revoked;
  }

  /** Revokes every link of record `id`; resolves with how many were revoked. */
  async revokeAll(id: string): Promise<number> {
    const body = (await this.call('DELETE', `${recordPath(id)}/shares`)) as { revoked: number };
    return body.revoked;
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.options.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new ProoflineError(
        `request failed: ${(err as Error).message}`,
        0,
        'network-error',
        undefined,
        { cause: err },
      );
    }
    const text = await readBounded(response, LIMIT);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new ProoflineError(
        `${method} ${path}: the answer is not JSON`,
        response.status,
        'invalid-response',
        undefined,
        { cause },
      );
    }
    if (!response.ok) {
      const problem = (json ?? {}) as { code?: unknown; detail?: unknown };
      throw new ProoflineError(
        typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`,
        response.status,
        typeof problem.code === 'string' ? problem.code : `http-${response.status}`,
      );
    }
    if (typeof json !== 'object' || json === null) {
      throw new ProoflineError(
        `${method} ${path}: unexpected answer`,
        response.status,
        'invalid-response',
      );
    }
    return json;
  }
}

function recordPath(id: string): string {
  return `/v1/records/${encodeURIComponent(id)}`;
}
