import { sha256 } from '@noble/hashes/sha2.js';
import {
  CborMap,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  assembleReceipt,
  attachReceipts,
  coseKeyThumbprint,
  ed25519CoseSigner,
  ed25519Kid,
  es256CoseSigner,
  signRootSignature,
  signSign1,
  type CoseKeySigner,
} from '@proofline/cose';
import { formatCheckpoint, signNote } from '@proofline/note';
import {
  buildRecord,
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PREIMAGE_CONTENT_TYPE,
  scittRecordStatement,
  type Statement,
} from '@proofline/records';
import { integrate, leafHash, proveInclusion, tileHashReader, treeHash } from '@proofline/tlog';
import { LOG_KEY, ORIGIN, T0, utf8, type TestKey } from './helpers.js';

/** An issuer of signed statements: its COSE signer (with public key) and kid (its thumbprint). */
export interface Issuer {
  readonly signer: CoseKeySigner;
  readonly kid: Uint8Array;
}

export function ed25519Issuer(fill: number): Issuer {
  const signer = ed25519CoseSigner(new Uint8Array(32).fill(fill));
  return { signer, kid: coseKeyThumbprint(signer.publicKey) };
}

export function es256Issuer(fill: number): Issuer {
  const signer = es256CoseSigner(new Uint8Array(32).fill(fill));
  return { signer, kid: coseKeyThumbprint(signer.publicKey) };
}

/**
 * A signed statement as registration takes it: protected kid, CWT iss/sub, a hash envelope
 * (258 = -16 SHA-256, 259 preimage content type) over `content`, attached payload = the hash.
 */
export async function signedStatement(
  issuer: Issuer,
  content: string,
  options: { readonly kid?: Uint8Array; readonly extra?: [number, unknown][] } = {},
): Promise<Uint8Array> {
  return signSign1(
    {
      protected: [
        [HEADER_KID, options.kid ?? issuer.kid],
        [
          HEADER_CWT_CLAIMS,
          new CborMap([
            [1, 'https://issuer.example'],
            [2, `urn:subject:${content}`],
          ]),
        ],
        [HEADER_PAYLOAD_HASH_ALG, -16],
        [HEADER_PREIMAGE_CONTENT_TYPE, 'application/json'],
        ...((options.extra ?? []) as [number, never][]),
      ],
      payload: sha256(utf8(content)),
    },
    issuer.signer,
  );
}

/**
 * An in-memory log of records, as the server keeps one: a checkpoint signed with the log key
 * (C2SP note) and its root signature (signRootSignature), receipts assembled from it with the
 * record's entry embedded (assembleReceipt), exactly as the server's receipt route does.
 */
export class ScittLog {
  readonly entries: Uint8Array[] = [];
  private readonly tiles = new Map<string, Uint8Array>();

  private constructor(readonly key: TestKey) {}

  /** A log of `others` ordinary records with each statement's registration appended. */
  static async create(statements: readonly Uint8Array[], others = 3, key = LOG_KEY) {
    const log = new ScittLog(key);
    const records: Statement[] = [
      ...Array.from({ length: others }, (_, i) => ({
        digest: `sha256:${'ab'.repeat(31)}${String(i).padStart(2, '0')}`,
        type: 'test.event',
      })),
      ...statements.map((s) => scittRecordStatement(s).statement),
    ];
    records.forEach((s, i) => log.entries.push(buildRecord(s, 'acme', T0 + i).bytes));
    for (const update of integrate(0, () => new Uint8Array(0), log.entries.map(leafHash))) {
      log.tiles.set(`${update.tile.level}/${update.tile.index}`, update.data);
    }
    return log;
  }

  get size(): number {
    return this.entries.length;
  }

  private reader(size: number) {
    return tileHashReader(size, async (tiles) =>
      tiles.map((t) => this.tiles.get(`${t.level}/${t.index}`)!.slice(0, t.width * 32)),
    );
  }

  root(size = this.size): Promise<Uint8Array> {
    return treeHash(size, this.reader(size));
  }

  async checkpoint(size = this.size, origin = ORIGIN): Promise<string> {
    const text = formatCheckpoint({
      origin,
      size,
      rootHash: await this.root(size),
      extensions: [],
    });
    return signNote(text, [this.key.signer]);
  }

  async rootSignature(size = this.size): Promise<Uint8Array> {
    return signRootSignature({
      signer: ed25519CoseSigner(this.key.seed),
      kid: ed25519Kid(this.key.publicKey),
      issuer: ORIGIN,
      root: await this.root(size),
    });
  }

  /** The receipt of entry `index` at `size`, its entry embedded (or `entry` instead). */
  async receipt(
    index: number,
    size = this.size,
    entry = this.entries[index]!,
  ): Promise<Uint8Array> {
    const path = await proveInclusion(index, size, this.reader(size));
    return assembleReceipt(
      await this.rootSignature(size),
      { treeSize: size, leafIndex: index, path },
      entry,
    );
  }
}

/** `statement` with the receipts of entries `indices` of `log` attached. */
export async function transparent(
  statement: Uint8Array,
  log: ScittLog,
  indices: readonly number[],
): Promise<Uint8Array> {
  return attachReceipts(statement, await Promise.all(indices.map((i) => log.receipt(i))));
}
