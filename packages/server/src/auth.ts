import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AccessStore, ApiKeyRecord, ApiScope } from '@proofline/storage';
import { ServiceError } from './service-error.js';

/**
 * API keys look like `pl_<16 hex id>_<43 base64url secret>`. Only SHA-256 of the secret is
 * stored; verification compares hashes in constant time. A key belongs to one tenant and
 * carries scopes; `admin` implies every other scope of its tenant.
 */
const KEY_PATTERN = /^pl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

export function generateApiKey(
  tenant: string,
  scopes: readonly ApiScope[],
  description: string,
  rateLimit: number,
  now: number,
): NewApiKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return {
    key: `pl_${id}_${secret}`,
    record: {
      id,
      tenant,
      secretHash: sha256Hex(secret),
      scopes: [...scopes],
      description,
      rateLimit,
      createdAt: now,
    },
  };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface Principal {
  readonly keyId: string;
  readonly tenant: string;
  readonly scopes: ReadonlySet<ApiScope>;
  readonly rateLimit: number;
}

/**
 * Resolves bearer tokens to principals. Key records are cached for `cacheMs` so that a
 * revocation made by another process takes effect within that time (immediately in this one).
 * A token whose secret matched is remembered for as long as its record is, keyed by the whole
 * token, so a client's next requests skip hashing it: a wrong secret never reaches a string
 * comparison with a remembered one unless their Map hashes collide, which leaks nothing.
 */
/** The tenant of each request whose API key was verified (for the access log). */
const tenants = new WeakMap<FastifyRequest, string>();

/** The tenant whose valid API key `request` carried, if any. */
export function requestTenant(request: FastifyRequest): string | undefined {
  return tenants.get(request);
}

export class Authenticator {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();
  /** Tokens whose secret matched, with the principal of the record it matched, until when. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly store: AccessStore,
    private readonly cacheMs = 2000,
  ) {}

  async authenticate(request: FastifyRequest, scope: ApiScope): Promise<Principal> {
    const principal = await this.identify(request);
    if (!principal.scopes.has(scope) && !principal.scopes.has('admin')) {
      throw new ServiceError('FORBIDDEN', `this API key lacks the ${scope} scope`);
    }
    return principal;
  }

  /**
   * The principal of the request's API key, whatever its scopes (the caller checks them);
   * UNAUTHENTICATED without a key or with an invalid or revoked one.
   */
  async identify(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) {
      throw new ServiceError(
        'UNAUTHENTICATED',
        'an API key is required: Authorization: Bearer <key>',
        { details: { challenge: 'Bearer' } },
      );
    }
    // A token verified before: its principal, without a promise of its own.
    const known = this.verified.get(header);
    const principal =
      known !== undefined && known.until > Date.now() ? known.principal : await this.verify(header);
    if (principal === undefined) {
      throw new ServiceError('UNAUTHENTICATED', 'the API key is invalid or revoked', {
        details: { challenge: 'Bearer error="invalid_token"' },
      });
    }
    tenants.set(request, principal.tenant);
    return principal;
  }

  /** Forgets a cached key (after a revocation through this process). */
  forget(id: string): void {
    this.cache.delete(id);
    this.verified.clear();
  }

  /**
   * The principal of an `Authorization` header value's unrevoked key, or undefined. Principals
   * are shared by the requests with the same token (they are immutable).
   */
  private async verify(header: string): Promise<Principal | undefined> {
    const now = Date.now();
    const match = /^Bearer (\S+)$/.exec(header);
    const parts = match && KEY_PATTERN.exec(match[1]!);
    const record = parts ? await this.lookup(parts[1]!) : undefined;
    if (!parts || !record || record.revokedAt !== undefined || !secretMatches(parts[2]!, record)) {
      return undefined;
    }
    const principal: Principal = {
      keyId: record.id,
      tenant: record.tenant,
      scopes: new Set(record.scopes),
      rateLimit: record.rateLimit,
    };
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(header, { principal, until: this.cache.get(parts[1]!)?.until ?? now });
    return principal;
  }

  private async lookup(id: string): Promise<ApiKeyRecord | undefined> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.record;
    const record = await this.store.getApiKey(id);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { record, until: now + this.cacheMs });
    return record;
  }
}

function secretMatches(secret: string, record: ApiKeyRecord): boolean {
  const got = Buffer.from(sha256Hex(secret), 'hex');
  const want = Buffer.from(record.secretHash, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Per-key token buckets: each key may make `rate` requests per second on average with
 * bursts of up to one second's worth; beyond that requests get 429 with Retry-After.
 * Process-local: with several nodes, each enforces the limit on what it receives.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly defaultRate: number,
    /** Called for each request refused (e.g. to count it). */
    private readonly onLimited?: (principal: Principal) => void,
  ) {}

  take(principal: Principal, now = Date.now()): void {
    const rate = principal.rateLimit > 0 ? principal.rateLimit : this.defaultRate;
    if (rate <= 0) return;
    const bucket = this.buckets.get(principal.keyId) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(principal.keyId, bucket);
      this.onLimited?.(principal);
      const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      throw new ServiceError(
        'RATE_LIMITED',
        `this API key is limited to ${rate} requests per second`,
        { details: { retryAfterSeconds: wait } },
      );
    }
    bucket.tokens -= 1;
    this.buckets.set(principal.keyId, bucket);
  }
}
