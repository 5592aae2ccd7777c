import {
  PackedRecords,
  digestLookupKey,
  parseRecord,
  recordTemplate,
  type PackedStatements,
  type RecordTemplate,
  type RecordV1,
  type Statement,
} from '@proofline/records';
import type { PendingGroup } from '@proofline/sequencer';
import type { Idempotency } from '@proofline/storage';

/** One record as built for its commit's time: the record and its exact entry bytes. */
export interface BuiltRecord {
  readonly record: RecordV1;
  readonly bytes: Uint8Array;
}

/** A sequencer group of records: its result carries the records as built. */
export type RecordGroup = PendingGroup<readonly BuiltRecord[]>;

/** The sequencer group of `statements` (validated here: RecordError) for `tenant`. */
export function recordGroup(
  statements: readonly Statement[],
  tenant: string,
  idempotency?: Idempotency,
): RecordGroup {
  return recordGroupOf(
    statements.map((s) => recordTemplate(s, tenant)),
    statements.map((s) => digestLookupKey(s.digest)),
    idempotency,
  );
}

/**
 * The sequencer group that turns validated record templates into records once the batch
 * time is known (outside any storage transaction), with one lookup key per record.
 */
export function recordGroupOf(
  templates: readonly RecordTemplate[],
  lookupKeys: readonly number[],
  idempotency?: Idempotency,
): RecordGroup {
  return {
    count: templates.length,
    lookupKeys,
    ...(idempotency ? { idempotency } : {}),
    build: (timeMs) => {
      const built = templates.map((t) => t.at(timeMs));
      return { entries: built.map((r) => r.bytes), built };
    },
  };
}

/**
 * The sequencer group of a batch validated on a body parser thread (PreparedBatch's
 * statements and lookup keys): its records assembled once from the packed statements (records PackedRecords:
 * RecordError for a bad tenant or an oversized record), then per commit time one buffer for
 * them all. Each record object is parsed back from its bytes only when asked for (the full
 * batch answer); the compact answer never asks.
 */
export function preparedGroup(
  packed: PackedStatements,
  lookupKeys: readonly number[],
  tenant: string,
  idempotency?: Idempotency,
): RecordGroup {
  const records = new PackedRecords(packed, tenant);
  return {
    count: records.count,
    lookupKeys,
    ...(idempotency ? { idempotency } : {}),
    build: (timeMs) => {
      const entries = records.at(timeMs);
      return { entries, built: entries.map((bytes) => new EntryRecord(bytes)) };
    },
  };
}

/** A BuiltRecord whose record is parsed from its bytes on first use. */
class EntryRecord implements BuiltRecord {
  #record: RecordV1 | undefined;

  constructor(readonly bytes: Uint8Array) {}

  get record(): RecordV1 {
    return (this.#record ??= parseRecord(this.bytes));
  }
}
