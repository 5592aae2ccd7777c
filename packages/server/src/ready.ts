import type { Storage } from '@proofline/storage';
import type { LogRuntime } from './records/service.js';

/**
 * Why this node should not take traffic, or undefined when it is ready: its storage answers a
 * cheap read, and every log it writes is publishing (a log with entries beyond its latest
 * checkpoint must have published one within `maxAgeMs`; a log with none yet counts from its
 * creation). /healthz, by contrast, says only that the process answers.
 */
export async function notReady(
  storage: Storage,
  logs: ReadonlyMap<string, LogRuntime>,
  maxAgeMs: number,
  now = Date.now(),
): Promise<string | undefined> {
  let states;
  try {
    await storage.listLogs();
    states = await Promise.all(
      [...logs.values()].map(async (runtime) => {
        const name = runtime.config.name;
        const [sequenced, latest] = await Promise.all([
          storage.sequencedSize(name),
          storage.latestCheckpoint(name),
        ]);
        return { runtime, sequenced, latest };
      }),
    );
  } catch {
    return 'the storage does not answer';
  }
  for (const { runtime, sequenced, latest } of states) {
    const waiting = sequenced - (latest?.size ?? 0);
    const age = now - (latest?.publishedAt ?? runtime.config.createdAt);
    if (waiting > 0 && age > maxAgeMs) {
      return `log ${runtime.config.name}: ${waiting} entries wait for a checkpoint, and the latest is ${Math.round(age / 1000)} s old`;
    }
  }
  return undefined;
}
