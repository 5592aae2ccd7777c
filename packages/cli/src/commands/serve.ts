import { setTimeout as sleep } from 'node:timers/promises';
import { ServerMetrics, buildApp, type LogRuntime } from '@proofline/server';
import { DEFAULT_LOG, type LogHandle, type Target } from '../deployment.js';
import { checkGuard, targetArgs } from '../guard.js';
import { onShutdown } from '../signals.js';
import { LogPolicyError } from './log-policy.js';
import { openForServe } from './serve-open.js';
import { LogFleet } from './serve-logs.js';
import {
  reportConfiguration,
  reportCreatedKey,
  reportLog,
  reportPublicLog,
} from './serve-report.js';
import type { TimestampingConfig } from './timestamping.js';
import type { WitnessingConfig } from './witness.js';

export interface ServeOptions {
  readonly target: Target;
  readonly port: number;
  readonly host: string;
  readonly checkpointIntervalMs: number;
  /** --checkpoint-min-interval: least time between two publishing rounds of a log. */
  readonly checkpointMinIntervalMs?: number;
  readonly originBase?: string;
  /** Base URL of verification links; default http://<host>:<port>. */
  readonly publicUrl?: string;
  readonly rateLimit: number;
  /** The witnesses of logs without a witness policy of their own (see ./log-policy.ts). */
  readonly witnessing?: WitnessingConfig;
  /** RFC 3161 authorities of logs without a TSA policy of their own. */
  readonly timestamping?: TimestampingConfig;
  /** --witness-timeout: also for the witnesses of a log's own policy. */
  readonly witnessTimeoutMs: number;
  /** Level of the JSON log on stdout (pino: fatal, error, warn, info, debug, trace, silent). */
  readonly logLevel: string;
}

/** How long serve waits for the logs' first publishing rounds before it listens anyway. */
const FIRST_ROUND_WAIT_MS = 3000;

/** A listen error as the operator needs it: what is wrong and what to change. */
function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const at = `${host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? `the port is in use by another process (${code}): stop it or choose another --port`
      : code === 'EACCES'
        ? `permission denied (${code}): ports below 1024 need privileges; choose another --port`
        : code === 'EADDRNOTAVAIL'
          ? `this machine has no address ${host} (${code}): check --host`
          : (err as Error).message;
  return new Error(`cannot listen on ${at}: ${why}`, { cause: err });
}

/**
 * Runs the HTTP service and, for every log, a sequencer (writes) and the publisher that
 * integrates and signs; logs created while it runs are picked up (see LogFleet). On
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, commit the
 * queued batches, finish the publishing round, close the store.
 *
 * Fails (rejects, having closed everything it opened, so the process exits) when the
 * storage does not open, the port cannot be bound, or the database is behind or beside a
 * checkpoint this node signed (each log's checkpoint guard, see ../guard.ts). If a
 * publisher finds that later (the database was rolled back under a running node), the node
 * shuts down the same way and exits 1: sequencing on would hand out receipts for indices it
 * already gave.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const deployment = await openForServe(options);
  const handles: LogHandle[] = [];
  try {
    const origin = options.originBase && `${options.originBase}/logs/${DEFAULT_LOG}`;
    handles.push(await deployment.log(DEFAULT_LOG, origin || undefined));
    for (const config of await deployment.storage.listLogs()) {
      if (config.name === DEFAULT_LOG) continue;
      handles.push(await deployment.openLog(config.name));
    }
    for (const handle of handles) await checkGuard(deployment.storage, handle, options.target);
  } catch (err) {
    await deployment.close();
    throw err;
  }
  /** Set once the shutdown is registered, before any publisher starts. */
  const shutdown: { stop?: (reason: string, code: number) => void } = {};
  const publicUrl = options.publicUrl ?? `http://${options.host}:${options.port}`;
  const runtimes = new Map<string, LogRuntime>();
  // One registry: the app serves it at /metrics, the sequencers and publishers report to it.
  const metrics = new ServerMetrics();
  const app = await buildApp({
    metrics,
    storage: deployment.storage,
    access: deployment.access,
    logs: runtimes,
    // `fleet` is made below, with the app's logger: the app calls this only for requests.
    resolveLog: (name) => fleet.resolve(name),
    publicUrl,
    defaultRateLimit: options.rateLimit,
    logger: { level: options.logLevel },
  });
  const fleet = new LogFleet({
    runtimes,
    deployment,
    target: options.target,
    checkpointIntervalMs: options.checkpointIntervalMs,
    ...(options.checkpointMinIntervalMs === undefined
      ? {}
      : { checkpointMinIntervalMs: options.checkpointMinIntervalMs }),
    defaults: {
      ...(options.witnessing === undefined ? {} : { witnessing: options.witnessing }),
      ...(options.timestamping === undefined ? {} : { timestamping: options.timestamping }),
      witnessTimeoutMs: options.witnessTimeoutMs,
    },
    logger: app.log,
    metrics,
    onServe: (served, since) => reportLog(app.log, served, since),
    onGuardRefusal: (log) => shutdown.stop?.(`log ${log}: the checkpoint guard refused`, 1),
  });
  for (const handle of handles) {
    try {
      await fleet.add(handle);
    } catch (err) {
      await fleet.close();
      await app.close();
      await deployment.close();
      if (!(err instanceof LogPolicyError)) throw err;
      const log = handle.config.name;
      throw new Error(
        `log ${log}: ${err.message}. Replace it: proofline log-policy ` +
          `${targetArgs(options.target)} --log ${log} --no-witnesses|--witness ... --no-tsa|--tsa ...`,
        { cause: err },
      );
    }
    if (handle.createdKey) {
      reportCreatedKey(app.log, handle.config.name, handle.createdKey);
      if (handle.config.visibility === 'public') reportPublicLog(app.log, handle.config.name);
    }
  }
  shutdown.stop = onShutdown(async () => {
    await app.close();
    await fleet.close();
    await deployment.close();
  });
  // Publishing starts before listening, and each log's first round ends (a first checkpoint,
  // e.g. of an empty log) before the address is announced, unless it takes longer than
  // FIRST_ROUND_WAIT_MS (a slow witness or TSA); a listen failure stops it again.
  await Promise.race([fleet.start(), sleep(FIRST_ROUND_WAIT_MS, undefined, { ref: false })]);
  let address: string;
  try {
    address = await app.listen({ port: options.port, host: options.host });
  } catch (err) {
    await fleet.close();
    await app.close();
    await deployment.close();
    throw listenError(err, options.host, options.port);
  }
  reportConfiguration(app.log, { ...options, address });
}
