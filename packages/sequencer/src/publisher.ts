import { hostname } from 'node:os';
import {
  edgeTiles,
  integrate,
  leafHash,
  proveConsistency,
  tileHashReader,
  treeHash,
  verifyConsistency,
  TileHashCache,
  FULL_TILE_CACHE_BYTES,
  type HashChildrenInto,
  type HashReader,
} from '@proofline/tlog';
import {
  formatCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
  type Signer,
} from '@proofline/note';
import { RootSigner } from './root-signer.js';
import type { CheckpointWitnesses, WitnessingReport } from './witnessing.js';
import type { CheckpointGuard } from './guard.js';
import { CommitCheck, type RetiredKey } from './commit-check.js';
import type { CommittedLeaves } from './committed-leaves.js';
import type { ReceiptFormat } from './receipt-format.js';
import { SequencerError } from './errors.js';
import { RoundScheduler } from './round-scheduler.js';
import {
  readTilesAt,
  type LogConfig,
  type Storage,
  type StoredCheckpoint,
} from '@proofline/storage';

export interface PublisherOptions {
  /**
   * The receipt port (`receiptFormat` of @proofline/records): how each commit's stored
   * creation receipt is checked before its entries are integrated (CommitCheck).
   */
  readonly receiptFormat: ReceiptFormat;
  /**
   * The idle tick, in ms (default 500): without `trigger` calls, a round starts this long
   * after the previous one ended (lease renewal; entries sequenced by other processes, e.g.
   * other PostgreSQL nodes, are integrated on this tick or on this node's next trigger).
   */
  readonly intervalMs?: number;
  /**
   * Least time between the starts of two rounds, in ms (default 100, and at most
   * `intervalMs`): `trigger` (a commit) starts a round as soon as the previous one has ended
   * and this much time has passed since it started. It bounds the rounds, and so the
   * add-checkpoint requests each witness gets from this log, to 1000 / minIntervalMs a second.
   */
  readonly minIntervalMs?: number;
  /**
   * How long the integrate-and-sign lease lasts without renewal, in ms: how soon another
   * process takes over when this one dies (default max(1000, 5 × intervalMs)).
   */
  readonly leaseTtlMs?: number;
  /** Identity of this process in the lease (default: host:pid:random). */
  readonly owner?: string;
  /** Most entries integrated per storage transaction (default 65536). */
  readonly integrateChunk?: number;
  /** The RFC 6962 leaf hash to integrate with (default tlog's; see nodeLeafHash). */
  readonly leafHash?: (entry: Uint8Array) => Uint8Array;
  /**
   * The RFC 6962 interior-node hash to integrate with and to read each round's tree from the
   * tiles with (default tlog's; see nodeInteriorHash).
   */
  readonly interiorHash?: (left: Uint8Array, right: Uint8Array) => Uint8Array;
  /**
   * The same hash written in place (see nodeHashInto), used instead of `interiorHash` where
   * given: nothing is allocated per node of the tiles it integrates and reads.
   */
  readonly interiorHashInto?: HashChildrenInto;
  /**
   * This node's checkpoint guard for the log (see guard.ts): every round is checked against
   * it (GuardError to `onError` on a rolled-back or forked database, and nothing is signed),
   * and it is durably updated before each checkpoint is published or sent to witnesses.
   * Without one, only the database's latest checkpoint is checked against.
   */
  readonly guard?: CheckpointGuard;
  /**
   * The keys the log retired, each with the range of entries whose receipts it sealed (from
   * a verified key history): CommitCheck opens those receipts with them.
   */
  readonly retiredKeys?: readonly RetiredKey[];
  /**
   * The leaf hashes of the commits this process's sealer of the log stored
   * (`ReceiptSealer.committedLeaves()`): those entries are integrated from them instead of
   * being read back and hashed (see CommittedLeaves for what that means for an insider).
   */
  readonly committedLeaves?: CommittedLeaves;
  /** Called with errors of the background loop (it keeps running). */
  readonly onError?: (err: unknown) => void;
  /** Called after each checkpoint this process publishes. */
  readonly onPublish?: (checkpoint: StoredCheckpoint) => void;
  readonly now?: () => number;
  /**
   * Witnesses (c2sp.org/tlog-witness) that must cosign each new checkpoint, per their
   * policy, before it is published. Without a quorum the checkpoint is not published: the
   * previous (witnessed) checkpoint stays the latest and the next round tries again with
   * the then-current tree. Sequencing and receipts are not affected.
   */
  readonly witnesses?: CheckpointWitnesses;
  /** Called after every witnessing attempt (quorum met or not), e.g. to log or measure. */
  readonly onWitnessing?: (report: WitnessingReport) => void;
  /**
   * RFC 3161 time-stamping authorities, a port like `witnesses` (the CLI composes it from
   * @proofline/timestamp). After a checkpoint is published, its note text (the body the log
   * and witnesses sign) is given to each authority in parallel, in the background:
   * publication never waits for them. The token each resolves with (verified by the port)
   * is stored with `addCheckpointTimestamp`.
   * Failures go to `onError` (the authority is retried after TIMESTAMP_RETRY_MS). One request
   * per authority at a time: the latest checkpoint when it is free. A latest checkpoint
   * without a token (published before a restart, or by a process without timestamping) is
   * timestamped too.
   */
  readonly timestamping?: TimestampingOptions;
  /** Called after each token is stored. */
  readonly onTimestamp?: (report: TimestampReport) => void;
  /** Called when an authority's request fails (before the error goes to `onError`). */
  readonly onTimestampFailure?: (report: { readonly tsa: string; readonly size: number }) => void;
}

/**
 * Bound of one round's tile cache: 64 full tiles, more than a round reads (the edge tiles of
 * each level, at the new size and at the latest checkpoint's); an evicted tile is read again.
 */
const ROUND_TILE_CACHE_BYTES = 64 * FULL_TILE_CACHE_BYTES;

/** Default least time between the starts of two publishing rounds, in ms. */
const DEFAULT_MIN_INTERVAL_MS = 100;

/** How long an authority whose request failed is left alone, in ms. */
export const TIMESTAMP_RETRY_MS = 30_000;

/** An RFC 3161 token over a checkpoint's note text, as an authority returned it. */
export interface CheckpointToken {
  /** The DER TimeStampToken. */
  readonly token: Uint8Array;
  /** Its genTime, in ms since the epoch. */
  readonly genTimeMs: number;
}

/** One time-stamping authority, as the publisher sees it (a port: no RFC 3161 code here). */
export interface TimestampAuthority {
  /** Label stored with the tokens (display only; trust comes from the verifier's roots). */
  readonly name: string;
  /**
   * Requests a token over `data` and resolves only with one it verified (signature, chain
   * to the TSA's trusted roots, message imprint of `data`, nonce); rejects otherwise, and
   * bounds its own time (a request that never settles keeps the authority busy).
   */
  readonly timestamp: (data: Uint8Array) => Promise<CheckpointToken>;
}

export interface TimestampingOptions {
  readonly authorities: readonly TimestampAuthority[];
}

export interface TimestampReport {
  readonly tsa: string;
  readonly size: number;
  readonly genTimeMs: number;
}

/**
 * Integrates sequenced entries into the hash tiles and signs checkpoints for one log.
 *
 * Safety does not depend on the lease: (1) tiles are a pure function of the durable entries
 * and are written with compare-and-swap on the integrated size; (2) before signing, the new
 * root is checked to be consistent with the latest published checkpoint (a consistency
 * proof built from the stored tiles is verified against both roots), so a corrupted store
 * makes the publisher stop rather than sign a fork; (3) the checkpoint is published with
 * compare-and-swap on the previous one, so a process that was paused and lost its lease
 * cannot replace a newer checkpoint. A crash at any point leaves either the old state or
 * the new one; the next run resumes from what is stored. Before entries are integrated, each
 * commit is checked against the creation receipt stored with it (CommitCheck), so entries
 * edited in the database after they were sequenced are never integrated nor signed. With a
 * `guard`, the new root must
 * also extend the last checkpoint this node signed, as kept outside the database, and the
 * guard is written before publication: a crash in between leaves the guard ahead of the
 * database, which the next round publishes again (same size and root) or extends.
 *
 * With `witnesses`, a newly signed checkpoint is sent to the witnesses (with consistency
 * proofs built from the stored tiles) and published only once cosigned by a quorum, with
 * the cosignatures; otherwise it is not published, and the next round retries. Proof bundles
 * are built from published checkpoints only, so a bundle always carries a checkpoint that is
 * signed and, with witnesses, cosigned by a quorum: a record waits for the round that covers
 * it, witnessing included.
 *
 * Rounds (RoundScheduler): `trigger` (each commit, wired by the composition root) starts one
 * as soon as the previous round has ended and `minIntervalMs` has passed since it started;
 * otherwise one runs `intervalMs` after the last. Safety never depends on this timing.
 *
 * `signer` may be several keys of the log's origin (a key rotation, docs/keys.md): every
 * checkpoint then carries each one's signature, the first (the log's registered key) first,
 * so a verifier pinned to either key verifies it (C2SP signed-note: unknown keys are ignored).
 * The first must be the log's registered key (`log.verifierKey`): it alone also signs each new
 * checkpoint's root signature (`StoredCheckpoint.coseRoot`, root-signer.ts), from which the
 * RFC 9942 receipts of its records are assembled without signing again.
 */
export class Publisher {
  private readonly intervalMs: number;
  private readonly leaseTtlMs: number;
  private readonly owner: string;
  private readonly chunk: number;
  private readonly leafHash: (entry: Uint8Array) => Uint8Array;
  /** Checks each commit against its stored creation receipt before it is integrated. */
  private readonly commits: CommitCheck;
  private readonly now: () => number;
  /** When rounds run: `start`, `trigger`, `stop`. */
  private readonly rounds: RoundScheduler;
  /**
   * performance.now() when the last successful lease request was sent (-Infinity: the lease
   * is not known to be held), and when a request last failed (another process holds it).
   */
  private leaseAt = -Infinity;
  private leaseLostAt = -Infinity;
  /** Timestamp requests in flight, by authority name. */
  private readonly timestamping = new Map<string, Promise<void>>();
  /** Per authority: the largest size it timestamped, and when to try again after a failure. */
  private readonly timestampState = new Map<string, { done: number; retryAt: number }>();

  private readonly signers: readonly Signer[];
  /** Signs each new checkpoint's root signature (COSE) with the registered key, signers[0]. */
  private readonly rootSigner: RootSigner;

  constructor(
    private readonly storage: Storage,
    private readonly log: LogConfig,
    signer: Signer | readonly Signer[],
    private readonly options: PublisherOptions,
  ) {
    this.signers = Array.isArray(signer) ? [...signer] : [signer as Signer];
    this.intervalMs = options.intervalMs ?? 500;
    this.leaseTtlMs = options.leaseTtlMs ?? Math.max(1000, 5 * this.intervalMs);
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${crypto.randomUUID()}`;
    this.chunk = options.integrateChunk ?? 65536;
    this.leafHash = options.leafHash ?? leafHash;
    const retiredKeys = options.retiredKeys ?? [];
    this.commits = new CommitCheck(
      storage,
      { ...log, retiredKeys },
      this.leafHash,
      options.receiptFormat,
      (commit) =>
        options.onError?.(
          new SequencerError(
            'COMMIT_UNSEALED',
            `log ${log.name}: entries [${commit.start}, ${commit.end}) have no stored creation receipt; integrated without that check`,
          ),
        ),
    );
    this.now = options.now ?? Date.now;
    this.rounds = new RoundScheduler(
      () =>
        this.publish().then(
          () => undefined,
          (err: unknown) => this.options.onError?.(err),
        ),
      this.intervalMs,
      Math.min(options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS, this.intervalMs),
    );
    for (const { name } of this.signers) {
      if (name !== log.origin) {
        throw new Error(`log ${log.name}: signing key ${name} does not match origin ${log.origin}`);
      }
    }
    if (
      this.signers.length === 0 ||
      new Set(this.signers.map((s) => s.keyId)).size !== this.signers.length
    ) {
      throw new Error(`log ${log.name}: give one or more distinct signing keys`);
    }
    const registered = parseVerifierKey(log.verifierKey);
    if (registered.name !== log.origin || registered.keyId !== this.signers[0]!.keyId) {
      throw new Error(`log ${log.name}: the first signing key must be its registered key`);
    }
    this.rootSigner = new RootSigner(this.signers[0]!, registered.publicKey, log.origin);
  }

  /**
   * Runs `publish` now, then after every `trigger` (at most one round in flight, starts at
   * least `minIntervalMs` apart) and `intervalMs` after a round when nothing triggers, until
   * `stop`. Errors of a round go to `onError`.
   */
  start(): void {
    this.rounds.start();
  }

  /**
   * New entries were committed (the composition root calls this from the Sequencer's
   * `onCommit`): a round starts as soon as the bounds above allow. Calls during a round add
   * up to one follow-up round. A no-op unless started.
   */
  trigger(): void {
    // Another process held the lease at the last attempt: only the idle tick tries again, so
    // nodes without the lease do not add a lease write per commit.
    if (performance.now() - this.leaseLostAt < this.intervalMs) return;
    this.rounds.trigger();
  }

  /** Resolves when the round in flight (if any) has ended, whatever its outcome. */
  async idle(): Promise<void> {
    await this.rounds.idle();
  }

  /** Stops the loop, waits for the run in flight, and hands the lease back. */
  async stop(): Promise<void> {
    await this.rounds.stop();
    await this.timestampsSettled();
    this.leaseAt = -Infinity;
    await this.storage.releaseLease(this.log.name, this.owner);
  }

  /**
   * One round: take the lease, integrate everything sequenced, and sign a checkpoint if the
   * tree grew. Returns the checkpoint it published, or undefined (no lease, no growth,
   * another process published first, or the witnesses' quorum was not met).
   */
  async publish(): Promise<StoredCheckpoint | undefined> {
    const name = this.log.name;
    const guard = this.options.guard;
    // Every node checks, lease or not: a rolled-back database is reported by all of them.
    const guarded = guard && { guard, state: await guard.reconcile(this.storage) };
    if (!(await this.holdLease())) return undefined;
    const integrated = await this.integrateAll();
    if (integrated === undefined) return undefined; // lost the lease while catching up
    const { size, sequenced } = integrated;
    const latest = await this.storage.latestCheckpoint(name);
    if (latest && latest.size >= size) {
      this.timestamp(latest); // e.g. published before a restart, or by a process without TSAs
      return undefined;
    }

    // The round's reads of the tree (its root, the consistency proofs for the latest
    // checkpoint, the guard and the witnesses) share one expansion of each tile they touch:
    // the same hashes, each computed once per round. Nothing is kept across rounds.
    const { interiorHash, interiorHashInto } = this.options;
    const cache = new TileHashCache(ROUND_TILE_CACHE_BYTES, {
      ...(interiorHash === undefined ? {} : { hashChildren: interiorHash }),
      ...(interiorHashInto === undefined ? {} : { hashChildrenInto: interiorHashInto }),
    });
    const reader: HashReader = tileHashReader(
      size,
      (tiles) => readTilesAt(this.storage, name, tiles),
      { cache },
    );
    const root = await treeHash(size, reader);
    if (latest) {
      const previous = parseCheckpoint(parseNote(latest.note).text);
      if (previous.origin !== this.log.origin || previous.size !== latest.size) {
        throw new Error(`log ${name}: the stored latest checkpoint does not describe this log`);
      }
      // Throws (and so refuses to sign) unless the new tree extends the published one.
      const proof = await proveConsistency(previous.size, size, reader);
      verifyConsistency(previous.size, size, proof, previous.rootHash, root);
    }
    const text = formatCheckpoint({
      origin: this.log.origin,
      size,
      rootHash: root,
      extensions: [],
    });
    if (guarded) await guarded.guard.check(guarded.state, size, root, reader);
    let note = await signNote(text, this.signers);
    // Signed here, past the guard's check, never for a checkpoint read back from storage.
    const coseRoot = await this.rootSigner.sign(root);
    // Durable before anyone outside this process sees the checkpoint.
    if (
      guarded &&
      !(await guarded.guard.record(guarded.state, { size, rootHash: root, sequenced, note }))
    ) {
      return undefined; // another process moved the guard meanwhile: the next round rechecks
    }
    if (this.options.witnesses) {
      const cosigned = await this.witness(note, size, reader, latest);
      if (cosigned === undefined) return undefined;
      note = cosigned;
    }
    const next: StoredCheckpoint = { size, note, publishedAt: this.now(), coseRoot };
    if (!(await this.storage.publishCheckpoint(name, latest, next))) return undefined;
    this.options.onPublish?.(next);
    this.timestamp(next);
    return next;
  }

  /** Resolves once no timestamp request is in flight. */
  async timestampsSettled(): Promise<void> {
    while (this.timestamping.size > 0) await Promise.all(this.timestamping.values());
  }

  /**
   * Starts, in the background, timestamping the latest checkpoint `cp` with every authority
   * that has not timestamped it (or a later one) yet: one request per authority at a time;
   * a checkpoint newer than the one in flight is taken up by a later round; after a failure
   * the authority is left alone for TIMESTAMP_RETRY_MS. A checkpoint published before (by
   * another process, or before a restart) is looked up in storage first.
   */
  private timestamp(cp: StoredCheckpoint): void {
    const config = this.options.timestamping;
    if (!config) return;
    let data: Uint8Array | undefined;
    for (const tsa of config.authorities) {
      if (this.timestamping.has(tsa.name)) continue;
      const state = this.timestampState.get(tsa.name) ?? { done: -1, retryAt: 0 };
      if (state.done >= cp.size || this.now() < state.retryAt) continue;
      data ??= new TextEncoder().encode(parseNote(cp.note).text);
      const text = data;
      const size = cp.size;
      const task = (async () => {
        const stored = await this.storage.checkpointTimestamps(this.log.name, size);
        if (!stored.some((t) => t.tsa === tsa.name)) {
          const { token, genTimeMs } = await tsa.timestamp(text);
          await this.storage.addCheckpointTimestamp(
            this.log.name,
            size,
            tsa.name,
            token,
            genTimeMs,
          );
          this.options.onTimestamp?.({ tsa: tsa.name, size, genTimeMs });
        }
        this.timestampState.set(tsa.name, { done: size, retryAt: 0 });
      })()
        .catch((err: unknown) => {
          this.options.onTimestampFailure?.({ tsa: tsa.name, size });
          this.timestampState.set(tsa.name, {
            done: state.done,
            retryAt: this.now() + TIMESTAMP_RETRY_MS,
          });
          this.options.onError?.(
            new Error(
              `log ${this.log.name}: timestamping checkpoint ${size} with ${tsa.name} failed`,
              { cause: err },
            ),
          );
        })
        .finally(() => this.timestamping.delete(tsa.name));
      this.timestamping.set(tsa.name, task);
    }
  }

  /**
   * Has the witnesses cosign `note` (the checkpoint of the tree of `size` that `reader`
   * reads); returns the cosigned note, or undefined if the quorum was not met.
   */
  private async witness(
    note: string,
    size: number,
    reader: HashReader,
    latest: StoredCheckpoint | undefined,
  ): Promise<string | undefined> {
    const started = performance.now();
    const outcome = await this.options.witnesses!.cosign({
      note,
      prove: (oldSize) =>
        oldSize === 0 || oldSize === size
          ? Promise.resolve([])
          : proveConsistency(oldSize, size, reader),
      ...(latest ? { previous: latest.note } : {}),
    });
    const report: WitnessingReport = {
      size,
      satisfied: outcome.satisfied,
      cosigned: outcome.cosigned,
      failures: outcome.results
        .filter((r) => !r.ok)
        .map((r) => `${r.witness}: ${r.error ?? 'failed'}`),
      failed: outcome.results.filter((r) => !r.ok).map((r) => r.witness),
      ms: performance.now() - started,
    };
    this.options.onWitnessing?.(report);
    if (!outcome.satisfied) return undefined;
    // The witnesses may only add signatures: the text and the log's signature must stay.
    const cosigned = parseNote(outcome.note);
    const signed = parseNote(note);
    const logSignature = signed.signatures[0]!;
    if (
      cosigned.text !== signed.text ||
      !cosigned.signatures.some(
        (s) =>
          s.name === logSignature.name &&
          s.keyId === logSignature.keyId &&
          Buffer.from(s.signature).equals(logSignature.signature),
      )
    ) {
      throw new Error(`log ${this.log.name}: the witnesses changed the checkpoint`);
    }
    return outcome.note;
  }

  /**
   * Takes or renews the lease; true if this process holds it. A lease renewed less than a
   * quarter of its TTL ago (by this process's monotonic clock, which also counts a pause) is
   * not renewed again unless `renew`: it has at least three quarters of its TTL left on the
   * database's clock, and a round saves a write. Safety never depends on the lease (see
   * the class comment); it only keeps other processes from doing the same work.
   */
  private async holdLease(renew = false): Promise<boolean> {
    const sent = performance.now();
    if (!renew && sent - this.leaseAt < this.leaseTtlMs / 4) return true;
    if (await this.storage.acquireLease(this.log.name, this.owner, this.leaseTtlMs)) {
      this.leaseAt = sent;
      return true;
    }
    this.leaseAt = -Infinity;
    this.leaseLostAt = performance.now();
    this.rounds.dropTriggers(); // commits during this round: the holder publishes them
    return false;
  }

  /**
   * Integrates every sequenced entry into the tiles; returns the integrated size and the
   * sequenced size it read, or undefined if the lease was lost in between.
   */
  /**
   * `known` (the leaf hashes of [from, from + known.length), CommittedLeaves.take) with each
   * stretch it lacks read from storage and hashed: only the entries this process's sealer
   * did not hash (e.g. a commit stored while its answer was still on its way here).
   */
  private async readGaps(
    name: string,
    from: number,
    known: (Uint8Array | undefined)[],
  ): Promise<Uint8Array[]> {
    for (let i = 0; i < known.length;) {
      if (known[i] !== undefined) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < known.length && known[end] === undefined) end++;
      const read = await this.storage.readEntries(name, from + i, from + end);
      read.forEach((entry, k) => (known[i + k] = this.leafHash(entry)));
      i = end;
    }
    return known as Uint8Array[];
  }

  private async integrateAll(): Promise<{ size: number; sequenced: number } | undefined> {
    const name = this.log.name;
    let from = await this.storage.integratedSize(name);
    const target = await this.storage.sequencedSize(name);
    while (from < target) {
      const to = Math.min(target, from + this.chunk);
      const held = this.options.committedLeaves;
      // Each commit in `sealed` lies whole in [from, to), so `take` answers all its leaves:
      // only leaves the sealer hashed itself are vouched for by the notes it sealed.
      const sealed = held?.sealed(from, to);
      const leaves = held
        ? await this.readGaps(name, from, held.take(from, to))
        : (await this.storage.readEntries(name, from, to)).map(this.leafHash);
      await this.commits.check(from, to, leaves, sealed);
      const edge = edgeTiles(from);
      const edgeData = await readTilesAt(this.storage, name, edge);
      const byLevel = new Map(edge.map((t, i) => [t.level, edgeData[i]!]));
      const updates = integrate(
        from,
        (level) => byLevel.get(level) ?? new Uint8Array(0),
        leaves,
        this.options.interiorHash,
        this.options.interiorHashInto,
      );
      const tiles = updates.map((u) => ({
        level: u.tile.level,
        index: u.tile.index,
        data: u.data,
      }));
      if (await this.storage.integrate(name, from, to, tiles)) {
        from = to;
      } else {
        from = await this.storage.integratedSize(name); // another process integrated meanwhile
      }
      // Long catch-ups renew the lease between chunks so that no one else starts over.
      if (from < target && !(await this.holdLease(true))) return undefined;
    }
    return { size: from, sequenced: Math.max(target, from) };
  }
}
