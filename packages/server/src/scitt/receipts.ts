import { CoseError, assembleReceipt } from '@proofline/cose';
import { readTilesAt, type LogConfig, type Storage } from '@proofline/storage';
import { proveInclusion, tileHashReader } from '@proofline/tlog';
import { acceptsType } from '../accept.js';
import { ServiceError } from '../service-error.js';

/** Media types of a receipt: RFC 9052's, and RFC 9943's when asked for by Accept. */
export const COSE_MEDIA_TYPE = 'application/cose';
export const SCITT_RECEIPT_MEDIA_TYPE = 'application/scitt-receipt+cose';
/** RFC 9943's media type of a signed or transparent statement. */
export const SCITT_STATEMENT_MEDIA_TYPE = 'application/scitt-statement+cose';

/** RFC 9943's receipt media type when Accept names it, else application/cose. */
export function receiptMediaType(accept: string | undefined): string {
  return acceptsType(accept, SCITT_RECEIPT_MEDIA_TYPE) ? SCITT_RECEIPT_MEDIA_TYPE : COSE_MEDIA_TYPE;
}

/**
 * RFC 9942 receipts of records, assembled from stored checkpoints (docs/scitt.md): the
 * latest checkpoint's root signature (`StoredCheckpoint.coseRoot`, signed once by the
 * publisher) with the record's inclusion proof at that checkpoint's size in its unprotected
 * header. Nothing is signed here; the receipt's protected header and signature are the stored
 * bytes. The leaf is the RFC 9162 leaf hash of the record's entry bytes, the leaf its C2SP
 * proof bundle proves, so both prove the same root when built from the same checkpoint; the
 * entry itself rides in the unprotected header (HEADER_LOG_ENTRY), so the receipt alone says
 * which record it proves.
 *
 * The stored root signature is not verified here (a verifier does: an insider who edits it or
 * moves it to another checkpoint gets receipts no verifier accepts); bytes that are no root
 * signature at all are STORAGE_INCONSISTENT (500).
 */
export class CoseReceipts {
  constructor(private readonly storage: Storage) {}

  /**
   * The receipt of entry `index` of `log` (known to be sequenced). NOT_YET_CHECKPOINTED (404,
   * Retry-After) while the latest checkpoint does not cover it or has no root signature (one
   * published before root signatures existed: the next checkpoint, made when the log grows,
   * has one); `erased()` (410) for an erased entry.
   */
  async receipt(log: LogConfig, index: number, erased: () => Promise<Error>): Promise<Uint8Array> {
    const checkpoint = await this.storage.latestCheckpoint(log.name);
    if (checkpoint === undefined || checkpoint.size <= index) {
      throw new ServiceError(
        'NOT_YET_CHECKPOINTED',
        `entry ${index} of log ${log.name} is sequenced but no checkpoint covers it yet`,
        { details: { retryAfterSeconds: 1 } },
      );
    }
    if (checkpoint.coseRoot === undefined) {
      throw new ServiceError(
        'NOT_YET_CHECKPOINTED',
        `the latest checkpoint of log ${log.name} has no root signature (published before ` +
          'COSE receipts); the next checkpoint will have one',
        { details: { retryAfterSeconds: 1 } },
      );
    }
    const [entry] = await this.storage.readEntries(log.name, index, index + 1);
    if (entry === undefined || entry.length === 0) throw await erased();
    const reader = tileHashReader(checkpoint.size, (tiles) =>
      readTilesAt(this.storage, log.name, tiles),
    );
    const path = await proveInclusion(index, checkpoint.size, reader);
    try {
      return assembleReceipt(
        checkpoint.coseRoot,
        { treeSize: checkpoint.size, leafIndex: index, path },
        entry,
      );
    } catch (cause) {
      if (!(cause instanceof CoseError)) throw cause;
      throw new ServiceError(
        'STORAGE_INCONSISTENT',
        `the stored root signature of checkpoint ${checkpoint.size} of log ${log.name} is not one`,
        { cause },
      );
    }
  }
}
