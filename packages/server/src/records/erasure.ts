import {
  ERASURE_TYPE,
  RecordError,
  digestLookupKey,
  erasureStatement,
  parseRecordId,
  recordId,
  type ReceiptView,
  type Statement,
} from '@proofline/records';
import { readTilesAt, StorageError, type LogConfig, type Storage } from '@proofline/storage';
import { equalHashes, tileHashReader } from '@proofline/tlog';
import { nodeLeafHash } from '@proofline/tlog/node';
import { nodeBase64Encode } from '@proofline/note/node';
import type { Principal } from '../auth.js';
import { ServiceError, invalidRequest } from '../service-error.js';
import { storedRecord } from '../stored-record.js';
import type { LogRuntime, RecordService } from './service.js';

/** What an erasure answers: the erased record, its leaf hash, and the erasure record's receipt. */
export interface ErasureResult {
  readonly id: string;
  readonly index: number;
  /** The erased entry's leaf hash (base64), as the hash tiles hold it. */
  readonly leafHash: string;
  /** The log's erasure record (type proofline.erasure) and its receipt. */
  readonly erasure: ReceiptView;
  /** False when the bytes were already gone (a repeated call, or one that crashed midway). */
  readonly erasedNow: boolean;
}

/**
 * Erasure of a record of a private log (POST /v1/records/{id}/erasure, `admin`):
 *
 * 1. Refuses a public log (its entries may already be copied), an entry not integrated yet
 *    (so the publisher's commit check, which re-hashes entries against their receipts before
 *    integrating them, never meets an erased entry), and an erasure record.
 * 2. Takes the leaf hash from the hash tiles (what checkpoints sign) and checks that the
 *    stored bytes still hash to it (else CORRUPT: nothing is erased).
 * 3. Appends the erasure record (records `erasureStatement`: which record, by which key, why,
 *    the leaf hash) through the normal write path, with the idempotency key
 *    `proofline.erasure/<id>`, so a repeated or crashed call never logs a second one.
 * 4. Only then erases the bytes (Storage.eraseEntry). A crash between 3 and 4 leaves an
 *    erasure record for bytes still stored: the next call finds the record and completes it.
 *    So bytes are never gone without a durable erasure record; the audit flags the opposite.
 */
export class ErasureService {
  constructor(
    private readonly storage: Storage,
    private readonly records: RecordService,
  ) {}

  async erase(principal: Principal, id: string, reason: string): Promise<ErasureResult> {
    const { log, index } = parseId(id);
    const runtime = await this.records.logFor(principal, log);
    await this.checkPrivate(runtime);
    const integrated = await this.storage.integratedSize(log);
    if (index >= (await this.storage.sequencedSize(log))) throw notFound(id);
    if (index >= integrated) {
      throw new ServiceError(
        'ERASURE_REFUSED',
        `record ${id} is not integrated yet: retry once a checkpoint covers it`,
        { details: { retryAfterSeconds: 1 } },
      );
    }
    const read = tileHashReader(integrated, (tiles) => readTilesAt(this.storage, log, tiles));
    const [leaf] = await read([{ level: 0, index }]);
    const [entry] = await this.storage.readEntries(log, index, index + 1);
    const erasedAlready = entry!.length === 0;
    if (!erasedAlready) {
      if (!equalHashes(nodeLeafHash(entry!), leaf!)) {
        throw new StorageError(
          'CORRUPT',
          `log ${log}: the stored entry at index ${index} does not hash to its leaf in the hash tiles`,
          { details: { log, index } },
        );
      }
      if (storedRecord(log, index, entry!).type === ERASURE_TYPE) {
        throw new ServiceError(
          'ERASURE_REFUSED',
          `record ${id} is an erasure record: it is the evidence of an erasure and stays`,
        );
      }
    }
    const erasure = await this.logErasure(principal, runtime, { log, index, leaf: leaf!, reason });
    const erasedNow = erasedAlready
      ? false
      : await this.storage.eraseEntry(log, index, {
          timeMs: Date.now(),
          lookupKey: digestLookupKey(storedRecord(log, index, entry!).digest),
        });
    return { id, index, leafHash: nodeBase64Encode(leaf!), erasure, erasedNow };
  }

  /**
   * Retention: erases, as `erase` does one by one, the records of the private log `log`
   * sequenced before `beforeMs` (and integrated), oldest first, at most `limit` per call; the
   * log's erasure records stay (they are the evidence). One erasure record per erased record,
   * appended concurrently so the sequencer commits them in a few batches (one signature
   * each). With `dryRun`, only says which. `more` tells whether older records remain.
   */
  async eraseBefore(
    principal: Principal,
    log: string,
    beforeMs: number,
    reason: string,
    limit: number,
    dryRun: boolean,
  ): Promise<{ readonly ids: string[]; readonly more: boolean }> {
    const runtime = await this.records.logFor(principal, log);
    await this.checkPrivate(runtime);
    const range = await this.storage.indexRangeForTime(log, 0, beforeMs);
    const end = Math.min(range.end, await this.storage.integratedSize(log));
    const due: number[] = [];
    let more = false;
    for (let index = 0; index < end && !more; index += SCAN_CHUNK) {
      const entries = await this.storage.readEntries(log, index, Math.min(end, index + SCAN_CHUNK));
      for (const [i, entry] of entries.entries()) {
        if (entry.length === 0 || storedRecord(log, index + i, entry).type === ERASURE_TYPE)
          continue;
        if (due.length === limit) {
          more = true;
          break;
        }
        due.push(index + i);
      }
    }
    const ids = due.map((index) => recordId(log, index));
    if (!dryRun) await Promise.all(ids.map((id) => this.erase(principal, id, reason)));
    return { ids, more };
  }

  /** Refuses a public log (its entries may already be copied). */
  private async checkPrivate(runtime: LogRuntime): Promise<void> {
    const log = runtime.config.name;
    const config = (await this.storage.getLog(log)) ?? runtime.config;
    if (!isPrivate(config)) {
      throw new ServiceError(
        'ERASURE_REFUSED',
        `log ${log} is public: its entries may already be copied, so nothing in it can be erased`,
      );
    }
  }

  /**
   * Appends the erasure record once per erased record (idempotency key `proofline.erasure/<id>`)
   * and returns its receipt; a second call with another reason or key gets the first record.
   */
  private async logErasure(
    principal: Principal,
    runtime: LogRuntime,
    e: { log: string; index: number; leaf: Uint8Array; reason: string },
  ): Promise<ReceiptView> {
    const key = `${ERASURE_TYPE}/${recordId(e.log, e.index)}`;
    const earlier = await this.storage.findIdempotency(principal.tenant, key);
    if (earlier) {
      const [entry] = await this.storage.readEntries(e.log, earlier.first, earlier.first + 1);
      return this.records.receipt(runtime, earlier.first, entry!);
    }
    let statement: Statement;
    try {
      statement = erasureStatement({
        log: e.log,
        index: e.index,
        leafHash: e.leaf,
        key: principal.keyId,
        reason: e.reason,
      });
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      throw invalidRequest(`reason: ${err.message}`, '/reason');
    }
    const result = await this.records.attest(principal, runtime, [statement], {
      idempotencyKey: key,
      batch: false,
      reserved: ERASURE_TYPE,
    });
    return result.receipts[0]!;
  }
}

/** Entries read per storage call while looking for expired records. */
const SCAN_CHUNK = 256;

/** Whether the log is private (its visibility, as stored with it now). */
function isPrivate(config: LogConfig): boolean {
  return config.visibility === 'private';
}

function parseId(id: string): { log: string; index: number } {
  try {
    return parseRecordId(id);
  } catch {
    throw notFound(id);
  }
}

function notFound(id: string): ServiceError {
  return new ServiceError('RECORD_NOT_FOUND', `no record ${JSON.stringify(id)}`);
}
