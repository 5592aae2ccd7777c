import { RecordError, parseRecord, type RecordV1 } from '@proofline/records';
import { StorageError } from '@proofline/storage';
import { ServiceError } from './service-error.js';

/**
 * The record of the stored entry `index` of `log`. Entries are validated records before they
 * are sequenced, so one that does not parse was altered in the database: that is a
 * StorageError CORRUPT naming the log and index (500 storage-corrupt, logged), never the
 * client's 400 and never skipped. An entry of zero bytes (no record is empty) is an erased
 * one (Storage.eraseEntry): ServiceError RECORD_ERASED (410); whether an erasure record
 * accounts for it is for the audit to check, from the log itself.
 */
export function storedRecord(log: string, index: number, entry: Uint8Array): RecordV1 {
  if (entry.length === 0) throw erased(log, index);
  try {
    return parseRecord(entry);
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    throw new StorageError(
      'CORRUPT',
      `log ${log}: the stored entry at index ${index} is not a record (${err.message})`,
      { cause: err, details: { log, index } },
    );
  }
}

/** The refusal for a record whose bytes were erased (410 record-erased). */
export function erased(log: string, index: number): ServiceError {
  return new ServiceError(
    'RECORD_ERASED',
    `record ${log}-${index} was erased: its bytes are gone, its leaf hash stays in the log, and the log's erasure record says when and why`,
  );
}
