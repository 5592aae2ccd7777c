import { base64Encode, type Checkpoint, type Verifier } from '@proofline/note';
import {
  decodeEntryBundle,
  entryBundlePath,
  equalHashes,
  leafHash,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  tilePath,
  tileWidth,
  verifyConsistency,
  verifyInclusion,
  TILE_WIDTH,
  type TileId,
} from '@proofline/tlog';
import { ed25519Verifier, openChainCheckpoint, verifyKeyChain } from '@proofline/verify';

/** One check against the live log. */
export interface LiveCheck {
  readonly name: 'live checkpoint' | 'live consistency' | 'live inclusion' | 'live entry';
  readonly ok: boolean;
  readonly summary: string;
}

/** What a verified bundle or tlog-proof established: the entry, its index, the signed checkpoint. */
export interface LiveSubject {
  readonly index: number;
  readonly entry: Uint8Array;
  readonly checkpoint: Checkpoint;
}

/** Bounds on what the log serves: a checkpoint note, a hash tile, an entry bundle. */
const NOTE_LIMIT = 64 * 1024;
const TILE_LIMIT = TILE_WIDTH * 32;
const ENTRY_BUNDLE_LIMIT = TILE_WIDTH * (2 + 65535);
const TIMEOUT_MS = 30_000;

/**
 * Checks a verified record against the log as it is served now, under `base` (its
 * tlog-tiles prefix, ending in "/"): the latest checkpoint must open with the log key; it
 * must extend the subject's checkpoint (equal sizes: equal roots; larger: an RFC 9162
 * consistency proof built from the live hash tiles verifies against both signed roots;
 * smaller: a rollback); an inclusion proof of the entry built from the live tiles must
 * verify against the live root; and the live entry bundle must hold exactly the entry's
 * bytes at its index. The tiles are untrusted: every hash read is checked against a
 * signed root. With `keyHistory` (handover notes, verified here against `logKey` with
 * verifyKeyChain), the latest checkpoint may be signed by any key of the chain within its
 * range, so a log that retired the pinned key (or the key it retired) still checks. Never
 * throws for what the log serves: each problem is a failed check.
 */
export async function checkLive(
  base: string,
  logKey: string,
  subject: LiveSubject,
  keyHistory?: readonly string[],
): Promise<LiveCheck[]> {
  const verifier = ed25519Verifier(logKey);
  let live: Checkpoint;
  try {
    const chain = await verifyKeyChain(logKey, keyHistory);
    const note = new TextDecoder().decode(await get(`${base}checkpoint`, NOTE_LIMIT));
    const keys: readonly { verifier: Verifier; end: number; pinned: boolean }[] =
      chain.length > 0 ? chain : [{ verifier, end: Infinity, pinned: true }];
    const opened = await openChainCheckpoint(note, verifier.name, keys);
    if ('error' in opened) throw opened.error;
    live = opened.checkpoint;
  } catch (err) {
    return [fail('live checkpoint', `the log's latest checkpoint: ${(err as Error).message}`)];
  }
  const checks: LiveCheck[] = [
    pass(
      'live checkpoint',
      `The log's latest checkpoint (size ${live.size}) is signed by the log key.`,
    ),
  ];
  const reader = tileHashReader(live.size, (tiles: readonly TileId[]) =>
    Promise.all(tiles.map((t) => get(`${base}${tilePath(t)}`, TILE_LIMIT))),
  );
  const ours = subject.checkpoint;
  checks.push(
    await attempt('live consistency', async () => {
      if (live.size < ours.size) {
        throw new Error(
          `rollback: the log's latest checkpoint has size ${live.size}, smaller than the signed size ${ours.size} of the bundle's checkpoint`,
        );
      }
      if (live.size === ours.size) {
        if (!equalHashes(live.rootHash, ours.rootHash)) {
          throw new Error(
            `fork: the log signed two roots for size ${live.size}: ${b64(ours.rootHash)} (bundle) and ${b64(live.rootHash)} (live)`,
          );
        }
        return `The log's latest checkpoint is the bundle's (size ${live.size}).`;
      }
      const proof = await proveConsistency(ours.size, live.size, reader);
      try {
        verifyConsistency(ours.size, live.size, proof, ours.rootHash, live.rootHash);
      } catch (err) {
        throw new Error(
          `fork: the live tree of size ${live.size} does not extend the bundle's tree of size ${ours.size} (${(err as Error).message})`,
        );
      }
      return `The live tree (size ${live.size}) extends the bundle's tree (size ${ours.size}).`;
    }),
  );
  const leaf = leafHash(subject.entry);
  checks.push(
    await attempt('live inclusion', async () => {
      const proof = await proveInclusion(subject.index, live.size, reader);
      verifyInclusion(leaf, subject.index, live.size, proof, live.rootHash);
      return `The live tree of size ${live.size} contains the entry at index ${subject.index}.`;
    }),
  );
  checks.push(
    await attempt('live entry', async () => {
      const tile = Math.floor(subject.index / TILE_WIDTH);
      const width = tileWidth(0, tile, live.size);
      const entries = decodeEntryBundle(
        await get(`${base}${entryBundlePath(tile, width)}`, ENTRY_BUNDLE_LIMIT),
      );
      const served = entries[subject.index % TILE_WIDTH];
      if (entries.length !== width || served === undefined) {
        throw new Error(`the entry bundle holds ${entries.length} entries, not ${width}`);
      }
      if (!equalHashes(leafHash(served), leaf)) {
        throw new Error(
          `the log now serves other bytes for entry ${subject.index}: leaf hash ${b64(leafHash(served))}, the bundle's ${b64(leaf)}`,
        );
      }
      return `The log still serves the same entry bytes at index ${subject.index}.`;
    }),
  );
  return checks;
}

async function attempt(name: LiveCheck['name'], run: () => Promise<string>): Promise<LiveCheck> {
  try {
    return pass(name, await run());
  } catch (err) {
    return fail(name, (err as Error).message);
  }
}

function pass(name: LiveCheck['name'], summary: string): LiveCheck {
  return { name, ok: true, summary };
}

function fail(name: LiveCheck['name'], summary: string): LiveCheck {
  return { name, ok: false, summary };
}

function b64(hash: Uint8Array): string {
  return base64Encode(hash);
}

/** GET `url`: the body, at most `limit` bytes; any status but 200 is an error naming the URL. */
async function get(url: string, limit: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  if (
    Number(res.headers.get('content-length') ?? 0) > limit &&
    !res.headers.get('content-encoding')
  ) {
    await res.body?.cancel();
    throw new Error(`GET ${url}: more than ${limit} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += (chunk as Uint8Array).byteLength;
    if (total > limit) throw new Error(`GET ${url}: more than ${limit} bytes`);
    chunks.push(chunk as Uint8Array);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
