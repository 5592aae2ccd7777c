import { type AccessStore, type ApiKeyRecord } from '@proofline/storage';
import { toApiKey, type ApiKeyRow } from '@proofline/storage/rows';
import { PostgresConnection } from './connection.js';

/** Tenants, API keys and issuer keys (AccessStore) in PostgreSQL: one statement each. */
export class PostgresAccess extends PostgresConnection implements AccessStore {
  async ensureTenant(name: string, createdAt: number): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.tenants} (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [name, createdAt],
    );
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.apiKeys} ` +
        '(id, tenant, secret_hash, scopes, description, rate_limit, created_at) ' +
        'VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        key.id,
        key.tenant,
        key.secretHash,
        [...key.scopes],
        key.description,
        key.rateLimit,
        key.createdAt,
      ],
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.query<ApiKeyRow>(`SELECT * FROM ${this.t.apiKeys} WHERE id = $1`, [
      id,
    ]);
    return rows[0] && toApiKey(rows[0]);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.query<ApiKeyRow>(
      `SELECT * FROM ${this.t.apiKeys} WHERE $1::text IS NULL OR tenant = $1 ` +
        'ORDER BY created_at, id',
      [tenant ?? null],
    );
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE ${this.t.apiKeys} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, revokedAt],
    );
    return rowCount === 1;
  }

  async addIssuerKey(tenant: string, verifierKey: string, createdAt: number): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.issuerKeys} (tenant, verifier_key, created_at) VALUES ($1, $2, $3) ` +
        'ON CONFLICT (tenant, verifier_key) DO UPDATE SET revoked_at = NULL',
      [tenant, verifierKey, createdAt],
    );
  }

  async listIssuerKeys(tenant: string): Promise<string[]> {
    const { rows } = await this.query<{ verifier_key: string }>(
      `SELECT verifier_key FROM ${this.t.issuerKeys} WHERE tenant = $1 AND revoked_at IS NULL ` +
        'ORDER BY created_at, verifier_key',
      [tenant],
    );
    return rows.map((r) => r.verifier_key);
  }

  async revokeIssuerKey(tenant: string, verifierKey: string, revokedAt: number): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE ${this.t.issuerKeys} SET revoked_at = $3 ` +
        'WHERE tenant = $1 AND verifier_key = $2 AND revoked_at IS NULL',
      [tenant, verifierKey, revokedAt],
    );
    return rowCount === 1;
  }
}
