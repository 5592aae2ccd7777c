import { NoteError, base64Encode, openNote, parseNote, type Note } from '@proofline/note';
import { RecordError, parseReceiptText, type Receipt, type RecordV1 } from '@proofline/records';
import { equalHashes } from '@proofline/tlog';
import { failed, keyLabel, passed, type StepResult } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';

/**
 * Step 5: the receipt is a proofline.dev/receipt/v1 note signed by the log key (what records
 * openReceipt checks) whose origin is the policy's, and whose index (when known), leaf hash
 * and time are the entry's. Proves the log promised to hold this entry at this index; only
 * the inclusion proof shows it kept the promise. `parsed` is parseNote(note), when the
 * caller already has it.
 */
export async function receiptStep(
  note: unknown,
  index: number | undefined,
  leaf: Uint8Array,
  record: RecordV1,
  policy: ResolvedPolicy,
  parsed?: Note,
): Promise<StepResult<Receipt>> {
  let claimed: Receipt;
  try {
    claimed = parseReceiptText((parsed ?? parseNote(note as string)).text);
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
  // The rest of records openReceipt (whose note parse and origin check are done above): the
  // note opens with the log key. Its error is reported as openReceipt reports it.
  try {
    await openNote(note as string, [policy.log]);
  } catch (noteError) {
    if (!(noteError instanceof NoteError)) throw noteError;
    const cause = new RecordError(
      'INVALID_RECEIPT',
      `not signed by the log: ${noteError.message}`,
      { cause: noteError },
    );
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
