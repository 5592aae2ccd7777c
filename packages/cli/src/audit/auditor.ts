import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  base64Encode,
  MAX_NOTE_SIZE,
  openCheckpoint,
  parseVerifierKey,
  type Checkpoint,
} from '@proofline/note';
import { tileHashReader, tilePath, treeHash, TILE_WIDTH, type TileId } from '@proofline/tlog';
import { fetchBytes, fetchText, LogUnavailableError, ReadRefusedError } from './fetch.js';
import { HashPool } from './pool.js';
import { keyChain, pinnedOnly, type Anchor, type AuditKeys } from './key-chain.js';
import { tileRoot, type ErasedLeaf, type ErasureClaim } from './worker.js';

export interface AuditOptions {
  /** The log prefix, e.g. https://ledger.example.com/logs/default/ */
  readonly url: string;
  readonly logKey: string;
  /** An API key of the log's tenant (audit:read): a private log serves its entries only so. */
  readonly apiKey?: string;
  readonly origin?: string;
  /** A checkpoint note trusted earlier: the log must still contain exactly that tree. */
  readonly since?: string;
  /** Resume file: verified full-tile roots are kept there, so a rerun skips them. */
  readonly stateFile?: string;
  readonly concurrency?: number;
  readonly workers?: number;
  /** Also check that every entry is a well-formed Proofline record (default true). */
  readonly checkRecords?: boolean;
  readonly onProgress?: (entriesDone: number, total: number) => void;
}

export interface AuditResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly checkpoint?: Checkpoint;
  readonly checkpointNote?: string;
  /** Entries downloaded and re-hashed in this run (the rest were verified in an earlier run). */
  readonly entriesHashed: number;
  readonly entriesVerified: number;
  readonly consistentWith?: number;
  /**
   * Entries audited in this run whose bytes were erased, each accounted for by the log's
   * erasure record (ascending by index). An erased entry without one is a problem instead.
   */
  readonly erased?: readonly AccountedErasure[];
  /** Erasure records whose entry still has its bytes (an erasure that did not complete). */
  readonly pendingErasures?: readonly ErasureClaim[];
}

/** An erased entry and the erasure record (at `erasure.at`) that accounts for it. */
export interface AccountedErasure {
  readonly index: number;
  readonly leafHash: string;
  readonly erasure: ErasureClaim;
}

interface State {
  readonly origin: string;
  /** Roots of verified full level-0 tiles, base64, in order. */
  readonly tileRoots: string[];
}

const MAX_PROBLEMS = 100;

/**
 * The log's checkpoint at `base`. A 404 at a URL that is not a Proofline log's prefix (no
 * `/logs/<name>/`, e.g. the server's root) gets a hint naming the form to use.
 */
async function fetchCheckpoint(base: string): Promise<string> {
  try {
    return await fetchText(`${base}checkpoint`, undefined, MAX_NOTE_SIZE);
  } catch (err) {
    const url = new URL(base);
    if (!/HTTP 404$/.test((err as Error).message) || /\/logs\/[^/]+\/$/.test(url.pathname)) {
      throw err;
    }
    throw new Error(
      `${(err as Error).message}: ${base} is not a log's prefix; give the log's URL, ` +
        `${url.origin}/logs/<name>/ for a Proofline server (its logs: ${url.origin}/logs)`,
      { cause: err },
    );
  }
}

/**
 * Audits a whole C2SP tile log: verifies the checkpoint signature, downloads every entry
 * bundle and hash tile (in parallel), recomputes every leaf hash and every tile on worker
 * threads, checks every served tile against the recomputation and the recomputed root
 * against the signed checkpoint, and (with `since`) that an earlier checkpoint's tree is a
 * prefix of this one. Problems name the tile, the entry index and both values. Rejects with
 * LogUnavailableError when the log cannot be read (network, timeout, 5xx), ReadRefusedError
 * when it refuses its entries (401, 403: a private log without a key of its tenant): no
 * verdict. `apiKey` also goes with the fetch of the log's description (its key history).
 */
export async function audit(o: AuditOptions): Promise<AuditResult> {
  // Started first: the workers load their modules while the checkpoint is fetched and verified.
  const pool = new HashPool(o.workers);
  try {
    return await auditWith(pool, o);
  } finally {
    await pool.close();
  }
}

/** audit, with its workers (`pool`) started by the caller, which closes them. */
async function auditWith(pool: HashPool, o: AuditOptions): Promise<AuditResult> {
  const base = o.url.endsWith('/') ? o.url : `${o.url}/`;
  const verifier = parseVerifierKey(o.logKey);
  const origin = o.origin ?? verifier.name;
  const problems: string[] = [];
  const report = (p: string) => problems.length < MAX_PROBLEMS && problems.push(p);

  const note = await fetchCheckpoint(base);
  const failed = (problem: string): AuditResult => ({
    ok: false,
    problems: [problem],
    entriesHashed: 0,
    entriesVerified: 0,
  });
  let keys = pinnedOnly(o.logKey);
  let checkpoint: Checkpoint;
  try {
    ({ checkpoint } = await openWithKeys(note, origin, keys));
  } catch (err) {
    // The pinned key may have been retired: follow the log's signed key history.
    try {
      keys = await keyChain(base, o.logKey, o.apiKey);
      ({ checkpoint } = await openWithKeys(note, origin, keys));
    } catch (chainErr) {
      return failed(
        `checkpoint: ${(err as Error).message} (key history: ${(chainErr as Error).message})`,
      );
    }
  }
  const size = checkpoint.size;
  const fullTiles = Math.floor(size / TILE_WIDTH);
  const tiles0 = Math.ceil(size / TILE_WIDTH);

  let since: Checkpoint | undefined;
  if (o.since !== undefined) {
    try {
      ({ checkpoint: since } = await openWithKeys(o.since, origin, keys));
    } catch (err) {
      return failed(`trusted checkpoint: ${(err as Error).message}`);
    }
    if (since.size > size) {
      report(
        `rollback: the trusted checkpoint has ${since.size} entries, the log now only ${size}`,
      );
    }
  }
  const anchors: Anchor[] = [
    ...(since
      ? [{ size: since.size, rootHash: since.rootHash, label: 'the trusted checkpoint' }]
      : []),
    ...keys.handovers,
  ];
  for (const h of keys.handovers) {
    if (h.size > size)
      report(`rollback: ${h.label} signed ${h.size} entries, the log now only ${size}`);
  }
  const anchorTiles = new Set(
    anchors.filter((a) => a.size % TILE_WIDTH !== 0).map((a) => Math.floor(a.size / TILE_WIDTH)),
  );

  const state = loadState(o.stateFile, origin);
  const level1: Uint8Array[] = state.tileRoots
    .slice(0, fullTiles)
    .map((r) => Buffer.from(r, 'base64'));
  const start = level1.length;
  const keptLevel0 = new Map<number, Uint8Array>(); // the partial tile and the `since` boundary tile
  const logName = /\/logs\/([a-z0-9][a-z0-9-]{0,62})\/$/.exec(new URL(base).pathname)?.[1];
  const erasedLeaves: ErasedLeaf[] = [];
  const claims: ErasureClaim[] = [];
  let hashed = 0;
  let unavailable: string | undefined;
  let refused: string | undefined;
  let lastSave = Date.now();
  const tiles = [...range(start, tiles0)];
  tiles.unshift(...[...anchorTiles].filter((t) => t < start));
  const widthOf = (t: number) => (t < fullTiles ? TILE_WIDTH : size % TILE_WIDTH);
  const tasks = tiles.map((t) => {
    const width = widthOf(t);
    return { tile: t, width, keep: width !== TILE_WIDTH || anchorTiles.has(t) };
  });
  const common = {
    base,
    checkRecords: o.checkRecords ?? true,
    ...(logName === undefined ? {} : { log: logName }),
    ...(o.apiKey === undefined ? {} : { apiKey: o.apiKey }),
  };
  await pool.checkTiles(common, tasks, o.concurrency ?? 16, (result) => {
    const t = result.index;
    if (result.unavailable !== undefined || result.refused !== undefined) {
      unavailable ??= result.unavailable;
      refused ??= result.refused;
      return;
    }
    result.problems.forEach(report);
    erasedLeaves.push(...(result.erased ?? []));
    claims.push(...(result.claims ?? []));
    if (result.problems.length > 0) return;
    if (result.root) level1[t] = result.root;
    if (result.tile) keptLevel0.set(t, result.tile);
    if (t >= start) hashed += widthOf(t);
    o.onProgress?.(start * TILE_WIDTH + hashed, size);
    if (
      o.stateFile &&
      problems.length === 0 &&
      unavailable === undefined &&
      refused === undefined &&
      Date.now() - lastSave > 2000
    ) {
      lastSave = Date.now();
      saveState(o.stateFile, origin, level1);
    }
  });
  if (refused !== undefined) throw new ReadRefusedError(refused);
  if (unavailable !== undefined) throw new LogUnavailableError(unavailable);
  const { erased, pending } = accountErasures(erasedLeaves, claims, start * TILE_WIDTH, report);
  if (problems.length > 0)
    return {
      ok: false,
      problems,
      checkpoint,
      checkpointNote: note,
      entriesHashed: hashed,
      entriesVerified: 0,
    };

  // Levels 1 and up: every served tile must equal the recomputation from the level below.
  const levels: Uint8Array[][] = [[], level1];
  for (let level = 1; levels[level]!.length > 0; level++) {
    const hashes = levels[level]!;
    await forEachConcurrently(
      [...range(0, Math.ceil(hashes.length / TILE_WIDTH))],
      8,
      async (j) => {
        const width = Math.min(TILE_WIDTH, hashes.length - j * TILE_WIDTH);
        const served = await fetchBytes(
          `${base}${tilePath({ level, index: j, width })}`,
          undefined,
          TILE_WIDTH * 32,
        );
        for (let i = 0; i < width; i++) {
          const want = hashes[j * TILE_WIDTH + i]!;
          const got = served.subarray(i * 32, i * 32 + 32);
          if (got.length !== 32 || !Buffer.from(got).equals(want)) {
            const below = j * TILE_WIDTH + i;
            const span = TILE_WIDTH ** level;
            report(
              `${tilePath({ level, index: j, width })}: hash ${i} (root of tile ${level - 1}/${below}, entries ` +
                `${below * span}-${(below + 1) * span - 1}) is ${base64Encode(got)}, ` +
                `recomputed ${base64Encode(want)}`,
            );
          }
        }
      },
    );
    const next: Uint8Array[] = [];
    for (let k = 0; (k + 1) * TILE_WIDTH <= hashes.length; k++) {
      next.push(tileRoot(Buffer.concat(hashes.slice(k * TILE_WIDTH, (k + 1) * TILE_WIDTH))));
    }
    levels.push(next);
  }

  // The root, and the trusted checkpoint's root, from the recomputed hashes alone.
  const readTiles = async (tiles: readonly TileId[]) =>
    tiles.map((t) => {
      const data =
        t.level === 0
          ? keptLevel0.get(t.index)
          : Buffer.concat(
              levels[t.level]!.slice(t.index * TILE_WIDTH, t.index * TILE_WIDTH + t.width),
            );
      if (!data || data.length < t.width * 32)
        throw new Error(`internal: tile ${t.level}/${t.index} not recomputed`);
      return data.subarray(0, t.width * 32);
    });
  const root = await treeHash(size, tileHashReader(size, readTiles));
  if (!Buffer.from(root).equals(checkpoint.rootHash)) {
    report(
      `root: recomputed ${base64Encode(root)}, the checkpoint says ` +
        `${base64Encode(checkpoint.rootHash)}`,
    );
  }
  let consistentWith: number | undefined;
  for (const anchor of anchors) {
    if (anchor.size > size) continue;
    const oldRoot = await treeHash(anchor.size, tileHashReader(anchor.size, readTiles));
    if (Buffer.from(oldRoot).equals(anchor.rootHash)) {
      if (since && anchor.rootHash === since.rootHash) consistentWith = since.size;
    } else {
      report(
        `fork: the first ${anchor.size} entries of the log hash to ${base64Encode(oldRoot)}, ` +
          `but ${anchor.label} says ${base64Encode(anchor.rootHash)}`,
      );
    }
  }
  const ok = problems.length === 0;
  if (ok && o.stateFile) saveState(o.stateFile, origin, level1);
  return {
    ok,
    problems,
    checkpoint,
    checkpointNote: note,
    entriesHashed: hashed,
    entriesVerified: ok ? size : 0,
    ...(consistentWith === undefined ? {} : { consistentWith }),
    ...(erased.length ? { erased } : {}),
    ...(pending.length ? { pendingErasures: pending } : {}),
  };
}

/**
 * Matches the erased entries with the log's erasure records. Each erased entry needs an
 * erasure record later in the log naming its index and the leaf hash the tiles hold for it
 * (the tiles themselves are checked against the signed root afterwards): otherwise its bytes
 * were deleted without an erasure (an insider, or a damaged database), which is a problem.
 * An erasure record for an entry that still has its bytes is reported as pending, not a
 * problem (the erasure crashed between logging and erasing, and completes when repeated).
 */
function accountErasures(
  leaves: readonly ErasedLeaf[],
  claims: readonly ErasureClaim[],
  /** Entries below this were verified by an earlier run (--state): not judged here. */
  auditedFrom: number,
  report: (p: string) => unknown,
): { erased: AccountedErasure[]; pending: ErasureClaim[] } {
  const byIndex = new Map<number, ErasureClaim[]>();
  for (const claim of claims) {
    if (claim.index >= claim.at) {
      report(
        `entry ${claim.at}: an erasure record for entry ${claim.index}, which is not before it`,
      );
      continue;
    }
    byIndex.set(claim.index, [...(byIndex.get(claim.index) ?? []), claim]);
  }
  const erased: AccountedErasure[] = [];
  const seen = new Set<number>();
  for (const leaf of [...leaves].sort((a, b) => a.index - b.index)) {
    seen.add(leaf.index);
    const found = byIndex.get(leaf.index) ?? [];
    const claim = found.find((c) => c.leafHash === leaf.leafHash);
    if (claim) {
      erased.push({ index: leaf.index, leafHash: leaf.leafHash, erasure: claim });
    } else if (found.length > 0) {
      report(
        `entry ${leaf.index}: erased, but its erasure record (entry ${found[0]!.at}) names the leaf hash ` +
          `${found[0]!.leafHash}, not ${leaf.leafHash} as the tree holds`,
      );
    } else {
      report(
        `entry ${leaf.index}: its bytes are missing (tile/entries serves zero bytes) and no erasure ` +
          `record accounts for it: deleted without an erasure`,
      );
    }
  }
  const pending = claims.filter(
    (c) => c.index < c.at && c.index >= auditedFrom && !seen.has(c.index),
  );
  return { erased, pending };
}

function* range(from: number, to: number) {
  for (let i = from; i < to; i++) yield i;
}

async function forEachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const run = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

function loadState(file: string | undefined, origin: string): State {
  if (!file || !existsSync(file)) return { origin, tileRoots: [] };
  const state = JSON.parse(readFileSync(file, 'utf8')) as State;
  if (state.origin !== origin || !Array.isArray(state.tileRoots)) {
    throw new Error(`${file} holds the audit state of another log (${state.origin})`);
  }
  return state;
}

/** Saves the contiguous verified prefix atomically (write, then rename). */
function saveState(file: string, origin: string, level1: Uint8Array[]): void {
  const roots: string[] = [];
  for (let i = 0; i < level1.length && level1[i]; i++) roots.push(base64Encode(level1[i]!));
  writeFileSync(`${file}.tmp`, JSON.stringify({ origin, tileRoots: roots } satisfies State));
  renameSync(`${file}.tmp`, file);
}

/**
 * Opens a checkpoint with the first trusted key that signed it; a retired key's signature
 * counts only for a tree no larger than the last it signed.
 */
async function openWithKeys(note: string, origin: string, keys: AuditKeys) {
  let first: unknown;
  for (const { verifier, maxSize } of keys.keys) {
    let opened;
    try {
      opened = await openCheckpoint(note, origin, verifier);
    } catch (err) {
      first ??= err;
      continue;
    }
    if (opened.checkpoint.size > maxSize) {
      throw new Error(
        `signed by a retired key for ${opened.checkpoint.size} entries, beyond the ${maxSize} it signed before its handover`,
      );
    }
    return opened;
  }
  throw first;
}
