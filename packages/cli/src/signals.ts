/**
 * Runs `shutdown` once on the first SIGTERM or SIGINT, then exits 0 (1 if it failed).
 * A second signal exits at once.
 */
export function onShutdown(shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`${signal}: finishing in-flight work`);
    shutdown().then(
      () => process.exit(0),
      (err) => {
        console.error('shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
