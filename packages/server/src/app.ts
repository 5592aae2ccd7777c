import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { RetiredKeys, type RetiredKeyDescription } from './key-history.js';
import swagger from '@fastify/swagger';
import type { OpenAPIV3 } from 'openapi-types';
import swaggerUi from '@fastify/swagger-ui';
import type { AccessStore, LogConfig, Storage } from '@proofline/storage';
import { installAccessLog, loggerOptions } from './access-log.js';
import { Authenticator, RateLimiter } from './auth.js';
import { errorHandler, installErrorRoute } from './error-route.js';
import { toProblem } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { sendProblem } from './problem.js';
import { notReady } from './ready.js';
import { registerJsonBody } from './body.js';
import { BodyParserPool } from './body-pool.js';
import { LogDirectory } from './logs.js';
import { openApiDocument } from './openapi.js';
import { ServiceError } from './service-error.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerErasureRoutes } from './records/erasure-routes.js';
import { registerRecordRoutes } from './records/routes.js';
import { registerRegistrationRoute } from './scitt/registration-route.js';
import { registerScittRoutes } from './scitt/routes.js';
import type { LogRuntime } from './records/service.js';
import { SharingRecordService } from './records/shared-receipts.js';
import { ReadAccess } from './read-access.js';
import { registerShareRoutes } from './share-routes.js';
import { ShareLinks } from './share-links.js';
import { registerTileRoutes } from './tiles.js';
import { registerLookupRoute } from './lookup.js';
import { DEFAULT_WEB_ROOT, DOCS_CSP, registerWebRoutes } from './web.js';

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
  /**
   * How long POST /entries waits for a checkpoint to answer with a receipt before it answers
   * 303 See Other, in ms (default 2 s).
   */
  readonly registrationWaitMs?: number;
  /** The built web pages (packages/web/dist by default). */
  readonly webRoot?: string;
  /** Requests per second per API key unless the key sets its own (default 2000; 0: none). */
  readonly defaultRateLimit?: number;
  /**
   * fastify's logger (pino options, or true): one access-log line per request (see
   * docs/observability.md), errors of 5xx answers. Without a `stream` or `transport` of its
   * own it writes to stdout in batches of at most 10 ms (access-log.ts). Default: none.
   */
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * The metrics to record into and serve at /metrics. Default: a new ServerMetrics; pass one
   * to share it with the sequencers' and publishers' hooks (see ServerMetrics).
   */
  readonly metrics?: ServerMetrics;
  /**
   * /readyz answers 503 when a log has entries waiting for a checkpoint and its latest
   * checkpoint is older than this, in ms (default 60 s).
   */
  readonly readyMaxCheckpointAgeMs?: number;
  /** The threads that parse large bodies (default: a new BodyParserPool). Closed with the app. */
  readonly bodyParsers?: BodyParserPool;
}

/**
 * Builds the HTTP application without listening, so tests can inject requests.
 * Public reads are CORS-open; every error is an RFC 9457 problem document.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.logger),
    // fastify's own request lines are replaced by the one access-log line below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: false,
    frameworkErrors: (err, request, reply) => errorHandler(err, request, reply),
  });
  const metrics = options.metrics ?? new ServerMetrics();
  const storage = metrics.countStorageErrors(options.storage);
  metrics.observe(storage, options.logs);
  const logs = new LogDirectory(storage);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const shares = new ShareLinks(options.access);
  const service = new SharingRecordService(
    storage,
    options.access,
    options.logs,
    publicUrl,
    options.resolveLog,
    logs,
    shares,
  );
  const auth = new Authenticator(options.access);
  const limiter = new RateLimiter(options.defaultRateLimit ?? 2000, () => metrics.limited());
  const readAccess = new ReadAccess(logs, auth, limiter, shares);

  installErrorRoute(app);
  const bodies = options.bodyParsers ?? new BodyParserPool();
  app.addHook('onClose', () => bodies.close());
  registerJsonBody(app, bodies);
  installAccessLog(app, metrics);
  // Synchronous (a done callback, no promise): it runs for every answer.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.method === 'GET' || request.method === 'HEAD') {
      reply.header('access-control-allow-origin', '*');
    }
    done(null, payload);
  });

  await app.register(swagger, {
    mode: 'static',
    specification: { document: openApiDocument() as unknown as OpenAPIV3.Document },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    const reason = await notReady(storage, options.logs, options.readyMaxCheckpointAgeMs ?? 60_000);
    // Sent, not thrown: a node that is not ready is no error to log on every probe.
    if (reason !== undefined) {
      const problem = new ServiceError('NOT_READY', reason, { details: { retryAfterSeconds: 5 } });
      return sendProblem(reply, toProblem(problem));
    }
    return reply.header('cache-control', 'no-store').send({ status: 'ready' });
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) =>
    reply
      .type(metrics.registry.contentType)
      .header('cache-control', 'no-store')
      .send(await metrics.registry.metrics()),
  );
  const retired = new RetiredKeys(storage);
  app.get('/logs', async () => ({
    logs: await Promise.all(
      (await logs.list()).map(async (log) =>
        describeLog(log, options.logs.get(log.name), await retired.get(log)),
      ),
    ),
  }));
  app.get<{ Params: { name: string } }>('/logs/:name/', async (request) => {
    const log = await logs.get(request.params.name);
    return describeLog(log, options.logs.get(log.name), await retired.get(log));
  });

  registerTileRoutes(app, storage, logs, readAccess);
  registerLookupRoute(app, storage, readAccess);
  registerWebRoutes(app, options.webRoot ?? DEFAULT_WEB_ROOT);
  registerRecordRoutes(app, {
    service,
    storage,
    auth,
    limiter,
    proofWaitMs: options.proofWaitMs ?? 10_000,
    readAccess,
  });
  registerScittRoutes(app, { service, logs, retired, readAccess, publicUrl });
  registerRegistrationRoute(app, {
    service,
    access: options.access,
    auth,
    limiter,
    waitMs: options.registrationWaitMs ?? 2000,
  });
  registerShareRoutes(app, { service, logs, auth, limiter, shares, publicUrl });
  registerAuditRoutes(app, { service, storage, auth, limiter });
  registerErasureRoutes(app, { service, storage, auth, limiter });
  return app;
}

/**
 * A log's description: its name, origin, verifier key, visibility (`public`, or `private`:
 * entries need a key of its tenant or a share link) and tile prefix, and, when this node
 * publishes its checkpoints witnessed, the witness policy (`witnesses: { keys, quorum }`,
 * c2sp.org/tlog-cosignature verifier keys), which verifiers can use or pin, and when it
 * has its checkpoints timestamped, the TSA roots (`timestampAuthorities: { roots }`, base64
 * DER certificates). After a key rotation was finished, `retiredKeys`: the log's key history
 * (see retiredKeys).
 */
function describeLog(
  log: LogConfig,
  runtime: LogRuntime | undefined,
  retired: readonly RetiredKeyDescription[],
) {
  const witnesses = runtime?.witnesses;
  const tsa = runtime?.timestampAuthorities;
  return {
    name: log.name,
    origin: log.origin,
    verifierKey: log.verifierKey,
    visibility: log.visibility,
    prefix: `/logs/${log.name}/`,
    ...(retired.length === 0 ? {} : { retiredKeys: retired }),
    ...(witnesses === undefined
      ? {}
      : { witnesses: { keys: [...witnesses.keys], quorum: witnesses.quorum } }),
    ...(tsa === undefined ? {} : { timestampAuthorities: { roots: [...tsa.roots] } }),
  };
}
