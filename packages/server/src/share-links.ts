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

export class ShareLinks {
  constructor(private readonly store: AccessStore) {}

  /** Makes and stores (all or none) one link per record id, made by `principal`'s key. */
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
    await this.store.createShareLinks(links.map((l) => l.record));
    return links;
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
