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
