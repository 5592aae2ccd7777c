/**
 * Row mapping shared by the SQL drivers: both store the same columns under the same names
 * (snake_case), so a row read by either becomes the same interface value here. Values an
 * insider could have edited into something the interface cannot represent are refused as
 * CORRUPT rather than handed on.
 */
import { API_SCOPES, type ApiKeyRecord, type ApiScope, type ShareLinkRecord } from './access.js';
import {
  LOG_VISIBILITIES,
  StorageError,
  type IdempotentOutcome,
  type LogConfig,
  type LogVisibility,
  type StoredCheckpoint,
} from './index.js';

export interface LogRow {
  name: string;
  tenant: string;
  origin: string;
  verifier_key: string;
  created_at: number;
  visibility: string;
}

export function toConfig(row: LogRow): LogConfig {
  if (!(LOG_VISIBILITIES as readonly string[]).includes(row.visibility)) {
    throw new StorageError(
      'CORRUPT',
      `log ${row.name}: unknown visibility ${JSON.stringify(row.visibility)}`,
    );
  }
  return {
    name: row.name,
    tenant: row.tenant,
    origin: row.origin,
    verifierKey: row.verifier_key,
    createdAt: row.created_at,
    visibility: row.visibility as LogVisibility,
  };
}

export interface ApiKeyRow {
  id: string;
  tenant: string;
  secret_hash: string;
  /** A JSON array (SQLite) or a text[] (PostgreSQL) of scope names. */
  scopes: string | string[];
  description: string;
  rate_limit: number;
  created_at: number;
  revoked_at: number | null;
}

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    secretHash: row.secret_hash,
    scopes: toScopes(row.id, row.scopes),
    description: row.description,
    rateLimit: row.rate_limit,
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}

function toScopes(id: string, stored: string | string[]): ApiScope[] {
  let scopes: unknown = stored;
  if (typeof stored === 'string') {
    try {
      scopes = JSON.parse(stored);
    } catch {
      scopes = undefined;
    }
  }
  const known: readonly string[] = API_SCOPES;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && known.includes(s))) {
    throw new StorageError('CORRUPT', `API key ${id}: stored scopes are not a list of scopes`);
  }
  return scopes as ApiScope[];
}

export interface CheckpointRow {
  size: number;
  note: string;
  published_at: number;
  /** Bytes or NULL as written; anything else only by an insider (refused). */
  cose_root: unknown;
}

/**
 * A checkpoint row; `cose_root` NULL (none stored) leaves `coseRoot` absent. A value that is
 * not bytes (an insider's text or number in SQLite's untyped column) is CORRUPT.
 */
export function toCheckpoint(row: CheckpointRow): StoredCheckpoint {
  const checkpoint = { size: row.size, note: row.note, publishedAt: row.published_at };
  if (row.cose_root === null) return checkpoint;
  if (!(row.cose_root instanceof Uint8Array)) {
    throw new StorageError(
      'CORRUPT',
      `checkpoint ${row.size}: the stored root signature is not bytes`,
    );
  }
  return { ...checkpoint, coseRoot: new Uint8Array(row.cose_root) };
}

export interface IdempotencyRow {
  request_hash: string;
  name: string;
  first_idx: number;
  count: number;
}

export function toOutcome(row: IdempotencyRow): IdempotentOutcome {
  return { requestHash: row.request_hash, log: row.name, first: row.first_idx, count: row.count };
}

export interface ShareLinkRow {
  id: string;
  tenant: string;
  secret_hash: string;
  record_id: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export function toShareLink(row: ShareLinkRow): ShareLinkRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    secretHash: row.secret_hash,
    recordId: row.record_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}
