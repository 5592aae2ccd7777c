import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BATCH_V2_MEDIA_TYPE,
  BUNDLE_V2_MEDIA_TYPE,
  bundleToTlogProof,
  formatBundle,
  formatTlogProof,
  isDigest,
  parseTime,
  type Bundle,
} from '@proofline/records';
import type { Storage } from '@proofline/storage';
import type { Authenticator, Principal, RateLimiter } from '../auth.js';
import type { ReadAccess } from '../read-access.js';
import { ServiceError, invalidRequest } from '../service-error.js';
import { listRecords } from './listing.js';
import { PreparedBatch, acceptsCompact } from './prepared-batch.js';
import type { RecordService } from './service.js';
import { MAX_BATCH } from './statement-check.js';

export interface RecordRouteOptions {
  readonly service: RecordService;
  readonly storage: Storage;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter;
  /** How long `?wait=proof` holds a response for a checkpoint, in ms. */
  readonly proofWaitMs: number;
  /** Who may read a private log's proof bundles. */
  readonly readAccess: ReadAccess;
}

const SINGLE_BODY_LIMIT = 64 * 1024;
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** The Content-Type of a JSON proof bundle. */
const BUNDLE_TYPE = `${BUNDLE_V2_MEDIA_TYPE}; charset=utf-8`;

export type Query = Record<string, string | string[] | undefined>;

/** The records API: attest (single and batch), read, prove, look up and list. */
export function registerRecordRoutes(app: FastifyInstance, o: RecordRouteOptions): void {
  const authorize = async (
    request: FastifyRequest,
    scope: Parameters<Authenticator['authenticate']>[1],
  ) => {
    const principal = await o.auth.authenticate(request, scope);
    o.limiter.take(principal);
    return principal;
  };

  const attest = async (
    request: FastifyRequest,
    reply: FastifyReply,
    statements: readonly unknown[] | PreparedBatch,
    batch: boolean,
  ) => {
    const principal = principals.get(request)!;
    const query = strictQuery(request.query, ['log', 'wait']);
    const runtime = await o.service.logFor(principal, single(query, 'log'));
    const wait = waitForProof(request, query);
    const compact = batch && acceptsCompact(request.headers.accept);
    const result = await o.service.attest(principal, runtime, statements, {
      idempotencyKey: idempotencyKey(request),
      batch,
      compact,
    });
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    if (batch) reply.header('vary', 'accept'); // the answer's form follows Accept
    const ids = result.compact?.records ?? result.receipts;
    if (wait) {
      const last = ids[ids.length - 1]!;
      const covered = await o.service.checkpoints.waitFor(
        runtime.config.name,
        last.index + 1,
        o.proofWaitMs,
      );
      if (covered) {
        const bundles = await Promise.all(ids.map((r) => o.service.bundle(r.id)));
        reply.code(result.replayed ? 200 : 201);
        return batch ? sendBundles(reply, bundles) : sendBundle(reply, bundles[0]!);
      }
      reply.code(202); // sequenced and durable, but no checkpoint within the wait: here are receipts
    } else {
      reply.code(result.replayed ? 200 : 201);
    }
    if (!batch) reply.header('location', `/v1/records/${result.receipts[0]!.id}`);
    if (result.compact) return reply.type(BATCH_V2_MEDIA_TYPE).send(JSON.stringify(result.compact));
    return batch ? { receipts: result.receipts } : result.receipts[0];
  };

  // Authenticate before the body is read or parsed.
  const principals = new WeakMap<FastifyRequest, Principal>();
  const onRequest = async (request: FastifyRequest) => {
    principals.set(request, await authorize(request, 'records:write'));
  };

  app.post('/v1/records', { bodyLimit: SINGLE_BODY_LIMIT, onRequest }, async (request, reply) => {
    if (!isObject(request.body))
      throw invalidRequest('the body must be a JSON object (a statement)');
    return attest(request, reply, [request.body], false);
  });

  app.post(
    '/v1/records/batch',
    { bodyLimit: BATCH_BODY_LIMIT, onRequest },
    async (request, reply) => {
      const body = request.body;
      // A large body: parsed, shape-checked and validated by the body parser's thread (body.ts).
      if (body instanceof PreparedBatch) return attest(request, reply, body, true);
      if (
        !isObject(body) ||
        Object.keys(body).some((k) => k !== 'records') ||
        !Array.isArray(body.records)
      ) {
        throw invalidRequest('the body must be {"records": [statement, ...]}');
      }
      if (body.records.length === 0 || body.records.length > MAX_BATCH) {
        const message = `a batch holds 1 to ${MAX_BATCH} records; this one has ${body.records.length}`;
        throw body.records.length === 0
          ? invalidRequest(message)
          : new ServiceError('BATCH_TOO_LARGE', message);
      }
      return attest(request, reply, body.records, true);
    },
  );

  app.get<{ Params: { id: string } }>('/v1/records/:id', async (request) => {
    const principal = await authorize(request, 'records:read');
    strictQuery(request.query, []);
    return o.service.get(principal, request.params.id);
  });

  app.get<{ Params: { id: string } }>('/v1/records/:id/proof', async (request, reply) => {
    const query = strictQuery(request.query, ['format']);
    const format = single(query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'tlog-proof') {
      throw invalidRequest('format must be json or tlog-proof');
    }
    const log = await o.readAccess.checkRecord(request, request.params.id);
    reply.header('cache-control', log?.visibility === 'private' ? 'private, no-store' : 'no-cache');
    if (format === 'tlog-proof') {
      const bundle = await o.service.bundle(request.params.id);
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', `inline; filename="${bundle.id}.tlog-proof"`)
        .send(formatTlogProof(bundleToTlogProof(bundle)));
    }
    const json = await o.service.bundleJson(request.params.id, log?.visibility);
    return reply.type(BUNDLE_TYPE).send(json);
  });

  app.get('/v1/records', async (request) => {
    const principal = await authorize(request, 'records:read');
    const query = strictQuery(request.query, [
      'digest',
      'log',
      'from',
      'to',
      'type',
      'label',
      'control',
      'cursor',
      'limit',
    ]);
    const digest = single(query, 'digest');
    if (digest !== undefined) {
      if (!isDigest(digest))
        throw invalidRequest('digest must be sha256:<64 hex>, sha384:… or sha512:…');
      for (const other of ['from', 'to', 'type', 'label', 'control', 'cursor', 'limit']) {
        if (query[other] !== undefined)
          throw invalidRequest(`digest lookup does not take ${other}`);
      }
      return { records: await o.service.findByDigest(principal, digest, single(query, 'log')) };
    }
    return list(o, principal, query);
  });
}

async function list(o: RecordRouteOptions, principal: Principal, query: Query) {
  const runtime = await o.service.logFor(principal, single(query, 'log'));
  const label = single(query, 'label');
  const colon = label?.indexOf(':') ?? -1;
  if (label !== undefined && colon < 1) throw invalidRequest('label must be key:value');
  const limitText = single(query, 'limit') ?? '100';
  const limit = Number(limitText);
  if (!/^\d{1,4}$/.test(limitText) || limit < 1 || limit > 1000) {
    throw invalidRequest('limit must be an integer from 1 to 1000');
  }
  const cursorText = single(query, 'cursor');
  if (cursorText !== undefined && !/^(0|[1-9]\d{0,15})$/.test(cursorText)) {
    throw invalidRequest('invalid cursor');
  }
  const fromMs = time(query, 'from') ?? 0;
  const toMs = time(query, 'to') ?? Number.MAX_SAFE_INTEGER;
  if (fromMs > toMs) throw invalidRequest('from must not be after to');
  const page = await listRecords(o.storage, runtime, {
    fromMs,
    toMs,
    ...optional('type', single(query, 'type')),
    ...optional('control', single(query, 'control')),
    ...(label === undefined
      ? {}
      : { label: [label.slice(0, colon), label.slice(colon + 1)] as const }),
    ...(cursorText === undefined ? {} : { cursor: Number(cursorText) }),
    limit,
  });
  return { log: runtime.config.name, ...page };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function time(query: Query, name: string): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (/^\d{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  try {
    return parseTime(text);
  } catch {
    throw invalidRequest(
      `${name} must be an RFC 3339 UTC time like 2026-01-31T00:00:00.000Z or milliseconds since the epoch`,
    );
  }
}

/** The query, refusing any parameter not in `allowed` (400 invalid-request). */
export function strictQuery(raw: unknown, allowed: readonly string[]): Query {
  const query = (raw ?? {}) as Query;
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key))
      throw invalidRequest(`unknown query parameter ${JSON.stringify(key)}`);
  }
  return query;
}

/** A parameter given at most once (400 invalid-request when repeated). */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalidRequest(`${name} may be given once`);
  return value;
}

function waitForProof(request: FastifyRequest, query: Query): boolean {
  const header = request.headers['proofline-wait'];
  const value = single(query, 'wait') ?? (typeof header === 'string' ? header : undefined);
  if (value === undefined) return false;
  if (value !== 'proof') throw invalidRequest('wait must be "proof"');
  return true;
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new ServiceError(
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1 to 255 visible ASCII characters',
    );
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sendBundle(reply: FastifyReply, bundle: Bundle) {
  return reply.type(bundle.mediaType).send(formatBundle(bundle));
}

function sendBundles(reply: FastifyReply, bundles: Bundle[]) {
  return reply
    .type('application/json')
    .send(`{"bundles":[${bundles.map(formatBundle).join(',')}]}`);
}
