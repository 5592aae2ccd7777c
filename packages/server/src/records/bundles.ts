import {
  BUNDLE_MEDIA_TYPE,
  MAX_BUNDLE_TIMESTAMPS,
  MAX_TIMESTAMP_TOKEN_SIZE,
  TSA_NAME_PATTERN,
  type Bundle,
  type BundleTimestamp,
} from '@proofline/records';
import { TileHashCache, proveInclusion, tileHashReader, type HashReader } from '@proofline/tlog';
import { readTilesAt, type Storage, type StoredCheckpoint } from '@proofline/storage';
import { nodeInteriorHash } from '@proofline/sequencer';
import { HttpProblem } from '../problem.js';
import type { CreationReceipt } from './receipts.js';

/**
 * Memory bound of each log's tile cache: 64 MiB holds the internal nodes of ~4,000 full
 * tiles (16 KiB each), i.e. every tile of a ~1M-entry log. Beyond that, least recently used
 * level-0 tiles are evicted (the upper levels, used by every proof, stay): a miss costs one
 * tile read and 254 hashes, what every proof cost without the cache.
 */
export const TILE_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * How long the latest checkpoint (and its timestamps) is reused before asking storage again.
 * A bundle may be built against a checkpoint this much older than the latest, never against
 * one that does not cover its record (that asks storage at once).
 */
export const CHECKPOINT_CACHE_MS = 100;

/**
 * RFC 3161 tokens arrive shortly after a checkpoint is published: for this long after this
 * node first sees a checkpoint, while it has no token, every bundle asks storage again (a
 * client fetching the bundle as soon as a token is stored gets it).
 */
export const TIMESTAMP_WAIT_MS = 1000;

export interface ProofBundleOptions {
  /** Per log; default {@link TILE_CACHE_BYTES}. */
  readonly tileCacheBytes?: number;
  /** Default {@link CHECKPOINT_CACHE_MS}. */
  readonly checkpointCacheMs?: number;
  /** For tests: the clock, in ms. */
  readonly now?: () => number;
}

/** A checkpoint with the bundle timestamps stored for exactly its size: always used together. */
interface Snapshot {
  readonly checkpoint: StoredCheckpoint;
  readonly timestamps: readonly BundleTimestamp[];
  /** The log's tile hashes at the checkpoint's size, through the log's tile cache. */
  readonly reader: HashReader;
  readonly fetchedAt: number;
  /** When this node first read a checkpoint of this size. */
  readonly firstSeen: number;
}

/** What is cached for one log. Everything here only ever grows or is replaced whole. */
interface LogState {
  readonly tiles: TileHashCache;
  /** A sequenced size seen in storage: every index below it is sequenced (entries are never removed). */
  sequenced: number;
  latest: Snapshot | undefined;
  refreshing: Promise<Snapshot | undefined> | undefined;
}

/**
 * Builds proof bundles: a record's entry, receipt and RFC 9162 inclusion proof against the
 * latest checkpoint, with the checkpoint note and its RFC 3161 timestamps. Per log, it keeps
 * the internal hashes of hash tiles ({@link TileHashCache}), the latest checkpoint briefly
 * ({@link CHECKPOINT_CACHE_MS}) and the largest sequenced size seen, so a bundle costs one
 * entry read and a signature once the caches are warm.
 */
export class ProofBundles {
  private readonly logs = new Map<string, LogState>();
  private readonly tileCacheBytes: number;
  private readonly checkpointCacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly storage: Storage,
    options: ProofBundleOptions = {},
  ) {
    this.tileCacheBytes = options.tileCacheBytes ?? TILE_CACHE_BYTES;
    this.checkpointCacheMs = options.checkpointCacheMs ?? CHECKPOINT_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Whether entry `index` of `log` is sequenced; asks storage only beyond the size last seen. */
  async isSequenced(log: string, index: number): Promise<boolean> {
    const state = this.state(log);
    if (index < state.sequenced) return true;
    const size = await this.storage.sequencedSize(log);
    state.sequenced = Math.max(state.sequenced, size);
    return index < size;
  }

  /**
   * The bundle of the sequenced entry `index` of `log`, against a checkpoint covering it
   * (404 not-yet-checkpointed if there is none). `creation` reads the entry's creation
   * receipt as stored with its commit (nothing is signed here); a record without one has no
   * bundle (404 receipt-not-stored).
   */
  async build(
    config: { readonly name: string; readonly origin: string },
    id: string,
    index: number,
    creation: () => Promise<CreationReceipt | undefined>,
  ): Promise<Bundle> {
    const log = config.name;
    const state = this.state(log);
    const latest = await this.snapshot(log, state, index);
    if (!latest) {
      throw new HttpProblem(
        404,
        'not-yet-checkpointed',
        `record ${id} is sequenced but no checkpoint covers it yet`,
        { 'retry-after': '1' },
      );
    }
    // The proof, the note and the timestamps all come from this one snapshot.
    const { checkpoint, timestamps, reader } = latest;
    const [entry] = await this.storage.readEntries(log, index, index + 1);
    const [stored, inclusionProof] = await Promise.all([
      creation(),
      proveInclusion(index, checkpoint.size, reader, nodeInteriorHash),
    ]);
    if (stored === undefined) {
      throw new HttpProblem(
        404,
        'receipt-not-stored',
        `record ${id} has no creation receipt stored with it`,
      );
    }
    // TODO(bundle v2): a batch receipt (stored.proof set) goes with its receiptProof.
    const signed = stored.note;
    return {
      mediaType: BUNDLE_MEDIA_TYPE,
      id,
      log,
      origin: config.origin,
      index,
      entry: entry!,
      receipt: signed,
      inclusionProof,
      checkpoint: checkpoint.note,
      ...(timestamps.length > 0 ? { timestamps } : {}),
    };
  }

  private state(log: string): LogState {
    let state = this.logs.get(log);
    if (!state) {
      state = {
        tiles: new TileHashCache(this.tileCacheBytes, { hashChildren: nodeInteriorHash }),
        sequenced: 0,
        latest: undefined,
        refreshing: undefined,
      };
      this.logs.set(log, state);
    }
    return state;
  }

  /**
   * The latest checkpoint if it covers `index`: the cached one while it is fresh enough,
   * else from storage (one query at a time per log; a request that needs a newer checkpoint
   * than a query already under way returned asks again).
   */
  private async snapshot(
    log: string,
    state: LogState,
    index: number,
  ): Promise<Snapshot | undefined> {
    const covers = (s: Snapshot | undefined): s is Snapshot =>
      s !== undefined && s.checkpoint.size > index;
    const cached = state.latest;
    const now = this.now();
    if (
      covers(cached) &&
      now - cached.fetchedAt < this.checkpointCacheMs &&
      (cached.timestamps.length > 0 || now - cached.firstSeen >= TIMESTAMP_WAIT_MS)
    ) {
      return cached;
    }
    if (state.refreshing === undefined) {
      state.refreshing = this.fetch(log, state).finally(() => (state.refreshing = undefined));
    }
    const shared = await state.refreshing;
    if (covers(shared)) return shared;
    // Possibly published after the shared query read storage: ask once more.
    const own = await this.fetch(log, state);
    return covers(own) ? own : undefined;
  }

  private async fetch(log: string, state: LogState): Promise<Snapshot | undefined> {
    const fetchedAt = this.now();
    const checkpoint = await this.storage.latestCheckpoint(log);
    if (!checkpoint) return undefined;
    // RFC 3161 tokens over this checkpoint's text, when the publisher has stored some (they
    // arrive shortly after publication: a bundle built later may carry more).
    const timestamps = (await this.storage.checkpointTimestamps(log, checkpoint.size))
      .filter((t) => TSA_NAME_PATTERN.test(t.tsa) && t.token.length <= MAX_TIMESTAMP_TOKEN_SIZE)
      .slice(0, MAX_BUNDLE_TIMESTAMPS)
      .map((t) => ({ tsa: t.tsa, token: t.token }));
    const current = state.latest;
    const firstSeen =
      current !== undefined && current.checkpoint.size === checkpoint.size
        ? Math.min(current.firstSeen, fetchedAt)
        : fetchedAt;
    const reader =
      current !== undefined && current.checkpoint.size === checkpoint.size
        ? current.reader
        : tileHashReader(checkpoint.size, (tiles) => readTilesAt(this.storage, log, tiles), {
            cache: state.tiles,
          });
    const snapshot: Snapshot = { checkpoint, timestamps, reader, fetchedAt, firstSeen };
    // Sizes never decrease; of two racing queries, keep the newer answer.
    if (
      current === undefined ||
      checkpoint.size > current.checkpoint.size ||
      (checkpoint.size === current.checkpoint.size && fetchedAt >= current.fetchedAt)
    ) {
      state.latest = snapshot;
    }
    state.sequenced = Math.max(state.sequenced, checkpoint.size);
    return snapshot;
  }
}
