/**
 * Schema migrations, applied in order inside one IMMEDIATE transaction, tracked with
 * `PRAGMA user_version`. Migrations only ever add; a database written by a newer version
 * (user_version beyond what this code knows) is refused rather than misread.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sequenced_size INTEGER NOT NULL DEFAULT 0,
    integrated_size INTEGER NOT NULL DEFAULT 0,
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
  `,
];
