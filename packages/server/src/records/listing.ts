import { recordId, type RecordV1 } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import { storedRecord } from '../stored-record.js';
import type { LogRuntime } from './service.js';

export interface ListQuery {
  /** Sequencing times in `[fromMs, toMs)`. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly type?: string;
  readonly label?: readonly [string, string];
  readonly control?: string;
  /** Index to resume from (the `next` of the previous page). */
  readonly cursor?: number;
  readonly limit: number;
}

export interface RecordSummary {
  readonly id: string;
  readonly index: number;
  readonly time: string;
  readonly record: RecordV1;
}

export interface Page {
  readonly records: RecordSummary[];
  /** Cursor of the next page, or null when the range is exhausted. */
  readonly next: string | null;
}

/** Entries examined per page at most, so a selective filter cannot make one request unbounded. */
const SCAN_BUDGET = 10_000;
const CHUNK = 256;

/**
 * Lists a log's records by sequencing time (mapped to an index range through the batch
 * times) with optional filters, scanning forward from the cursor. A page may hold fewer than
 * `limit` records and still have a `next` cursor when the scan budget ran out. An entry that
 * is not a record fails the whole page (StorageError CORRUPT): it is never skipped; an
 * erased one (zero bytes) is.
 */
export async function listRecords(
  storage: Storage,
  runtime: LogRuntime,
  q: ListQuery,
): Promise<Page> {
  const log = runtime.config.name;
  const range = await storage.indexRangeForTime(log, q.fromMs, q.toMs);
  let index = Math.max(range.start, q.cursor ?? 0);
  const records: RecordSummary[] = [];
  const budgetEnd = Math.min(range.end, index + SCAN_BUDGET);
  while (index < budgetEnd) {
    const end = Math.min(budgetEnd, index + CHUNK);
    const entries = await storage.readEntries(log, index, end);
    for (const entry of entries) {
      // An erased entry (zero bytes) is no longer a record: skipped (audits account for it).
      const record = entry.length === 0 ? undefined : storedRecord(log, index, entry);
      if (record !== undefined && matches(record, q)) {
        records.push({ id: recordId(log, index), index, time: record.time, record });
        if (records.length === q.limit) {
          index++;
          return { records, next: index < range.end ? String(index) : null };
        }
      }
      index++;
    }
  }
  return { records, next: index < range.end ? String(index) : null };
}

function matches(record: RecordV1, q: ListQuery): boolean {
  if (q.type !== undefined && record.type !== q.type) return false;
  if (q.control !== undefined && !record.controls?.includes(q.control)) return false;
  if (q.label !== undefined) {
    const [key, value] = q.label;
    if (!record.labels || !Object.hasOwn(record.labels, key) || record.labels[key] !== value) {
      return false;
    }
  }
  return true;
}
