import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatTime, parseRecordId } from '@proofline/records';
import type { ApiScope, ShareLinkRecord } from '@proofline/storage';
import type { Authenticator, Principal, RateLimiter } from './auth.js';
import type { LogDirectory } from './logs.js';
import type { RecordService } from './records/service.js';
import { ServiceError, invalidRequest } from './service-error.js';
import { shareUrl, type ShareLinks } from './share-links.js';

export interface ShareRouteOptions {
  readonly service: RecordService;
  readonly logs: LogDirectory;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter;
  readonly shares: ShareLinks;
  readonly publicUrl: string;
}

/** The longest a share link may be made to last: ten years. */
export const MAX_SHARE_SECONDS = 10 * 366 * 86_400;
const SHARE_ID = /^[0-9a-f]{16}$/;

/**
 * Share links of records in private logs (see share-links.ts), for the key's tenant's records
 * only (another tenant's record is a 404, as a missing one):
 *
 * - `POST /v1/records/<id>/shares` (`records:write`: making a link publishes a record, as
 *   attesting does; attest itself returns one per record of a private log), optional body
 *   `{"expiresInSeconds": N}`: 201 with the link, its `token` and `url`, shown only here.
 * - `GET /v1/records/<id>/shares` (`records:read`): the record's links, without tokens.
 * - `DELETE /v1/records/<id>/shares` (`records:write`): revokes every link of the record.
 * - `DELETE /v1/shares/<share id>` (`records:write`): revokes one link.
 *
 * A revocation applies to the next request of any node (links are never cached).
 */
export function registerShareRoutes(app: FastifyInstance, o: ShareRouteOptions): void {
  const authorize = async (request: FastifyRequest, scope: ApiScope): Promise<Principal> => {
    const principal = await o.auth.authenticate(request, scope);
    o.limiter.take(principal);
    return principal;
  };
  /** The principal's own record `id` (404 otherwise), in a log that must be private. */
  const ownRecord = async (principal: Principal, id: string) => {
    await o.service.get(principal, id);
    return o.logs.get(parseRecordId(id).log);
  };

  app.post<{ Params: { id: string } }>('/v1/records/:id/shares', async (request, reply) => {
    const principal = await authorize(request, 'records:write');
    noQuery(request);
    const seconds = expiresInSeconds(request.body);
    const log = await ownRecord(principal, request.params.id);
    if (log.visibility === 'public') {
      throw invalidRequest(`log ${log.name} is public: its records need no share link`);
    }
    const now = Date.now();
    const [made] = await o.shares.create(
      principal,
      [request.params.id],
      seconds === undefined ? undefined : now + seconds * 1000,
      now,
    );
    reply.code(201).header('cache-control', 'no-store');
    return {
      ...view(made!.record, now),
      token: made!.token,
      url: shareUrl(o.publicUrl, request.params.id, made!.token),
    };
  });

  app.get<{ Params: { id: string } }>('/v1/records/:id/shares', async (request, reply) => {
    const principal = await authorize(request, 'records:read');
    noQuery(request);
    await ownRecord(principal, request.params.id);
    const now = Date.now();
    const links = await o.shares.list(principal.tenant, request.params.id);
    reply.header('cache-control', 'private, no-store');
    return { shares: links.map((l) => view(l, now)) };
  });

  app.delete<{ Params: { id: string } }>('/v1/records/:id/shares', async (request) => {
    const principal = await authorize(request, 'records:write');
    noQuery(request);
    await ownRecord(principal, request.params.id);
    return { revoked: await o.shares.revoke(principal.tenant, { recordId: request.params.id }) };
  });

  app.delete<{ Params: { shareId: string } }>('/v1/shares/:shareId', async (request) => {
    const principal = await authorize(request, 'records:write');
    noQuery(request);
    const id = request.params.shareId;
    const revoked = SHARE_ID.test(id) ? await o.shares.revoke(principal.tenant, { id }) : 0;
    if (revoked === 0) {
      const link = SHARE_ID.test(id) ? await o.shares.get(id) : undefined;
      if (link?.tenant !== principal.tenant) {
        throw new ServiceError('SHARE_NOT_FOUND', `no share link ${JSON.stringify(id)}`);
      }
    }
    return { revoked };
  });
}

/** A link as the API shows it: never its secret or hash. */
function view(link: ShareLinkRecord, now: number) {
  const status =
    link.revokedAt !== undefined
      ? 'revoked'
      : link.expiresAt !== undefined && link.expiresAt <= now
        ? 'expired'
        : 'active';
  return {
    id: link.id,
    recordId: link.recordId,
    status,
    createdBy: link.createdBy,
    createdAt: formatTime(link.createdAt),
    ...(link.expiresAt === undefined ? {} : { expiresAt: formatTime(link.expiresAt) }),
    ...(link.revokedAt === undefined ? {} : { revokedAt: formatTime(link.revokedAt) }),
  };
}

function noQuery(request: FastifyRequest): void {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const [name] = Object.keys(query);
  if (name !== undefined) throw invalidRequest(`unknown query parameter ${JSON.stringify(name)}`);
}

/** The optional body `{"expiresInSeconds": N}`, N from 1 to MAX_SHARE_SECONDS. */
function expiresInSeconds(body: unknown): number | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object: {"expiresInSeconds": N} or {}');
  }
  for (const name of Object.keys(body)) {
    if (name !== 'expiresInSeconds') {
      throw invalidRequest(`unknown member ${JSON.stringify(name)}`, `/${name}`);
    }
  }
  const seconds = (body as { expiresInSeconds?: unknown }).expiresInSeconds;
  if (seconds === undefined) return undefined;
  if (
    !Number.isSafeInteger(seconds) ||
    (seconds as number) < 1 ||
    (seconds as number) > MAX_SHARE_SECONDS
  ) {
    throw invalidRequest(
      `expiresInSeconds must be an integer from 1 to ${MAX_SHARE_SECONDS}`,
      '/expiresInSeconds',
    );
  }
  return seconds as number;
}
