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
  // 6: erased entries (eraseEntry): the entry row keeps its index with zero bytes; this row
  // says it was erased, and when.
  (s) => `
  CREATE TABLE ${s}.erasures (
    log_id bigint NOT NULL,
    idx bigint NOT NULL,
    erased_at bigint NOT NULL,
    PRIMARY KEY (log_id, idx)
  );
  `,
  // 7: a log's key history (keyHistory, retireKey): per retired key, the first index its
  // successor sealed and the signed handover note. Unverified data: readers check the note.
  (s) => `
  CREATE TABLE ${s}.key_history (
    log_id bigint NOT NULL REFERENCES ${s}.logs (id),
    end_idx bigint NOT NULL,
    retired_key text NOT NULL,
    note text NOT NULL,
    PRIMARY KEY (log_id, end_idx, retired_key)
  );
  `,
  // 8: no client round trip under a log's lock: places at a log's tail handed out ahead of
  // the commit (Storage.reserve), and sequencing, integration and checkpoint publication as
  // one server-side function each.
  (s) => sequencingMigration(s) + publishingMigration(s),
  // 9: a log's visibility (LogConfig.visibility): logs made before it keep what they were, public.
  (s) => `
  ALTER TABLE ${s}.logs ADD COLUMN visibility text COLLATE "C" NOT NULL DEFAULT 'public';
  `,
  // 10: share links (AccessStore.createShareLinks): one record each, only the secret's hash stored.
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
  // 11: adaptive batching: how many reserved commits wait before a new reservation.
  adaptiveMigration,
  // 12: each checkpoint's root signature (StoredCheckpoint.coseRoot, docs/scitt.md), a
  // COSE_Sign1 made when it was published; NULL for checkpoints published without one.
  coseRootMigration,
];

/**
 * `reservations`: per log, the next index and time `reserve` hands out and the epoch of the
 * open reservations. UNLOGGED (no WAL, no fsync; emptied by a crash and absent on a promoted
 * replica): it is only a hint that `reserve` rebuilds from the log row, never a source of
 * truth — every commit is still a compare-and-swap on `logs`.
 *
 * `sequence_commit(...)`: the whole of `Storage.sequence` in one statement, run by the driver
 * outside any explicit transaction, so the log's locks are held only while the server works
 * and flushes the commit — never across a client round trip. With a reservation epoch, a
 * commit whose predecessors have not landed yet waits for them (on `p_lock`, an advisory
 * lock every committer of the log holds until its commit is durable, else sleeping briefly),
 * for at most `p_wait_ms`; then it gives every open reservation up (epoch + 1) and answers
 * retry. A commit at its turn that does not commit (duplicates, time) gives them up at once,
 * so the reservations after it retry instead of waiting. Status: committed, retry (with the
 * tail), duplicates (the claims rolled back; the caller reads the stored outcomes), unknown
 * (no such log).
 */
function sequencingMigration(s: string): string {
  return `
  CREATE UNLOGGED TABLE ${s}.reservations (
    log_id bigint PRIMARY KEY,
    next bigint NOT NULL,
    time bigint NOT NULL,
    epoch bigint NOT NULL
  );
  ${sequenceCommitFunction(s, 1)}
  `;
}

/**
 * Adaptive batching: `logs.commits` counts the commits made and `reservations.tickets` the
 * commits made or reserved, so that `reserve` tells how many reserved commits wait before a
 * new one; `sequence_commit` keeps both, and sleeps 0.2–2 ms between its checks.
 */
function adaptiveMigration(s: string): string {
  return `
  ALTER TABLE ${s}.logs ADD COLUMN commits bigint NOT NULL DEFAULT 0;
  ALTER TABLE ${s}.reservations ADD COLUMN tickets bigint NOT NULL DEFAULT 0;
  ${sequenceCommitFunction(s, 2)}
  `;
}

/** `sequence_commit` as migration 6 made it (version 1) and as adaptive batching did (2). */
function sequenceCommitFunction(s: string, version: 1 | 2): string {
  const v = version === 1 ? { pause: 0.0001, maxPause: 0.001 } : { pause: 0.0002, maxPause: 0.002 };
  const tickets =
    version === 1 ? '' : `,\n          tickets = (SELECT commits FROM ${s}.logs WHERE id = p_log)`;
  const commits = version === 1 ? '' : ', commits = commits + 1';
  return `
  CREATE OR REPLACE FUNCTION ${s}.sequence_commit(
    p_log bigint, p_first bigint, p_time bigint, p_epoch bigint, p_wait_ms integer,
    p_lock_space integer,
    p_data bytea, p_starts int4[], p_lengths int4[], p_keys int8[], p_key_idx int8[],
    p_tenants text[], p_ikeys text[], p_hashes text[], p_ifirst int8[], p_icount int8[],
    p_receipt text,
    OUT o_status text, OUT o_size bigint, OUT o_time bigint
  ) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_deadline timestamptz := clock_timestamp() + p_wait_ms * interval '1 millisecond';
    v_pause double precision := ${v.pause};
    v_epoch bigint;
    v_claimed bigint;
    v_lock integer := p_log::integer;
  BEGIN
    LOOP
      -- Whoever is committing this log holds the lock until its commit is durable.
      PERFORM pg_advisory_lock_shared(p_lock_space, v_lock);
      PERFORM pg_advisory_unlock_shared(p_lock_space, v_lock);
      SELECT l.sequenced_size, l.last_time, r.epoch INTO o_size, o_time, v_epoch
        FROM ${s}.logs l LEFT JOIN ${s}.reservations r ON r.log_id = l.id WHERE l.id = p_log;
      IF NOT FOUND THEN o_status := 'unknown'; RETURN; END IF;
      IF o_size > p_first THEN o_status := 'retry'; RETURN; END IF;
      EXIT WHEN o_size = p_first OR p_epoch IS NULL;
      IF v_epoch IS DISTINCT FROM p_epoch THEN o_status := 'retry'; RETURN; END IF;
      IF clock_timestamp() >= v_deadline THEN
        UPDATE ${s}.reservations SET epoch = epoch + 1, next = o_size${tickets}
          WHERE log_id = p_log AND epoch = p_epoch;
        o_status := 'retry';
        RETURN;
      END IF;
      PERFORM pg_sleep(v_pause);
      v_pause := least(v_pause * 2, ${v.maxPause});
    END LOOP;
    PERFORM pg_advisory_xact_lock(p_lock_space, v_lock);
    SELECT sequenced_size, last_time INTO o_size, o_time FROM ${s}.logs
      WHERE id = p_log FOR UPDATE;
    IF o_size <> p_first OR o_time > p_time THEN
      IF o_size = p_first THEN
        UPDATE ${s}.reservations SET epoch = epoch + 1, next = o_size${tickets}
          WHERE log_id = p_log AND epoch = p_epoch;
      END IF;
      o_status := 'retry';
      RETURN;
    END IF;
    IF cardinality(p_tenants) > 0 THEN
      BEGIN
        INSERT INTO ${s}.idempotency
          (tenant, key, request_hash, log_id, first_idx, count, created_at)
          SELECT u.t, u.k, u.h, p_log, u.f, u.c, p_time
          FROM unnest(p_tenants, p_ikeys, p_hashes, p_ifirst, p_icount)
          WITH ORDINALITY AS u(t, k, h, f, c, o)
          ORDER BY u.o ON CONFLICT (tenant, key) DO NOTHING;
        GET DIAGNOSTICS v_claimed = ROW_COUNT;
        IF v_claimed < cardinality(p_tenants) THEN
          RAISE EXCEPTION 'an idempotency key is taken' USING ERRCODE = 'PLDUP';
        END IF;
      EXCEPTION WHEN SQLSTATE 'PLDUP' THEN
        UPDATE ${s}.reservations SET epoch = epoch + 1, next = o_size${tickets}
          WHERE log_id = p_log AND epoch = p_epoch;
        o_status := 'duplicates';
        RETURN;
      END;
    END IF;
    INSERT INTO ${s}.entries (log_id, idx, data)
      SELECT p_log, p_first + u.o - 1, substring(p_data FROM u.p FOR u.n)
      FROM unnest(p_starts, p_lengths) WITH ORDINALITY AS u(p, n, o);
    INSERT INTO ${s}.lookup (log_id, key, idx)
      SELECT p_log, u.k, u.i FROM unnest(p_keys, p_key_idx) AS u(k, i) ON CONFLICT DO NOTHING;
    INSERT INTO ${s}.batches (log_id, first_idx, time, receipt)
      VALUES (p_log, p_first, p_time, p_receipt);
    o_size := p_first + cardinality(p_starts);
    o_time := p_time;
    UPDATE ${s}.logs SET sequenced_size = o_size, last_time = o_time${commits}
      WHERE id = p_log;
    o_status := 'committed';
  END
  $fn$;
  `;
}

/**
 * `integrate_tiles(...)`: the compare-and-swap of Storage.integrate and its tiles in one
 * statement (status moved, stale, or beyond — `p_to` past the sequenced size).
 * `publish_checkpoint(...)`: that of Storage.publishCheckpoint (status published or stale).
 * Each runs outside any explicit transaction, so the log's row is locked only while the
 * server works and flushes, never across a round trip to the node.
 */
function publishingMigration(s: string): string {
  return `
  CREATE FUNCTION ${s}.integrate_tiles(
    p_log bigint, p_from bigint, p_to bigint,
    p_levels int4[], p_indexes int8[], p_data bytea, p_starts int4[], p_lengths int4[],
    OUT o_status text
  ) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_size bigint;
  BEGIN
    UPDATE ${s}.logs SET integrated_size = p_to
      WHERE id = p_log AND integrated_size = p_from
      RETURNING sequenced_size INTO v_size;
    IF NOT FOUND THEN o_status := 'stale'; RETURN; END IF;
    IF p_to > v_size THEN
      RAISE EXCEPTION 'cannot integrate beyond %', v_size USING ERRCODE = 'PLOOR';
    END IF;
    INSERT INTO ${s}.tiles (log_id, level, idx, data)
      SELECT p_log, u.l, u.i, substring(p_data FROM u.p FOR u.n)
      FROM unnest(p_levels, p_indexes, p_starts, p_lengths) AS u(l, i, p, n)
      ORDER BY u.l, u.i
      ON CONFLICT (log_id, level, idx) DO UPDATE SET data = excluded.data;
    o_status := 'moved';
  END
  $fn$;
  CREATE FUNCTION ${s}.publish_checkpoint(
    p_log bigint, p_expected text, p_size bigint, p_note text, p_published_at bigint,
    OUT o_status text
  ) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_current bigint;
    v_size bigint;
    v_note text;
    v_id bigint;
  BEGIN
    SELECT checkpoint_id INTO v_current FROM ${s}.logs WHERE id = p_log FOR UPDATE;
    -- A statement of its own: it sees the checkpoint row of the latest publication.
    SELECT size, note INTO v_size, v_note FROM ${s}.checkpoints WHERE id = v_current;
    IF v_note IS DISTINCT FROM p_expected OR p_size < v_size THEN
      o_status := 'stale';
      RETURN;
    END IF;
    INSERT INTO ${s}.checkpoints (log_id, size, note, published_at)
      VALUES (p_log, p_size, p_note, p_published_at) RETURNING id INTO v_id;
    UPDATE ${s}.logs SET checkpoint_id = v_id WHERE id = p_log;
    o_status := 'published';
  END
  $fn$;
  `;
}

/**
 * Migration 12: the `cose_root` column, and `publish_checkpoint` with a sixth parameter taking
 * it (same compare-and-swap). The five-parameter function stays, an overload: nodes of the
 * previous version keep publishing during a rolling upgrade, their checkpoints without a
 * root signature (NULL).
 */
function coseRootMigration(s: string): string {
  return `
  ALTER TABLE ${s}.checkpoints ADD COLUMN cose_root bytea;
  CREATE FUNCTION ${s}.publish_checkpoint(
    p_log bigint, p_expected text, p_size bigint, p_note text, p_published_at bigint,
    p_cose_root bytea, OUT o_status text
  ) LANGUAGE plpgsql AS $fn$
  DECLARE
    v_current bigint;
    v_size bigint;
    v_note text;
    v_id bigint;
  BEGIN
    SELECT checkpoint_id INTO v_current FROM ${s}.logs WHERE id = p_log FOR UPDATE;
    -- A statement of its own: it sees the checkpoint row of the latest publication.
    SELECT size, note INTO v_size, v_note FROM ${s}.checkpoints WHERE id = v_current;
    IF v_note IS DISTINCT FROM p_expected OR p_size < v_size THEN
      o_status := 'stale';
      RETURN;
    END IF;
    INSERT INTO ${s}.checkpoints (log_id, size, note, published_at, cose_root)
      VALUES (p_log, p_size, p_note, p_published_at, p_cose_root) RETURNING id INTO v_id;
    UPDATE ${s}.logs SET checkpoint_id = v_id WHERE id = p_log;
    o_status := 'published';
  END
  $fn$;
  `;
}
