import type { FastifyRequest } from 'fastify';
import { parseRecordId } from '@proofline/records';
import type { ApiScope, LogConfig } from '@proofline/storage';
import type { Authenticator, Principal, RateLimiter } from './auth.js';
import type { LogDirectory } from './logs.js';
import { ServiceError } from './service-error.js';
import { SHARE_HEADER, type ShareLinks } from './share-links.js';

/** Scopes that read a private log's entries (`admin` has every scope). */
const READ_SCOPES: readonly ApiScope[] = ['records:read', 'audit:read', 'admin'];

/**
 * Who may read the entries of a log (entry bundles, proof bundles, lookups): anyone, for a
 * public log; for a private one, API keys of its tenant with `records:read` or `audit:read`,
 * and for one record, a valid share link of it (Proofline-Share header).
 *
 * A refusal never depends on the resource asked for, so it tells nothing about whether a
 * record, digest or tile exists, and it is decided before the resource is looked up, so its
 * timing does not either:
 * - no key, an invalid or revoked key, or a share token that does not open the record: 401
 *   `unauthorized` with one fixed message per log;
 * - a valid key of another tenant: `hidden()`, the resource's own "not found" (which the
 *   caller makes independent of whether the resource exists);
 * - a key of the log's tenant without a read scope: 403 `insufficient-scope`.
 */
export class ReadAccess {
  constructor(
    private readonly logs: LogDirectory,
    private readonly auth: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly shares: ShareLinks,
  ) {}

  /**
   * Resolves if `request` may read entries of `log` (for `recordId`, one record: a share link
   * of it also does); the principal when a key was used. Throws as the class comment says.
   */
  async check(
    request: FastifyRequest,
    log: LogConfig,
    hidden: () => ServiceError,
    recordId?: string,
  ): Promise<Principal | undefined> {
    if (log.visibility === 'public') return undefined;
    if (request.headers.authorization !== undefined) {
      const principal = await this.auth.identify(request);
      if (principal.tenant !== log.tenant) throw hidden();
      if (!READ_SCOPES.some((s) => principal.scopes.has(s))) {
        throw new ServiceError(
          'FORBIDDEN',
          `log ${log.name} is private: reading it takes the records:read or audit:read scope`,
        );
      }
      this.limiter.take(principal);
      return principal;
    }
    const token = request.headers[SHARE_HEADER];
    if (
      recordId !== undefined &&
      typeof token === 'string' &&
      (await this.shares.opens(token, log.tenant, recordId))
    ) {
      return undefined;
    }
    throw new ServiceError(
      'UNAUTHENTICATED',
      `log ${log.name} is private: its entries need an API key of its tenant ` +
        '(records:read or audit:read), or a share link of the record',
      { details: { challenge: 'Bearer' } },
    );
  }

  /**
   * Checks a read of record `id` (its proof bundle): as `check`, with the record's log, and
   * for another tenant's key the same 404 as for a record that does not exist. An id that
   * names no log passes here: the caller answers it as a missing record.
   */
  async checkRecord(request: FastifyRequest, id: string): Promise<LogConfig | undefined> {
    let name: string;
    try {
      name = parseRecordId(id).log;
    } catch {
      return undefined;
    }
    // A cached public log (every proof of a public log, nearly): no promise but this one.
    const log = this.logs.cached(name) ?? (await this.knownLog(name));
    if (log === undefined) return undefined;
    if (log.visibility !== 'public') await this.check(request, log, () => recordNotFound(id), id);
    return log;
  }

  /** Log `name`'s configuration, or undefined when there is no such log. */
  private async knownLog(name: string): Promise<LogConfig | undefined> {
    try {
      return await this.logs.get(name);
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'UNKNOWN_LOG') return undefined;
      throw err;
    }
  }

  /**
   * The tenant whose private logs a lookup may include: that of the request's key when it has
   * a read scope; none without a key. An invalid key is refused (401) as everywhere.
   */
  async lookupTenant(request: FastifyRequest): Promise<string | undefined> {
    if (request.headers.authorization === undefined) return undefined;
    const principal = await this.auth.identify(request);
    this.limiter.take(principal);
    return READ_SCOPES.some((s) => principal.scopes.has(s)) ? principal.tenant : undefined;
  }
}

/** Exactly what RecordService answers for a record that does not exist. */
function recordNotFound(id: string): ServiceError {
  return new ServiceError('RECORD_NOT_FOUND', `no record ${JSON.stringify(id)}`);
}
