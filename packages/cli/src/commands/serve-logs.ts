import { ServiceError, type LogRuntime } from '@proofline/server';
import { nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import { GuardError, Publisher, Sequencer } from '@proofline/sequencer';
import { LOG_NAME_PATTERN } from '@proofline/storage';
import type { Deployment, LogHandle, Target } from '../deployment.js';
import { checkGuard, explainGuardError } from '../guard.js';
import type { TimestampingConfig } from './timestamping.js';
import { publishedWitnesses, publisherWitnessOptions, type WitnessingConfig } from './witness.js';

/** The pino-style logger of `serve` (fastify's): structured fields first, then the message. */
export interface ServeLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** How often a running node looks for logs created by other processes, in ms. */
export const LOG_REFRESH_MS = 5000;

export interface LogFleetOptions {
  /** The map the app reads (AppOptions.logs): the fleet adds each log it serves. */
  readonly runtimes: Map<string, LogRuntime>;
  readonly deployment: Deployment;
  readonly target: Target;
  readonly checkpointIntervalMs: number;
  readonly witnessing?: WitnessingConfig;
  readonly timestamping?: TimestampingConfig;
  readonly logger: ServeLogger;
  /** Called once per log this node starts serving after start-up (e.g. to print it). */
  readonly onNewLog?: (runtime: LogRuntime) => void;
  /** A publisher's checkpoint guard refused (the database was rolled back): stop the node. */
  readonly onGuardRefusal: (log: string) => void;
}

/**
 * The logs a `serve` process writes: for each, a Sequencer and a Publisher. `runtimes` is
 * the live map the HTTP app reads, so a log added while serving is served at once.
 *
 * Logs created by another process (`create-log` on the same data folder or database) are
 * picked up on the first request that names them (`resolve`, the app's `resolveLog`) and by
 * a refresh every LOG_REFRESH_MS. A log this node cannot serve (its key is not here or does
 * not match, its checkpoint guard refuses) is reported in the log once per reason and
 * answered 503 `log-unavailable`; it is tried again on the next request or refresh.
 */
export class LogFleet {
  private readonly runtimes: Map<string, LogRuntime>;
  private readonly publishers = new Map<string, Publisher>();
  /** Logs being opened, so that concurrent requests start one sequencer and publisher. */
  private readonly opening = new Map<string, Promise<LogRuntime | undefined>>();
  /** The last reason logged per log that could not be served. */
  private readonly unavailable = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private state: 'added' | 'running' | 'closed' = 'added';

  constructor(private readonly options: LogFleetOptions) {
    this.runtimes = options.runtimes;
  }

  /** Adds an opened log: its sequencer now, its publisher on `start` (at once when running). */
  add(handle: LogHandle): LogRuntime {
    const { config, signer, sealer } = handle;
    const o = this.options;
    const witnesses = publishedWitnesses(o.witnessing, config);
    const runtime: LogRuntime = {
      config,
      signer,
      // While one batch commits (off the event loop) the next is already on its way.
      sequencer: new Sequencer(o.deployment.storage, config.name, { maxInFlight: 4, sealer }),
      ...(witnesses === undefined ? {} : { witnesses }),
      ...(o.timestamping === undefined
        ? {}
        : { timestampAuthorities: { roots: o.timestamping.roots } }),
    };
    const publisher = new Publisher(o.deployment.storage, config, handle.checkpointSigners, {
      intervalMs: o.checkpointIntervalMs,
      leafHash: nodeLeafHash,
      interiorHash: nodeInteriorHash,
      guard: handle.guard,
      onError: (err) => {
        if (err instanceof GuardError) {
          console.error(`proofline: ${explainGuardError(err, o.target)}`);
          o.logger.error(
            { log: config.name, err },
            'refusing to sign: the checkpoint guard refused',
          );
          o.onGuardRefusal(config.name);
        } else {
          o.logger.error({ log: config.name, err }, 'publishing failed');
        }
      },
      ...publisherWitnessOptions(o.witnessing, config, o.checkpointIntervalMs),
      ...(o.timestamping === undefined ? {} : { timestamping: o.timestamping.publisher }),
    });
    this.runtimes.set(config.name, runtime);
    this.publishers.set(config.name, publisher);
    if (this.state === 'running') publisher.start();
    return runtime;
  }

  /** Starts the publishers of the logs added so far, and the refresh. */
  start(): void {
    if (this.state !== 'added') return;
    this.state = 'running';
    for (const publisher of this.publishers.values()) publisher.start();
    this.timer = setInterval(() => void this.refresh(), LOG_REFRESH_MS);
    this.timer.unref();
  }

  /**
   * The runtime of `name`, opening it if it exists in the database but is not served yet;
   * undefined if there is no such log. Throws ServiceError 503 if it cannot be served here.
   */
  resolve(name: string): Promise<LogRuntime | undefined> {
    const served = this.runtimes.get(name);
    if (served) return Promise.resolve(served);
    if (this.state === 'closed' || !LOG_NAME_PATTERN.test(name)) return Promise.resolve(undefined);
    let opening = this.opening.get(name);
    if (!opening) {
      opening = this.open(name).finally(() => this.opening.delete(name));
      this.opening.set(name, opening);
    }
    return opening;
  }

  /** Opens every log of the database not served yet; failures are logged by `open`. */
  async refresh(): Promise<void> {
    try {
      const logs = await this.options.deployment.storage.listLogs();
      await Promise.all(
        logs
          .filter((l) => !this.runtimes.has(l.name))
          .map((l) => this.resolve(l.name).catch(() => undefined)),
      );
    } catch (err) {
      if (this.state !== 'closed') this.options.logger.error({ err }, 'listing the logs failed');
    }
  }

  /** Stops the refresh, finishes the logs being opened, commits queued batches, stops publishing. */
  async close(): Promise<void> {
    this.state = 'closed';
    clearInterval(this.timer);
    await Promise.allSettled(this.opening.values());
    await Promise.all([...this.runtimes.values()].map((r) => r.sequencer.close()));
    await Promise.all([...this.publishers.values()].map((p) => p.stop()));
  }

  private async open(name: string): Promise<LogRuntime | undefined> {
    const { deployment, target, logger } = this.options;
    if (!(await deployment.storage.getLog(name))) return undefined;
    let handle: LogHandle;
    try {
      handle = await deployment.openLog(name);
      await checkGuard(deployment.storage, handle, target);
    } catch (err) {
      const reason = (err as Error).message;
      if (this.unavailable.get(name) !== reason) {
        this.unavailable.set(name, reason);
        console.error(`proofline: log ${name} exists but this node cannot serve it: ${reason}`);
        logger.error({ log: name, err }, 'log exists but this node cannot serve it');
      }
      throw new ServiceError(
        'LOG_UNAVAILABLE',
        `log ${name} exists but this node cannot serve it yet (its signing key or checkpoint guard is not in place here)`,
        { details: { retryAfterSeconds: LOG_REFRESH_MS / 1000 } },
      );
    }
    if (this.state === 'closed') return undefined;
    this.unavailable.delete(name);
    const runtime = this.add(handle);
    this.options.onNewLog?.(runtime);
    return runtime;
  }
}
