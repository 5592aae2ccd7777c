/**
 * Audit worker: fetches and checks level-0 tiles. For each job it downloads the entry bundle
 * and the level-0 hash tile, computes the entries' RFC 6962 leaf hashes, compares them with
 * the tile the log served, optionally checks each entry is a well-formed record, and returns
 * the tile's root (a level-1 hash) and, on request, the recomputed tile. Fetching here too
 * keeps the main thread idle and uses every core.
 *
 * Hashing is most of the CPU an audit needs (2 hashes per entry): @proofline/tlog/node's fast
 * path, leaves hashed on the bundle's bytes in place (nodeLeafHashInPlace: no copies of
 * entries) and interior nodes with its allocation-free nodeHashInto.
 */
import { parentPort } from 'node:worker_threads';
import { decodeEntryBundle, entryBundlePath, tilePath } from '@proofline/tlog';
import { nodeHashInto, nodeLeafHashInPlace } from '@proofline/tlog/node';
import { fetchBytes, LogUnavailableError } from './fetch.js';
import { base64Encode } from '@proofline/note';

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
  /** The log could not be read (see LogUnavailableError): an outage, not a problem. */
  readonly unavailable?: string;
}

export async function checkTile(job: HashJob): Promise<HashResult> {
  const problems: string[] = [];
  const base = job.tile * 256;
  let bundle: Buffer;
  let served: Buffer;
  try {
    [bundle, served] = await Promise.all([
      fetchBytes(`${job.base}${entryBundlePath(job.tile, job.width)}`),
      fetchBytes(`${job.base}${tilePath({ level: 0, index: job.tile, width: job.width })}`),
    ]);
  } catch (err) {
    const message = (err as Error).message;
    return err instanceof LogUnavailableError
      ? { id: job.id, problems: [], unavailable: message }
      : { id: job.id, problems: [message] };
  }
  // Entry i is bundle[starts[i], starts[i+1] - 2): a big-endian uint16 length precedes each.
  const starts = entryStarts(bundle);
  if (!starts) {
    try {
      decodeEntryBundle(bundle); // throws the precise reason
    } catch (err) {
      return { id: job.id, problems: [`entry bundle ${job.tile}: ${(err as Error).message}`] };
    }
    return { id: job.id, problems: [`entry bundle ${job.tile}: malformed`] };
  }
  const count = starts.length - 1;
  if (count !== job.width) {
    return {
      id: job.id,
      problems: [`entry bundle ${job.tile}: has ${count} entries, want ${job.width}`],
    };
  }
  if (served.length > job.width * 32) {
    const path = tilePath({ level: 0, index: job.tile, width: job.width });
    problems.push(`${path}: ${served.length} bytes, want ${job.width * 32}`);
  }
  // Loaded on first use: --no-records audits skip the module's start-up cost in every worker.
  const parseRecord = job.checkRecords ? (await import('@proofline/records')).parseRecord : null;
  const tile = new Uint8Array(job.width * 32);
  for (let i = 0; i < count; i++) {
    const start = starts[i]! + 2;
    const end = starts[i + 1]!;
    // The length's low byte (already read) becomes the 0x00 leaf prefix.
    const hash = nodeLeafHashInPlace(bundle, start - 1, end);
    tile.set(hash, i * 32);
    const got = served.subarray(i * 32, i * 32 + 32);
    if (got.length < 32 || Buffer.compare(hash, got) !== 0) {
      problems.push(
        `entry ${base + i}: its leaf hash ${base64Encode(hash)} (from tile/entries) differs from ` +
          `${base64Encode(got) || 'nothing'} in the level-0 tile at position ${i}`,
      );
    }
    if (parseRecord) {
      try {
        parseRecord(bundle.subarray(start, end));
      } catch (err) {
        problems.push(`entry ${base + i}: not a valid record: ${(err as Error).message}`);
      }
    }
  }
  return {
    id: job.id,
    problems,
    ...(job.width === 256 ? { root: tileRoot(tile) } : {}),
    ...(job.keep ? { tile } : {}),
  };
}

/**
 * Offsets of the length prefixes of a well-formed bundle of 1..256 entries, followed by the
 * bundle's length; undefined if it is not one (decodeEntryBundle then says why).
 */
function entryStarts(bundle: Uint8Array): number[] | undefined {
  const starts: number[] = [];
  let offset = 0;
  while (offset < bundle.length && starts.length <= 256) {
    starts.push(offset);
    if (offset + 2 > bundle.length) return undefined;
    offset += 2 + ((bundle[offset]! << 8) | bundle[offset + 1]!);
  }
  if (offset !== bundle.length || starts.length === 0 || starts.length > 256) return undefined;
  starts.push(offset);
  return starts;
}

/**
 * MTH of a full tile's 256 hashes (RFC 6962 interior nodes), as a new 32-byte Uint8Array:
 * a copy of the tile reduced in place, level by level.
 */
export function tileRoot(tile: Uint8Array): Uint8Array {
  const level = Uint8Array.from(tile);
  for (let n = level.length / 32; n > 1; n /= 2) {
    for (let i = 0; i < n / 2; i++) nodeHashInto(level, i * 64, level, i * 32);
  }
  return level.slice(0, 32);
}

parentPort?.on('message', (job: HashJob) => {
  void checkTile(job).then((result) => {
    const transfer = [result.root, result.tile].filter((b) => b !== undefined);
    parentPort!.postMessage(
      result,
      transfer.map((b) => b.buffer as ArrayBuffer),
    );
  });
});
