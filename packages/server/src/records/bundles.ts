import {
  BUNDLE_V2_MEDIA_TYPE,
  MAX_BUNDLE_TIMESTAMPS,
  MAX_TIMESTAMP_TOKEN_SIZE,
  TSA_NAME_PATTERN,
  type BundleTimestamp,
  type BundleV2,
} from '@proofline/records';
import { nodeInteriorHash } from '@proofline/tlog/node';
import {
  TileHashCache,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  type HashReader,
} from '@proofline/tlog';
import { readTilesAt, type Storage, type StoredCheckpoint } from '@proofline/storage';
import { ServiceError } from '../service-error.js';
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
 * A bundle's `latest` may be this much older than the latest, never a checkpoint that does
 * not cover its record (that asks storage at once).
 */
export const CHECKPOINT_CACHE_MS = 100;

/**
 * RFC 3161 tokens arrive shortly after a checkpoint is published: for this long after this
 * node first sees a checkpoint (an anchor: after it was published), while it has no token,
 * bundles ask storage again (a client fetching the bundle as soon as a token is stored gets it).
 */
export const TIMESTAMP_WAIT_MS = 1000;

/** Anchors cached per log (least recently used evicted): each serves a range of indices. */
export const ANCHOR_CACHE_ENTRIES = 1024;

export interface ProofBundleOptions {
  /** Per log; default {@link TILE_CACHE_BYTES}. */
  readonly tileCacheBytes?: number;
  /** Default {@link CHECKPOINT_CACHE_MS}. */
  readonly checkpointCacheMs?: number;
  /** Default {@link ANCHOR_CACHE_ENTRIES}. */
  readonly anchorCacheEntries?: number;
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

/**
 * The first checkpoint that covered the indices [lo, checkpoint.size): storage said so for
 * `lo`, and no checkpoint published later can be smaller than it (sizes never decrease), so
 * the answer holds for every index up to its size, forever.
 */
interface Anchor {
  readonly checkpoint: StoredCheckpoint;
  lo: number;
  timestamps: readonly BundleTimestamp[];
  /** When its tokens were read. */
  stampedAt: number;
  readonly reader: HashReader;
  /** The consistency proof last built from it, and to which size. */
  consistency?: { readonly size: number; readonly proof: Promise<readonly Uint8Array[]> };
}

/** What is cached for one log. Everything here only ever grows or is replaced whole. */
interface LogState {
  readonly tiles: TileHashCache;
  /** A sequenced size seen in storage: every index below it is sequenced (entries are never removed). */
  sequenced: number;
  latest: Snapshot | undefined;
  refreshing: Promise<Snapshot | undefined> | undefined;
  /** By size, least recently used first. */
  readonly anchors: Map<number, Anchor>;
}

/**
 * Builds v2 proof bundles: a record's entry, creation receipt and RFC 9162 inclusion proof
 * against its **anchor**, the first published checkpoint that covered it, with the anchor's
 * note (cosignatures included) and RFC 3161 tokens as stored; and, when a later checkpoint is
 * the latest, that one with the consistency proof from the anchor. So the time bound a
 * verifier derives (from the anchor) is the same for a record however late its bundle is
 * fetched. Per log, it keeps the internal hashes of hash tiles ({@link TileHashCache}), the
 * latest checkpoint briefly ({@link CHECKPOINT_CACHE_MS}), anchors ({@link
 * ANCHOR_CACHE_ENTRIES}) and the largest sequenced size seen, so a bundle costs an entry read
 * and its receipt once the caches are warm.
 */
export class ProofBundles {
  private readonly logs = new Map<string, LogState>();
  private readonly tileCacheBytes: number;
  private readonly checkpointCacheMs: number;
  private readonly anchorCacheEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly storage: Storage,
    options: ProofBundleOptions = {},
  ) {
    this.tileCacheBytes = options.tileCacheBytes ?? TILE_CACHE_BYTES;
    this.checkpointCacheMs = options.checkpointCacheMs ?? CHECKPOINT_CACHE_MS;
    this.anchorCacheEntries = options.anchorCacheEntries ?? ANCHOR_CACHE_ENTRIES;
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
   * The v2 bundle of the sequenced entry `index` of `log` (404 not-yet-checkpointed while no
   * checkpoint covers it). `creation` gives the record's stored creation receipt, if any.
   */
  async build(
    config: { readonly name: string; readonly origin: string },
    id: string,
    index: number,
    creation: (index: number) => Promise<CreationReceipt | undefined>,
  ): Promise<BundleV2> {
    const log = config.name;
    const state = this.state(log);
    const latest = await this.snapshot(log, state, index);
    if (!latest) {
      throw new ServiceError(
        'NOT_YET_CHECKPOINTED',
        `record ${id} is sequenced but no checkpoint covers it yet`,
        { details: { retryAfterSeconds: 1 } },
      );
    }
    const anchor = await this.anchor(log, state, index, latest);
    const isLatest = anchor.checkpoint.note === latest.checkpoint.note;
    // The latest snapshot reads its tokens again while they arrive: keep what it found.
    if (isLatest && anchor.timestamps.length === 0) anchor.timestamps = latest.timestamps;
    const [[entry], receipt, inclusionProof, consistencyProof] = await Promise.all([
      this.storage.readEntries(log, index, index + 1),
      creation(index),
      proveInclusion(index, anchor.checkpoint.size, anchor.reader, nodeInteriorHash),
      isLatest ? undefined : this.consistency(anchor, latest),
    ]);
    // The anchor's tokens: the latest snapshot's when it is the latest (they are fresher).
    const timestamps = isLatest ? latest.timestamps : anchor.timestamps;
    return {
      mediaType: BUNDLE_V2_MEDIA_TYPE,
      id,
      log,
      origin: config.origin,
      index,
      entry: entry!,
      ...(receipt === undefined
        ? {}
        : {
            receipt: receipt.note,
            ...(receipt.proof === undefined ? {} : { receiptProof: receipt.proof }),
          }),
      inclusionProof,
      checkpoint: anchor.checkpoint.note,
      ...(timestamps.length > 0 ? { timestamps } : {}),
      ...(consistencyProof === undefined
        ? {}
        : {
            latest: {
              checkpoint: latest.checkpoint.note,
              consistencyProof,
              ...(latest.timestamps.length > 0 ? { timestamps: latest.timestamps } : {}),
            },
          }),
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
        anchors: new Map(),
      };
      this.logs.set(log, state);
    }
    return state;
  }

  /**
   * The first checkpoint that covered `index`: cached, or storage's checkpointCovering
   * (`latest` covers `index`, so there is one). A cached anchor without tokens has them read
   * again (at most once per checkpointCacheMs) while it was published less than
   * TIMESTAMP_WAIT_MS ago, or when the latest checkpoint has tokens (the log is timestamped,
   * and this anchor's may have arrived after it was cached).
   */
  private async anchor(
    log: string,
    state: LogState,
    index: number,
    latest: Snapshot,
  ): Promise<Anchor> {
    const now = this.now();
    for (const [size, cached] of state.anchors) {
      if (cached.lo <= index && index < size) {
        state.anchors.delete(size);
        state.anchors.set(size, cached);
        if (
          cached.timestamps.length === 0 &&
          (now - cached.checkpoint.publishedAt < TIMESTAMP_WAIT_MS ||
            latest.timestamps.length > 0) &&
          now - cached.stampedAt >= this.checkpointCacheMs
        ) {
          cached.timestamps = await this.timestamps(log, size);
          cached.stampedAt = now;
        }
        return cached;
      }
    }
    const covering = (await this.storage.checkpointCovering(log, index)) ?? latest.checkpoint;
    const size = covering.size;
    const known = state.anchors.get(size);
    if (known !== undefined && known.checkpoint.note === covering.note) {
      known.lo = Math.min(known.lo, index);
      return known;
    }
    const anchor: Anchor = {
      checkpoint: covering,
      lo: index,
      timestamps: await this.timestamps(log, size),
      stampedAt: now,
      reader:
        size === latest.checkpoint.size
          ? latest.reader
          : tileHashReader(size, (tiles) => readTilesAt(this.storage, log, tiles), {
              cache: state.tiles,
            }),
    };
    state.anchors.set(size, anchor);
    if (state.anchors.size > this.anchorCacheEntries) {
      state.anchors.delete(state.anchors.keys().next().value!);
    }
    return anchor;
  }

  /** The consistency proof from `anchor` to `latest`, built once per pair of sizes. */
  private consistency(anchor: Anchor, latest: Snapshot): Promise<readonly Uint8Array[]> {
    const size = latest.checkpoint.size;
    if (anchor.consistency?.size !== size) {
      const proof = proveConsistency(anchor.checkpoint.size, size, latest.reader);
      // A failed proof (a tile read error) is not kept.
      proof.catch(() => {
        if (anchor.consistency?.proof === proof) anchor.consistency = undefined;
      });
      anchor.consistency = { size, proof };
    }
    return anchor.consistency.proof;
  }

  /** The RFC 3161 tokens stored for the checkpoint of `size` that fit in a bundle. */
  private async timestamps(log: string, size: number): Promise<readonly BundleTimestamp[]> {
    return (await this.storage.checkpointTimestamps(log, size))
      .filter((t) => TSA_NAME_PATTERN.test(t.tsa) && t.token.length <= MAX_TIMESTAMP_TOKEN_SIZE)
      .slice(0, MAX_BUNDLE_TIMESTAMPS)
      .map((t) => ({ tsa: t.tsa, token: t.token }));
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
    const timestamps = await this.timestamps(log, checkpoint.size);
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
