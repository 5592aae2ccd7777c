import type { FastifyInstance } from 'fastify';
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
}
