import { erased } from '../stored-record.js';
import {
  BUNDLE_V2_MEDIA_TYPE,
  MAX_BUNDLE_TIMESTAMPS,
  bundleTail,
  checkedNote,
  formatBundleParts,
  type BundleTail,
  type CheckedNote,
  MAX_TIMESTAMP_TOKEN_SIZE,
  TSA_NAME_PATTERN,
  type BundleTimestamp,
  type BundleV2,
} from '@proofline/records';
import { nodeHashInto, nodeInteriorHash } from '@proofline/tlog/node';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
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

/**
 * Memory bound of each log's cache of bundle texts (UTF-8 bytes, plus 128 per text): about
 * 6,500 bundles of 2.4 KB. Emptied when the log's latest checkpoint changes.
 */
export const BUNDLE_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Upper parts of inclusion proofs kept per log (all anchors together; emptied when full): the
 * part above a full level-0 tile, shared by its 256 records. About 400 bytes each.
 */
export const UPPER_PROOF_ENTRIES = 16 * 1024;

/** Indices remembered per log as requested once, so that a second request keeps the text. */
export const SEEN_ENTRIES = 64 * 1024;

/** Receipt notes kept checked and JSON-escaped (a batch's records share one): a few MiB. */
export const RECEIPT_NOTE_ENTRIES = 4096;

export interface ProofBundleOptions {
  /** Per log; default {@link TILE_CACHE_BYTES}. */
  readonly tileCacheBytes?: number;
  /** Default {@link CHECKPOINT_CACHE_MS}. */
  readonly checkpointCacheMs?: number;
  /** Default {@link ANCHOR_CACHE_ENTRIES}. */
  readonly anchorCacheEntries?: number;
  /** Per log; default {@link BUNDLE_CACHE_BYTES}; 0 keeps no bundle text. */
  readonly bundleCacheBytes?: number;
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
  /** The tail of its bundles last made, and from what. */
  tail?: TailOf;
}

/** A bundle tail and what it was made from: the same inputs give the same (===) tail. */
interface TailOf {
  readonly timestamps: readonly BundleTimestamp[];
  /** The latest checkpoint and its tokens, when it is not the anchor. */
  readonly latest?: { readonly note: string; readonly timestamps: readonly BundleTimestamp[] };
  readonly tail: BundleTail;
}

/**
 * A cached bundle text and the tail it was made with (valid while the record's tail is it).
 * In UTF-8, outside the JS heap: megabytes of cached texts add nothing to the collector's work,
 * and are sent as they are.
 */
interface CachedText {
  readonly tail: BundleTail;
  readonly json: Buffer;
}

/** Bytes a cached text is counted for. */
const textBytes = (json: Buffer): number => json.length + 128;

/** What is cached for one log. Everything here only ever grows or is replaced whole. */
interface LogState {
  readonly tiles: TileHashCache;
  /** A sequenced size seen in storage: every index below it is sequenced (entries are never removed). */
  sequenced: number;
  latest: Snapshot | undefined;
  refreshing: Promise<Snapshot | undefined> | undefined;
  /** By size, least recently used first. */
  readonly anchors: Map<number, Anchor>;
  /** The sizes of `anchors`, ascending. */
  readonly anchorSizes: number[];
  /**
   * By anchor size, then by level-0 tile: the inclusion proof's hashes above the tile (see
   * inclusionProof), flat (hash i at bytes [32i, 32i + 32): one object each), and how many
   * are kept.
   */
  readonly uppers: Map<number, Map<number, Uint8Array>>;
  upperCount: number;
  /** Bundle texts by index, least recently used first, and their bytes (textBytes). */
  readonly texts: Map<number, CachedText>;
  textBytes: number;
  /** Indices whose text was made lately but not kept (at most SEEN_ENTRIES; then emptied). */
  readonly seen: Set<number>;
}

/** What a bundle of a record is anchored to. */
interface Anchored {
  readonly latest: Snapshot;
  readonly anchor: Anchor;
  /** Whether the anchor is the latest checkpoint (the bundle has no `latest`). */
  readonly isLatest: boolean;
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
  private readonly bundleCacheBytes: number;
  private readonly now: () => number;
  /** Receipt notes checked, by note, least recently used first. */
  private readonly receiptNotes = new Map<string, CheckedNote>();

  constructor(
    private readonly storage: Storage,
    options: ProofBundleOptions = {},
  ) {
    this.tileCacheBytes = options.tileCacheBytes ?? TILE_CACHE_BYTES;
    this.checkpointCacheMs = options.checkpointCacheMs ?? CHECKPOINT_CACHE_MS;
    this.anchorCacheEntries = options.anchorCacheEntries ?? ANCHOR_CACHE_ENTRIES;
    this.bundleCacheBytes = options.bundleCacheBytes ?? BUNDLE_CACHE_BYTES;
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
    const { anchor, latest, isLatest } = await this.anchored(log, id, index);
    const [[entry], receipt, inclusionProof, consistencyProof] = await Promise.all([
      this.storage.readEntries(log, index, index + 1),
      creation(index),
      this.inclusionProof(log, anchor, index),
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

  /**
   * formatBundle(build(...)) in UTF-8, byte for byte: everything from `checkpoint` on (the
   * tail) is made once per anchor and latest checkpoint, a receipt note is checked once, and
   * the whole text of a record requested again is kept in the log's bundle cache while the
   * record's tail stays the same object.
   *
   * The cache assumes what the tail caches already do: entries and stored receipts are
   * immutable (an entry or receipt row altered in the database after its text was cached is
   * served as first read, i.e. as signed), checkpoints only grow, and an anchor is the first
   * checkpoint covering its records. A text is served only with the tail a fresh build would
   * use now: a new latest checkpoint (or new tokens) makes new tails and empties the cache.
   */
  async json(
    config: { readonly name: string; readonly origin: string },
    id: string,
    index: number,
    creation: (index: number) => Promise<CreationReceipt | undefined>,
    /** The entry as the caller just read it from storage (not read again), if it did. */
    stored?: Uint8Array,
  ): Promise<Buffer> {
    const log = config.name;
    const state = this.state(log);
    const anchored = await this.anchored(log, id, index);
    const tail = await this.tail(anchored);
    const cached = state.texts.get(index);
    if (cached !== undefined && cached.tail === tail) {
      state.texts.delete(index);
      state.texts.set(index, cached);
      return cached.json;
    }
    const { anchor } = anchored;
    const [[entry], receipt, inclusionProof] = await Promise.all([
      stored === undefined ? this.storage.readEntries(log, index, index + 1) : [stored],
      creation(index),
      this.inclusionProof(log, anchor, index),
    ]);
    if (entry!.length === 0) throw erased(log, index); // erased: no bundle (never cached)
    const utf8 = formatBundleParts(
      {
        id,
        log,
        origin: config.origin,
        index,
        entry: entry!,
        ...(receipt?.proof === undefined ? {} : { receiptProof: receipt.proof }),
        inclusionProof,
      },
      receipt === undefined ? undefined : this.receiptNote(receipt.note),
      tail,
    );
    // The text's own memory (not a slice of a shared pool, which a cached text would keep
    // alive), viewed without a copy.
    const json = Buffer.from(utf8.buffer, utf8.byteOffset, utf8.length);
    // Kept from its second request on (recently): requests spread over a large log would
    // otherwise replace a cached text each, and that churn cost more than the hits saved.
    if (!state.seen.has(index) || this.bundleCacheBytes === 0) {
      if (state.seen.size >= SEEN_ENTRIES) state.seen.clear();
      state.seen.add(index);
      return json;
    }
    this.remember(state, index, { tail, json });
    return json;
  }

  /**
   * RFC 9162 inclusion proof of `index` in the anchor's tree. When `index` is in a full
   * level-0 tile, the tile's node is a node of the tree, so the proof is the 8 hashes of the
   * tile's internal siblings (from the tile cache) then the proof of the tile's node: that
   * part is kept per anchor and tile (it never changes: the anchor's tree is fixed).
   */
  private async inclusionProof(
    log: string,
    anchor: Anchor,
    index: number,
  ): Promise<readonly Uint8Array[]> {
    const size = anchor.checkpoint.size;
    const tile = Math.floor(index / TILE_WIDTH);
    if ((tile + 1) * TILE_WIDTH > size) {
      return proveInclusion(index, size, anchor.reader, nodeInteriorHash);
    }
    const state = this.state(log);
    const upper = state.uppers.get(size)?.get(tile);
    if (upper === undefined) {
      const proof = await proveInclusion(index, size, anchor.reader, nodeInteriorHash);
      if (state.upperCount >= UPPER_PROOF_ENTRIES) {
        state.uppers.clear();
        state.upperCount = 0;
      }
      let bySize = state.uppers.get(size);
      if (bySize === undefined) state.uppers.set(size, (bySize = new Map()));
      if (!bySize.has(tile)) state.upperCount++;
      const above = proof.slice(TILE_HEIGHT);
      const flat = new Uint8Array(32 * above.length);
      for (let i = 0; i < above.length; i++) flat.set(above[i]!, 32 * i);
      bySize.set(tile, flat);
      return proof;
    }
    // The siblings inside the tile: from its cached expansion, else through the reader.
    let proof = state.tiles.tilePath(0, tile, index % TILE_WIDTH);
    if (proof === undefined) {
      // Indices go beyond 2^31: no bitwise operators.
      const siblings = Array.from({ length: TILE_HEIGHT }, (_, level) => {
        const node = Math.floor(index / 2 ** level);
        return { level, index: node % 2 === 0 ? node + 1 : node - 1 };
      });
      proof = [...(await anchor.reader(siblings))];
    }
    for (let at = 0; at < upper.length; at += 32) proof.push(upper.slice(at, at + 32));
    return proof;
  }

  /** The latest snapshot covering `index` and the record's anchor. */
  private async anchored(log: string, id: string, index: number): Promise<Anchored> {
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
    return { anchor, latest, isLatest };
  }

  /** The tail of `anchored`'s bundles: the anchor's last one while made from the same inputs. */
  private async tail({ anchor, latest, isLatest }: Anchored): Promise<BundleTail> {
    const timestamps = isLatest ? latest.timestamps : anchor.timestamps;
    const made = anchor.tail;
    if (
      made !== undefined &&
      made.timestamps === timestamps &&
      (isLatest
        ? made.latest === undefined
        : made.latest !== undefined &&
          made.latest.note === latest.checkpoint.note &&
          made.latest.timestamps === latest.timestamps)
    ) {
      return made.tail;
    }
    const consistencyProof = isLatest ? undefined : await this.consistency(anchor, latest);
    const tail = bundleTail({
      checkpoint: anchor.checkpoint.note,
      timestamps,
      ...(consistencyProof === undefined
        ? {}
        : {
            latest: {
              checkpoint: latest.checkpoint.note,
              consistencyProof,
              timestamps: latest.timestamps,
            },
          }),
    });
    anchor.tail = {
      timestamps,
      ...(isLatest
        ? {}
        : { latest: { note: latest.checkpoint.note, timestamps: latest.timestamps } }),
      tail,
    };
    return tail;
  }

  /** `note` checked as a receipt, once while it is among the RECEIPT_NOTE_ENTRIES last used. */
  private receiptNote(note: string): CheckedNote {
    let checked = this.receiptNotes.get(note);
    if (checked !== undefined) {
      this.receiptNotes.delete(note);
    } else {
      checked = checkedNote(note);
      if (this.receiptNotes.size >= RECEIPT_NOTE_ENTRIES) {
        this.receiptNotes.delete(this.receiptNotes.keys().next().value!);
      }
    }
    this.receiptNotes.set(note, checked);
    return checked;
  }

  /** Keeps `text` as the most recently used of the log's texts, evicting to stay in bounds. */
  private remember(state: LogState, index: number, text: CachedText): void {
    const bytes = textBytes(text.json);
    if (bytes > this.bundleCacheBytes) return;
    const old = state.texts.get(index);
    if (old !== undefined) {
      state.texts.delete(index);
      state.textBytes -= textBytes(old.json);
    }
    for (const [i, t] of state.texts) {
      if (state.textBytes + bytes <= this.bundleCacheBytes) break;
      state.texts.delete(i);
      state.textBytes -= textBytes(t.json);
    }
    state.texts.set(index, text);
    state.textBytes += bytes;
  }

  /** The tile cache of `log` (tile hashes as storage answered them), for Receipts' batch trees. */
  tileCache(log: string): TileHashCache {
    return this.state(log).tiles;
  }

  /** For tests: the bundle texts cached for `log` and their bytes. */
  cachedTexts(log: string): { readonly count: number; readonly bytes: number } {
    const state = this.logs.get(log);
    return { count: state?.texts.size ?? 0, bytes: state?.textBytes ?? 0 };
  }

  private state(log: string): LogState {
    let state = this.logs.get(log);
    if (!state) {
      state = {
        tiles: new TileHashCache(this.tileCacheBytes, {
          hashChildren: nodeInteriorHash,
          hashChildrenInto: nodeHashInto,
        }),
        sequenced: 0,
        latest: undefined,
        refreshing: undefined,
        anchors: new Map(),
        anchorSizes: [],
        uppers: new Map(),
        upperCount: 0,
        texts: new Map(),
        textBytes: 0,
        seen: new Set(),
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
    // The first checkpoint covering `index` is the smallest of size > index: if it is cached
    // and known to cover `index`, it is the smallest cached one.
    const above = state.anchorSizes[firstAbove(state.anchorSizes, index)];
    const cached = above === undefined ? undefined : state.anchors.get(above);
    if (cached !== undefined && cached.lo <= index) {
      const size = cached.checkpoint.size;
      state.anchors.delete(size);
      state.anchors.set(size, cached);
      if (
        cached.timestamps.length === 0 &&
        (now - cached.checkpoint.publishedAt < TIMESTAMP_WAIT_MS || latest.timestamps.length > 0) &&
        now - cached.stampedAt >= this.checkpointCacheMs
      ) {
        cached.timestamps = sameOr(cached.timestamps, await this.timestamps(log, size));
        cached.stampedAt = now;
      }
      return cached;
    }
    const covering = (await this.storage.checkpointCovering(log, index)) ?? latest.checkpoint;
    const known = state.anchors.get(covering.size);
    if (known !== undefined && known.checkpoint.note === covering.note) {
      known.lo = Math.min(known.lo, index);
      return known;
    }
    return this.addAnchor(log, state, index, covering, latest, now);
  }

  /** A new anchor of `covering` known to cover `index`, cached as the most recently used. */
  private async addAnchor(
    log: string,
    state: LogState,
    index: number,
    covering: StoredCheckpoint,
    latest: Snapshot,
    now: number,
  ): Promise<Anchor> {
    const size = covering.size;
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
    const sizes = state.anchorSizes;
    if (!state.anchors.has(size)) sizes.splice(firstAbove(sizes, size - 1), 0, size);
    state.anchors.delete(size);
    state.anchors.set(size, anchor);
    if (state.anchors.size > this.anchorCacheEntries) {
      const evicted = state.anchors.keys().next().value!;
      state.anchors.delete(evicted);
      sizes.splice(firstAbove(sizes, evicted - 1), 1);
    }
    return anchor;
  }

  /** The consistency proof from `anchor` to `latest`, built once per pair of sizes. */
  private consistency(anchor: Anchor, latest: Snapshot): Promise<readonly Uint8Array[]> {
    const size = latest.checkpoint.size;
    if (anchor.consistency?.size !== size) {
      const proof = proveConsistency(anchor.checkpoint.size, size, latest.reader, nodeInteriorHash);
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
    const same = current !== undefined && current.checkpoint.size === checkpoint.size;
    const reader = same
      ? current.reader
      : tileHashReader(checkpoint.size, (tiles) => readTilesAt(this.storage, log, tiles), {
          cache: state.tiles,
        });
    // The same tokens keep the same array: tails made from them stay valid.
    const snapshot: Snapshot = {
      checkpoint,
      timestamps: same ? sameOr(current.timestamps, timestamps) : timestamps,
      reader,
      fetchedAt,
      firstSeen,
    };
    // Sizes never decrease; of two racing queries, keep the newer answer.
    if (
      current === undefined ||
      checkpoint.size > current.checkpoint.size ||
      (checkpoint.size === current.checkpoint.size && fetchedAt >= current.fetchedAt)
    ) {
      state.latest = snapshot;
      // Texts made with another latest checkpoint (or its other tokens) are never served again.
      if (
        current !== undefined &&
        (current.checkpoint.note !== checkpoint.note || current.timestamps !== snapshot.timestamps)
      ) {
        state.texts.clear();
        state.textBytes = 0;
      }
    }
    state.sequenced = Math.max(state.sequenced, checkpoint.size);
    return snapshot;
  }
}

/** `old` if `fresh` holds the same tokens (same authorities and bytes, in order), else `fresh`. */
function sameOr(
  old: readonly BundleTimestamp[],
  fresh: readonly BundleTimestamp[],
): readonly BundleTimestamp[] {
  if (old.length !== fresh.length) return fresh;
  for (let i = 0; i < old.length; i++) {
    const a = old[i]!;
    const b = fresh[i]!;
    if (a.tsa !== b.tsa || Buffer.compare(a.token, b.token) !== 0) return fresh;
  }
  return old;
}

/** The position of the first of the ascending `sizes` above `index` (sizes.length if none). */
function firstAbove(sizes: readonly number[], index: number): number {
  let lo = 0;
  let hi = sizes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sizes[mid]! > index) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
