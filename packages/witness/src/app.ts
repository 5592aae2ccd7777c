/**
 * The witness's HTTP interface (c2sp.org/tlog-witness): `POST <prefix>/add-checkpoint`.
 * Built apart from `listen()` so tests can inject requests.
 */
import type { FastifyInstance } from 'fastify';
import { MAX_REQUEST_SIZE } from './protocol.js';
import type { Witness } from './witness.js';

export interface WitnessAppOptions {
  /** The submission prefix path, e.g. "" (default) or "/witness". */
  readonly prefix?: string;
  /** How long a request may take, headers and body included, in ms (default 10 s). */
  readonly requestTimeoutMs?: number;
}

/**
 * A fastify app serving `witness`. The body of add-checkpoint is read raw whatever its
 * Content-Type (the spec defines none) and bounded by MAX_REQUEST_SIZE (413 beyond); every
 * other path is 404 and every other method 405.
 */
export async function buildWitnessApp(
  witness: Witness,
  options: WitnessAppOptions = {},
): Promise<FastifyInstance> {
  // Loaded here, not at the top: every importer of @proofline/witness (each CLI command that
  // reads a log's policy) would otherwise pay fastify's ~180 ms of start-up CPU.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_REQUEST_SIZE,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    return503OnClosing: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    void reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(`${status >= 500 ? 'internal error' : err.message}\n`);
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
  });
  const path = `${(options.prefix ?? '').replace(/\/+$/, '')}/add-checkpoint`;
  app.post(path, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const response = await witness.addCheckpoint(body);
    return reply.code(response.status).type(response.contentType).send(response.body);
  });
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: path,
    handler: async (_request, reply) =>
      reply.code(405).header('allow', 'POST').type('text/plain; charset=utf-8').send('use POST\n'),
  });
  return app;
}
