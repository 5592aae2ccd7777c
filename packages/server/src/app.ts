import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Storage } from '@proofline/storage';
import { errorHandler } from './errors.js';
import { LogDirectory } from './logs.js';
import { HttpProblem, sendProblem } from './problem.js';
import { registerTileRoutes } from './tiles.js';

export interface AppOptions {
  readonly storage: Storage;
  readonly logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the HTTP application without listening, so tests can inject requests.
 * Reads are public and CORS-open; every error is an RFC 9457 problem document.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1 << 20,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
  });
  const logs = new LogDirectory(options.storage);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new HttpProblem(404, 'not-found', `no resource at ${request.url}`)),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.method === 'GET' || request.method === 'HEAD') {
      reply.header('access-control-allow-origin', '*');
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/logs', async () => ({
    logs: (await logs.list()).map((log) => describeLog(log)),
  }));

  app.get<{ Params: { name: string } }>('/logs/:name/', async (request) =>
    describeLog(await logs.get(request.params.name)),
  );

  registerTileRoutes(app, options.storage, logs);
  return app;
}

function describeLog(log: { name: string; origin: string; verifierKey: string }) {
  return {
    name: log.name,
    origin: log.origin,
    verifierKey: log.verifierKey,
    prefix: `/logs/${log.name}/`,
  };
}
