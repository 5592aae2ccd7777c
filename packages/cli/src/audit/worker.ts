/**
 * Audit worker: fetches and checks level-0 tiles. For each job it downloads the entry bundle
 * and the level-0 hash tile, computes the entries' RFC 6962 leaf hashes, compares them with
 * the tile the log served, optionally checks each entry is a well-formed record, and returns
 * the tile's root (a level-1 hash) and, on request, the recomputed tile. It also reports the
 * entries served with zero bytes (erased ones take the tile's leaf hash, checked by the
 * caller against the tree and the log's erasure records) and every erasure record (type
 * proofline.erasure, parsed strictly whatever `checkRecords` says). Fetching here too
 * keeps the main thread idle and uses every core.
 *
 * Hashing is most of the CPU an audit needs (2 hashes per entry): @proofline/tlog/node's fast
 * path, leaves hashed on the bundle's bytes in place straight into the tile (nodeLeafHashInto:
 * no copies of entries, no array per hash), the tile compared with the served one at once,
 * and interior nodes with its allocation-free nodeHashInto.
 */
import { parentPort } from 'node:worker_threads';
import { decodeEntryBundle, entryBundlePath, tilePath, TILE_WIDTH } from '@proofline/tlog';
import { nodeHashInto, nodeLeafHashInto } from '@proofline/tlog/node';
import { fetchBytes, LogUnavailableError, ReadRefusedError } from './fetch.js';

/** One level-0 tile to check. */
export interface TileTask {
  readonly tile: number;
  readonly width: number;
  /** Return the recomputed tile itself (the partial tile, or one a proof needs). */
  readonly keep: boolean;
}

export interface HashJob extends TileTask {
  readonly base: string;
  readonly checkRecords: boolean;
  /** The log's name (from a /logs/<name>/ URL): erasure records must name records of it. */
  readonly log?: string;
  /** An API key for a private log's entry bundles (audit:read). */
  readonly apiKey?: string;
}

/** What HashPool sends each worker once per run (see runTiles). */
export interface HashRun {
  /** What every task's job shares. */
  readonly common: Omit<HashJob, keyof TileTask>;
  readonly tasks: readonly TileTask[];
  /** tasks[next[0]] is the next task any worker takes: a counter shared by all of them. */
  readonly next: Int32Array;
  /** Tasks this worker checks at once. */
  readonly lanes: number;
}

/** Results go to the main thread this many at once (the rest when the run ends). */
const BATCH = 16;

/**
 * Base64 of `bytes` with Node's Buffer (@proofline/note's base64Encode, the same text, would
 * load that package and its Ed25519 code in every worker: start-up time).
 */
function base64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The canonical bytes of an erasure record's type member. */
const ERASURE_BYTES = Buffer.from('"type":"proofline.erasure"');

/** An erased entry: zero bytes in tile/entries; its leaf hash is the served tile's. */
export interface ErasedLeaf {
  readonly index: number;
  /** Base64 of the leaf hash the level-0 tile holds (checked against the root later). */
  readonly leafHash: string;
}

/** An erasure record (records `parseErasure`) found in the log, at `at`. */
export interface ErasureClaim {
  readonly at: number;
  readonly index: number;
  readonly leafHash: string;
  readonly key: string;
  readonly reason: string;
  readonly time: string;
}

export interface HashResult {
  /** The task's tile index; -1 for the one result of a failed worker. */
  readonly index: number;
  /** Entries of this tile with zero bytes: erased, if an erasure record accounts for them. */
  readonly erased?: readonly ErasedLeaf[];
  /** Erasure records in this tile. */
  readonly claims?: readonly ErasureClaim[];
  /** MTH of the full tile (a level-1 hash), when the tile is full and verified. */
  readonly root?: Uint8Array;
  readonly tile?: Uint8Array;
  readonly problems: readonly string[];
  /** The log could not be read (see LogUnavailableError): an outage, not a problem. */
  readonly unavailable?: string;
  /** The log refused to serve the entries (see ReadRefusedError): no verdict either. */
  readonly refused?: string;
}

export async function checkTile(job: HashJob): Promise<HashResult> {
  const problems: string[] = [];
  const base = job.tile * 256;
  let bundle: Buffer;
  let served: Buffer;
  try {
    [bundle, served] = await Promise.all([
      fetchBytes(`${job.base}${entryBundlePath(job.tile, job.width)}`, job.apiKey),
      fetchBytes(
        `${job.base}${tilePath({ level: 0, index: job.tile, width: job.width })}`,
        undefined,
        TILE_WIDTH * 32,
      ),
    ]);
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof LogUnavailableError)
      return { index: job.tile, problems: [], unavailable: message };
    if (err instanceof ReadRefusedError) return { index: job.tile, problems: [], refused: message };
    return { index: job.tile, problems: [message] };
  }
  // Entry i is bundle[starts[i], starts[i+1] - 2): a big-endian uint16 length precedes each.
  const starts = entryStarts(bundle);
  if (!starts) {
    try {
      decodeEntryBundle(bundle); // throws the precise reason
    } catch (err) {
      return { index: job.tile, problems: [`entry bundle ${job.tile}: ${(err as Error).message}`] };
    }
    return { index: job.tile, problems: [`entry bundle ${job.tile}: malformed`] };
  }
  const count = starts.length - 1;
  if (count !== job.width) {
    return {
      index: job.tile,
      problems: [`entry bundle ${job.tile}: has ${count} entries, want ${job.width}`],
    };
  }
  if (served.length > job.width * 32) {
    const path = tilePath({ level: 0, index: job.tile, width: job.width });
    problems.push(`${path}: ${served.length} bytes, want ${job.width * 32}`);
  }
  // Loaded on first use: --no-records audits skip the module's start-up cost in every worker.
  const parseRecord = job.checkRecords ? (await import('@proofline/records')).parseRecord : null;
  // Erasure records are parsed whatever checkRecords says (found by their canonical bytes).
  const mayClaim = bundle.includes(ERASURE_BYTES);
  const records = mayClaim ? await import('@proofline/records') : undefined;
  const erased: ErasedLeaf[] = [];
  const claims: ErasureClaim[] = [];
  const tile = Buffer.alloc(job.width * 32); // its own memory (alloc never pools)
  for (let i = 0; i < count; i++) {
    const start = starts[i]! + 2;
    const end = starts[i + 1]!;
    if (start === end) {
      // Zero bytes: an erased entry (no record is empty). Its leaf is the served tile's, which
      // the level-1 tiles and the signed root then check; the caller needs an erasure record.
      const got = served.subarray(i * 32, i * 32 + 32);
      if (got.length < 32) {
        problems.push(`entry ${base + i}: erased, and the level-0 tile has no hash for it`);
        continue;
      }
      tile.set(got, i * 32);
      erased.push({ index: base + i, leafHash: base64Encode(got) });
      continue;
    }
    if (records && bundle.subarray(start, end).includes(ERASURE_BYTES)) {
      try {
        const record = records.parseRecord(bundle.subarray(start, end));
        const subjectLog = records.parseRecordId(record.subject ?? '').log;
        const claim = records.parseErasure(record, job.log ?? subjectLog);
        if (claim) {
          claims.push({
            at: base + i,
            index: claim.index,
            leafHash: base64Encode(claim.leafHash),
            key: claim.key,
            reason: claim.reason,
            time: record.time,
          });
        }
      } catch (err) {
        problems.push(`entry ${base + i}: not a valid erasure record: ${(err as Error).message}`);
      }
    }
    // The length's low byte (already read) becomes the 0x00 leaf prefix.
    nodeLeafHashInto(bundle, start - 1, end, tile, i * 32);
    if (parseRecord) {
      try {
        parseRecord(bundle.subarray(start, end));
      } catch (err) {
        problems.push(`entry ${base + i}: not a valid record: ${(err as Error).message}`);
      }
    }
  }
  // Every leaf hash against the served tile: one comparison, entry by entry on a difference.
  if (!tile.equals(served.subarray(0, tile.length))) {
    for (let i = 0; i < count; i++) {
      if (starts[i]! + 2 === starts[i + 1]!) continue; // erased: its hash is the served one
      const hash = tile.subarray(i * 32, i * 32 + 32);
      const got = served.subarray(i * 32, i * 32 + 32);
      if (got.length < 32 || !hash.equals(got)) {
        problems.push(
          `entry ${base + i}: its leaf hash ${base64Encode(hash)} (from tile/entries) differs from ` +
            `${base64Encode(got) || 'nothing'} in the level-0 tile at position ${i}`,
        );
      }
    }
  }
  return {
    index: job.tile,
    problems,
    ...(erased.length ? { erased } : {}),
    ...(claims.length ? { claims } : {}),
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

/**
 * Checks tasks of `run` until none is left, `run.lanes` at once, taking each from the counter
 * all workers share, and hands the results to `post` in batches of BATCH, the last when the
 * counter is spent and this worker's tasks are done.
 */
export async function runTiles(run: HashRun, post: (batch: HashResult[]) => void): Promise<void> {
  const batch: HashResult[] = [];
  const lane = async () => {
    for (let i; (i = Atomics.add(run.next, 0, 1)) < run.tasks.length;) {
      batch.push(await checkTile({ ...run.common, ...run.tasks[i]! }));
      if (batch.length >= BATCH) post(batch.splice(0));
    }
  };
  await Promise.all(Array.from({ length: run.lanes }, lane));
  if (batch.length > 0) post(batch);
}

parentPort?.on('message', (run: HashRun) => {
  void runTiles(run, (batch) => {
    const buffers = batch.flatMap((r) => [r.root, r.tile]).filter((b) => b !== undefined);
    parentPort!.postMessage(
      batch,
      buffers.map((b) => b.buffer as ArrayBuffer),
    );
  });
});
