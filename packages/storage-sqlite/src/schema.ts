/**
 * Schema migrations, applied in order inside one IMMEDIATE transaction, tracked with
 * `PRAGMA user_version`. Migrations only ever add; a database written by a newer version
 * (user_version beyond what this code knows) is refused rather than misread.
 *
 * Space per entry (the benchmark target is entry bytes + 120 B): the entry row, one
 * 32-byte leaf hash in a level-0 tile (plus 1/256 of that above), and one lookup row (in
 * `lookup`, or in `lookup_recent` until integration moves it: lookup-merge.ts).
 */
import Database from 'better-sqlite3';
import { StorageError } from '@proofline/storage';

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL REFERENCES tenants (name),
    origin TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sequenced_size INTEGER NOT NULL DEFAULT 0,
    integrated_size INTEGER NOT NULL DEFAULT 0,
    last_time INTEGER NOT NULL DEFAULT 0,
    checkpoint_id INTEGER,
    lease_owner TEXT,
    lease_expires INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE entries (
    log_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (log_id, idx)
  ) WITHOUT ROWID;
  -- One row per sequencing transaction: maps times to index ranges.
  CREATE TABLE batches (
    log_id INTEGER NOT NULL,
    first_idx INTEGER NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY (log_id, first_idx)
  ) WITHOUT ROWID;
  CREATE INDEX batches_by_time ON batches (log_id, time, first_idx);
  CREATE TABLE lookup (
    log_id INTEGER NOT NULL,
    key INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY (log_id, key, idx)
  ) WITHOUT ROWID;
  CREATE TABLE idempotency (
    tenant TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    log_id INTEGER NOT NULL,
    first_idx INTEGER NOT NULL,
    count INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, key)
  ) WITHOUT ROWID;
  CREATE TABLE tiles (
    log_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (log_id, level, idx)
  ) WITHOUT ROWID;
  CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    log_id INTEGER NOT NULL,
    size INTEGER NOT NULL,
    note TEXT NOT NULL,
    published_at INTEGER NOT NULL
  );
  CREATE INDEX checkpoints_by_log ON checkpoints (log_id, id);
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants (name),
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    description TEXT NOT NULL,
    rate_limit INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE issuer_keys (
    tenant TEXT NOT NULL REFERENCES tenants (name),
    verifier_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    PRIMARY KEY (tenant, verifier_key)
  ) WITHOUT ROWID;
  `,
  // 2: RFC 3161 timestamps of checkpoint note texts, by tree size.
  `
  CREATE TABLE checkpoint_timestamps (
    log_id INTEGER NOT NULL,
    size INTEGER NOT NULL,
    tsa TEXT NOT NULL,
    token BLOB NOT NULL,
    gen_time INTEGER NOT NULL,
    PRIMARY KEY (log_id, size, tsa)
  ) WITHOUT ROWID;
  `,
  // 3: checkpointCovering, the first checkpoint whose size exceeds an index.
  `
  CREATE INDEX checkpoints_by_size ON checkpoints (log_id, size, id);
  `,
  // 4: each commit's signed note (its creation receipt), written in the commit's own
  // transaction; NULL for commits made before this version or without a sealer.
  `
  ALTER TABLE batches ADD COLUMN receipt TEXT;
  `,
  // 5: a log's publishing policy (getLogPolicy), a document the caller owns; no row: none.
  `
  CREATE TABLE log_policies (
    log_id INTEGER PRIMARY KEY,
    policy TEXT NOT NULL
  );
  `,
  // 6: erased entries (eraseEntry): the entry row keeps its index with zero bytes; this row
  // says it was erased, and when.
  `
  CREATE TABLE erasures (
    log_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    erased_at INTEGER NOT NULL,
    PRIMARY KEY (log_id, idx)
  ) WITHOUT ROWID;
  `,
  // 7: a log's key history (keyHistory, retireKey): per retired key, the first index its
  // successor sealed and the signed handover note. Unverified data: readers check the note.
  `
  CREATE TABLE key_history (
    log_id INTEGER NOT NULL,
    end_idx INTEGER NOT NULL,
    retired_key TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (log_id, end_idx, retired_key)
  );
  `,
  // 8: a log's visibility (LogConfig.visibility): logs made before it keep what they were, public.
  `
  ALTER TABLE logs ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
  `,
  // 9: share links (AccessStore.createShareLinks): one record each, only the secret's hash stored.
  `
  CREATE TABLE share_links (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants (name),
    secret_hash TEXT NOT NULL,
    record_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX share_links_by_record ON share_links (tenant, record_id, created_at);
  `,
  // 10: each checkpoint's root signature (StoredCheckpoint.coseRoot, docs/scitt.md), a
  // COSE_Sign1 made when it was published; NULL for checkpoints published without one.
  `
  ALTER TABLE checkpoints ADD COLUMN cose_root BLOB;
  `,
  // 11: lookup rows of recent commits, moved into \`lookup\` by integration (lookup-merge.ts).
  // A row is in one of the two tables; rows written before this version stay in \`lookup\`.
  `
  CREATE TABLE lookup_recent (
    log_id INTEGER NOT NULL,
    key INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY (log_id, key, idx)
  ) WITHOUT ROWID;
  `,
];

/**
 * Opens the database file for SqliteStorage's calling thread (WAL, synchronous=FULL, foreign
 * keys on) and brings its schema up to date in one IMMEDIATE transaction; refuses (CORRUPT) a
 * schema newer than this code.
 */
export function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new StorageError(
        'CORRUPT',
        `database schema version ${version} is newer than this Proofline (${MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
  return db;
}
