import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  SIG_TYPE_COSIGNATURE,
  base64Encode,
  ed25519Signer,
  formatCheckpoint,
  formatVerifierKey,
  keyId,
  signNote,
  type Signer,
} from '@proofline/note';
import {
  BUNDLE_MEDIA_TYPE,
  buildRecord,
  formatBundle,
  recordId,
  signReceipt,
  signStatement,
  type Bundle,
  type RecordV1,
  type Statement,
} from '@proofline/records';
import {
  integrate,
  leafHash,
  proveConsistency,
  proveInclusion,
  tileHashReader,
  treeHash,
  type HashReader,
  type TileId,
} from '@proofline/tlog';
import type { Check, CheckName, CheckStatus, Verification } from '../src/index.js';

/** Runs from dist/test: vectors live in test/vectors. */
const vectorsDir = new URL('../../test/vectors/', import.meta.url);

export function readVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, vectorsDir), 'utf8')) as T;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** A deterministic Ed25519 key: its seed, signer and C2SP verifier key (type 0x01). */
export interface TestKey {
  readonly name: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
  readonly vkey: string;
}

export function testKey(name: string, fill: number): TestKey {
  const seed = new Uint8Array(32).fill(fill);
  const publicKey = ed25519.getPublicKey(seed);
  return {
    name,
    seed,
    publicKey,
    signer: ed25519Signer(name, seed),
    vkey: formatVerifierKey(name, publicKey),
  };
}

/**
 * A verifier key encoded by hand, for keys that formatVerifierKey refuses: the key id is
 * SHA-256(name || 0x0A || type || key)[:4], so only the point itself can be rejected.
 */
export function vkeyOf(name: string, type: number, publicKey: Uint8Array): string {
  const id = createHash('sha256')
    .update(Buffer.concat([utf8(name), Uint8Array.of(0x0a, type), publicKey]))
    .digest()
    .subarray(0, 4)
    .toString('hex');
  return `${name}+${id}+${base64Encode(Uint8Array.of(type, ...publicKey))}`;
}

/** A c2sp.org/tlog-cosignature Ed25519 witness: its 0x04 verifier key and a note Signer. */
export interface Witness {
  readonly vkey: string;
  readonly signer: Signer;
}

/**
 * A witness that cosigns at `timestamp`, written from the spec: key id
 * SHA-256(name || 0x0A || 0x04 || key)[:4]; signature timestamp (8 bytes, big-endian) ||
 * Ed25519 signature of "cosignature/v1\ntime <timestamp>\n" || checkpoint text.
 */
export function witness(name: string, fill: number, timestamp = 1_800_000_000n): Witness {
  const seed = new Uint8Array(32).fill(fill);
  const publicKey = ed25519.getPublicKey(seed);
  const vkey = vkeyOf(name, SIG_TYPE_COSIGNATURE, publicKey);
  const id = keyId(name, SIG_TYPE_COSIGNATURE, publicKey);
  const sign = async (text: Uint8Array): Promise<Uint8Array> => {
    const message = Buffer.concat([utf8(`cosignature/v1\ntime ${timestamp}\n`), text]);
    const out = new Uint8Array(72);
    new DataView(out.buffer).setBigUint64(0, timestamp, false);
    out.set(ed25519.sign(message, seed), 8);
    return out;
  };
  return { vkey, signer: { name, keyId: id, sign } };
}

export const ORIGIN = 'proofline.example/acme-prod';
export const LOG = 'acme-prod';
export const LOG_KEY = testKey(ORIGIN, 21);
export const ISSUER = testKey('issuer.example/ci', 31);
export const T0 = 1_800_000_000_000;

export interface LogOptions {
  readonly size: number;
  readonly origin?: string;
  readonly key?: TestKey;
  /** Statements are signed by this issuer... */
  readonly issuer?: TestKey;
  /** ...those whose index this accepts (default: all). */
  readonly issued?: (index: number) => boolean;
  /** Changes every entry, for a second log with the same key and origin (a fork). */
  readonly variant?: string;
  /** Applied to each statement after the issuer signed it (to break issuer signatures). */
  readonly alter?: (statement: Statement) => Statement;
  /** The time (ms) of record `index`; default T0 + index. */
  readonly time?: (index: number) => number;
}

export interface CheckpointOptions {
  readonly witnesses?: readonly Witness[];
  /** Signs with this key instead of the log key. */
  readonly signer?: Signer;
  /** The origin line, instead of the log's. */
  readonly origin?: string;
}

/**
 * An in-memory log: entries are canonical records, leaf hashes are integrated into
 * C2SP tiles with tlog `integrate`, and proofs are computed through a tile HashReader.
 */
export class TestLog {
  readonly origin: string;
  readonly key: TestKey;
  readonly entries: Uint8Array[] = [];
  readonly records: RecordV1[] = [];
  /** What each record's digest is the digest of. */
  readonly contents: Uint8Array[] = [];
  readonly tiles = new Map<string, Uint8Array>();

  private constructor(options: LogOptions) {
    this.origin = options.origin ?? ORIGIN;
    this.key = options.key ?? LOG_KEY;
  }

  static async create(options: LogOptions): Promise<TestLog> {
    const log = new TestLog(options);
    for (let i = 0; i < options.size; i++) {
      const content = utf8(`output ${options.variant ?? ''}${i}`);
      let statement: Statement = {
        digest: `sha256:${sha256Hex(content)}`,
        type: 'test.event',
        labels: { n: String(i) },
      };
      if (options.issuer !== undefined && (options.issued?.(i) ?? true)) {
        statement = await signStatement(statement, options.issuer.signer);
      }
      const { record, bytes } = buildRecord(
        options.alter?.(statement) ?? statement,
        'acme',
        options.time?.(i) ?? T0 + i,
      );
      log.contents.push(content);
      log.records.push(record);
      log.entries.push(bytes);
    }
    for (const update of integrate(0, () => new Uint8Array(0), log.entries.map(leafHash))) {
      log.tiles.set(`${update.tile.level}/${update.tile.index}`, update.data);
    }
    return log;
  }

  /** Tiles of the tree of `size`: prefixes of the stored (final) tiles. */
  readTiles = async (tiles: readonly TileId[]): Promise<Uint8Array[]> =>
    tiles.map((t) => {
      const data = this.tiles.get(`${t.level}/${t.index}`);
      assert.ok(data !== undefined, `no tile ${t.level}/${t.index}`);
      return data.slice(0, t.width * 32);
    });

  reader(size: number): HashReader {
    return tileHashReader(size, this.readTiles);
  }

  async root(size: number): Promise<Uint8Array> {
    return treeHash(size, this.reader(size));
  }

  async checkpoint(size: number, options: CheckpointOptions = {}): Promise<string> {
    const text = formatCheckpoint({
      origin: options.origin ?? this.origin,
      size,
      rootHash: await this.root(size),
      extensions: [],
    });
    const witnesses = (options.witnesses ?? []).map((w) => w.signer);
    return signNote(text, [options.signer ?? this.key.signer, ...witnesses]);
  }

  async receipt(
    index: number,
    overrides: { time?: string; signer?: Signer } = {},
  ): Promise<string> {
    const signer = overrides.signer ?? this.key.signer;
    return signReceipt(
      {
        origin: signer.name,
        index,
        leafHash: leafHash(this.entries[index]!),
        time: overrides.time ?? this.records[index]!.time,
      },
      signer,
    );
  }

  async consistency(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    return proveConsistency(oldSize, newSize, this.reader(newSize));
  }

  /** The bundle of entry `index` in the tree of `size` (default: the whole log). */
  async bundle(index: number, size = this.entries.length, options: CheckpointOptions = {}) {
    const bundle: Bundle = {
      mediaType: BUNDLE_MEDIA_TYPE,
      id: recordId(LOG, index),
      log: LOG,
      origin: this.origin,
      index,
      entry: this.entries[index]!,
      receipt: await this.receipt(index),
      inclusionProof: await proveInclusion(index, size, this.reader(size)),
      checkpoint: await this.checkpoint(size, options),
    };
    return bundle;
  }

  async bundleJson(index: number, size?: number, options?: CheckpointOptions): Promise<string> {
    return formatBundle(await this.bundle(index, size, options));
  }
}

/** The policy for the default log. */
export const POLICY = { logKey: LOG_KEY.vkey } as const;

/** The status of each check, by name. */
export function statuses(v: Verification): Record<CheckName, CheckStatus> {
  return Object.fromEntries(v.checks.map((c) => [c.name, c.status])) as Record<
    CheckName,
    CheckStatus
  >;
}

export function check(v: Verification, name: CheckName): Check {
  const found = v.checks.find((c) => c.name === name);
  assert.ok(found !== undefined, `no check ${name}`);
  return found;
}

/** Asserts that verification failed, at check `name` with `code`. */
export function assertFails(v: Verification, name: CheckName, code: string): void {
  const c = check(v, name);
  assert.equal(v.ok, false, `expected failure at ${name}`);
  assert.equal(c.status, 'failed', `${name}: ${c.summary}`);
  assert.equal(c.error?.code, code, `${name}: ${c.summary}`);
  assert.equal(c.error?.step, name);
}

/** Asserts that every check passed except those listed as not applicable. */
export function assertPasses(v: Verification, notApplicable: readonly CheckName[]): void {
  // 'latest' applies only to v2 bundles that link a later checkpoint.
  const linked = v.bundle !== undefined && 'latest' in v.bundle && v.bundle.latest !== undefined;
  for (const c of v.checks) {
    const expected =
      notApplicable.includes(c.name) || (c.name === 'latest' && !linked)
        ? 'not-applicable'
        : 'passed';
    assert.equal(c.status, expected, `${c.name}: ${c.summary}`);
  }
  assert.equal(v.ok, true);
}

/** Every check of a bundle verification, in the order it is reported (written out, not imported). */
export const CHECK_ORDER = [
  'bundle',
  'record',
  'content',
  'issuer',
  'receipt',
  'inclusion',
  'checkpoint',
  'witnesses',
  'timestamp',
  'latest',
  'consistency',
];
