import { buildApp, type LogRuntime } from '@proofline/server';
import { nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import { GuardError, Publisher, Sequencer } from '@proofline/sequencer';
import { DEFAULT_LOG, openDeployment, type LogHandle, type Target } from '../deployment.js';
import { checkGuard, explainGuardError } from '../guard.js';
import { onShutdown } from '../signals.js';
import type { TimestampingConfig } from './timestamping.js';
import { publishedWitnesses, publisherWitnessOptions, type WitnessingConfig } from './witness.js';

export interface ServeOptions {
  readonly target: Target;
  readonly port: number;
  readonly host: string;
  readonly checkpointIntervalMs: number;
  readonly originBase?: string;
  /** Base URL of verification links; default http://<host>:<port>. */
  readonly publicUrl?: string;
  readonly rateLimit: number;
  readonly witnessing?: WitnessingConfig;
  /** RFC 3161 authorities that timestamp every log's checkpoints. */
  readonly timestamping?: TimestampingConfig;
}

/**
 * Runs the HTTP service and, for every log, a sequencer (writes) and the publisher that
 * integrates and signs. On SIGTERM/SIGINT: stop accepting connections, let in-flight
 * requests finish, commit the queued batches, finish the publishing round, close the store.
 *
 * Refuses to start if the database is behind or beside a checkpoint this node signed (each
 * log's checkpoint guard, see ../guard.ts); if a publisher finds that later (the database
 * was rolled back under a running node), the node shuts down the same way and exits 1:
 * sequencing on would hand out receipts for indices it already gave.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const deployment = await openDeployment(options.target);
  /** Set once the shutdown is registered; a guard refusal before that stops the next round. */
  const shutdown: { stop?: (reason: string, code: number) => void } = {};
  const handles: LogHandle[] = [];
  try {
    await deployment.log(
      DEFAULT_LOG,
      options.originBase ? `${options.originBase}/logs/${DEFAULT_LOG}` : undefined,
    );
    for (const config of await deployment.storage.listLogs()) {
      const handle = await deployment.log(config.name);
      await checkGuard(deployment.storage, handle, options.target);
      handles.push(handle);
    }
  } catch (err) {
    await deployment.close();
    throw err;
  }
  const runtimes = new Map<string, LogRuntime>();
  const publishers: Publisher[] = [];
  for (const { config, signer, checkpointSigners, guard, sealer } of handles) {
    // Published in GET /logs/<name>/ for verifiers (see publishedWitnesses).
    const witnesses = publishedWitnesses(options.witnessing, config);
    runtimes.set(config.name, {
      config,
      signer,
      // While one batch commits (off the event loop) the next is already on its way.
      sequencer: new Sequencer(deployment.storage, config.name, { maxInFlight: 4, sealer }),
      ...(witnesses === undefined ? {} : { witnesses }),
      ...(options.timestamping === undefined
        ? {}
        : { timestampAuthorities: { roots: options.timestamping.roots } }),
    });
    const publisher = new Publisher(deployment.storage, config, checkpointSigners, {
      intervalMs: options.checkpointIntervalMs,
      leafHash: nodeLeafHash,
      interiorHash: nodeInteriorHash,
      guard,
      onError: (err) => {
        if (err instanceof GuardError) {
          console.error(`proofline: ${explainGuardError(err, options.target)}`);
          shutdown.stop?.(`log ${config.name}: the checkpoint guard refused`, 1);
        } else {
          console.error(`log ${config.name}: publishing failed:`, err);
        }
      },
      ...publisherWitnessOptions(options.witnessing, config, options.checkpointIntervalMs),
      ...(options.timestamping === undefined
        ? {}
        : { timestamping: options.timestamping.publisher }),
    });
    publisher.start();
    publishers.push(publisher);
  }
  const publicUrl = options.publicUrl ?? `http://${options.host}:${options.port}`;
  const app = await buildApp({
    storage: deployment.storage,
    logs: runtimes,
    publicUrl,
    defaultRateLimit: options.rateLimit,
  });
  const address = await app.listen({ port: options.port, host: options.host });
  console.log(
    `proofline listening on ${address} (${options.target.db ? 'PostgreSQL' : `data in ${options.target.data}`})`,
  );

  shutdown.stop = onShutdown(async () => {
    await app.close();
    await Promise.all([...runtimes.values()].map((r) => r.sequencer.close()));
    await Promise.all(publishers.map((p) => p.stop()));
    await deployment.close();
  });
}
