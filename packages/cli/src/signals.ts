/**
 * Runs `shutdown` once on the first SIGTERM or SIGINT, then exits 0 (1 if it failed).
 * A second signal exits at once. The returned function starts the same shutdown from the
 * program itself (e.g. on a fatal error), then exits with `code` (1 if shutdown failed).
 */
export function onShutdown(shutdown: () => Promise<void>): (reason: string, code: number) => void {
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`${reason}: finishing in-flight work`);
    shutdown().then(
      () => process.exit(code),
      (err) => {
        console.error('shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stop(signal, 0);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return stop;
}
