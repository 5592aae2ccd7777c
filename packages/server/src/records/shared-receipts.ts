import type { ReceiptView } from '@proofline/records';
import type { AccessStore, Storage } from '@proofline/storage';
import type { Principal } from '../auth.js';
import type { LogDirectory } from '../logs.js';
import { shareUrl, type ShareLinks } from '../share-links.js';
import {
  RecordService,
  type AttestOptions,
  type AttestResult,
  type LogRuntime,
} from './service.js';

/**
 * The record service whose attest results carry share links: for a private log, each
 * receipt's `verificationUrl` is its record's share link (`/r/<id>#t=<token>`), made with the
 * attesting key as creator, so whoever gets the receipt can have the record verified in a
 * browser. A replayed request (same Idempotency-Key) gets new links: tokens are stored only
 * as hashes, so the earlier ones cannot be shown again. The links are stored after the
 * records are durable: if that fails the request fails (5xx) and a retry with the same
 * Idempotency-Key replays the records with new links.
 */
export class SharingRecordService extends RecordService {
  constructor(
    storage: Storage,
    access: AccessStore,
    logs: ReadonlyMap<string, LogRuntime>,
    private readonly baseUrl: string,
    resolveLog: ((name: string) => Promise<LogRuntime | undefined>) | undefined,
    private readonly directory: LogDirectory,
    private readonly shares: ShareLinks,
  ) {
    super(storage, access, logs, baseUrl, resolveLog);
  }

  override async attest(
    principal: Principal,
    runtime: LogRuntime,
    input: readonly unknown[],
    options: AttestOptions,
  ): Promise<AttestResult> {
    const log = await this.directory.get(runtime.config.name);
    if (log.visibility === 'public') return super.attest(principal, runtime, input, options);
    // A private log answers full receipts (each with its share link), even to a client that
    // asked for the compact batch view: the answer's media type says which form it is.
    const result = await super.attest(principal, runtime, input, { ...options, compact: false });
    const links = await this.shares.create(
      principal,
      result.receipts.map((r) => r.id),
      undefined,
    );
    return {
      ...result,
      receipts: result.receipts.map((r, i): ReceiptView => ({
        ...r,
        verificationUrl: shareUrl(this.baseUrl, r.id, links[i]!.token),
      })),
    };
  }
}
