import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { OpenAPIV3 } from 'openapi-types';
import swaggerUi from '@fastify/swagger-ui';
import type { AccessStore, Storage } from '@proofline/storage';
import { Authenticator, RateLimiter } from './auth.js';
import { errorHandler, installErrorRoute } from './error-route.js';
import { parseJson, type RecordError } from '@proofline/records';
import { LogDirectory } from './logs.js';
import { openApiDocument } from './openapi.js';
import { ServiceError } from './service-error.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerRecordRoutes } from './records/routes.js';
import { RecordService, type LogRuntime } from './records/service.js';
import { registerTileRoutes } from './tiles.js';
import { registerLookupRoute } from './lookup.js';
import { DEFAULT_WEB_ROOT, registerWebRoutes } from './web.js';

export interface AppOptions {
  readonly storage: Storage;
  /** Tenants, API keys and issuer keys (often the same driver object as `storage`). */
  readonly access: AccessStore;
  /** The logs this node serves and writes, by name. The caller may add logs while it runs. */
  readonly logs: ReadonlyMap<string, LogRuntime>;
  /**
   * Called when a request names a log that is not in `logs` (e.g. created by another process
   * since this one started): its runtime, now serving, or undefined when there is no such log
   * (404). It may throw a ServiceError, e.g. LOG_UNAVAILABLE (503) when this node cannot serve the log.
   */
  readonly resolveLog?: (name: string) => Promise<LogRuntime | undefined>;
  /** Base URL of the public verification pages, e.g. https://ledger.example.com. */
  readonly publicUrl: string;
  /** How long `?wait=proof` may hold a response, in ms (default 10 s). */
  readonly proofWaitMs?: number;
  /** The built web pages (packages/web/dist by default). */
  readonly webRoot?: string;
  /** Requests per second per API key unless the key sets its own (default 2000; 0: none). */
  readonly defaultRateLimit?: number;
  readonly logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the HTTP application without listening, so tests can inject requests.
 * Public reads are CORS-open; every error is an RFC 9457 problem document.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: false,
    frameworkErrors: (err, request, reply) => errorHandler(err, request, reply),
  });
  const logs = new LogDirectory(options.storage);
  const service = new RecordService(
    options.storage,
    options.access,
    options.logs,
    options.publicUrl.replace(/\/+$/, ''),
    options.resolveLog,
  );

  installErrorRoute(app);
  // JSON only (no text/plain parser), strict UTF-8, no duplicate member names.
  app.removeAllContentTypeParsers();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset=([^;\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^"?utf-8"?$/i.test(charset)) {
      done(new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'JSON bodies must be UTF-8'), undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ServiceError('INVALID_JSON', 'the body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      done(new ServiceError('INVALID_JSON', 'the body is empty'), undefined);
      return;
    }
    try {
      done(null, parseJson(text, Number.MAX_SAFE_INTEGER, 'INVALID_STATEMENT'));
    } catch (err) {
      const e = err as RecordError;
      done(
        new ServiceError('INVALID_JSON', e.message, {
          cause: e,
          ...(e.field === undefined ? {} : { details: { field: e.field } }),
        }),
        undefined,
      );
    }
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.method === 'GET' || request.method === 'HEAD') {
      reply.header('access-control-allow-origin', '*');
    }
  });

  await app.register(swagger, {
    mode: 'static',
    specification: { document: openApiDocument() as unknown as OpenAPIV3.Document },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/logs', async () => ({
    logs: (await logs.list()).map((log) => describeLog(log, options.logs.get(log.name))),
  }));
  app.get<{ Params: { name: string } }>('/logs/:name/', async (request) => {
    const log = await logs.get(request.params.name);
    return describeLog(log, options.logs.get(log.name));
  });

  registerTileRoutes(app, options.storage, logs);
  registerLookupRoute(app, options.storage);
  registerWebRoutes(app, options.webRoot ?? DEFAULT_WEB_ROOT);
  const auth = new Authenticator(options.access);
  const limiter = new RateLimiter(options.defaultRateLimit ?? 2000);
  registerRecordRoutes(app, {
    service,
    storage: options.storage,
    auth,
    limiter,
    proofWaitMs: options.proofWaitMs ?? 10_000,
  });
  registerAuditRoutes(app, { service, storage: options.storage, auth, limiter });
  return app;
}

/**
 * A log's description: its name, origin, verifier key and tile prefix, and, when this node
 * publishes its checkpoints witnessed, the witness policy (`witnesses: { keys, quorum }`,
 * c2sp.org/tlog-cosignature verifier keys), which verifiers can use or pin, and when it
 * has its checkpoints timestamped, the TSA roots (`timestampAuthorities: { roots }`, base64
 * DER certificates).
 */
function describeLog(
  log: { name: string; origin: string; verifierKey: string },
  runtime: LogRuntime | undefined,
) {
  const witnesses = runtime?.witnesses;
  const tsa = runtime?.timestampAuthorities;
  return {
    name: log.name,
    origin: log.origin,
    verifierKey: log.verifierKey,
    prefix: `/logs/${log.name}/`,
    ...(witnesses === undefined
      ? {}
      : { witnesses: { keys: [...witnesses.keys], quorum: witnesses.quorum } }),
    ...(tsa === undefined ? {} : { timestampAuthorities: { roots: [...tsa.roots] } }),
  };
}
