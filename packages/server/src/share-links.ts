import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessStore, ShareLinkRecord } from '@proofline/storage';
import { sha256Hex, type Principal } from './auth.js';

/**
 * Share links: capabilities to read one record of a private log without an API key. A token
 * looks like `pls_<16 hex id>_<43 base64url secret>` (256 random bits); only SHA-256 of the
 * secret is stored, with the record id, the key that made it, when, an optional expiry and a
 * revoked flag. A verifying page finds it in the URL fragment (`/r/<id>#t=<token>`, which
 * browsers never send to servers, in Referer headers or logs) and sends it in the
 * `Proofline-Share` request header. Guessing is moot: 2^256 secrets per id, and an id alone
 * opens nothing.
 *
 * Every check reads the stored link (no cache), so a revocation applies to the next request.
 */
const TOKEN_PATTERN = /^pls_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The request header a page sends a share token in (never in the URL). */
export const SHARE_HEADER = 'proofline-share';

export interface NewShareLink {
  readonly token: string;
  readonly record: ShareLinkRecord;
}

/** A caller of ShareLinks.create whose links wait for the next store call. */
interface Waiting {
  readonly links: readonly ShareLinkRecord[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class ShareLinks {
  /** Links made since the last store call began, stored together by the next (see `stored`). */
  private waiting: Waiting[] = [];
  /** Whether a drain of `waiting` is scheduled or running. */
  private draining = false;

  constructor(private readonly store: AccessStore) {}

  /**
   * Makes and stores (all or none) one link per record id, made by `principal`'s key.
   * Resolves once they are stored: durably, with the storage's commit.
   */
  async create(
    principal: Principal,
    recordIds: readonly string[],
    expiresAt: number | undefined,
    now = Date.now(),
  ): Promise<NewShareLink[]> {
    const links = recordIds.map((recordId) => {
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      return {
        token: `pls_${id}_${secret}`,
        record: {
          id,
          tenant: principal.tenant,
          secretHash: sha256Hex(secret),
          recordId,
          createdBy: principal.keyId,
          createdAt: now,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
      };
    });
    await this.stored(links.map((l) => l.record));
    return links;
  }

  /**
   * Stores `links` (all or none) in a group commit: the links of every create() made while the
   * previous store call ran, or in the same turn of the event loop (the requests one log
   * commit answers), go in one createShareLinks call, so a private log's attests cost one
   * share-link transaction per commit, not one per request. If a group's call fails, each
   * caller's links are stored again on their own, so one caller's failure is nobody else's
   * (a failed call stored nothing, being one transaction; and a link's id is its key, so
   * nothing is ever stored twice).
   */
  private stored(links: readonly ShareLinkRecord[]): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.push({ links, resolve, reject });
    });
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      await this.storeGroup(group);
    }
    this.draining = false;
  }

  private async storeGroup(group: readonly Waiting[]): Promise<void> {
    try {
      await this.store.createShareLinks(group.flatMap((w) => w.links));
      for (const w of group) w.resolve();
      return;
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
    }
    for (const w of group) {
      try {
        await this.store.createShareLinks(w.links);
        w.resolve();
      } catch (err) {
        w.reject(err);
      }
    }
  }

  get(id: string): Promise<ShareLinkRecord | undefined> {
    return this.store.getShareLink(id);
  }

  list(tenant: string, recordId: string): Promise<ShareLinkRecord[]> {
    return this.store.listShareLinks(tenant, recordId);
  }

  revoke(
    tenant: string,
    which: { readonly id: string } | { readonly recordId: string },
  ): Promise<number> {
    return this.store.revokeShareLinks(tenant, which, Date.now());
  }

  /**
   * Whether `token` opens record `recordId` of `tenant` now: well-formed, stored, its secret's
   * hash equal (compared in constant time), for that record and tenant, not revoked, not expired.
   */
  async opens(token: string, tenant: string, recordId: string, now = Date.now()): Promise<boolean> {
    const parts = TOKEN_PATTERN.exec(token);
    if (!parts) return false;
    const link = await this.store.getShareLink(parts[1]!);
    if (!link) return false;
    const got = Buffer.from(sha256Hex(parts[2]!), 'hex');
    const want = Buffer.from(link.secretHash, 'hex');
    return (
      got.length === want.length &&
      timingSafeEqual(got, want) &&
      link.tenant === tenant &&
      link.recordId === recordId &&
      link.revokedAt === undefined &&
      (link.expiresAt === undefined || link.expiresAt > now)
    );
  }
}

/** The share link URL of a record: the token in the fragment, which no server ever receives. */
export function shareUrl(publicUrl: string, recordId: string, token: string): string {
  return `${publicUrl}/r/${recordId}#t=${token}`;
}
