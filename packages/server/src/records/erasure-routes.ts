import type { FastifyInstance } from 'fastify';
import { parseTime } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import type { Authenticator, RateLimiter } from '../auth.js';
import { invalidRequest } from '../service-error.js';
import { ErasureService } from './erasure.js';
import type { RecordService } from './service.js';

export interface ErasureRouteOptions {
  readonly service: RecordService;
  readonly storage: Storage;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter;
}

/**
 * `POST /v1/records/{id}/erasure` (scope `admin`), body `{"reason": "<1–256 code points>"}`:
 * erases the record's bytes from its private log and logs the erasure (see ErasureService).
 * 200 with `{ id, index, leafHash, erasedNow, erasure }`, `erasure` being the erasure
 * record's receipt view; a repeated call answers the same erasure record with `erasedNow`
 * false. Refusals: 409 erasure-refused (public log, not integrated yet, an erasure record),
 * 404 for another tenant's or an unknown record.
 *
 * `POST /v1/logs/{name}/erasures` (scope `admin`), body `{"before": "<record time>",
 * "reason": "...", "dryRun"?: bool, "limit"?: 1..1000}`: retention, in bulk (see
 * ErasureService.eraseBefore). 200 with `{ ids, more }`: the records erased (or, dry run,
 * due), and whether older records remain (call again).
 */
export function registerErasureRoutes(app: FastifyInstance, o: ErasureRouteOptions): void {
  const erasures = new ErasureService(o.storage, o.service);
  app.post<{ Params: { id: string } }>(
    '/v1/records/:id/erasure',
    { bodyLimit: 4096 },
    async (request) => {
      const principal = await o.auth.authenticate(request, 'admin');
      o.limiter.take(principal);
      if (Object.keys((request.query as object) ?? {}).length > 0) {
        throw invalidRequest('this route takes no query parameters');
      }
      const body = request.body as unknown;
      if (
        typeof body !== 'object' ||
        body === null ||
        Array.isArray(body) ||
        Object.keys(body).some((k) => k !== 'reason') ||
        typeof (body as { reason?: unknown }).reason !== 'string'
      ) {
        throw invalidRequest('the body must be {"reason": "..."}', '/reason');
      }
      // The reason's grammar (1–256 code points, no control characters) is the erasure
      // record's: ErasureService refuses it as invalid-request.
      const reason = (body as { reason: string }).reason;
      return erasures.erase(principal, request.params.id, reason);
    },
  );

  app.post<{ Params: { name: string } }>(
    '/v1/logs/:name/erasures',
    { bodyLimit: 4096 },
    async (request) => {
      const principal = await o.auth.authenticate(request, 'admin');
      o.limiter.take(principal);
      if (Object.keys((request.query as object) ?? {}).length > 0) {
        throw invalidRequest('this route takes no query parameters');
      }
      const b = request.body as Record<string, unknown> | null;
      const allowed = ['before', 'reason', 'dryRun', 'limit'];
      if (typeof b !== 'object' || b === null || Array.isArray(b)) {
        throw invalidRequest('the body must be {"before", "reason", "dryRun"?, "limit"?}');
      }
      const extra = Object.keys(b).find((k) => !allowed.includes(k));
      if (extra !== undefined) throw invalidRequest(`unknown member ${extra}`, `/${extra}`);
      let beforeMs: number;
      try {
        beforeMs = parseTime(b['before'] as string);
      } catch {
        throw invalidRequest(
          'before must be a time as records have it (RFC 3339, UTC, ms)',
          '/before',
        );
      }
      if (beforeMs > Date.now())
        throw invalidRequest('before must not be in the future', '/before');
      if (typeof b['reason'] !== 'string')
        throw invalidRequest('reason must be a string', '/reason');
      const dryRun = b['dryRun'] ?? false;
      if (typeof dryRun !== 'boolean') throw invalidRequest('dryRun must be a boolean', '/dryRun');
      const limit = b['limit'] ?? MAX_BULK;
      if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_BULK) {
        throw invalidRequest(`limit must be 1 to ${MAX_BULK}`, '/limit');
      }
      return erasures.eraseBefore(
        principal,
        request.params.name,
        beforeMs,
        b['reason'],
        limit as number,
        dryRun,
      );
    },
  );
}

/** Records erased per bulk call at most (one erasure record each). */
const MAX_BULK = 1000;
