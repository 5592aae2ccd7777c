import type { FastifyInstance, FastifyRequest } from 'fastify';
import { attachReceipts } from '@proofline/cose';
import type { AccessStore } from '@proofline/storage';
import type { Authenticator, Principal, RateLimiter } from '../auth.js';
import type { RecordService } from '../records/service.js';
import { single, strictQuery } from '../records/routes.js';
import { ServiceError } from '../service-error.js';
import { acceptsType } from '../accept.js';
import { COSE_MEDIA_TYPE, SCITT_STATEMENT_MEDIA_TYPE, receiptMediaType } from './receipts.js';
import { MAX_SIGNED_STATEMENT } from './registration-policy.js';
import { StatementRegistry } from './registration.js';

export interface RegistrationRouteOptions {
  readonly service: RecordService;
  readonly access: AccessStore;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter;
  /** How long a registration waits for a checkpoint before answering 303, in ms. */
  readonly waitMs: number;
}

/**
 * POST /entries (SCRAPI Register Signed Statement, docs/scitt.md), in its own plugin scope so
 * that the COSE body parser serves this route only. The API key (records:write) is checked
 * before the body is read; the body is a signed statement of at most MAX_SIGNED_STATEMENT
 * bytes as `application/cose` or `application/scitt-statement+cose` (any other type: 415;
 * larger: 413); `?log=` names the log as for POST /v1/records. Answers: 201 (200 when the
 * statement was registered before) with `Location: /entries/{id}` and the receipt, or the
 * transparent statement when Accept names application/scitt-statement+cose; 303 with the
 * same Location and `Retry-After: 1`, no body, when no checkpoint covers the record within
 * `waitMs` (the record is durable either way).
 */
export function registerRegistrationRoute(app: FastifyInstance, o: RegistrationRouteOptions): void {
  const registry = new StatementRegistry(o.service, o.access);
  const principals = new WeakMap<FastifyRequest, Principal>();
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      [COSE_MEDIA_TYPE, SCITT_STATEMENT_MEDIA_TYPE],
      { parseAs: 'buffer', bodyLimit: MAX_SIGNED_STATEMENT },
      (_request, body, done) => done(null, body),
    );
    const onRequest = async (request: FastifyRequest) => {
      const principal = await o.auth.authenticate(request, 'records:write');
      o.limiter.take(principal);
      principals.set(request, principal);
    };
    scope.post(
      '/entries',
      { bodyLimit: MAX_SIGNED_STATEMENT, onRequest },
      async (request, reply) => {
        const body = request.body;
        if (!(body instanceof Buffer)) {
          throw new ServiceError(
            'UNSUPPORTED_MEDIA_TYPE',
            `a signed statement is sent as ${COSE_MEDIA_TYPE} or ${SCITT_STATEMENT_MEDIA_TYPE}`,
          );
        }
        const principal = principals.get(request)!;
        const query = strictQuery(request.query, ['log']);
        const runtime = await o.service.logFor(principal, single(query, 'log'));
        const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        const registration = await registry.register(principal, runtime, bytes);
        reply
          .header('location', `/entries/${registration.id}`)
          .header('cache-control', 'no-store')
          .header('vary', 'accept');
        if (registration.existing) reply.header('idempotent-replayed', 'true');
        const receipt = await registry.receipt(runtime, registration, o.waitMs);
        if (receipt === undefined) return reply.code(303).header('retry-after', '1').send();
        reply.code(registration.existing ? 200 : 201);
        const accept = request.headers.accept;
        if (acceptsType(accept, SCITT_STATEMENT_MEDIA_TYPE)) {
          return reply
            .type(SCITT_STATEMENT_MEDIA_TYPE)
            .send(buffer(attachReceipts(bytes, [receipt])));
        }
        return reply.type(receiptMediaType(accept)).send(buffer(receipt));
      },
    );
  });
}

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
