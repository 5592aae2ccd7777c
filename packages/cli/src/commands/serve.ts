import { buildApp } from '@proofline/server';
import { Publisher } from '@proofline/sequencer';
import { DEFAULT_LOG, openDeployment } from '../deployment.js';
import { onShutdown } from '../signals.js';

export interface ServeOptions {
  readonly data: string;
  readonly port: number;
  readonly host: string;
  readonly checkpointIntervalMs: number;
  readonly originBase?: string;
}

/**
 * Runs the HTTP service and, for every log, the publisher that integrates and signs.
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests and the current
 * publishing round finish, then close the database.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const deployment = await openDeployment(options.data);
  await deployment.log(
    DEFAULT_LOG,
    options.originBase ? `${options.originBase}/logs/${DEFAULT_LOG}` : undefined,
  );
  const publishers: Publisher[] = [];
  for (const config of await deployment.storage.listLogs()) {
    const { signer } = await deployment.log(config.name);
    const publisher = new Publisher(deployment.storage, config, signer, {
      intervalMs: options.checkpointIntervalMs,
      onError: (err) => console.error(`log ${config.name}: publishing failed:`, err),
    });
    publisher.start();
    publishers.push(publisher);
  }
  const app = await buildApp({ storage: deployment.storage });
  const address = await app.listen({ port: options.port, host: options.host });
  console.log(`proofline listening on ${address} (data in ${options.data})`);

  onShutdown(async () => {
    await app.close();
    await Promise.all(publishers.map((p) => p.stop()));
    await deployment.close();
  });
}
