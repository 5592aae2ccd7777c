import {
  base64Encode,
  exceedsUtf8Size,
  isValidKeyName,
  MAX_NOTE_SIZE,
  type Signer,
  type Verifier,
} from '@proofline/note';
import { TlogError, nodeHash, verifyInclusion, type HashChildrenInto } from '@proofline/tlog';
import { decodeHash, isHash } from './base64.js';
import { RecordError, pointer, type RecordErrorCode } from './errors.js';
import { arrayItems } from './json.js';
import { isIndex } from './record-id.js';
import {
  checkReceiptTime,
  indexLine,
  lineValue,
  openSignedReceipt,
  receiptLines,
  signReceiptText,
} from './receipt.js';

/**
 * The log's promise that it sequenced `size` consecutive entries together, at one time: the
 * body of a signed note (c2sp.org/signed-note) signed by the log's key, whose key name is the
 * log origin. The note text is exactly
 *
 *     proofline.dev/batch-receipt/v1
 *     origin <origin>
 *     first <index of the first entry, decimal, no leading zeros>
 *     size <number of entries, decimal, 1 ≤ size ≤ 65536, no leading zeros>
 *     root <standard base64 of the 32-byte RFC 6962 MTH of the entries' leaf hashes, in index order>
 *     time <the records' time string (all entries of a batch share one time)>
 *
 * with every line ending in a newline, and first + size − 1 a safe integer. Its second line is
 * not a decimal tree size, so it never parses as a checkpoint (c2sp.org/tlog-checkpoint), nor a
 * checkpoint as a batch receipt, and its first line is not the v1 receipt's, so the two receipt
 * kinds cannot be confused.
 *
 * The entry at `index` (first ≤ index < first + size) is covered by it together with its
 * receipt proof: the RFC 6962 inclusion proof PATH(index − first, D[size]) (RFC 9162 §2.1.3.1)
 * of its leaf hash in the tree of the batch's leaf hashes, at most 16 hashes (see batchTree
 * and batchReceiptIncludes).
 */
export interface BatchReceipt {
  /** The log origin, which is also the log key's name: a valid note key name. */
  readonly origin: string;
  /** The index of the batch's first entry in the log, a safe non-negative integer. */
  readonly first: number;
  /** The number of entries, 1..MAX_BATCH_RECEIPT_SIZE; first + size − 1 is a safe integer. */
  readonly size: number;
  /** MTH (RFC 6962 §2.1) of the leaf hashes of entries first..first+size−1, 32 bytes. */
  readonly root: Uint8Array;
  /** The records' `time` (see formatTime), the same for every entry of the batch. */
  readonly time: string;
}

/** The most entries one batch receipt covers, so a receipt proof has at most 16 hashes. */
export const MAX_BATCH_RECEIPT_SIZE = 65536;
/** The first line of a batch receipt's note text. */
export const BATCH_RECEIPT_HEADER = 'proofline.dev/batch-receipt/v1';
/** log2(MAX_BATCH_RECEIPT_SIZE): the most hashes a receipt proof has. */
export const MAX_RECEIPT_PROOF_HASHES = 16;
/** A size: decimal without leading zeros, at most 5 digits (bounded below by the caller). */
const SIZE = /^[1-9][0-9]{0,4}$/;

/** Whether `size` is an integer in 1..MAX_BATCH_RECEIPT_SIZE. */
function isBatchSize(size: unknown): size is number {
  return (
    Number.isSafeInteger(size) &&
    (size as number) >= 1 &&
    (size as number) <= MAX_BATCH_RECEIPT_SIZE
  );
}

/** Whether the last index of a batch, first + size − 1, is a safe integer (no rounding). */
function lastIsSafe(first: number, size: number): boolean {
  return first <= Number.MAX_SAFE_INTEGER - (size - 1);
}

function checkBatchReceipt(r: BatchReceipt, code: RecordErrorCode): void {
  if (typeof r !== 'object' || r === null) throw new RecordError(code, 'must be an object');
  if (!isValidKeyName(r.origin)) {
    throw new RecordError(code, 'must be a valid key name', { field: '/origin' });
  }
  if (!isIndex(r.first)) {
    throw new RecordError(code, 'must be a safe non-negative integer', { field: '/first' });
  }
  if (!isBatchSize(r.size)) {
    throw new RecordError(code, `must be an integer in 1..${MAX_BATCH_RECEIPT_SIZE}`, {
      field: '/size',
    });
  }
  if (!lastIsSafe(r.first, r.size)) {
    throw new RecordError(code, 'first + size - 1 must be a safe integer', { field: '/size' });
  }
  if (!isHash(r.root)) throw new RecordError(code, 'must be 32 bytes', { field: '/root' });
  checkReceiptTime(r.time, code);
}

/** The batch receipt note text of `r`. Throws RecordError INVALID_ARGUMENT. */
export function formatBatchReceiptText(r: BatchReceipt): string {
  checkBatchReceipt(r, 'INVALID_ARGUMENT');
  const text =
    `${BATCH_RECEIPT_HEADER}\norigin ${r.origin}\nfirst ${r.first}\nsize ${r.size}\n` +
    `root ${base64Encode(r.root)}\ntime ${r.time}\n`;
  if (exceedsUtf8Size(text, MAX_NOTE_SIZE)) {
    throw new RecordError('INVALID_ARGUMENT', 'batch receipt exceeds MAX_NOTE_SIZE', {
      field: '/origin',
    });
  }
  return text;
}

/**
 * Parses a batch receipt note text (see BatchReceipt), strictly: at most MAX_NOTE_SIZE bytes,
 * exactly the six lines in order, each ending in newline, no CR, canonical decimals, a
 * canonical base64 32-byte root, first + size − 1 a safe integer. Does not check signatures
 * (see openBatchReceipt). Throws RecordError INVALID_RECEIPT.
 */
export function parseBatchReceiptText(text: string): BatchReceipt {
  const { lines, origin } = receiptLines(text, BATCH_RECEIPT_HEADER, ['six', 6], 'batch receipt');
  const first = indexLine(lines[2], 'first');
  const sizeText = lineValue(lines[3], 'size');
  const size = SIZE.test(sizeText) ? Number(sizeText) : undefined;
  if (size === undefined || !isBatchSize(size)) {
    throw new RecordError(
      'INVALID_RECEIPT',
      `must be a decimal in 1..${MAX_BATCH_RECEIPT_SIZE} without leading zeros`,
      { field: '/size' },
    );
  }
  if (!lastIsSafe(first, size)) {
    throw new RecordError('INVALID_RECEIPT', 'first + size - 1 must be a safe integer', {
      field: '/size',
    });
  }
  const root = decodeHash(lineValue(lines[4], 'root'), 'INVALID_RECEIPT', '/root');
  const time = lineValue(lines[5], 'time');
  checkReceiptTime(time, 'INVALID_RECEIPT');
  return Object.freeze({ origin, first, size, root, time });
}

/**
 * Signs the batch receipt `r` with the log's `signer`, whose name must be `r.origin`, and
 * returns the signed note text. Throws RecordError INVALID_ARGUMENT (with a NoteError `cause`
 * when signing fails); an error thrown by the signer itself propagates unchanged.
 */
export async function signBatchReceipt(r: BatchReceipt, signer: Signer): Promise<string> {
  return signReceiptText(formatBatchReceiptText(r), r.origin, signer, 'batch receipt');
}

/**
 * Opens a signed batch receipt: the note must parse (c2sp.org/signed-note), its text must be
 * a batch receipt whose origin equals `logVerifier.name` (field `/origin`), and it must carry
 * a valid signature by the log's key (other signatures are ignored). Throws RecordError
 * INVALID_RECEIPT, with the NoteError as `cause` for note and signature failures; an error
 * thrown by the verifier itself propagates unchanged.
 */
export function openBatchReceipt(note: string, logVerifier: Verifier): Promise<BatchReceipt> {
  return openSignedReceipt(note, logVerifier, parseBatchReceiptText);
}

/** Checks batchTree's arguments. Throws RecordError INVALID_ARGUMENT. */
function checkLeafHashes(leafHashes: readonly Uint8Array[], hashChildren: unknown): void {
  if (!Array.isArray(leafHashes)) {
    throw new RecordError('INVALID_ARGUMENT', 'must be an array of 32-byte hashes', {
      field: '/leafHashes',
    });
  }
  if (!isBatchSize(leafHashes.length)) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      `must hold 1..${MAX_BATCH_RECEIPT_SIZE} hashes, not ${leafHashes.length}`,
      { field: '/leafHashes' },
    );
  }
  for (let i = 0; i < leafHashes.length; i++) {
    if (!isHash(leafHashes[i])) {
      throw new RecordError('INVALID_ARGUMENT', 'must be 32 bytes', {
        field: pointer('/leafHashes', i),
      });
    }
  }
  if (typeof hashChildren !== 'function') {
    throw new RecordError('INVALID_ARGUMENT', 'hashChildren must be a function');
  }
}

/** Bytes of a hash in the flat levels of treeLevels. */
const HASH_BYTES = 32;

/**
 * The levels of the RFC 6962 tree over `leaves`, each one flat array of 32-byte hashes (node k
 * of level l at bytes [32k, 32k + 32) of levels[l]; a level of n nodes is 32n bytes): level 0
 * is the leaves, each next level hashes adjacent pairs (2j, 2j+1) and carries an unpaired last
 * node up unchanged, up to a level of one node, MTH(leaves). Carrying the odd node up is
 * exactly RFC 6962's split at the largest power of two below n, applied recursively to the
 * right part. Flat, so a tree of n leaves is about log2(n) objects however large n is: cached
 * trees add little to the garbage collector's work.
 */
function treeLevels(
  leaves: readonly Uint8Array[],
  hashChildren: (left: Uint8Array, right: Uint8Array) => Uint8Array,
  hashChildrenInto: HashChildrenInto | undefined,
): Uint8Array[] {
  let level = new Uint8Array(leaves.length * HASH_BYTES);
  for (let i = 0; i < leaves.length; i++) level.set(leaves[i]!, i * HASH_BYTES);
  const levels = [level];
  for (let n = leaves.length; n > 1;) {
    const up = Math.ceil(n / 2);
    const next = new Uint8Array(up * HASH_BYTES);
    for (let j = 0; 2 * j + 1 < n; j++) {
      const at = 2 * j * HASH_BYTES;
      if (hashChildrenInto !== undefined) {
        hashChildrenInto(level, at, next, j * HASH_BYTES);
        continue;
      }
      const h = hashChildren(
        level.subarray(at, at + HASH_BYTES),
        level.subarray(at + HASH_BYTES, at + 2 * HASH_BYTES),
      );
      if (!isHash(h)) {
        throw new RecordError('INVALID_ARGUMENT', 'hashChildren must return 32 bytes');
      }
      next.set(h, j * HASH_BYTES);
    }
    if (n % 2 === 1) next.set(level.subarray((n - 1) * HASH_BYTES), (up - 1) * HASH_BYTES);
    levels.push(next);
    level = next;
    n = up;
  }
  return levels;
}

/** Node k of a flat level (see treeLevels), as a view: callers copy it or only read it. */
const node = (level: Uint8Array, k: number): Uint8Array =>
  level.subarray(k * HASH_BYTES, (k + 1) * HASH_BYTES);

/**
 * RFC 6962 tree over `leafHashes` (1..MAX_BATCH_RECEIPT_SIZE of them, 32 bytes each): its root
 * and each leaf's inclusion proof. Builds the levels once (O(n) hashes) so proof(i) is
 * O(log n) look-ups. `hashChildren(left, right)` defaults to the tlog package's RFC 6962
 * interior-node hash, SHA-256(0x01 ‖ left ‖ right); the server passes a node:crypto one. It
 * must return 32 bytes and must not modify or keep its arguments (views of the tree's own
 * bytes). `hashChildrenInto`, when given, is used instead: it hashes each pair where it lies
 * (see HashChildrenInto of @proofline/tlog; nothing to check). The leaf hashes are copied, and
 * `root` and every proof are fresh copies, so neither the caller nor a consumer can alter the
 * tree.
 *
 * proof(i), for 0 ≤ i < n, is PATH(i, D[n]) (RFC 9162 §2.1.3.1), ordered from the leaf up, at
 * most 16 hashes. Throws RecordError INVALID_ARGUMENT (bad leaves, a hashChildren that does
 * not return 32 bytes, or an i out of range).
 */
export function batchTree(
  leafHashes: readonly Uint8Array[],
  hashChildren: (left: Uint8Array, right: Uint8Array) => Uint8Array = nodeHash,
  hashChildrenInto?: HashChildrenInto,
): BatchTree {
  checkLeafHashes(leafHashes, hashChildren);
  if (hashChildrenInto !== undefined && typeof hashChildrenInto !== 'function') {
    throw new RecordError('INVALID_ARGUMENT', 'hashChildrenInto must be a function');
  }
  const levels = treeLevels(leafHashes, hashChildren, hashChildrenInto);
  const n = leafHashes.length;
  /** PATH(i, D[n]) as the hashes' [level, index] positions, from the leaf up. */
  const positions = (i: number): [number, number][] => {
    if (!Number.isSafeInteger(i) || i < 0 || i >= n) {
      throw new RecordError('INVALID_ARGUMENT', `leaf index must be an integer in 0..${n - 1}`);
    }
    const path: [number, number][] = [];
    let j = i;
    for (let l = 0; l < levels.length - 1; l++) {
      const sibling = j ^ 1;
      if (sibling < levels[l]!.length / HASH_BYTES) path.push([l, sibling]);
      j >>= 1;
    }
    return path;
  };
  const encoded = new Map<(hash: Uint8Array) => unknown, unknown[][]>();
  return Object.freeze({
    root: levels[levels.length - 1]!.slice(),
    proof: (i: number) => positions(i).map(([l, k]) => node(levels[l]!, k).slice()),
    encodedProof<T>(i: number, encode: (hash: Uint8Array) => T): T[] {
      let memo = encoded.get(encode) as T[][] | undefined;
      if (memo === undefined) {
        memo = levels.map(() => []);
        encoded.set(encode, memo);
      }
      const cache = memo;
      return positions(i).map(([l, k]) => (cache[l]![k] ??= encode(node(levels[l]!, k))));
    },
  });
}

/** What batchTree returns. */
export interface BatchTree {
  readonly root: Uint8Array;
  /** PATH(i, D[n]): fresh copies of the hashes, from the leaf up. */
  proof(i: number): Uint8Array[];
  /**
   * proof(i) with each hash passed through `encode` (e.g. base64), which is called once per
   * tree node for all proofs together, on the tree's own bytes: it must not modify them.
   */
  encodedProof<T>(i: number, encode: (hash: Uint8Array) => T): T[];
}

/**
 * True iff first ≤ index < first + size and `proof` is a valid RFC 6962 inclusion proof
 * (RFC 9162 §2.1.3.2, tlog verifyInclusion) of `leafHash` at index − first in a tree of
 * `size` leaves with root `r.root`. Independent of batchTree, so prover and checker are not
 * the same code. Never throws for a bad proof (not an array of at most 16 32-byte hashes, or
 * not leading to the root) or an index out of range: false. Throws RecordError
 * INVALID_ARGUMENT for arguments of the wrong type: `r` not a valid BatchReceipt, `index` not
 * a number, `leafHash` not 32 bytes, `proof` not an array.
 */
export function batchReceiptIncludes(
  r: BatchReceipt,
  index: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  checkBatchReceipt(r, 'INVALID_ARGUMENT');
  if (typeof index !== 'number') {
    throw new RecordError('INVALID_ARGUMENT', 'index must be a number', { field: '/index' });
  }
  if (!isHash(leafHash)) {
    throw new RecordError('INVALID_ARGUMENT', 'must be 32 bytes', { field: '/leafHash' });
  }
  if (!Array.isArray(proof)) {
    throw new RecordError('INVALID_ARGUMENT', 'must be an array', { field: '/proof' });
  }
  if (!isIndex(index) || index < r.first || index - r.first >= r.size) return false;
  if (proof.length > MAX_RECEIPT_PROOF_HASHES || !proof.every(isHash)) return false;
  try {
    verifyInclusion(leafHash, index - r.first, r.size, proof, r.root);
    return true;
  } catch (err) {
    if (err instanceof TlogError) return false;
    throw err;
  }
}

/**
 * Strictly decodes the API's `receiptProof` field: an array of at most 16 canonical
 * standard-base64 (RFC 4648 §4, padded) strings of 32 bytes each; items are read through
 * property descriptors, so no getter runs. Throws RecordError INVALID_RECEIPT, field
 * `/receiptProof` (or `/receiptProof/<i>` for one item).
 */
export function parseReceiptProof(value: unknown): Uint8Array[] {
  const field = '/receiptProof';
  if (!Array.isArray(value)) {
    throw new RecordError('INVALID_RECEIPT', 'must be an array', { field });
  }
  if (value.length > MAX_RECEIPT_PROOF_HASHES) {
    throw new RecordError('INVALID_RECEIPT', `more than ${MAX_RECEIPT_PROOF_HASHES} hashes`, {
      field,
    });
  }
  return arrayItems(value, 'INVALID_RECEIPT', field).map((h, i) =>
    decodeHash(h, 'INVALID_RECEIPT', () => pointer(field, i)),
  );
}
