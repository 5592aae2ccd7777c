import {
  digestLookupKey,
  recordTemplate,
  type RecordTemplate,
  type RecordV1,
  type Statement,
} from '@proofline/records';
import type { PendingGroup } from './sequencer.js';

/** A sequencer group of records, built once the batch time is known (see recordGroupOf). */
export type RecordGroup = PendingGroup & {
  /** What the committed transaction stored: each record and its entry bytes, in order. */
  built(): { record: RecordV1; bytes: Uint8Array }[];
};

/** The sequencer group of `statements` (validated here: RecordError) for `tenant`. */
export function recordGroup(
  statements: readonly Statement[],
  tenant: string,
  idempotency?: { tenant: string; key: string; requestHash: string },
): RecordGroup {
  return recordGroupOf(
    statements.map((s) => recordTemplate(s, tenant)),
    statements.map((s) => digestLookupKey(s.digest)),
    idempotency,
  );
}

/**
 * The sequencer group that turns validated record templates into records once the batch
 * time is known, with one lookup key per record.
 */
export function recordGroupOf(
  templates: readonly RecordTemplate[],
  lookupKeys: readonly number[],
  idempotency?: { tenant: string; key: string; requestHash: string },
): RecordGroup {
  let built: { record: RecordV1; bytes: Uint8Array }[] = [];
  return {
    count: templates.length,
    lookupKeys,
    ...(idempotency ? { idempotency } : {}),
    build: (timeMs) => {
      built = templates.map((t) => t.at(timeMs));
      return built.map((r) => r.bytes);
    },
    built: () => built,
  };
}
