import { createInterface } from 'node:readline';
import {
  digestLookupKey,
  parseStatementJson,
  recordTemplate,
  type RecordTemplate,
  receiptFormat,
} from '@proofline/records';
import { GuardError, Publisher, Sequencer } from '@proofline/sequencer';
// The record group alone: `append` does not load the HTTP server.
import { recordGroupOf } from '@proofline/server/record-group';
import type { Storage } from '@proofline/storage';
import { openDeployment, type LogHandle, type Target } from '../deployment.js';
import { checkGuard, explainGuardError } from '../guard.js';
import { Progress } from '../progress.js';

export interface AppendOptions {
  readonly target: Target;
  readonly log: string;
  readonly chunkSize: number;
  /** How long to wait for a checkpoint that covers the appended entries, in ms. */
  readonly waitMs: number;
}

/**
 * Bulk path: appends to an existing log (never creates one: see `create-log`) each line of standard input (without its line ending) as one record:
 * each line must be a JSON statement (see @proofline/records), stored in canonical form.
 *
 * Lines are committed in chunks of `chunkSize`, each in one durable transaction; after each
 * commit the chunk's index range is printed to standard output as `appended FIRST-LAST`.
 * A printed range is durable. An invalid line stops the import before its chunk
 * is written: everything printed before stays, nothing after it is written.
 * Runs safely beside `proofline serve` on the same data directory. At the end it waits
 * until a checkpoint covers the new entries (publishing one itself if no other process
 * holds the publishing lease). Refuses, before reading any input, if the database is behind
 * or beside a checkpoint this node signed (the log's checkpoint guard, see ../guard.ts).
 */
export async function append(options: AppendOptions): Promise<number> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    const handle = await deployment.openLog(options.log);
    await checkGuard(deployment.storage, handle, options.target);
    const { config, sealer } = handle;
    const sequencer = new Sequencer(deployment.storage, config.name, {
      sealer,
      maxBatchSize: options.chunkSize,
    });
    const tenant = config.tenant;
    const progress = new Progress(`appending to ${config.name}`);
    let interrupted = false;
    const stop = () => (interrupted = true);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    let first: number | undefined;
    let last = -1;
    let lineNumber = 0;
    let chunk: RecordTemplate[] = [];
    let lookupKeys: number[] = [];
    const commit = async () => {
      if (chunk.length === 0) return;
      const result = await sequencer.appendGroup(recordGroupOf(chunk, lookupKeys));
      if (result.status !== 'sequenced') throw new Error('unreachable: no idempotency key');
      const start = result.first;
      first ??= start;
      last = start + chunk.length - 1;
      process.stdout.write(`appended ${start}-${last}\n`);
      chunk = [];
      lookupKeys = [];
      progress.update(lineNumber);
    };

    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      lineNumber++;
      let template: RecordTemplate;
      let lookupKey: number;
      try {
        const statement = parseStatementJson(line);
        template = recordTemplate(statement, tenant); // validates; the record must fit in an entry
        lookupKey = digestLookupKey(statement.digest);
      } catch (err) {
        progress.done();
        throw new Error(
          `line ${lineNumber}: ${(err as Error).message}. ` +
            (first === undefined
              ? 'Nothing was appended.'
              : `Indices ${first}-${last} were appended; nothing after them was written.`),
        );
      }
      chunk.push(template);
      lookupKeys.push(lookupKey);
      if (chunk.length >= options.chunkSize) await commit();
      if (interrupted) break;
    }
    if (!interrupted) await commit();
    await sequencer.close();
    progress.done();
    if (first === undefined) {
      console.error('no entries appended');
      return 0;
    }
    const count = last - first + 1;
    process.stdout.write(
      `appended ${count} entries to log ${config.name}: indices ${first}-${last}\n`,
    );
    await waitForCheckpoint(deployment.storage, handle, options.target, last + 1, options.waitMs);
    return count;
  } finally {
    await deployment.close();
  }
}

async function waitForCheckpoint(
  storage: Storage,
  { config, checkpointSigners, guard, retiredKeys }: LogHandle,
  target: Target,
  size: number,
  waitMs: number,
): Promise<void> {
  const publisher = new Publisher(storage, config, checkpointSigners, {
    receiptFormat,
    guard,
    retiredKeys,
  });
  const deadline = Date.now() + waitMs;
  try {
    while (true) {
      try {
        await publisher.publish();
      } catch (err) {
        if (err instanceof GuardError) throw new Error(explainGuardError(err, target));
        throw err;
      }
      const latest = await storage.latestCheckpoint(config.name);
      if (latest && latest.size >= size) {
        console.error(`checkpoint of size ${latest.size} covers the appended entries`);
        return;
      }
      if (Date.now() > deadline) {
        console.error(
          `warning: no checkpoint covers the appended entries yet; the entries are stored ` +
            `and the process holding the publishing lease will sign one`,
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await publisher.stop();
  }
}
