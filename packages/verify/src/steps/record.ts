import { base64Encode } from '@proofline/note';
import { RECORD_SCHEMA, RecordError, parseRecord, type RecordV1 } from '@proofline/records';
import { failed, passed, type StepResult } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';

/**
 * Step 2: the entry is a canonical proofline.dev/record/v1 record (records parseRecord: one
 * byte form per record, every member valid), and, for a bundle, its `origin` is the
 * policy's. The leaf hash SHA-256(0x00 || entry) is what the receipt and the inclusion proof
 * must be about. Proves what the entry says, not that the log holds it. The record is
 * returned whenever it parsed, so the checks that read it still run after an origin mismatch.
 * Without `bundleOrigin` (receipts) the origin is not compared.
 */
export function recordStep(
  entry: Uint8Array,
  leaf: Uint8Array,
  bundleOrigin?: string,
  policy?: Pick<ResolvedPolicy, 'origin'>,
): StepResult<RecordV1> {
  const evidence: Record<string, string> = {
    leafHash: base64Encode(leaf),
    entrySize: String(entry.length),
  };
  let record: RecordV1;
  try {
    record = parseRecord(entry);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    const error = new VerificationError(
      'MALFORMED_RECORD',
      'record',
      `the entry is not a canonical ${RECORD_SCHEMA} record: ${cause.message}`,
      { evidence, cause },
    );
    return { check: failed(error) };
  }
  Object.assign(evidence, {
    tenant: record.tenant,
    time: record.time,
    digest: record.digest,
    type: record.type,
  });
  if (bundleOrigin !== undefined && policy !== undefined) {
    Object.assign(evidence, { bundleOrigin, expectedOrigin: policy.origin });
    if (bundleOrigin !== policy.origin) {
      const error = new VerificationError(
        'ORIGIN_MISMATCH',
        'record',
        `the bundle is for the log ${JSON.stringify(bundleOrigin)}, not ${JSON.stringify(policy.origin)}`,
        { evidence },
      );
      return { check: failed(error), value: record };
    }
  }
  return {
    check: passed(
      'record',
      `The entry is a canonical record of tenant ${record.tenant}, logged at ${record.time}.`,
      evidence,
    ),
    value: record,
  };
}
