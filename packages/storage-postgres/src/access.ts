import { type AccessStore, type ApiKeyRecord, type ShareLinkRecord } from '@proofline/storage';
import { toApiKey, toShareLink, type ApiKeyRow, type ShareLinkRow } from '@proofline/storage/rows';
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

  async createShareLinks(links: readonly ShareLinkRecord[]): Promise<void> {
    if (links.length === 0) return;
    const columns = links.map((l) => [
      l.id,
      l.tenant,
      l.secretHash,
      l.recordId,
      l.createdBy,
      l.createdAt,
      l.expiresAt ?? null,
      l.revokedAt ?? null,
    ]);
    // One statement: all rows or none.
    await this.query(
      `INSERT INTO ${this.schema}.share_links (id, tenant, secret_hash, record_id, created_by, ` +
        'created_at, expires_at, revoked_at) SELECT * FROM unnest($1::text[], $2::text[], ' +
        '$3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])',
      columns[0]!.map((_, c) => columns.map((row) => row[c])),
    );
  }

  async getShareLink(id: string): Promise<ShareLinkRecord | undefined> {
    const { rows } = await this.query<ShareLinkRow>(
      `SELECT * FROM ${this.schema}.share_links WHERE id = $1`,
      [id],
    );
    return rows[0] && toShareLink(rows[0]);
  }

  async listShareLinks(tenant: string, recordId?: string): Promise<ShareLinkRecord[]> {
    const { rows } = await this.query<ShareLinkRow>(
      `SELECT * FROM ${this.schema}.share_links WHERE tenant = $1 ` +
        'AND ($2::text IS NULL OR record_id = $2) ORDER BY created_at, id',
      [tenant, recordId ?? null],
    );
    return rows.map(toShareLink);
  }

  async revokeShareLinks(
    tenant: string,
    which: { readonly id: string } | { readonly recordId: string },
    revokedAt: number,
  ): Promise<number> {
    const [column, value] = 'id' in which ? ['id', which.id] : ['record_id', which.recordId];
    const { rowCount } = await this.query(
      `UPDATE ${this.schema}.share_links SET revoked_at = $1 ` +
        `WHERE tenant = $2 AND ${column} = $3 AND revoked_at IS NULL`,
      [revokedAt, tenant, value],
    );
    return rowCount ?? 0;
  }
}
