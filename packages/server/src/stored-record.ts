import { RecordError, parseRecord, type RecordV1 } from '@proofline/records';
import { StorageError } from '@proofline/storage';

/**
 * The record of the stored entry `index` of `log`. Entries are validated records before they
 * are sequenced, so one that does not parse was altered in the database: that is a
 * StorageError CORRUPT naming the log and index (500 storage-corrupt, logged), never the
 * client's 400 and never skipped.
 */
export function storedRecord(log: string, index: number, entry: Uint8Array): RecordV1 {
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
