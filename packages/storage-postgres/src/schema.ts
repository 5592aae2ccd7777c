/**
 * Schema migrations for one PostgreSQL schema (namespace), applied in order inside one
 * transaction that first takes `pg_advisory_xact_lock(MIGRATION_LOCK)`: nodes starting at
 * once queue on the lock, and each one that gets it re-reads `schema_version` and finds
 * nothing left to do. PostgreSQL DDL is transactional, so a migration that fails leaves the
 * schema exactly as it was. Migrations only ever add; a schema written by a newer version
 * (its `schema_version` beyond what this code knows) is refused rather than misread.
 *
 * The tables and their meanings are those of the SQLite driver (packages/storage-sqlite):
 * blobs are `bytea`, indices, sizes and times (ms since the epoch) are `bigint`.
 * Identifier-like text columns use the "C" collation so that ordering is bytewise, the
 * same on every database whatever its locale, and the same as SQLite's.
 */

/** Key of the transaction-scoped advisory lock that serialises migrations database-wide. */
export const MIGRATION_LOCK = 0x70726f6f66; // "proof"

/** Quotes a PostgreSQL identifier (always: names are used exactly as given). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The table that records which migrations ran; created before any migration. */
export function versionTable(s: string): string {
  return `
  CREATE TABLE IF NOT EXISTS ${s}.schema_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`;
}

/** Migration `i` brings the schema from version `i` to `i + 1`; `s` is the quoted schema. */
export const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
  CREATE TABLE ${s}.tenants (
    name text COLLATE "C" PRIMARY KEY,
    created_at bigint NOT NULL
  );
  -- One row per log. It is the log's serialisation point: sequencers take it FOR UPDATE,
  -- integration and checkpoint publication compare-and-swap on it. Updated on every
  -- sequencing transaction, so leave room for HOT updates.
  CREATE TABLE ${s}.logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE,
    tenant text COLLATE "C" NOT NULL REFERENCES ${s}.tenants (name),
    origin text NOT NULL,
    verifier_key text NOT NULL,
    created_at bigint NOT NULL,
    sequenced_size bigint NOT NULL DEFAULT 0,
    integrated_size bigint NOT NULL DEFAULT 0,
    last_time bigint NOT NULL DEFAULT 0,
    checkpoint_id bigint,
    lease_owner text,
    -- On the database's clock (ms since the epoch), never a node's.
    lease_expires bigint NOT NULL DEFAULT 0
  ) WITH (fillfactor = 50);
  CREATE TABLE ${s}.entries (
    log_id bigint NOT NULL,
    idx bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (log_id, idx)
  );
  -- One row per sequencing transaction: maps times to index ranges.
  CREATE TABLE ${s}.batches (
    log_id bigint NOT NULL,
    first_idx bigint NOT NULL,
    time bigint NOT NULL,
    PRIMARY KEY (log_id, first_idx)
  );
  CREATE INDEX batches_by_time ON ${s}.batches (log_id, time, first_idx);
  CREATE TABLE ${s}.lookup (
    log_id bigint NOT NULL,
    key bigint NOT NULL,
    idx bigint NOT NULL,
    PRIMARY KEY (log_id, key, idx)
  );
  CREATE TABLE ${s}.idempotency (
    tenant text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    request_hash text NOT NULL,
    log_id bigint NOT NULL,
    first_idx bigint NOT NULL,
    count bigint NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (tenant, key)
  );
  CREATE TABLE ${s}.tiles (
    log_id bigint NOT NULL,
    level integer NOT NULL,
    idx bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (log_id, level, idx)
  );
  -- Hashes do not compress: store tiles out of line without trying.
  ALTER TABLE ${s}.tiles ALTER COLUMN data SET STORAGE EXTERNAL;
  -- Ids grow in publication order within a log: publishers hold the log row lock.
  CREATE TABLE ${s}.checkpoints (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    log_id bigint NOT NULL,
    size bigint NOT NULL,
    note text NOT NULL,
    published_at bigint NOT NULL
  );
  CREATE INDEX checkpoints_by_log ON ${s}.checkpoints (log_id, id);
  CREATE TABLE ${s}.api_keys (
    id text COLLATE "C" PRIMARY KEY,
    tenant text COLLATE "C" NOT NULL REFERENCES ${s}.tenants (name),
    secret_hash text NOT NULL,
    scopes text[] NOT NULL,
    description text NOT NULL,
    rate_limit bigint NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE TABLE ${s}.issuer_keys (
    tenant text COLLATE "C" NOT NULL REFERENCES ${s}.tenants (name),
    verifier_key text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint,
    PRIMARY KEY (tenant, verifier_key)
  );
  `,
  // 2: RFC 3161 timestamps of checkpoint note texts, by tree size.
  (s) => `
  CREATE TABLE ${s}.checkpoint_timestamps (
    log_id bigint NOT NULL,
    size bigint NOT NULL,
    tsa text COLLATE "C" NOT NULL,
    token bytea NOT NULL,
    gen_time bigint NOT NULL,
    PRIMARY KEY (log_id, size, tsa)
  );
  `,
  // 3: checkpointCovering, the first checkpoint whose size exceeds an index.
  (s) => `
  CREATE INDEX checkpoints_by_size ON ${s}.checkpoints (log_id, size, id);
  `,
  // 4: each commit's signed note (its creation receipt), written in the commit's own
  // transaction; NULL for commits made before this version or without a sealer.
  (s) => `
  ALTER TABLE ${s}.batches ADD COLUMN receipt text;
  `,
  // 5: a log's publishing policy (getLogPolicy), a document the caller owns; no row: none.
  (s) => `
  CREATE TABLE ${s}.log_policies (
    log_id bigint PRIMARY KEY REFERENCES ${s}.logs (id),
    policy text NOT NULL
  );
  `,
  // A log's visibility (LogConfig.visibility): logs made before it keep what they were, public.
  (s) => `
  ALTER TABLE ${s}.logs ADD COLUMN visibility text COLLATE "C" NOT NULL DEFAULT 'public';
  `,
  // Share links (AccessStore.createShareLinks): one record each, only the secret's hash stored.
  (s) => `
  CREATE TABLE ${s}.share_links (
    id text COLLATE "C" PRIMARY KEY,
    tenant text COLLATE "C" NOT NULL REFERENCES ${s}.tenants (name),
    secret_hash text COLLATE "C" NOT NULL,
    record_id text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    revoked_at bigint
  );
  CREATE INDEX share_links_by_record ON ${s}.share_links (tenant, record_id, created_at);
  `,
];
