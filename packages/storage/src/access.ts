/** Tenants, their API keys (stored as hashes) and their registered issuer keys. */
export interface AccessStore {
  /** Creates the tenant unless it exists. */
  ensureTenant(name: string, createdAt: number): Promise<void>;
  createApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys of one tenant (or all), revoked ones included, oldest first. */
  listApiKeys(tenant?: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false if there is no such key or it was already revoked. */
  revokeApiKey(id: string, revokedAt: number): Promise<boolean>;
  /** Registers an issuer verifier key for the tenant (idempotent). */
  addIssuerKey(tenant: string, verifierKey: string, createdAt: number): Promise<void>;
  /** The tenant's issuer keys that are not revoked. */
  listIssuerKeys(tenant: string): Promise<string[]>;
  revokeIssuerKey(tenant: string, verifierKey: string, revokedAt: number): Promise<boolean>;
  /** Stores share links (all or none, in one transaction); a duplicate id is refused. */
  createShareLinks(links: readonly ShareLinkRecord[]): Promise<void>;
  getShareLink(id: string): Promise<ShareLinkRecord | undefined>;
  /** The tenant's share links of one record (or all its records), revoked ones included, oldest first. */
  listShareLinks(tenant: string, recordId?: string): Promise<ShareLinkRecord[]>;
  /**
   * Revokes the tenant's unrevoked share links: the one with `id`, or every one of `recordId`.
   * Returns how many it revoked (0: none of the tenant's matched, or all were revoked already).
   */
  revokeShareLinks(
    tenant: string,
    which: { readonly id: string } | { readonly recordId: string },
    revokedAt: number,
  ): Promise<number>;
}

/**
 * A share link: a capability to read one record of a private log (its proof bundle) without
 * an API key. The token is `<id>` and a secret; only SHA-256 of the secret is stored.
 */
export interface ShareLinkRecord {
  /** Public identifier, part of the token; names the link to list or revoke it. */
  readonly id: string;
  readonly tenant: string;
  /** Hex SHA-256 of the token's secret part. */
  readonly secretHash: string;
  /** The one record it opens (`<log>-<index>` record id). */
  readonly recordId: string;
  /** The API key that made it. */
  readonly createdBy: string;
  readonly createdAt: number;
  /** Milliseconds since the epoch after which it opens nothing; absent: never expires. */
  readonly expiresAt?: number;
  readonly revokedAt?: number;
}

export const API_SCOPES = ['records:write', 'records:read', 'audit:read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyRecord {
  /** Public identifier, part of the key string. */
  readonly id: string;
  readonly tenant: string;
  /** Hex SHA-256 of the key's secret part; the secret itself is never stored. */
  readonly secretHash: string;
  readonly scopes: readonly ApiScope[];
  readonly description: string;
  /** Requests per second allowed for this key, or 0 for the deployment default. */
  readonly rateLimit: number;
  readonly createdAt: number;
  readonly revokedAt?: number;
}
