import {
  BATCH_V2_FORMAT,
  batchRangeProof,
  batchTree,
  entryTime,
  parseBatchReceiptText,
  recordId,
  type BatchTree,
  type CompactBatchView,
  type ReceiptView,
  type RecordV1,
} from '@proofline/records';
import { nodeHashInto, nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import {
  StorageError,
  readTilesAt,
  type LogConfig,
  type Storage,
  type StoredCommit,
} from '@proofline/storage';
import { parseNote } from '@proofline/note';
import { equalHashes, tileHashReader, type TileHashCache } from '@proofline/tlog';
import type { Commit, GroupResult } from '@proofline/sequencer';
import { nodeBase64Encode } from '@proofline/note/node';
import { storedRecord } from '../stored-record.js';
import { CommitIndex } from './commit-index.js';
import type { BuiltRecord } from './record-group.js';

/** What the receipts of one log need: its configuration (nothing here signs). */
export interface ReceiptLog {
  readonly config: LogConfig;
}

/** A record's creation receipt as stored with its commit: the signed note and, for a batch receipt,
 *  the record's inclusion proof under the commit's root (raw 32-byte hashes). */
export interface CreationReceipt {
  readonly note: string;
  readonly proof?: readonly Uint8Array[];
}

/** One commit: its first index, stored note (if any), leaf hashes and (size > 1) tree. */
interface CommitTree {
  readonly first: number;
  readonly note: string | undefined;
  readonly leaves: readonly Uint8Array[];
  readonly tree?: BatchTree;
}

/** What the sequencer resolves a record group with. */
type SequencedGroup = Extract<GroupResult<readonly BuiltRecord[]>, { status: 'sequenced' }>;

/**
 * A stored commit's leaf hashes (flat: leaf i at bytes [32i, 32i + 32)) and (size > 1) tree:
 * fixed, since entries are never rewritten. A few objects per commit, however many leaves.
 */
interface StoredTree {
  readonly first: number;
  readonly leaves: Uint8Array;
  readonly tree?: BatchTree;
}

/**
 * Leaves of the batch commit trees kept for reads: about 96 bytes each, off the JS heap (the
 * leaf, and in the tree its copy and its share of interior hashes), so 48 MiB of commits in
 * all: a miss costs a batch's tile reads and interior hashes (milliseconds for a commit of
 * thousands of records).
 */
export const TREE_CACHE_LEAVES = 512 * 1024;

/**
 * Receipts as stored: each commit's note was signed once, when the commit was sequenced,
 * and stored in the same transaction (ReceiptSealer, Storage.sequence). Nothing here signs:
 * every read returns the stored note (as first read while the log's CommitIndex keeps it), and for a batch receipt the record's inclusion proof
 * under the commit's root, rebuilt from the commit's stored entries (unsigned data that a
 * verifier checks against the signed root: an altered entry fails there). A commit with no
 * stored note yields records without a receipt.
 */
export class Receipts {
  /** The tree of each commit still referenced by a request in flight. */
  private readonly fresh = new WeakMap<Commit, CommitTree>();
  /** Trees of stored batch commits, by `${log}\n${start}\n${end}`, oldest first. */
  private readonly trees = new Map<string, { tree: Promise<StoredTree>; leaves: number }>();
  /** Leaves of the trees in `trees`. */
  private cachedLeaves = 0;
  /** Per log, its commits' starts and some of their notes. */
  private readonly commits = new Map<string, CommitIndex>();
  /** Per log, an integrated size storage answered (sizes never decrease). */
  private readonly integrated = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly publicUrl: string,
    /**
     * A log's tile cache to read batch leaves through (ProofBundles.tileCache: the tiles its
     * proofs use), or none: each tree then reads its tiles from storage.
     */
    private readonly tiles?: (log: string) => TileHashCache,
  ) {}

  /**
   * The receipts of a group just sequenced: from the commit the sequencer made (its stored
   * note, and the sealer's leaves and tree or, unsealed, its entries'), nothing read back.
   */
  async ofGroup(log: ReceiptLog, result: SequencedGroup): Promise<ReceiptView[]> {
    const tree = this.commitOfGroup(result);
    return result.built.map((r, i) => this.commitView(log, tree, result.first + i, r));
  }

  /**
   * The compact answer (records CompactBatchView) for a group just sequenced: the commit's
   * note, the group's range proof in the commit's tree, and its ids; no per-record receipt.
   */
  compactOfGroup(log: ReceiptLog, result: SequencedGroup): CompactBatchView {
    const commit = this.commitOfGroup(result);
    return this.compact(
      log,
      commit,
      result.first,
      result.built.length,
      entryTime(result.built[0]!.bytes),
    );
  }

  /** The compact answer for the stored entries `[first, first + count)` (see ofStored). */
  async compactOfStored(log: ReceiptLog, first: number, count: number): Promise<CompactBatchView> {
    const commit = await this.commitOf(log, first);
    const [entry] = await this.storage.readEntries(log.config.name, first, first + 1);
    return this.compact(log, commit, first, count, entryTime(entry!));
  }

  /** The tree of the commit a group was sequenced in, built once for all its groups. */
  private commitOfGroup(result: SequencedGroup): CommitTree {
    let commit = this.fresh.get(result.commit);
    if (commit === undefined) {
      const { first, entries, sealed } = result.commit;
      commit = sealed ?? {
        ...treeOf(
          first,
          entries.map((e) => nodeLeafHash(e)),
        ),
        note: undefined,
      };
      this.fresh.set(result.commit, commit);
    }
    return commit;
  }

  private compact(
    log: ReceiptLog,
    commit: CommitTree,
    first: number,
    count: number,
    time: string,
  ): CompactBatchView {
    const { name, origin, tenant } = log.config;
    const start = first - commit.first;
    const tree = commit.tree;
    const rangeProof =
      commit.note === undefined || tree === undefined
        ? []
        : batchRangeProof(commit.leaves.length, start, start + count, (i) =>
            tree.encodedProof(i, nodeBase64Encode),
          );
    const records = new Array<{ id: string; index: number }>(count);
    for (let i = 0; i < count; i++) records[i] = { id: `${name}-${first + i}`, index: first + i };
    return {
      format: BATCH_V2_FORMAT,
      log: name,
      origin,
      tenant,
      time,
      ...(commit.note === undefined ? {} : { receipt: commit.note }),
      rangeProof,
      verificationBase: `${this.publicUrl}/r/`,
      records,
    };
  }

  /**
   * The receipts of the stored entries `[first, first + count)`, which one commit holds (a
   * group is never split), exactly as `ofGroup` returned them.
   */
  async ofStored(log: ReceiptLog, first: number, count: number): Promise<ReceiptView[]> {
    const commit = await this.commitOf(log, first);
    const entries = await this.storage.readEntries(log.config.name, first, first + count);
    return entries.map((bytes, i) =>
      this.commitView(log, commit, first + i, {
        bytes,
        record: storedRecord(log.config.name, first + i, bytes),
      }),
    );
  }

  /** The stored entry at `index` with its creation receipt, if its commit has one. */
  async ofEntry(log: ReceiptLog, index: number, entry: Uint8Array): Promise<ReceiptView> {
    const record = storedRecord(log.config.name, index, entry);
    const creation = await this.creation(log, index);
    const proof = creation?.proof?.map(nodeBase64Encode);
    return this.view(log, index, nodeLeafHash(entry), entry, record, creation?.note, proof);
  }

  /** The creation receipt stored with the commit of entry `index`, or undefined if none. */
  async creation(log: ReceiptLog, index: number): Promise<CreationReceipt | undefined> {
    const commit = await this.storedCommit(log, index, true);
    if (commit.note === undefined) return undefined;
    const tree = commit.tree === undefined ? undefined : (await commit.tree).tree;
    if (tree === undefined) return { note: commit.note };
    return { note: commit.note, proof: tree.proof(index - commit.first) };
  }

  /** The stored commit holding `index` (see storedCommit), with its leaf hashes and tree. */
  private async commitOf(log: ReceiptLog, index: number): Promise<CommitTree> {
    const { first, note, tree } = await this.storedCommit(log, index);
    if (tree === undefined) return { first, note, leaves: [] };
    const { leaves, tree: batch } = await tree;
    const hashes = Array.from({ length: leaves.length / 32 }, (_, i) =>
      leaves.subarray(32 * i, 32 * i + 32),
    );
    return { first, note, leaves: hashes, ...(batch === undefined ? {} : { tree: batch }) };
  }

  /**
   * The stored commit holding `index`: its range and note from the log's CommitIndex (the
   * note as storage first answered it while its slot keeps it, else as stored now), and its
   * leaf hashes and tree (batch trees cached: entries are immutable). With `noteOnly`, a
   * commit of one entry or without a note has no tree (nothing more is read).
   */
  private async storedCommit(
    log: ReceiptLog,
    index: number,
    noteOnly = false,
  ): Promise<{ first: number; note: string | undefined; tree?: Promise<StoredTree> }> {
    const name = log.config.name;
    let stored: StoredCommit;
    try {
      stored = await this.commitIndex(name).commit(index);
    } catch (err) {
      // A sequenced entry whose commit row is gone (removed from the database): no receipt.
      if (!(err instanceof StorageError && err.code === 'OUT_OF_RANGE')) throw err;
      if (!(await this.isSequenced(name, index))) throw err;
      return { first: index, note: undefined };
    }
    const { start, end, receipt } = stored;
    if (noteOnly && (receipt === undefined || end - start === 1)) {
      return { first: start, note: receipt };
    }
    const key = `${name}\n${start}\n${end}`;
    const cached = this.trees.get(key);
    let tree: Promise<StoredTree>;
    if (cached !== undefined) {
      // Not moved to the end: under reads spread over a large log, re-inserting on every hit
      // cost more than the order saved (oldest first evicted: as many hits as least recently used).
      tree = cached.tree;
    } else {
      tree = this.treeFor(name, start, end, receipt);
      if (end - start > 1 && end - start <= TREE_CACHE_LEAVES) this.cache(key, end - start, tree);
    }
    return { first: start, note: receipt, tree };
  }

  /**
   * The leaf hashes and tree of the commit `[start, end)` whose stored note is `note`. An
   * integrated batch commit takes its leaves from the level-0 hash tiles when they give the
   * batch root the note signs: no entry is read or hashed (for a commit of thousands of
   * records, a few tile reads instead). Otherwise, or before integration, the hashes of its
   * entries (an erased entry's from the tiles). The same leaves as reading the entries first:
   * a record whose entry was altered in the database fails its own receipt (a verifier hashes
   * the entry it is given), while the receiptProofs of the commit's other records stay those
   * of the signed root; an edited tile hash does not give the signed root and changes nothing.
   */
  private async treeFor(
    log: string,
    start: number,
    end: number,
    note: string | undefined,
  ): Promise<StoredTree> {
    const root = signedBatchRoot(note);
    const integrated = end - start > 1 ? await this.integratedSize(log, end) : 0;
    let fromTiles: Uint8Array[] | undefined;
    if (end <= integrated) {
      const read = tileHashReader(integrated, (tiles) => readTilesAt(this.storage, log, tiles), {
        ...(this.tiles === undefined ? {} : { cache: this.tiles(log) }),
      });
      const nodes = Array.from({ length: end - start }, (_, i) => ({ level: 0, index: start + i }));
      fromTiles = [...(await read(nodes))];
      const tiled = storedTreeOf(start, fromTiles);
      if (root !== undefined && tiled.tree && equalHashes(tiled.tree.root, root)) return tiled;
    }
    const entries = await this.storage.readEntries(log, start, end);
    return storedTreeOf(
      start,
      entries.map((e, i) => (e.length === 0 && fromTiles ? fromTiles[i]! : nodeLeafHash(e))),
    );
  }

  /** Keeps `tree` (of `leaves` leaves), evicting the oldest to stay in bounds. */
  private cache(key: string, leaves: number, tree: Promise<StoredTree>): void {
    for (const [old, { leaves: n }] of this.trees) {
      if (this.cachedLeaves + leaves <= TREE_CACHE_LEAVES) break;
      this.trees.delete(old);
      this.cachedLeaves -= n;
    }
    const entry = { tree, leaves };
    this.trees.set(key, entry);
    this.cachedLeaves += leaves;
    tree.catch(() => {
      if (this.trees.get(key) !== entry) return;
      this.trees.delete(key);
      this.cachedLeaves -= leaves;
    });
  }

  /** An integrated size of `log`: one known if it reaches `end`, else storage's. */
  private async integratedSize(log: string, end: number): Promise<number> {
    const known = this.integrated.get(log) ?? 0;
    if (end <= known) return known;
    const size = Math.max(known, await this.storage.integratedSize(log));
    this.integrated.set(log, size);
    return size;
  }

  private commitIndex(log: string): CommitIndex {
    let index = this.commits.get(log);
    if (index === undefined) this.commits.set(log, (index = new CommitIndex(this.storage, log)));
    return index;
  }

  private async isSequenced(log: string, index: number): Promise<boolean> {
    return index < (await this.storage.sequencedSize(log));
  }

  private commitView(log: ReceiptLog, commit: CommitTree, index: number, r: BuiltRecord) {
    const at = index - commit.first;
    const proof =
      commit.note === undefined ? undefined : commit.tree?.encodedProof(at, nodeBase64Encode);
    const leaf = commit.leaves[at] ?? nodeLeafHash(r.bytes);
    return this.view(log, index, leaf, r.bytes, r.record, commit.note, proof);
  }

  private view(
    log: ReceiptLog,
    index: number,
    leaf: Uint8Array,
    entry: Uint8Array,
    record: RecordV1,
    receipt: string | undefined,
    receiptProof?: readonly string[],
  ): ReceiptView {
    const { name, origin } = log.config;
    const id = recordId(name, index);
    return {
      id,
      log: name,
      origin,
      index,
      leafHash: nodeBase64Encode(leaf),
      time: record.time,
      record,
      entry: nodeBase64Encode(entry),
      ...(receipt === undefined ? {} : { receipt }),
      ...(receiptProof === undefined ? {} : { receiptProof }),
      verificationUrl: `${this.publicUrl}/r/${id}`,
    };
  }
}

function treeOf(first: number, leaves: readonly Uint8Array[]): Omit<CommitTree, 'note'> {
  const tree = leaves.length > 1 ? batchTree(leaves, nodeInteriorHash) : undefined;
  return { first, leaves, ...(tree === undefined ? {} : { tree }) };
}

/** treeOf for the cache: the leaves flat, in one array. */
function storedTreeOf(first: number, leaves: readonly Uint8Array[]): StoredTree {
  const flat = new Uint8Array(32 * leaves.length);
  for (let i = 0; i < leaves.length; i++) flat.set(leaves[i]!, 32 * i);
  const tree = leaves.length > 1 ? batchTree(leaves, nodeInteriorHash, nodeHashInto) : undefined;
  return { first, leaves: flat, ...(tree === undefined ? {} : { tree }) };
}

/** The root a stored batch receipt note claims (unverified: only compared), if it is one. */
function signedBatchRoot(note: string | undefined): Uint8Array | undefined {
  if (note === undefined) return undefined;
  try {
    return parseBatchReceiptText(parseNote(note).text).root;
  } catch {
    return undefined;
  }
}
