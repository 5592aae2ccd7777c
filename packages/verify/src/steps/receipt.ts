import { NoteError, base64Encode, openNote, parseNote, type Note } from '@proofline/note';
import {
  BATCH_RECEIPT_HEADER,
  RecordError,
  batchReceiptIncludes,
  parseBatchReceiptText,
  parseReceiptProof,
  parseReceiptText,
  type BatchReceipt,
  type Receipt,
  type RecordV1,
} from '@proofline/records';
import { equalHashes } from '@proofline/tlog';
import { failed, keyLabel, passed, type StepResult } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';
import { sealingKey } from '../key-chain.js';

/** What the receipt step is asked to check besides the note: all of it untrusted. */
export interface ReceiptClaim {
  /**
   * The entry's index as the caller knows it (a bundle's; an API response's): for a v1
   * receipt it must equal the receipt's index, when given; a batch receipt needs it.
   */
  readonly index?: unknown;
  /** The API's `receiptProof` (base64 hashes): needed with a batch receipt, never with v1. */
  readonly receiptProof?: unknown;
  /** Whether a batch receipt is acceptable at all (verifyReceipt), or only v1 (bundles). */
  readonly batch: boolean;
  /** parseNote(note), when the caller already has it. */
  readonly parsed?: Note;
  /** Shared by the checks of one note (verifyReceipts): its signature is verified once. */
  readonly signature?: SignatureMemo;
}

/** The outcome of verifying one note's log signature, kept for every record it covers. */
export interface SignatureMemo {
  readonly note: string;
  outcome?: Promise<NoteError | undefined>;
}

/**
 * The NoteError of opening `note` with the log key that sealed the entries `[first, last]`
 * (the policy's key chain decides, see key-chain.ts), or undefined when it opened. `note` is
 * the note's text, or the Note parseNote returned for it.
 */
async function openOutcome(
  note: unknown,
  policy: ResolvedPolicy,
  [first, last]: readonly [number, number],
): Promise<NoteError | undefined> {
  try {
    const key = sealingKey(policy, first, last);
    if (key === undefined) {
      throw new NoteError(
        'UNVERIFIED_NOTE',
        `no one key of the log's key history sealed entries ${first}..${last}`,
      );
    }
    await openNote(note as string | Note, [key]);
    return undefined;
  } catch (noteError) {
    if (!(noteError instanceof NoteError)) throw noteError;
    return noteError;
  }
}

/** A receipt that parsed, and the index it was checked for. */
export interface ClaimedReceipt {
  readonly index: number;
  readonly receipt: Receipt | BatchReceipt;
}

type Evidence = Record<string, string>;

function malformed(message: string, cause?: unknown, evidence?: Evidence): StepResult<never> {
  return {
    check: failed(
      new VerificationError('RECEIPT_MALFORMED', 'receipt', message, { cause, evidence }),
    ),
  };
}

function mismatch(message: string, evidence: Evidence): VerificationError {
  return new VerificationError('RECEIPT_MISMATCH', 'receipt', message, { evidence });
}

/** Whether `index` is a safe non-negative integer. */
function isIndex(index: unknown): index is number {
  return Number.isSafeInteger(index) && (index as number) >= 0;
}

/**
 * The rest of records openReceipt/openBatchReceipt once the text parsed and its origin is
 * the policy's: the note opens with the log key (once per `memo`, when given). A failed check (RECEIPT_UNVERIFIED, with the
 * error as those functions report it as `cause`), or undefined when it opened. `parsed` is
 * parseNote(note), when the caller has it.
 */
async function openWithLogKey(
  note: unknown,
  parsed: Note | undefined,
  policy: ResolvedPolicy,
  evidence: Evidence,
  what: string,
  memo: SignatureMemo | undefined,
  range: readonly [number, number],
): Promise<StepResult<never> | undefined> {
  const noteError = await (memo !== undefined && memo.note === note
    ? (memo.outcome ??= openOutcome(parsed ?? note, policy, range))
    : openOutcome(parsed ?? note, policy, range));
  if (noteError === undefined) return undefined;
  const cause = new RecordError('INVALID_RECEIPT', `not signed by the log: ${noteError.message}`, {
    cause: noteError,
  });
  const error = new VerificationError(
    'RECEIPT_UNVERIFIED',
    'receipt',
    `the ${what} is not signed by the log key: ${cause.message}`,
    { evidence, cause },
  );
  return { check: failed(error) };
}

/**
 * Step 5: the receipt is a signed note by the log key (what records openReceipt, or
 * openBatchReceipt, checks) whose origin is the policy's, and it covers this entry:
 *
 * - a proofline.dev/receipt/v1 receipt: its index (equal to `claim.index` when that is
 *   given), leaf hash and time are the entry's; `claim.receiptProof` must be absent;
 * - a proofline.dev/batch-receipt/v1 receipt (only when `claim.batch`; a bundle carries v1
 *   only): its time is the record's, and `claim.receiptProof` (required, see records
 *   parseReceiptProof) is an RFC 6962 inclusion proof of the entry's leaf hash at
 *   `claim.index` (required) − first in the batch tree of `size` leaves with the signed root
 *   (records batchReceiptIncludes).
 *
 * Proves the log promised to hold this entry at this index; only the inclusion proof against
 * a checkpoint shows it kept the promise. A malformed note, receipt, receipt proof or index,
 * or one missing or given where it does not belong, is RECEIPT_MALFORMED; a note not signed
 * by the log key RECEIPT_UNVERIFIED; another origin, index, leaf, time, or a proof that does
 * not lead to the batch root, RECEIPT_MISMATCH.
 */
export async function receiptStep(
  note: unknown,
  leaf: Uint8Array,
  record: RecordV1,
  policy: ResolvedPolicy,
  claim: ReceiptClaim,
): Promise<StepResult<ClaimedReceipt>> {
  let text: string;
  try {
    text = (claim.parsed ?? parseNote(note as string)).text;
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    return malformed(`the receipt is not a signed receipt note: ${cause.message}`, cause);
  }
  if (text.startsWith(`${BATCH_RECEIPT_HEADER}\n`)) {
    if (!claim.batch) {
      return malformed(
        'the receipt is a batch receipt (proofline.dev/batch-receipt/v1); a proof bundle ' +
          'carries a per-record proofline.dev/receipt/v1 receipt',
      );
    }
    return batchReceiptStep(note, text, leaf, record, policy, claim);
  }
  return v1ReceiptStep(note, text, leaf, record, policy, claim);
}

/** receiptStep for a proofline.dev/receipt/v1 note whose text is `text`. */
async function v1ReceiptStep(
  note: unknown,
  text: string,
  leaf: Uint8Array,
  record: RecordV1,
  policy: ResolvedPolicy,
  claim: ReceiptClaim,
): Promise<StepResult<ClaimedReceipt>> {
  let claimed: Receipt;
  try {
    claimed = parseReceiptText(text);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    return malformed(`the receipt is not a signed receipt note: ${cause.message}`, cause);
  }
  if (claim.receiptProof !== undefined) {
    return malformed(
      'a receiptProof was given with a proofline.dev/receipt/v1 receipt, which has none',
    );
  }
  const { index } = claim;
  if (index !== undefined && !isIndex(index)) {
    return malformed('the claimed index is not a safe non-negative integer');
  }
  const evidence = {
    logKey: keyLabel(policy.log.name, policy.log.keyId),
    origin: claimed.origin,
    index: String(claimed.index),
    leafHash: base64Encode(claimed.leafHash),
    time: claimed.time,
  };
  if (claimed.origin !== policy.origin) {
    const expected = { ...evidence, expectedOrigin: policy.origin };
    return { check: failed(mismatch('the receipt promises another origin', expected)) };
  }
  const unverified = await openWithLogKey(
    note,
    claim.parsed,
    policy,
    evidence,
    'receipt',
    claim.signature,
    [claimed.index, claimed.index],
  );
  if (unverified !== undefined) return unverified;
  const value = { index: claimed.index, receipt: claimed };
  const differing = [
    index !== undefined && claimed.index !== index ? 'index' : '',
    equalHashes(claimed.leafHash, leaf) ? '' : 'leaf',
    claimed.time !== record.time ? 'time' : '',
  ].filter((what) => what !== '');
  if (differing.length > 0) {
    const expected = {
      ...evidence,
      ...(index === undefined ? {} : { expectedIndex: String(index) }),
      expectedLeafHash: base64Encode(leaf),
      expectedTime: record.time,
    };
    const message = `the receipt promises another ${differing.join(', ')}`;
    return { check: failed(mismatch(message, expected)), value };
  }
  return {
    check: passed(
      'receipt',
      `The log signed a receipt for this entry at index ${claimed.index}, time ${claimed.time}.`,
      evidence,
    ),
    value,
  };
}

/** receiptStep for a proofline.dev/batch-receipt/v1 note whose text is `text`. */
async function batchReceiptStep(
  note: unknown,
  text: string,
  leaf: Uint8Array,
  record: RecordV1,
  policy: ResolvedPolicy,
  claim: ReceiptClaim,
): Promise<StepResult<ClaimedReceipt>> {
  let claimed: BatchReceipt;
  try {
    claimed = parseBatchReceiptText(text);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    return malformed(`the receipt is not a signed batch receipt note: ${cause.message}`, cause);
  }
  if (claim.receiptProof === undefined) {
    return malformed('a batch receipt needs the receiptProof of the entry, and none was given');
  }
  let proof: Uint8Array[];
  try {
    proof = parseReceiptProof(claim.receiptProof);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    return malformed(`the receiptProof is malformed: ${cause.message}`, cause);
  }
  const { index } = claim;
  if (index === undefined) {
    return malformed("a batch receipt needs the entry's index, and none was given");
  }
  if (!isIndex(index)) return malformed('the claimed index is not a safe non-negative integer');
  const last = claimed.first + claimed.size - 1;
  const evidence = {
    logKey: keyLabel(policy.log.name, policy.log.keyId),
    origin: claimed.origin,
    first: String(claimed.first),
    size: String(claimed.size),
    root: base64Encode(claimed.root),
    time: claimed.time,
    index: String(index),
    receiptProof: proof.map(base64Encode).join(','),
  };
  if (claimed.origin !== policy.origin) {
    const expected = { ...evidence, expectedOrigin: policy.origin };
    return { check: failed(mismatch('the batch receipt promises another origin', expected)) };
  }
  const unverified = await openWithLogKey(
    note,
    claim.parsed,
    policy,
    evidence,
    'batch receipt',
    claim.signature,
    [claimed.first, last],
  );
  if (unverified !== undefined) return unverified;
  const value = { index, receipt: claimed };
  const problems: string[] = [];
  if (claimed.time !== record.time) problems.push('it promises another time');
  if (index < claimed.first || index > last) {
    problems.push(`index ${index} is not among its entries ${claimed.first}..${last}`);
  } else if (!batchReceiptIncludes(claimed, index, leaf, proof)) {
    problems.push(
      `the receipt proof does not lead from this entry's leaf hash at index ${index} to its root`,
    );
  }
  if (problems.length > 0) {
    const expected = {
      ...evidence,
      expectedLeafHash: base64Encode(leaf),
      expectedTime: record.time,
    };
    const message = `the batch receipt does not cover this entry: ${problems.join('; ')}`;
    return { check: failed(mismatch(message, expected)), value };
  }
  return {
    check: passed(
      'receipt',
      `The log signed a batch receipt for entries ${claimed.first}..${last} at time ` +
        `${claimed.time}, and its receipt proof places this entry at index ${index}.`,
      evidence,
    ),
    value,
  };
}
