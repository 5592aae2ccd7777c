import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { requestTenant } from './auth.js';
import type { ServerMetrics } from './metrics.js';

type LoggerOption = FastifyServerOptions['logger'];

/**
 * buildApp's logger options: `logger` as given, with the stdout destination below when it names
 * no destination of its own (`stream` or `transport`).
 */
export function loggerOptions(logger: LoggerOption): LoggerOption {
  if (logger === undefined || logger === false) return false;
  const options = logger === true ? {} : logger;
  if ('stream' in options || 'transport' in options) return options;
  return { ...options, stream: stdoutDestination() };
}

/** At most this long (ms) between a line and its write to stdout. */
const FLUSH_MS = 10;
/** Pending lines beyond this many characters are written at once. */
const FLUSH_CHARS = 64 * 1024;
/**
 * Lines below warn (pino writes the level first: 10–30) wait for the batch; any other line
 * (a fault, or a shape this does not know) is written at once with those before it, so a
 * process killed right after logging a fault keeps the fault's line.
 */
const BATCHED_LINE = /^\{"level":[1-3]0,/;

/**
 * stdout for the log, written in batches: the lines of the next FLUSH_MS (or FLUSH_CHARS) are
 * joined and written by one `process.stdout.write`, on the event loop, so a busy server makes
 * about a hundred writes a second rather than a thread-pool write per request; warnings and
 * errors are written at once (BATCHED_LINE). Lines still
 * pending when the process exits are written then. A reader that closed the pipe (EPIPE) ends
 * the logging; any other write error is thrown. One per process: every app logs through it.
 */
class BatchedStdout {
  private pending = '';
  private broken = false;

  constructor() {
    process.on('exit', this.writePending);
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.broken = true;
    });
  }

  write(line: string): void {
    if (this.broken) return;
    if (this.pending === '') setTimeout(this.writePending, FLUSH_MS).unref();
    this.pending += line;
    if (this.pending.length > FLUSH_CHARS || !BATCHED_LINE.test(line)) this.writePending();
  }

  /** Writes the pending lines now (pino's `logger.flush(cb)` calls this). */
  flush(cb?: (err?: Error) => void): void {
    this.writePending();
    cb?.();
  }

  private readonly writePending = (): void => {
    const lines = this.pending;
    this.pending = '';
    if (lines !== '' && !this.broken) process.stdout.write(lines);
  };
}

let stdout: BatchedStdout | undefined;

function stdoutDestination(): BatchedStdout {
  return (stdout ??= new BatchedStdout());
}

/**
 * The access log and the request metrics: when a response has been sent, one pino call (no
 * URL: it may carry a query) and one observation. The route is the pattern, `unmatched` when
 * no route matched.
 */
export function installAccessLog(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.request(request.method, route, reply.statusCode, ms / 1000);
    request.log.info(
      {
        tenant: requestTenant(request),
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(ms * 100) / 100,
      },
      'request',
    );
    done();
  });
}
