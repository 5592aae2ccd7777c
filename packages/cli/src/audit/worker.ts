/**
 * Audit worker: fetches and checks level-0 tiles. For each job it downloads the entry bundle
 * and the level-0 hash tile, decodes the entries, computes their RFC 6962 leaf hashes
 * (node:crypto), compares them with the tile the log served, optionally checks each entry
 * is a well-formed record, and returns the tile's root (a level-1 hash) and, on request,
 * the recomputed tile. Fetching here too keeps the main thread idle and uses every core.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { decodeEntryBundle, entryBundlePath, tilePath } from '@proofline/tlog';
import { parseRecord } from '@proofline/records';
import { fetchBytes } from './fetch.js';

export interface HashJob {
  readonly id: number;
  readonly base: string;
  readonly tile: number;
  readonly width: number;
  readonly checkRecords: boolean;
  /** Return the recomputed tile itself (the partial tile, or one a proof needs). */
  readonly keep: boolean;
}

export interface HashResult {
  readonly id: number;
  /** MTH of the full tile (a level-1 hash), when the tile is full and verified. */
  readonly root?: Uint8Array;
  readonly tile?: Uint8Array;
  readonly problems: readonly string[];
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export async function checkTile(job: HashJob): Promise<HashResult> {
  const problems: string[] = [];
  const base = job.tile * 256;
  let bundle: Uint8Array;
  let served: Uint8Array;
  try {
    [bundle, served] = await Promise.all([
      fetchBytes(`${job.base}${entryBundlePath(job.tile, job.width)}`),
      fetchBytes(`${job.base}${tilePath({ level: 0, index: job.tile, width: job.width })}`),
    ]);
  } catch (err) {
    return { id: job.id, problems: [(err as Error).message] };
  }
  let entries: Uint8Array[];
  try {
    entries = decodeEntryBundle(bundle);
  } catch (err) {
    return { id: job.id, problems: [`entry bundle ${job.tile}: ${(err as Error).message}`] };
  }
  if (entries.length !== job.width) {
    return {
      id: job.id,
      problems: [`entry bundle ${job.tile}: has ${entries.length} entries, want ${job.width}`],
    };
  }
  const tile = new Uint8Array(job.width * 32);
  entries.forEach((entry, i) => {
    const hash = createHash('sha256').update(LEAF).update(entry).digest();
    tile.set(hash, i * 32);
    const got = served.subarray(i * 32, i * 32 + 32);
    if (got.length !== 32 || !hash.equals(got)) {
      problems.push(
        `entry ${base + i}: its leaf hash ${hash.toString('base64')} (from tile/entries) differs from ` +
          `${Buffer.from(got).toString('base64') || 'nothing'} in the level-0 tile at position ${i}`,
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
  return {
    id: job.id,
    problems,
    ...(job.width === 256 ? { root: tileRoot(tile) } : {}),
    ...(job.keep ? { tile } : {}),
  };
}

/** MTH of a full tile's 256 hashes (RFC 6962 interior nodes). */
export function tileRoot(tile: Uint8Array): Uint8Array {
  let level: Uint8Array[] = [];
  for (let i = 0; i < tile.length; i += 32) level.push(tile.subarray(i, i + 32));
  while (level.length > 1) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      up.push(
        createHash('sha256')
          .update(NODE)
          .update(level[i]!)
          .update(level[i + 1]!)
          .digest(),
      );
    }
    level = up;
  }
  return level[0]!;
}

parentPort?.on('message', (job: HashJob) => {
  void checkTile(job).then((result) => parentPort!.postMessage(result));
});
