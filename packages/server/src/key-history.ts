import { parseKeyHandoverText } from '@proofline/records';
import { parseNote } from '@proofline/note';
import type { Storage } from '@proofline/storage';

/** A retired key of a log as its description publishes it. */
export interface RetiredKeyDescription {
  /** The retired key's C2SP verifier key. */
  readonly verifierKey: string;
  /** It sealed the receipts of entries `[start, end)` and signed trees up to size `end`. */
  readonly start: number;
  readonly end: number;
  /** The handover note signed by this key and its successor: what verifiers check. */
  readonly handover: string;
}

/**
 * The log's retired keys, oldest first, with the ranges their stored handover notes state
 * (parsed, not verified: the server vouches for nothing here; clients verify the signatures
 * of `handover`, see verifyKeyHistory in @proofline/records). A note that does not parse was
 * altered in the database: RecordError INVALID_KEY_HISTORY (a 500 storage-corrupt).
 *
 * Kept per log while its registered key (`verifierKey`, which the caller reads fresh) stays
 * the same: the history grows only when retire-key registers a new key.
 */
export class RetiredKeys {
  private readonly cache = new Map<
    string,
    { readonly verifierKey: string; readonly value: Promise<RetiredKeyDescription[]> }
  >();

  constructor(private readonly storage: Storage) {}

  get(log: {
    readonly name: string;
    readonly verifierKey: string;
  }): Promise<RetiredKeyDescription[]> {
    const cached = this.cache.get(log.name);
    if (cached?.verifierKey === log.verifierKey) return cached.value;
    const value = this.read(log.name);
    this.cache.set(log.name, { verifierKey: log.verifierKey, value });
    value.catch(() => this.cache.delete(log.name));
    return value;
  }

  private async read(log: string): Promise<RetiredKeyDescription[]> {
    return (await this.storage.keyHistory(log)).map(({ note }) => {
      const h = parseKeyHandoverText(parseNote(note).text);
      return { verifierKey: h.retired, start: h.start, end: h.end, handover: note };
    });
  }
}
