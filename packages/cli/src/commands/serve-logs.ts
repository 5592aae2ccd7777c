import { ServiceError, type LogRuntime, type ServerMetrics } from '@proofline/server';
import { nodeHashInto, nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import { GuardError, Publisher, Sequencer } from '@proofline/sequencer';
import { LOG_NAME_PATTERN } from '@proofline/storage';
import { receiptFormat } from '@proofline/records';
import type { Deployment, LogHandle, Target } from '../deployment.js';
import { checkGuard, explainGuardError } from '../guard.js';
import {
  parseLogPolicy,
  publishingOf,
  type LogPolicy,
  type PublishingDefaults,
} from './log-policy.js';
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
  /** Least time between the starts of two publishing rounds of a log (--checkpoint-min-interval). */
  readonly checkpointMinIntervalMs?: number;
  /** Serve's witness and TSA flags: for logs, or parts of a log's policy, left unset. */
  readonly defaults: PublishingDefaults;
  readonly logger: ServeLogger;
  /** Where each log's sequencer and publisher report (the app's /metrics). */
  readonly metrics?: ServerMetrics;
  /** Called whenever a log is (re)configured: at start, when found later, on a policy change. */
  readonly onServe?: (served: ServedLog, since: 'start' | 'new' | 'policy') => void;
  /** A publisher's checkpoint guard refused (the database was rolled back): stop the node. */
  readonly onGuardRefusal: (log: string) => void;
}

/** A log as this node publishes it: its runtime, its own policy and what applies. */
export interface ServedLog {
  readonly runtime: LogRuntime;
  /** The log's own policy (undefined: none, serve's flags apply throughout). */
  readonly policy?: LogPolicy;
  readonly witnessing?: WitnessingConfig;
  readonly timestamping?: TimestampingConfig;
}

interface Entry {
  readonly handle: LogHandle;
  readonly sequencer: Sequencer;
  publisher: Publisher;
  /** The stored policy document in effect. */
  policyText: string | undefined;
}

/**
 * The logs a `serve` process writes: for each, a Sequencer and a Publisher that witnesses
 * and time-stamps per the log's own policy (see ./log-policy.ts), or serve's flags.
 * `runtimes` is the live map the HTTP app reads, so a log added while serving is served at once.
 *
 * Logs created by another process (`create-log` on the same data folder or database) are
 * picked up on the first request that names them (`resolve`, the app's `resolveLog`) and by
 * a refresh every LOG_REFRESH_MS, which also applies policy changes (`log-policy`): the
 * log's publisher finishes its round and a new one starts with the new policy. A log this
 * node cannot serve (its key is not here or does not match, its checkpoint guard refuses,
 * its stored policy does not parse) is reported in the log once per reason and answered
 * 503 `log-unavailable`; it is tried again on the next request or refresh. A policy change
 * that does not parse is reported and the log keeps its current one.
 */
export class LogFleet {
  private readonly runtimes: Map<string, LogRuntime>;
  private readonly entries = new Map<string, Entry>();
  /** Logs being opened, so that concurrent requests start one sequencer and publisher. */
  private readonly opening = new Map<string, Promise<LogRuntime | undefined>>();
  /** The last problem logged per log (could not be served, or its new policy is invalid). */
  private readonly reported = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private state: 'added' | 'running' | 'closed' = 'added';

  constructor(private readonly options: LogFleetOptions) {
    this.runtimes = options.runtimes;
  }

  /**
   * Adds an opened log with its stored policy: its sequencer now, its publisher on `start`
   * (at once when running). Throws LogPolicyError if the stored policy does not parse.
   */
  async add(handle: LogHandle, since: 'start' | 'new' = 'start'): Promise<LogRuntime> {
    const { config, sealer } = handle;
    const policyText = await this.options.deployment.storage.getLogPolicy(config.name);
    const served = this.configure(policyText);
    const hooks = this.options.metrics?.sequencerHooks(config.name);
    const sequencer = new Sequencer(this.options.deployment.storage, config.name, {
      maxInFlight: 4, // while one batch commits (off the event loop) the next is on its way
      eagerBatchSize: 16, // and storage starts on a burst of requests before all are read
      sealer,
      // Each commit starts a publishing round (bounded by the publisher): receipt → proof is
      // then one round, not up to an interval. `entry` is read at each call: a policy change
      // replaces the publisher.
      onCommit: (report) => {
        hooks?.onCommit(report);
        if (report.ok && report.sequenced > 0) entry.publisher.trigger();
      },
    });
    const entry: Entry = {
      handle,
      sequencer,
      publisher: this.publisher(handle, served),
      policyText,
    };
    this.entries.set(config.name, entry);
    const runtime = this.runtime(handle, served, sequencer);
    this.runtimes.set(config.name, runtime);
    if (this.state === 'running') entry.publisher.start();
    this.options.onServe?.({ ...served, runtime }, since);
    return runtime;
  }

  /**
   * Starts the publishers of the logs added so far, and the refresh. Resolves once each
   * publisher's first round has ended (published, found nothing to do, or failed and logged).
   */
  async start(): Promise<void> {
    if (this.state !== 'added') return;
    this.state = 'running';
    for (const entry of this.entries.values()) entry.publisher.start();
    const first = Promise.all([...this.entries.values()].map((e) => e.publisher.idle()));
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    }, LOG_REFRESH_MS);
    this.timer.unref();
    await first;
  }

  /**
   * The runtime of `name`, opening it if it exists in the database but is not served yet;
   * undefined if there is no such log. Throws ServiceError 503 if it cannot be served here.
   */
  resolve(name: string): Promise<LogRuntime | undefined> {
    const served = this.runtimes.get(name);
    if (served) return Promise.resolve(served);
    if (this.closed() || !LOG_NAME_PATTERN.test(name)) return Promise.resolve(undefined);
    let opening = this.opening.get(name);
    if (!opening) {
      opening = this.open(name).finally(() => this.opening.delete(name));
      this.opening.set(name, opening);
    }
    return opening;
  }

  /**
   * Opens every log of the database not served yet, and applies changed policies; failures
   * are logged (once per reason).
   */
  async refresh(): Promise<void> {
    try {
      const logs = await this.options.deployment.storage.listLogs();
      await Promise.all(
        logs.map((l) =>
          this.entries.has(l.name)
            ? this.reconfigure(l.name)
            : this.resolve(l.name).catch(() => undefined),
        ),
      );
    } catch (err) {
      if (this.state !== 'closed') this.options.logger.error({ err }, 'refreshing the logs failed');
    }
  }

  /** Stops the refresh, finishes the logs being opened, commits queued batches, stops publishing. */
  async close(): Promise<void> {
    this.state = 'closed';
    clearInterval(this.timer);
    await this.refreshing;
    await Promise.allSettled(this.opening.values());
    const entries = [...this.entries.values()];
    await Promise.all(entries.map((e) => e.sequencer.close()));
    await Promise.all(entries.map((e) => e.publisher.stop()));
  }

  private closed(): boolean {
    return this.state === 'closed';
  }

  private async open(name: string): Promise<LogRuntime | undefined> {
    const { deployment, target } = this.options;
    if (!(await deployment.storage.getLog(name))) return undefined;
    try {
      const handle = await deployment.openLog(name);
      await checkGuard(deployment.storage, handle, target);
      if (this.closed()) return undefined;
      const runtime = await this.add(handle, 'new');
      this.reported.delete(name);
      return runtime;
    } catch (err) {
      this.report(name, err, 'this node cannot serve the log');
      throw new ServiceError(
        'LOG_UNAVAILABLE',
        `log ${name} exists but this node cannot serve it yet (its signing key, checkpoint guard or policy is not in order here)`,
        { details: { retryAfterSeconds: LOG_REFRESH_MS / 1000 } },
      );
    }
  }

  /** Applies the log's stored policy if it changed: a new publisher, once the old one stopped. */
  private async reconfigure(name: string): Promise<void> {
    const entry = this.entries.get(name)!;
    const policyText = await this.options.deployment.storage.getLogPolicy(name);
    if (policyText === entry.policyText || this.closed()) return;
    let served: Omit<ServedLog, 'runtime'>;
    try {
      served = this.configure(policyText);
    } catch (err) {
      this.report(name, err, 'its new policy is invalid; it keeps its current one');
      return;
    }
    this.reported.delete(name);
    await entry.publisher.stop();
    if (this.closed()) return;
    entry.publisher = this.publisher(entry.handle, served);
    entry.policyText = policyText;
    const runtime = this.runtime(entry.handle, served, entry.sequencer);
    const weakened = weakening(this.runtimes.get(name), runtime);
    this.runtimes.set(name, runtime);
    if (this.state === 'running') entry.publisher.start();
    this.options.onServe?.({ ...served, runtime }, 'policy');
    if (weakened) {
      // The policy is an unsigned row: anyone who can write the database can change it.
      console.error(
        `proofline: WARNING: log ${name}: its stored policy now asks for ${weakened}. ` +
          'If no operator ran proofline log-policy, someone changed the database.',
      );
      this.options.logger.warn({ log: name, weakened }, 'the log policy was weakened');
    }
  }

  /** What applies to the log under the stored policy `text`; throws LogPolicyError. */
  private configure(text: string | undefined): Omit<ServedLog, 'runtime'> {
    const policy = text === undefined ? undefined : parseLogPolicy(text);
    return {
      ...(policy === undefined ? {} : { policy }),
      ...publishingOf(policy, this.options.defaults),
    };
  }

  private runtime(
    handle: LogHandle,
    served: Omit<ServedLog, 'runtime'>,
    sequencer: Sequencer,
  ): LogRuntime {
    const witnesses = publishedWitnesses(served.witnessing, handle.config);
    return {
      config: handle.config,
      signer: handle.signer,
      sequencer,
      ...(witnesses === undefined ? {} : { witnesses }),
      ...(served.timestamping === undefined
        ? {}
        : { timestampAuthorities: { roots: served.timestamping.roots } }),
    };
  }

  private publisher(handle: LogHandle, served: Omit<ServedLog, 'runtime'>): Publisher {
    const { config, checkpointSigners, guard, retiredKeys } = handle;
    const o = this.options;
    const witnessing = publisherWitnessOptions(
      served.witnessing,
      config,
      o.checkpointIntervalMs,
      o.logger,
    );
    const hooks = o.metrics?.publisherHooks(config.name);
    return new Publisher(o.deployment.storage, config, checkpointSigners, {
      receiptFormat,
      intervalMs: o.checkpointIntervalMs,
      ...(o.checkpointMinIntervalMs === undefined
        ? {}
        : { minIntervalMs: o.checkpointMinIntervalMs }),
      leafHash: nodeLeafHash,
      interiorHash: nodeInteriorHash,
      interiorHashInto: nodeHashInto,
      ...(handle.sealer ? { committedLeaves: handle.sealer.committedLeaves() } : {}),
      guard,
      retiredKeys,
      onError: (err) => {
        o.metrics?.publisherError(config.name, err);
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
      ...witnessing,
      ...(served.timestamping === undefined ? {} : { timestamping: served.timestamping.publisher }),
      ...(hooks === undefined
        ? {}
        : {
            onTimestamp: hooks.onTimestamp,
            onTimestampFailure: hooks.onTimestampFailure,
            // Both the operator's messages and the metrics hear of each witnessing round.
            onWitnessing: (report) => {
              witnessing.onWitnessing?.(report);
              hooks.onWitnessing(report);
            },
          }),
    });
  }

  /** Logs `err` for `log` on stderr and in the JSON log, unless it was the last one logged. */
  private report(log: string, err: unknown, what: string): void {
    const reason = (err as Error).message;
    if (this.reported.get(log) === reason) return;
    this.reported.set(log, reason);
    console.error(`proofline: log ${log}: ${what}: ${reason}`);
    this.options.logger.error({ log, err }, what);
  }
}

/**
 * What a policy change gives up, if anything: fewer witness cosignatures required than before
 * (none, or a lower quorum), or no time-stamping where there was some.
 */
function weakening(before: LogRuntime | undefined, after: LogRuntime): string | undefined {
  const lost: string[] = [];
  const quorum = (r: LogRuntime | undefined) => r?.witnesses?.quorum ?? 0;
  if (quorum(after) < quorum(before)) {
    lost.push(`${quorum(after)} witness cosignatures instead of ${quorum(before)}`);
  }
  if (before?.timestampAuthorities && !after.timestampAuthorities) lost.push('no time-stamping');
  return lost.length ? lost.join(' and ') : undefined;
}
