import {
  batchTree,
  parseRecord,
  recordId,
  signBatchReceipt,
  signReceipt,
  type BatchTree,
  type RecordV1,
} from '@proofline/records';
import type { Signer } from '@proofline/note';
import type { LogConfig, Storage } from '@proofline/storage';
import {
  nodeInteriorHash,
  nodeLeafHash,
  type Commit,
  type GroupResult,
  type RecordGroup,
} from '@proofline/sequencer';
import { toBase64 } from '../base64.js';

/** The receipt as the API returns it. */
export interface ReceiptView {
  readonly id: string;
  readonly log: string;
  readonly origin: string;
  readonly index: number;
  readonly leafHash: string;
  readonly time: string;
  readonly record: RecordV1;
  /** The exact entry bytes (canonical JSON), base64. */
  readonly entry: string;
  /**
   * The log's signed note: a proofline.dev/receipt/v1 over origin, index, leaf hash and time,
   * or, for a record committed together with others, the commit's one
   * proofline.dev/batch-receipt/v1 over origin, first index, size, root and time.
   */
  readonly receipt: string;
  /** With a batch receipt only: the inclusion proof of leafHash in the commit's tree, base64. */
  readonly receiptProof?: readonly string[];
  readonly verificationUrl: string;
}

/** What the receipts of one log need: its configuration and signing key. */
export interface ReceiptLog {
  readonly config: LogConfig;
  readonly signer: Signer;
}

/** One commit's signed receipt: its first index, leaf hashes, note and (size > 1) tree. */
interface SignedCommit {
  readonly first: number;
  readonly leaves: readonly Uint8Array[];
  readonly note: string;
  readonly tree?: BatchTree;
}

/** One sequenced entry: its bytes and, parsed or just built, its record. */
interface Built {
  readonly bytes: Uint8Array;
  readonly record: RecordV1;
}

/**
 * Receipts, signed once per commit (one storage transaction): a commit of one entry gets a
 * receipt/v1 note; a larger one gets one batch-receipt/v1 note over the RFC 6962 root of
 * all its leaf hashes, and each of its records its inclusion proof under that root. Under
 * load a commit holds the records of many requests, so one Ed25519 signature serves them
 * all. Everything here is deterministic (Ed25519 signatures are), so the receipts rebuilt
 * from storage for an idempotent replay are byte-identical to the ones first returned.
 */
export class Receipts {
  /** The signed receipt of each commit still referenced by a request in flight. */
  private readonly commits = new WeakMap<Commit, Promise<SignedCommit>>();

  constructor(
    private readonly storage: Storage,
    private readonly publicUrl: string,
  ) {}

  /** The receipts of a group just sequenced (`result`), whose records are `built`. */
  async ofGroup(
    log: ReceiptLog,
    result: GroupResult & { readonly first: number },
    built: readonly Built[],
  ): Promise<ReceiptView[]> {
    let signed = this.commits.get(result.commit);
    if (signed === undefined) {
      signed = this.signCommit(log, result.commit);
      this.commits.set(result.commit, signed);
    }
    const commit = await signed;
    return built.map((r, i) => this.commitView(log, commit, result.first + i, r));
  }

  /**
   * The receipts of the stored entries `[first, first + count)`, which one commit holds (a
   * group is never split), exactly as `ofGroup` returned them.
   */
  async ofStored(log: ReceiptLog, first: number, count: number): Promise<ReceiptView[]> {
    const { commit, built } = await this.signStored(log, first);
    const views: ReceiptView[] = [];
    for (let index = first; index < first + count; index++) {
      views.push(this.commitView(log, commit, index, built[index - commit.first]!));
    }
    return views;
  }

  /** A receipt/v1 for the entry at `index` alone (GET, lookups, proof bundles). */
  async ofEntry(log: ReceiptLog, index: number, entry: Uint8Array, record: RecordV1) {
    const leaf = nodeLeafHash(entry);
    return this.view(log, index, leaf, entry, record, await signEntry(log, index, leaf, record));
  }

  private async signCommit(log: ReceiptLog, commit: Commit): Promise<SignedCommit> {
    const built: Built[] = [];
    let first: number | undefined;
    for (const [i, result] of commit.results.entries()) {
      if (result.status !== 'sequenced') continue;
      const group = commit.groups[i] as Partial<RecordGroup>;
      if (group.built === undefined) {
        // Not a record group (nothing in the server makes one): read the commit back.
        return (await this.signStored(log, result.first)).commit;
      }
      first ??= result.first;
      built.push(...group.built());
    }
    return this.sign(log, first!, built);
  }

  /** Reads back the commit that holds `index` and signs its receipt. */
  private async signStored(log: ReceiptLog, index: number) {
    const name = log.config.name;
    const range = await this.storage.commitRange(name, index);
    const entries = await this.storage.readEntries(name, range.start, range.end);
    const built = entries.map((bytes) => ({ bytes, record: parseRecord(bytes) }));
    return { commit: await this.sign(log, range.start, built), built };
  }

  /** Signs the receipt of the commit whose entries, from index `first`, are `built`. */
  private async sign(log: ReceiptLog, first: number, built: readonly Built[]) {
    const leaves = built.map((r) => nodeLeafHash(r.bytes));
    if (leaves.length === 1) {
      return { first, leaves, note: await signEntry(log, first, leaves[0]!, built[0]!.record) };
    }
    const tree = batchTree(leaves, nodeInteriorHash);
    const receipt = {
      origin: log.config.origin,
      first,
      size: leaves.length,
      root: tree.root,
      time: built[0]!.record.time,
    };
    return { first, leaves, note: await signBatchReceipt(receipt, log.signer), tree };
  }

  private commitView(log: ReceiptLog, commit: SignedCommit, index: number, r: Built) {
    const at = index - commit.first;
    const proof = commit.tree?.encodedProof(at, toBase64);
    return this.view(log, index, commit.leaves[at]!, r.bytes, r.record, commit.note, proof);
  }

  private view(
    log: ReceiptLog,
    index: number,
    leaf: Uint8Array,
    entry: Uint8Array,
    record: RecordV1,
    receipt: string,
    receiptProof?: readonly string[],
  ): ReceiptView {
    const { name, origin } = log.config;
    const id = recordId(name, index);
    return {
      id,
      log: name,
      origin,
      index,
      leafHash: toBase64(leaf),
      time: record.time,
      record,
      entry: toBase64(entry),
      receipt,
      ...(receiptProof === undefined ? {} : { receiptProof }),
      verificationUrl: `${this.publicUrl}/r/${id}`,
    };
  }
}

/** The log's signed receipt/v1 note for the entry with leaf hash `leaf` at `index`. */
export function signEntry(
  log: ReceiptLog,
  index: number,
  leaf: Uint8Array,
  record: { readonly time: string },
): Promise<string> {
  const { origin } = log.config;
  return signReceipt({ origin, index, leafHash: leaf, time: record.time }, log.signer);
}
