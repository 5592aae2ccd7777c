import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './errors.js';
import { sendProblem } from './problem.js';
import { sendConciseProblem, wantsConciseProblem } from './scitt/concise-problem.js';
import { ServiceError } from './service-error.js';

/** Seconds a client waits before retrying a request refused while the server closes. */
export const SHUTDOWN_RETRY_SECONDS = 5;

/**
 * Answers `err` with its problem: an RFC 9457 JSON problem, or on the SCRAPI resources RFC
 * 9290 concise problem details (wantsConciseProblem). A 5xx is a server fault: logged at
 * error level with the error and its cause chain; a 4xx is the client's and logged at debug
 * level only.
 */
export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(err);
  if (problem.status >= 500) {
    request.log.error({ err, problem: problem.code }, 'request failed');
  } else {
    request.log.debug({ problem: problem.code }, 'request refused');
  }
  return wantsConciseProblem(request)
    ? sendConciseProblem(reply, problem)
    : sendProblem(reply, problem);
}

/**
 * The one error route of the app: the error and not-found handlers (every answer a problem
 * document through toProblem); a refusal of request bodies with a Content-Encoding other than
 * identity (415, before anything reads the body: they are never decoded); and, once
 * `app.close()` has begun, a 503 `shutting-down` problem with Retry-After for every request
 * that still arrives (on an open keep-alive connection), and every answer sent from then on
 * closes its connection. Build the app with
 * `return503OnClosing: false` and `frameworkErrors: errorHandler`.
 */
export function installErrorRoute(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Both hooks run for every request: synchronous (a done callback, no promise).
  app.addHook('onRequest', (request, _reply, done) => {
    if (closing) {
      done(
        new ServiceError('SHUTTING_DOWN', 'the server is shutting down', {
          details: { retryAfterSeconds: SHUTDOWN_RETRY_SECONDS },
        }),
      );
      return;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      done(
        new ServiceError(
          'UNSUPPORTED_CONTENT_ENCODING',
          `request bodies are not decoded: Content-Encoding ${JSON.stringify(encoding)} is refused`,
        ),
      );
      return;
    }
    done();
  });
  // A request in flight when the close began ends its keep-alive connection, which would
  // otherwise hold the close open until the connection's idle timeout.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(async (request) => {
    throw new ServiceError('ROUTE_NOT_FOUND', `no resource at ${request.url}`);
  });
}
