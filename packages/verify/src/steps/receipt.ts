import { NoteError, base64Encode, parseNote } from '@proofline/note';
import {
  RecordError,
  openReceipt,
  parseReceiptText,
  type Receipt,
  type RecordV1,
} from '@proofline/records';
import { equalHashes } from '@proofline/tlog';
import { failed, keyLabel, passed, type StepResult } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';

/**
 * Step 5: the receipt is a proofline.dev/receipt/v1 note signed by the log key (records
 * openReceipt) whose origin is the policy's, and whose index (when known), leaf hash and
 * time are the entry's. Proves the log promised to hold this entry at this index; only the
 * inclusion proof shows it kept the promise.
 */
export async function receiptStep(
  note: unknown,
  index: number | undefined,
  leaf: Uint8Array,
  record: RecordV1,
  policy: ResolvedPolicy,
): Promise<StepResult<Receipt>> {
  let claimed: Receipt;
  try {
    claimed = parseReceiptText(parseNote(note as string).text);
  } catch (cause) {
    if (!(cause instanceof NoteError || cause instanceof RecordError)) throw cause;
    const error = new VerificationError(
      'RECEIPT_MALFORMED',
      'receipt',
      `the receipt is not a signed receipt note: ${cause.message}`,
      { cause },
    );
    return { check: failed(error) };
  }
  const evidence = {
    logKey: keyLabel(policy.log.name, policy.log.keyId),
    origin: claimed.origin,
    index: String(claimed.index),
    leafHash: base64Encode(claimed.leafHash),
    time: claimed.time,
  };
  const mismatch = (what: string, expected: Record<string, string>) =>
    failed(
      new VerificationError('RECEIPT_MISMATCH', 'receipt', `the receipt promises another ${what}`, {
        evidence: { ...evidence, ...expected },
      }),
    );
  if (claimed.origin !== policy.origin) {
    return { check: mismatch('origin', { expectedOrigin: policy.origin }) };
  }
  try {
    await openReceipt(note as string, policy.log);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    const error = new VerificationError(
      'RECEIPT_UNVERIFIED',
      'receipt',
      `the receipt is not signed by the log key: ${cause.message}`,
      { evidence, cause },
    );
    return { check: failed(error) };
  }
  const differing = [
    index !== undefined && claimed.index !== index ? 'index' : '',
    equalHashes(claimed.leafHash, leaf) ? '' : 'leaf',
    claimed.time !== record.time ? 'time' : '',
  ].filter((what) => what !== '');
  if (differing.length > 0) {
    const expected = {
      ...(index === undefined ? {} : { expectedIndex: String(index) }),
      expectedLeafHash: base64Encode(leaf),
      expectedTime: record.time,
    };
    return { check: mismatch(differing.join(', '), expected), value: claimed };
  }
  return {
    check: passed(
      'receipt',
      `The log signed a receipt for this entry at index ${claimed.index}, time ${claimed.time}.`,
      evidence,
    ),
    value: claimed,
  };
}
