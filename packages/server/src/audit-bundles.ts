import {
  BUNDLE_V2_MEDIA_TYPE,
  MAX_BUNDLE_TIMESTAMPS,
  MAX_TIMESTAMP_TOKEN_SIZE,
  TSA_NAME_PATTERN,
  formatBundle,
  recordId,
  type BundleTimestamp,
  type BundleV2,
} from '@proofline/records';
import { readTilesAt, type Storage, type StoredCheckpoint } from '@proofline/storage';
import { proveConsistency, proveInclusion, tileHashReader, type HashReader } from '@proofline/tlog';
import { ServiceError } from './service-error.js';
import type { LogRuntime, RecordService } from './records/service.js';

/** An anchor of this request: a checkpoint at most the end one, with what its bundles share. */
interface Anchor {
  readonly checkpoint: StoredCheckpoint;
  readonly reader: HashReader;
  readonly timestamps: readonly BundleTimestamp[];
  /** The consistency proof anchor → end; undefined when the anchor is the end checkpoint. */
  readonly toEnd?: readonly Uint8Array[];
}

/**
 * The v2 bundles of `indices` (each below `end.size`) for an evidence package, as JSON lines:
 * each anchored to the first checkpoint that covered its index (storage.checkpointCovering,
 * never larger than `end`, as sizes never decrease), with its inclusion proof against that
 * anchor and the anchor's stored RFC 3161 tokens; unless the anchor is `end` (same size), a
 * `latest` member that is `end`, with the consistency proof anchor → end and `end`'s tokens.
 * So a sampled record's time bound is its anchor's, and the bundle still ends at the package's
 * end checkpoint. The creation receipt is the stored one (none if the commit has none).
 * Throws ServiceError STORAGE_INCONSISTENT (500 storage-inconsistent) when storage names no anchor or one past `end`.
 */
export async function anchoredBundleLines(
  storage: Storage,
  service: RecordService,
  runtime: LogRuntime,
  end: StoredCheckpoint,
  indices: readonly number[],
): Promise<string[]> {
  const log = runtime.config.name;
  const endTokens = await bundleTimestamps(storage, log, end.size);
  const endReader = tileHashReader(end.size, (tiles) => readTilesAt(storage, log, tiles));
  const anchors = new Map<number, Anchor>();
  const anchorOf = async (index: number): Promise<Anchor> => {
    const covering = await storage.checkpointCovering(log, index);
    if (covering === undefined || covering.size > end.size) {
      throw new ServiceError(
        'STORAGE_INCONSISTENT',
        `storage names ${covering ? `a checkpoint of size ${covering.size}` : 'no checkpoint'} as the first covering index ${index}, below the published checkpoint of size ${end.size}`,
      );
    }
    const known = anchors.get(covering.size);
    if (known) return known;
    const anchor: Anchor =
      covering.size === end.size
        ? { checkpoint: end, reader: endReader, timestamps: endTokens }
        : {
            checkpoint: covering,
            reader: tileHashReader(covering.size, (tiles) => readTilesAt(storage, log, tiles)),
            timestamps: await bundleTimestamps(storage, log, covering.size),
            toEnd: await proveConsistency(covering.size, end.size, endReader),
          };
    anchors.set(covering.size, anchor);
    return anchor;
  };
  const lines: string[] = [];
  for (const index of indices) {
    const anchor = await anchorOf(index);
    const [entry] = await storage.readEntries(log, index, index + 1);
    const creation = await service.creation(runtime, index);
    const bundle: BundleV2 = {
      mediaType: BUNDLE_V2_MEDIA_TYPE,
      id: recordId(log, index),
      log,
      origin: runtime.config.origin,
      index,
      entry: entry!,
      ...(creation === undefined
        ? {}
        : {
            receipt: creation.note,
            ...(creation.proof === undefined ? {} : { receiptProof: creation.proof }),
          }),
      inclusionProof: await proveInclusion(index, anchor.checkpoint.size, anchor.reader),
      checkpoint: anchor.checkpoint.note,
      ...(anchor.timestamps.length > 0 ? { timestamps: anchor.timestamps } : {}),
      ...(anchor.toEnd === undefined
        ? {}
        : {
            latest: {
              checkpoint: end.note,
              consistencyProof: anchor.toEnd,
              ...(endTokens.length > 0 ? { timestamps: endTokens } : {}),
            },
          }),
    };
    lines.push(`${JSON.stringify(JSON.parse(formatBundle(bundle)))}\n`);
  }
  return lines;
}

/** The RFC 3161 tokens stored for the checkpoint of `size` (over its text) that fit a bundle. */
async function bundleTimestamps(
  storage: Storage,
  log: string,
  size: number,
): Promise<readonly BundleTimestamp[]> {
  return (await storage.checkpointTimestamps(log, size))
    .filter((t) => TSA_NAME_PATTERN.test(t.tsa) && t.token.length <= MAX_TIMESTAMP_TOKEN_SIZE)
    .slice(0, MAX_BUNDLE_TIMESTAMPS)
    .map(({ tsa, token }) => ({ tsa, token }));
}
