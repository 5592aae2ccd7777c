import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { OpenAPIV3 } from 'openapi-types';
import swaggerUi from '@fastify/swagger-ui';
import type { Storage } from '@proofline/storage';
import { Authenticator, RateLimiter } from './auth.js';
import { registerJsonBody } from './body.js';
import { BodyParserPool } from './body-pool.js';
import { errorHandler } from './errors.js';
import { LogDirectory } from './logs.js';
import { openApiDocument } from './openapi.js';
import { HttpProblem, sendProblem } from './problem.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerRecordRoutes } from './records/routes.js';
import { RecordService, type LogRuntime } from './records/service.js';
import { registerTileRoutes } from './tiles.js';
import { registerLookupRoute } from './lookup.js';
import { DEFAULT_WEB_ROOT, registerWebRoutes } from './web.js';

export interface AppOptions {
  readonly storage: Storage;
  /** The logs this node serves and writes, by name. */
  readonly logs: ReadonlyMap<string, LogRuntime>;
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
    return503OnClosing: true,
    frameworkErrors: (err, request, reply) => errorHandler(err, request, reply),
  });
  const logs = new LogDirectory(options.storage);
  const service = new RecordService(
    options.storage,
    options.logs,
    options.publicUrl.replace(/\/+$/, ''),
  );

  app.setErrorHandler(errorHandler);
  const bodies = new BodyParserPool();
  app.addHook('onClose', () => bodies.close());
  registerJsonBody(app, bodies);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new HttpProblem(404, 'not-found', `no resource at ${request.url}`)),
  );
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
  const auth = new Authenticator(options.storage);
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
