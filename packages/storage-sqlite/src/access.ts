import Database from 'better-sqlite3';
import type { AccessStore, ApiKeyRecord, ShareLinkRecord } from '@proofline/storage';
import { toApiKey, toShareLink, type ApiKeyRow, type ShareLinkRow } from '@proofline/storage/rows';

/**
 * Tenants, API keys and issuer keys (AccessStore) in SQLite: rare administrative writes,
 * each one statement on the calling thread's connection (durable when it returns).
 */
export class SqliteAccess implements AccessStore {
  protected readonly insertTenant: Database.Statement;
  private readonly access;

  constructor(protected readonly db: Database.Database) {
    this.insertTenant = db.prepare(
      'INSERT OR IGNORE INTO tenants (name, created_at) VALUES (?, ?)',
    );
    this.access = {
      insertApiKey: db.prepare(
        'INSERT INTO api_keys (id, tenant, secret_hash, scopes, description, rate_limit, created_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      getApiKey: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?'),
      listApiKeys: db.prepare<[string | null, string | null], ApiKeyRow>(
        'SELECT * FROM api_keys WHERE ? IS NULL OR tenant = ? ORDER BY created_at, id',
      ),
      revokeApiKey: db.prepare(
        'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      addIssuerKey: db.prepare(
        'INSERT INTO issuer_keys (tenant, verifier_key, created_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (tenant, verifier_key) DO UPDATE SET revoked_at = NULL',
      ),
      listIssuerKeys: db
        .prepare<[string], string>(
          'SELECT verifier_key FROM issuer_keys WHERE tenant = ? AND revoked_at IS NULL ORDER BY created_at, verifier_key',
        )
        .pluck(),
      revokeIssuerKey: db.prepare(
        'UPDATE issuer_keys SET revoked_at = ? WHERE tenant = ? AND verifier_key = ? AND revoked_at IS NULL',
      ),
    };
  }

  /** Prepared on first use: the share_links table may be newer than a caller's statements. */
  private shareStmts?: ReturnType<typeof shareStatements>;

  private get shares() {
    return (this.shareStmts ??= shareStatements(this.db));
  }

  async ensureTenant(name: string, createdAt: number): Promise<void> {
    this.insertTenant.run(name, createdAt);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.access.insertApiKey.run(
      key.id,
      key.tenant,
      key.secretHash,
      JSON.stringify(key.scopes),
      key.description,
      key.rateLimit,
      key.createdAt,
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.access.getApiKey.get(id);
    return row && toApiKey(row);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    return this.access.listApiKeys.all(tenant ?? null, tenant ?? null).map(toApiKey);
  }

  async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    return this.access.revokeApiKey.run(revokedAt, id).changes === 1;
  }

  async addIssuerKey(tenant: string, verifierKey: string, createdAt: number): Promise<void> {
    this.access.addIssuerKey.run(tenant, verifierKey, createdAt);
  }

  async listIssuerKeys(tenant: string): Promise<string[]> {
    return this.access.listIssuerKeys.all(tenant);
  }

  async revokeIssuerKey(tenant: string, verifierKey: string, revokedAt: number): Promise<boolean> {
    return this.access.revokeIssuerKey.run(revokedAt, tenant, verifierKey).changes === 1;
  }

  async createShareLinks(links: readonly ShareLinkRecord[]): Promise<void> {
    const insert = this.shares.insert;
    this.db
      .transaction(() => {
        for (const l of links) {
          insert.run(
            l.id,
            l.tenant,
            l.secretHash,
            l.recordId,
            l.createdBy,
            l.createdAt,
            l.expiresAt ?? null,
            l.revokedAt ?? null,
          );
        }
      })
      .immediate();
  }

  async getShareLink(id: string): Promise<ShareLinkRecord | undefined> {
    const row = this.shares.get.get(id);
    return row && toShareLink(row);
  }

  async listShareLinks(tenant: string, recordId?: string): Promise<ShareLinkRecord[]> {
    return this.shares.list.all(tenant, recordId ?? null, recordId ?? null).map(toShareLink);
  }

  async revokeShareLinks(
    tenant: string,
    which: { readonly id: string } | { readonly recordId: string },
    revokedAt: number,
  ): Promise<number> {
    const run =
      'id' in which
        ? this.shares.revokeOne.run(revokedAt, tenant, which.id)
        : this.shares.revokeRecord.run(revokedAt, tenant, which.recordId);
    return run.changes;
  }
}

function shareStatements(db: Database.Database) {
  return {
    insert: db.prepare(
      'INSERT INTO share_links (id, tenant, secret_hash, record_id, created_by, created_at, ' +
        'expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    get: db.prepare<[string], ShareLinkRow>('SELECT * FROM share_links WHERE id = ?'),
    list: db.prepare<[string, string | null, string | null], ShareLinkRow>(
      'SELECT * FROM share_links WHERE tenant = ? AND (? IS NULL OR record_id = ?) ' +
        'ORDER BY created_at, id',
    ),
    revokeOne: db.prepare(
      'UPDATE share_links SET revoked_at = ? WHERE tenant = ? AND id = ? AND revoked_at IS NULL',
    ),
    revokeRecord: db.prepare(
      'UPDATE share_links SET revoked_at = ? WHERE tenant = ? AND record_id = ? ' +
        'AND revoked_at IS NULL',
    ),
  };
}
