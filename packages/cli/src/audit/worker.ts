/**
 * Audit worker: hashes entry bundles. For each bundle it decodes the entries, computes their
 * RFC 6962 leaf hashes (node:crypto), compares them with the level-0 tile the log served,
 * optionally checks each entry is a well-formed record, and returns the recomputed tile.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { decodeEntryBundle } from '@proofline/tlog';
import { parseRecord } from '@proofline/records';

export interface HashJob {
  readonly id: number;
  readonly tile: number;
  readonly bundle: Uint8Array;
  readonly served: Uint8Array;
  readonly width: number;
  readonly checkRecords: boolean;
}

export interface HashResult {
  readonly id: number;
  /** The recomputed level-0 tile (width × 32 bytes). */
  readonly tile: Uint8Array;
  readonly problems: readonly string[];
}

const PREFIX = Uint8Array.of(0);

export function hashBundle(job: HashJob): HashResult {
  const problems: string[] = [];
  const base = job.tile * 256;
  let entries: Uint8Array[];
  try {
    entries = decodeEntryBundle(job.bundle);
  } catch (err) {
    return {
      id: job.id,
      tile: new Uint8Array(0),
      problems: [`entry bundle ${job.tile}: ${(err as Error).message}`],
    };
  }
  if (entries.length !== job.width) {
    problems.push(`entry bundle ${job.tile}: has ${entries.length} entries, want ${job.width}`);
    return { id: job.id, tile: new Uint8Array(0), problems };
  }
  const tile = new Uint8Array(job.width * 32);
  entries.forEach((entry, i) => {
    const hash = createHash('sha256').update(PREFIX).update(entry).digest();
    tile.set(hash, i * 32);
    const served = job.served.subarray(i * 32, i * 32 + 32);
    if (served.length !== 32 || !hash.equals(served)) {
      problems.push(
        `entry ${base + i}: its leaf hash ${hash.toString('base64')} (from tile/entries) differs from ` +
          `${Buffer.from(served).toString('base64') || 'nothing'} in the level-0 tile at position ${i}`,
      );
    }
    if (job.checkRecords) {
      try {
        parseRecord(entry);
      } catch (err) {
        problems.push(`entry ${base + i}: not a valid record: ${(err as Error).message}`);
      }
    }
  });
  return { id: job.id, tile, problems };
}

parentPort?.on('message', (job: HashJob) => {
  const result = hashBundle(job);
  parentPort!.postMessage(result, [result.tile.buffer as ArrayBuffer]);
});
