/**
 * The witness's durable state: per log origin, the latest checkpoint it cosigned, plus the
 * evidence of misbehaviour it saw (forks, bad consistency proofs).
 *
 * SQLite (better-sqlite3) in WAL mode with synchronous=FULL: when a transaction returns, it
 * is on disk. Every compare-and-swap runs in one IMMEDIATE transaction (the write lock is
 * taken before the read), so the check of the old size and the write of the new checkpoint
 * are atomic even across processes sharing the file. A process killed at any moment leaves
 * either the previous state or the new one, never a mix and never an older one.
 */
import Database from 'better-sqlite3';

/** What the witness remembers of one log. */
export interface WitnessedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** The checkpoint note exactly as submitted (with the log's signatures). */
  readonly note: string;
  /** Milliseconds since the epoch. */
  readonly updatedAt: number;
}

/** Something the witness refused that may prove log misbehaviour. */
export interface Evidence {
  readonly origin: string;
  /** `fork`: same size, different root; `inconsistent`: the consistency proof failed. */
  readonly kind: 'fork' | 'inconsistent';
  /** The latest checkpoint the witness had cosigned, as stored. */
  readonly stored: string;
  /** The refused request body (its signature by the log verified). */
  readonly request: string;
  readonly receivedAt: number;
}

/** Evidence rows kept per origin (only the log's own key can produce evidence). */
const MAX_EVIDENCE_PER_ORIGIN = 1000;

interface CheckpointRow {
  origin: string;
  size: number;
  root: Buffer;
  note: string;
  updated_at: number;
}

interface EvidenceRow {
  origin: string;
  kind: string;
  stored: string;
  request: string;
  received_at: number;
}

export class WitnessStore {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS checkpoints (
        origin TEXT PRIMARY KEY,
        size INTEGER NOT NULL CHECK (size >= 0),
        root BLOB NOT NULL CHECK (length(root) = 32),
        note TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS evidence (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        origin TEXT NOT NULL,
        kind TEXT NOT NULL,
        stored TEXT NOT NULL,
        request TEXT NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS evidence_origin ON evidence (origin, id);
    `);
    this.stmt = {
      get: this.db.prepare<[string], CheckpointRow>('SELECT * FROM checkpoints WHERE origin = ?'),
      upsert: this.db.prepare<[string, number, Buffer, string, number]>(
        `INSERT INTO checkpoints (origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root,
           note = excluded.note, updated_at = excluded.updated_at`,
      ),
      addEvidence: this.db.prepare<[string, string, string, string, number]>(
        'INSERT INTO evidence (origin, kind, stored, request, received_at) VALUES (?, ?, ?, ?, ?)',
      ),
      trimEvidence: this.db.prepare<[string, string, number]>(
        `DELETE FROM evidence WHERE origin = ? AND id NOT IN
           (SELECT id FROM evidence WHERE origin = ? ORDER BY id DESC LIMIT ?)`,
      ),
      evidence: this.db.prepare<[string, number], EvidenceRow>(
        'SELECT * FROM evidence WHERE origin = ? ORDER BY id LIMIT ?',
      ),
    };
  }

  /** The latest checkpoint cosigned for `origin`, if any. */
  get(origin: string): WitnessedCheckpoint | undefined {
    const row = this.stmt.get.get(origin);
    return row && toCheckpoint(row);
  }

  /**
   * Runs `decide` on the current state of `origin` inside one IMMEDIATE transaction and
   * applies what it returns: `write` replaces the state, `evidence` is appended. `decide`
   * must be synchronous; whatever it returns is committed (durably) before this returns. If
   * `decide` throws, nothing is written.
   */
  update<T>(
    origin: string,
    decide: (current: WitnessedCheckpoint | undefined) => {
      readonly write?: WitnessedCheckpoint;
      readonly evidence?: Evidence;
      readonly result: T;
    },
  ): T {
    return this.db
      .transaction(() => {
        const row = this.stmt.get.get(origin);
        const outcome = decide(row && toCheckpoint(row));
        if (outcome.write) {
          const w = outcome.write;
          if (w.origin !== origin) throw new Error('a decision may only write its own origin');
          this.stmt.upsert.run(w.origin, w.size, Buffer.from(w.rootHash), w.note, w.updatedAt);
        }
        if (outcome.evidence) {
          const e = outcome.evidence;
          this.stmt.addEvidence.run(e.origin, e.kind, e.stored, e.request, e.receivedAt);
          this.stmt.trimEvidence.run(e.origin, e.origin, MAX_EVIDENCE_PER_ORIGIN);
        }
        return outcome.result;
      })
      .immediate();
  }

  /** The evidence recorded for `origin`, oldest first. */
  evidence(origin: string, limit = MAX_EVIDENCE_PER_ORIGIN): Evidence[] {
    return this.stmt.evidence.all(origin, limit).map((r) => ({
      origin: r.origin,
      kind: r.kind as Evidence['kind'],
      stored: r.stored,
      request: r.request,
      receivedAt: r.received_at,
    }));
  }

  close(): void {
    this.db.close();
  }
}

function toCheckpoint(row: CheckpointRow): WitnessedCheckpoint {
  return Object.freeze({
    origin: row.origin,
    size: row.size,
    rootHash: new Uint8Array(row.root),
    note: row.note,
    updatedAt: row.updated_at,
  });
}
