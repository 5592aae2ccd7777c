import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFileDurably, writeFileDurably } from '@proofline/files';
import { openCheckpoint, parseVerifierKey, type Checkpoint } from '@proofline/note';
import { readTilesAt, type Storage, type StoredCheckpoint } from '@proofline/storage';
import {
  equalHashes,
  proveConsistency,
  tileHashReader,
  treeHash,
  verifyConsistency,
  type HashReader,
} from '@proofline/tlog';
import { GuardError, type DatabaseState, type TreeHead } from './guard-error.js';
import { nodeEd25519Verifier } from './node-signer.js';
import {
  EMPTY_GUARD_STATE,
  formatGuardState,
  parseGuardState,
  readGuardText,
  type GuardFile,
  type GuardState,
} from './guard-state.js';

export interface CheckpointGuardOptions {
  /** This node's guard file for the log: outside the database, beside the signing key. */
  readonly path: string;
  /** The log's name (messages only). */
  readonly log: string;
  /** The log key's C2SP verifier key, from the key itself: never from the database. */
  readonly verifierKey: string;
  /**
   * The keys the log retired with the size of the last tree each signed (from a verified key
   * history): a guard written before the switch may hold one's checkpoint. Every checkpoint
   * the guard accepts from the database, or lets this node sign, is still checked with
   * `verifierKey` and for consistency with the guarded one: the new key's first checkpoint
   * must extend the last one the old key signed.
   */
  readonly retiredKeys?: readonly { readonly verifierKey: string; readonly end: number }[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const head = (size: number, root: Uint8Array): TreeHead => ({ size, root: hex(root) });
const show = (h: TreeHead) => `size ${h.size} (root ${h.root})`;

/**
 * The signer's memory of the last checkpoint it signed for one log, kept in a file outside
 * the database it signs for, so that an insider who rewrites or restores the database (but
 * has no signing key) cannot make it sign a smaller tree or a fork.
 *
 * Invariants: the file only moves forward along one consistent history; it is written
 * durably (temporary file, fsync, rename, fsync of the directory) BEFORE the checkpoint it
 * describes is published or sent to witnesses, so a crash leaves the guard at or ahead of
 * the database, never behind. A guard ahead of the database is fine (see `reconcile`) as long
 * as the database's tree still has the guarded root at the guarded size.
 *
 * Several processes may share one file (serve and append on one data directory, nodes with one
 * key directory): every write re-reads the file and writes only if it still holds the state
 * the writer checked against (`record`); the window between that re-read and the rename is a
 * few system calls, and each process also moves the guard forward to the newest checkpoint
 * signed by the log key that it finds in the database (`reconcile`).
 */
export class CheckpointGuard {
  readonly path: string;
  readonly log: string;
  private readonly file: GuardFile;
  /** The file's text as last read or written and its state (parsing verifies a signature). */
  private cached: { text: string; state: GuardState } | undefined;
  /** The guard state and database checkpoint last checked against each other in full. */
  private verified: { state: GuardState; latest: string | undefined } | undefined;

  constructor(options: CheckpointGuardOptions) {
    // node:crypto, and a lookup for the checkpoints this process signed: every publishing
    // round opens the database's latest checkpoint (see nodeEd25519Verifier).
    const verifier = nodeEd25519Verifier(options.verifierKey);
    this.path = options.path;
    this.log = options.log;
    const retired = (options.retiredKeys ?? []).map(({ verifierKey, end }) => ({
      verifier: parseVerifierKey(verifierKey),
      end,
    }));
    this.file = { path: options.path, log: options.log, origin: verifier.name, verifier, retired };
  }

  /**
   * Creates the file with the empty state ("nothing signed yet") unless it exists; for a log
   * that is new in the database. Returns whether it created it.
   */
  create(): boolean {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    return writeFileDurably(this.path, formatGuardState(this.file.origin, EMPTY_GUARD_STATE), true);
  }

  /** The guarded state; throws GuardError STATE_MISSING, STATE_UNREADABLE or STATE_CORRUPT. */
  async read(): Promise<GuardState> {
    const text = readGuardText(this.file);
    if (this.cached?.text === text) return this.cached.state;
    const state = await parseGuardState(this.file, text);
    this.cached = { text, state };
    return state;
  }

  /**
   * Checks the database against the guard; run at start-up and before every publishing
   * round. Throws GuardError ROLLBACK if the database has fewer sequenced entries than when
   * the guarded checkpoint was signed (or a latest checkpoint beyond its tiles); FORK if its
   * tree at the guarded size has another root, or its latest checkpoint is not consistent
   * with the guarded one; BAD_CHECKPOINT if that checkpoint is not signed by the log key.
   * While the tiles do not yet reach the guarded size, the tree is left to `check`.
   *
   * A latest checkpoint older than the guarded one but consistent with it is accepted: that
   * is a crash between the guard write and the publication (or a quorum of witnesses not yet
   * met), and the next checkpoint signed will extend the guarded one. A newer one, signed by
   * the log key (another node, or this one before a guard was restored from a backup) and
   * consistent, moves the guard forward to it. Returns the (possibly advanced) state.
   */
  async reconcile(storage: Storage): Promise<GuardState> {
    for (;;) {
      const state = await this.read();
      // In this order: a checkpoint read first is covered by the tiles read after it.
      const latest = await storage.latestCheckpoint(this.log);
      const integrated = await storage.integratedSize(this.log);
      const sequenced = await storage.sequencedSize(this.log);
      const checkpoint = latest && (await this.openStored(latest));
      const db: DatabaseState = {
        sequenced,
        integrated,
        ...(checkpoint ? { checkpoint: head(checkpoint.size, checkpoint.rootHash) } : {}),
      };
      const signed = head(state.size, state.rootHash);
      if (sequenced < state.sequenced) {
        throw this.refuse(
          'ROLLBACK',
          `the database holds ${sequenced} entries, fewer than the ${state.sequenced} it held ` +
            `when this node signed the checkpoint of ${show(signed)}`,
          signed,
          db,
        );
      }
      if (checkpoint && checkpoint.size > integrated) {
        throw this.refuse(
          'ROLLBACK',
          `the database's latest checkpoint (size ${checkpoint.size}) is beyond its tiles (${integrated})`,
          signed,
          db,
        );
      }
      // Tiles short of the guarded size (a copy taken before they were written): the tree is
      // checked once integrated, by `check`, before anything is signed.
      if (integrated < state.size) return state;
      if (this.verified?.state === state && this.verified.latest === latest?.note) return state;
      const reader = tileHashReader(integrated, (tiles) => readTilesAt(storage, this.log, tiles));
      const root = await treeHash(state.size, reader);
      if (!equalHashes(root, state.rootHash)) {
        throw this.refuse(
          'FORK',
          `the database's tree at size ${state.size} has root ${hex(root)}, not the root ` +
            `${signed.root} of the checkpoint this node signed`,
          signed,
          db,
        );
      }
      if (checkpoint) {
        const [older, newer] =
          checkpoint.size <= state.size ? [checkpoint, state] : [state, checkpoint];
        try {
          const proof = await proveConsistency(older.size, newer.size, reader);
          verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash);
        } catch (err) {
          throw this.refuse(
            'FORK',
            `the database's latest checkpoint, ${show(db.checkpoint!)}, is not consistent with ` +
              `the checkpoint this node signed, ${show(signed)}`,
            signed,
            db,
            err,
          );
        }
        if (checkpoint.size > state.size) {
          const next = await this.record(state, {
            size: checkpoint.size,
            rootHash: checkpoint.rootHash,
            sequenced: Math.max(state.sequenced, sequenced),
            note: latest.note,
          });
          if (next === undefined) continue; // another process moved the guard: check again
          return next;
        }
      }
      this.verified = { state, latest: latest?.note };
      return state;
    }
  }

  /**
   * Throws GuardError unless a checkpoint of `size` and `root` may be signed after `state`:
   * ROLLBACK for a smaller size, FORK for the same size with another root or a larger tree
   * that a consistency proof built from the (untrusted) tiles `reader` reads does not prove
   * to extend the guarded root.
   */
  async check(state: GuardState, size: number, root: Uint8Array, reader: HashReader) {
    const signed = head(state.size, state.rootHash);
    const proposed = show(head(size, root));
    if (size < state.size) {
      throw this.refuse(
        'ROLLBACK',
        `refusing to sign a checkpoint of ${proposed}: smaller than the checkpoint this node signed, ${show(signed)}`,
        signed,
      );
    }
    try {
      const proof = await proveConsistency(state.size, size, reader);
      verifyConsistency(state.size, size, proof, state.rootHash, root);
    } catch (err) {
      throw this.refuse(
        'FORK',
        `refusing to sign a checkpoint of ${proposed}: ` +
          (size === state.size ? 'the same size as' : 'not provably consistent with') +
          ` the checkpoint this node signed, ${show(signed)}`,
        signed,
        undefined,
        err,
      );
    }
  }

  /**
   * Durably replaces `expected` (the state last read) with `next`; call after `check` (or
   * `reconcile`'s own checks) proved, from the database's tiles, that the tree at `next.size`
   * has `next.rootHash` and extends `expected`, and before publishing `next.note` or sending
   * it to witnesses. Returns undefined, writing nothing, if the file no longer holds
   * `expected` (another process moved it). Once `next.note` is the database's latest
   * checkpoint, the next `reconcile` does not hash that tree again: it was just checked.
   * The write's system calls (two fsyncs among them) run off the event loop; it resolves once
   * the new state is durable. Calls must not overlap (a publisher's rounds never do).
   */
  async record(expected: GuardState, next: GuardState): Promise<GuardState | undefined> {
    const cached = this.cached;
    if (cached?.state !== expected || readGuardText(this.file) !== cached.text) return undefined;
    const text = formatGuardState(this.file.origin, next);
    await replaceFileDurably(this.path, text);
    this.cached = { text, state: next };
    this.verified = { state: next, latest: next.note };
    return next;
  }

  /**
   * The operator's deliberate reset: replaces the guard with the database's latest checkpoint
   * (which must be signed by the log key), or the empty state if it has none, keeping the
   * previous file's bytes in `<path>.replaced-<ms>`. Returns that copy's path, if any.
   */
  async reset(storage: Storage): Promise<{ state: GuardState; previous: string | undefined }> {
    const latest = await storage.latestCheckpoint(this.log);
    const sequenced = await storage.sequencedSize(this.log);
    const checkpoint = latest && (await this.openStored(latest));
    const state: GuardState = checkpoint
      ? { size: checkpoint.size, rootHash: checkpoint.rootHash, sequenced, note: latest.note }
      : { ...EMPTY_GUARD_STATE, sequenced };
    let previous: string | undefined;
    let old: string | undefined;
    try {
      old = readFileSync(this.path, 'utf8');
    } catch {
      // missing or unreadable: nothing to keep
    }
    if (old !== undefined) {
      previous = `${this.path}.replaced-${Date.now()}`;
      writeFileDurably(previous, old, true);
    }
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const text = formatGuardState(this.file.origin, state);
    writeFileDurably(this.path, text);
    this.cached = { text, state };
    this.verified = undefined;
    return { state, previous };
  }

  private async openStored(stored: StoredCheckpoint): Promise<Checkpoint> {
    let checkpoint: Checkpoint;
    try {
      ({ checkpoint } = await openCheckpoint(stored.note, this.file.origin, this.file.verifier));
    } catch (err) {
      throw this.refuse(
        'BAD_CHECKPOINT',
        `the database's latest checkpoint (size ${stored.size}) is not signed by the log key`,
        undefined,
        undefined,
        err,
      );
    }
    if (checkpoint.size !== stored.size) {
      throw this.refuse(
        'BAD_CHECKPOINT',
        `the database's latest checkpoint is stored as size ${stored.size} but signed for size ${checkpoint.size}`,
      );
    }
    return checkpoint;
  }

  private refuse(
    code: GuardError['code'],
    why: string,
    signed?: TreeHead,
    database?: DatabaseState,
    cause?: unknown,
  ): GuardError {
    return new GuardError(code, `log ${this.log}: ${why}`, {
      log: this.log,
      path: this.path,
      ...(signed ? { signed } : {}),
      ...(database ? { database } : {}),
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
