import type {
  CommitAnswer,
  Idempotency,
  IdempotentOutcome,
  LogTail,
  Storage,
} from '@proofline/storage';
import { MAX_ENTRY_SIZE, isLookupKey } from '@proofline/storage/checks';
import { SequencerError } from './errors.js';
import type { ReceiptSealer, SealSession, SealedCommit } from './receipt-sealer.js';

export { MAX_ENTRY_SIZE };

/**
 * How often one batch is rebuilt (and re-sealed) for a moved tail before it fails with
 * CONTENDED. Each retry means another writer committed in between, so the log progressed.
 */
const MAX_ATTEMPTS = 32;

export interface SequencerOptions {
  /** Most entries committed in one transaction (default 4096). */
  readonly maxBatchSize?: number;
  /**
   * Longest the first entry of a batch waits for company, in ms (default 0: the batch is
   * committed on the next event-loop turn; entries that arrive while a commit is in flight
   * form the next batch, so batches grow with load on their own).
   */
  readonly maxBatchDelayMs?: number;
  /** Entries waiting for a commit beyond which appends are refused with OVERLOADED (default 65536). */
  readonly maxPending?: number;
  /** The clock that proposes each batch's time (default Date.now). */
  readonly now?: () => number;
  /**
   * Most batches handed to storage before the first of them has committed (default 1). With
   * 2, the next batch is sent while one commits, so a storage whose commits run off the event
   * loop (SQLite's writer thread, PostgreSQL) is never left idle between commits. Each batch
   * is still one atomic transaction; storage serialises them, in the order sent.
   */
  readonly maxInFlight?: number;
  /**
   * Entries at which a batch is handed to storage at once, from the append that brought it
   * there, when storage has nothing in flight (default: never; every batch waits for the end
   * of the event-loop turn). Storage then commits while the rest of the turn's requests are
   * still being read, instead of idling until they all are; later entries form the next
   * batch. Batches stay atomic and in order; only where the first one ends changes. Ignored
   * with a storage that reserves (shared by several processes): there commits wait their turn
   * behind other processes' on the database's flush, and a burst split early takes two.
   */
  readonly eagerBatchSize?: number;
  /**
   * Seals every commit's creation receipt into its storage transaction (the results'
   * `receipt`); without one, commits store no receipt. One sealer per log per process.
   */
  readonly sealer?: ReceiptSealer;
  /**
   * Called after every storage transaction, committed or failed (e.g. to measure it); must
   * not throw. Not called for appends refused before they were queued.
   */
  readonly onCommit?: (report: CommitReport) => void;
}

/** One storage transaction of the sequencer, as `onCommit` hears of it. */
export interface CommitReport {
  /** Entries in the batch (idempotent groups that were replayed included). */
  readonly entries: number;
  /** Entries the commit sequenced: `entries` less the replayed groups', 0 if it failed. */
  readonly sequenced: number;
  readonly groups: number;
  /** From handing the batch to storage to its settling, in ms. */
  readonly ms: number;
  /** Whether it committed. */
  readonly ok: boolean;
}

/** What a group's `build` returns: its entries, and what the caller wants back with them. */
export interface BuiltGroup<R> {
  readonly entries: readonly Uint8Array[];
  /** Handed back unchanged in the group's result (e.g. the records behind the entries). */
  readonly built: R;
}

/**
 * A caller's group: `count` entries made by `build` once the batch's time is fixed. `build`
 * runs outside any storage transaction, must be pure and return exactly `count` entries of
 * at most MAX_ENTRY_SIZE bytes; it runs again if the batch is retried for a later time.
 */
export interface PendingGroup<R = unknown> {
  readonly count: number;
  /** Per entry, a lookup key (integer, 0 ≤ key < 2^48) for Storage.findByLookupKey. */
  readonly lookupKeys?: readonly number[];
  /** Used once per tenant: a later group with the same key gets the first one's outcome. */
  readonly idempotency?: Idempotency;
  build(timeMs: number): BuiltGroup<R>;
}

/** One storage commit as the sequencer made it: shared by the results of all its groups. */
export interface Commit {
  readonly first: number;
  readonly timeMs: number;
  /** Every entry it stored, in index order (from `first`). */
  readonly entries: readonly Uint8Array[];
  /** With a sealer: the note stored with the commit, its leaf hashes and tree. */
  readonly sealed?: SealedCommit;
}

/** A group's outcome: sequenced in `commit`, or a duplicate of its idempotency key's use. */
export type GroupResult<R = unknown> =
  | {
      readonly status: 'sequenced';
      readonly first: number;
      readonly count: number;
      readonly timeMs: number;
      /** The note stored with the commit (with a sealer). */
      readonly receipt?: string;
      readonly built: R;
      readonly commit: Commit;
    }
  | ({ readonly status: 'duplicate' } & IdempotentOutcome);

interface Waiting {
  readonly group: PendingGroup;
  resolve(result: GroupResult): void;
  reject(err: unknown): void;
}

/** A batch handed to storage and not yet settled: the end and time it last proposed. */
interface Flight {
  end: number;
  timeMs: number;
  readonly done: Promise<void>;
}

/**
 * Groups appends from many concurrent callers into batches and sequences each batch in one
 * durable storage commit. A caller hears its indices only after that commit; if it fails,
 * every caller in the batch gets the error and none of its entries exists. The entries of
 * one group always share a commit and get consecutive indices.
 *
 * The write path, for every driver: the batch is proposed at the log's tail as this process
 * knows it (read from storage once, then kept from its own commits; a batch sent while
 * others are in flight follows the last of them) at max(now, the tail's time); its groups
 * are built for that time and the commit sealed, outside any transaction; storage commits
 * it only if the tail is still that (compare-and-swap). On `retry` (another writer
 * committed) the batch is rebuilt and re-sealed for the actual tail; on `duplicates` the
 * groups whose idempotency key is stored get that outcome and the others are retried.
 * With a storage that reserves (Storage.reserve: shared by several processes), each attempt
 * is proposed at the place and time reserved for it instead, and a `retry` reserves again.
 *
 * Memory is bounded: at most `maxPending` entries wait; beyond that appends are refused with
 * OVERLOADED (retry later) instead of queueing.
 */
export class Sequencer {
  private readonly maxBatchSize: number;
  private readonly maxBatchDelayMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private readonly eagerBatchSize: number;
  private readonly sealer: ReceiptSealer | undefined;
  private readonly onCommit: ((report: CommitReport) => void) | undefined;
  private queue: Waiting[] = [];
  private pending = 0;
  /** Batches handed to storage and not yet settled. */
  private inFlight = 0;
  /** The scheduled commit: an immediate one, or a delayed one that a full batch may advance. */
  private scheduled:
    { kind: 'immediate' } | { kind: 'delayed'; handle: ReturnType<typeof setTimeout> } | undefined;
  private closed = false;
  private readonly drainWaiters: (() => void)[] = [];
  /** The log's tail as this process last learned it; undefined: read it from storage. */
  private tail: LogTail | undefined;
  /** Batches handed to storage and not yet settled, in the order they were first proposed. */
  private readonly flights: Flight[] = [];
  /** Reserved commits waiting before this process's last reservation (Reservation.ahead). */
  private ahead = 0;
  /** Settles once the last batch made its first proposal (first proposals are in order). */
  private proposing: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    readonly log: string,
    options: SequencerOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 4096;
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? 0;
    this.maxPending = options.maxPending ?? 65536;
    this.now = options.now ?? Date.now;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.eagerBatchSize =
      storage.reserve === undefined ? (options.eagerBatchSize ?? Infinity) : Infinity;
    this.sealer = options.sealer;
    this.onCommit = options.onCommit;
  }

  /** Entries accepted and not yet committed or failed (at most `maxPending`). */
  get backlog(): number {
    return this.pending;
  }

  /** Whether its commits are sealed (store a creation receipt): it was given a sealer. */
  get seals(): boolean {
    return this.sealer !== undefined;
  }

  /** Appends one entry; resolves with its index once durably sequenced. */
  async append(entry: Uint8Array): Promise<number> {
    return this.appendBatch([entry]);
  }

  /** Appends entries atomically; resolves with the first index once durably sequenced. */
  async appendBatch(entries: readonly Uint8Array[]): Promise<number> {
    for (const [i, entry] of entries.entries()) {
      if (entry.length > MAX_ENTRY_SIZE) {
        throw new SequencerError(
          'ENTRY_TOO_LARGE',
          `entry ${i} is ${entry.length} bytes; entries are at most ${MAX_ENTRY_SIZE} bytes`,
        );
      }
    }
    const result = await this.appendGroup({
      count: entries.length,
      build: () => ({ entries, built: undefined }),
    });
    if (result.status !== 'sequenced') throw new Error('unreachable: no idempotency key');
    return result.first;
  }

  /**
   * Queues a group for the next batch (its lookup keys are checked here: SequencerError
   * INVALID_GROUP). Resolves with its result and the commit it was part of.
   */
  appendGroup<R>(group: PendingGroup<R>): Promise<GroupResult<R>> {
    const keys = group.lookupKeys;
    if (keys && (keys.length !== group.count || !keys.every(isLookupKey))) {
      return Promise.reject(
        new SequencerError('INVALID_GROUP', 'one lookup key (0 ≤ key < 2^48) per entry'),
      );
    }
    if (this.closed) {
      return Promise.reject(
        new SequencerError('CLOSED', 'the log is shutting down', {
          details: { retryAfterSeconds: 1 },
        }),
      );
    }
    if (group.count > this.maxPending) {
      return Promise.reject(
        new SequencerError(
          'BATCH_TOO_LARGE',
          `${group.count} entries at once exceed the backlog of ${this.maxPending}`,
        ),
      );
    }
    if (this.pending + group.count > this.maxPending) {
      return Promise.reject(
        new SequencerError('OVERLOADED', 'too many entries are waiting to be sequenced', {
          details: { retryAfterSeconds: 1 },
        }),
      );
    }
    return new Promise<GroupResult<R>>((resolve, reject) => {
      this.queue.push({ group, resolve: resolve as (r: GroupResult) => void, reject });
      this.pending += group.count;
      this.schedule();
    });
  }

  /** Refuses new entries and resolves once every accepted entry has been committed or failed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    // Adaptive batching when processes share the log (a storage that reserves): while at
    // least maxInFlight commits were waiting before this process's last reservation, it
    // adds no batch to those it has in flight, so its requests gather into fewer, larger
    // commits instead of lengthening the log's queue (commits follow each other at the
    // database's flush rate, whoever sends them).
    if (this.inFlight > 0 && this.ahead >= this.maxInFlight) return;
    if (this.inFlight === 0 && this.pending >= this.eagerBatchSize) {
      void this.commit(); // a scheduled commit takes what comes after, or finds nothing
      return;
    }
    const full = this.pending >= this.maxBatchSize || this.maxBatchDelayMs === 0;
    if (this.scheduled?.kind === 'immediate') return;
    if (this.scheduled?.kind === 'delayed') {
      if (!full) return;
      clearTimeout(this.scheduled.handle);
    }
    if (full) {
      // Next event-loop turn: after the I/O callbacks that are queueing more entries.
      setImmediate(() => {
        this.scheduled = undefined;
        void this.commit();
      });
      this.scheduled = { kind: 'immediate' };
    } else {
      const handle = setTimeout(() => {
        this.scheduled = undefined;
        void this.commit();
      }, this.maxBatchDelayMs);
      this.scheduled = { kind: 'delayed', handle };
    }
  }

  /**
   * Whether storage holds `sealed`, the last seal of a `sequence` call that rejected (its
   * commit may have landed with the answer lost): read back from storage; a read that fails
   * answers true, which keeps those indices from ever being sealed again in this process.
   */
  private async wasStored(sealed: SealedCommit | undefined): Promise<boolean> {
    if (sealed === undefined) return false;
    try {
      if ((await this.storage.sequencedSize(this.log)) <= sealed.first) return false;
      return (await this.storage.commitRange(this.log, sealed.first)).receipt === sealed.note;
    } catch {
      return true;
    }
  }

  private async commit(): Promise<void> {
    if (this.queue.length === 0) return; // an eager commit took the batch
    const batch: Waiting[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (count === 0 || count + this.queue[0]!.group.count <= this.maxBatchSize)
    ) {
      const waiting = this.queue.shift()!;
      batch.push(waiting);
      count += waiting.group.count;
    }
    this.inFlight++;
    let land!: () => void;
    const flight: Flight = { end: 0, timeMs: 0, done: new Promise((r) => (land = r)) };
    const ahead = [...this.flights];
    this.flights.push(flight);
    const proposed = this.proposing;
    let firstProposal!: () => void;
    this.proposing = new Promise((r) => (firstProposal = r));
    this.schedule(); // a batch beyond maxBatchSize, while another may be in flight
    const sealing = this.sealer?.session();
    const started = performance.now();
    let ok = false;
    let sequenced = 0;
    try {
      await proposed;
      const results = await this.sequenceBatch(batch, flight, ahead, sealing, firstProposal);
      ok = true;
      batch.forEach((w, i) => {
        if (results[i]!.status === 'sequenced') sequenced += w.group.count;
      });
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      firstProposal();
      sealing?.settle('dropped'); // no-op unless the last seal was neither stored nor failed
      this.flights.splice(this.flights.indexOf(flight), 1);
      land();
      this.onCommit?.({
        entries: count,
        sequenced,
        groups: batch.length,
        ms: performance.now() - started,
        ok,
      });
      this.pending -= count;
      this.inFlight--;
      if (this.queue.length > 0) this.schedule();
      else if (this.closed && this.inFlight === 0) {
        this.drainWaiters.splice(0).forEach((resolve) => resolve());
      }
    }
  }

  /**
   * Commits `batch` (see the class comment) and returns each group's result. `ahead` are the
   * batches sent before it that may still be in flight: it is proposed after them, and when
   * it must retry it first waits for them to settle and reads the tail afresh.
   */
  private async sequenceBatch(
    batch: readonly Waiting[],
    flight: Flight,
    ahead: readonly Flight[],
    sealing: SealSession | undefined,
    proposed: () => void,
  ): Promise<GroupResult[]> {
    const results: (GroupResult | undefined)[] = batch.map(() => undefined);
    // A group repeating the idempotency key of an earlier group of the batch is not sent:
    // it gets that group's outcome.
    const leaders = new Map<string, number>();
    const repeats = new Map<number, number>();
    let live: number[] = [];
    batch.forEach((w, i) => {
      const idem = w.group.idempotency;
      const key = idem && `${idem.tenant}\u0000${idem.key}`;
      const leader = key === undefined ? undefined : leaders.get(key);
      if (leader !== undefined) repeats.set(i, leader);
      else {
        if (key !== undefined) leaders.set(key, i);
        live.push(i);
      }
    });
    // A storage that reserves (shared by several processes) hands each attempt its place.
    const reserving = this.storage.reserve !== undefined;
    let tail = reserving
      ? { size: 0, timeMs: 0 }
      : (this.tail ??= await this.storage.tail(this.log));
    let waiting = ahead.filter((f) => this.flights.includes(f));
    for (let attempt = 0; live.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        throw new SequencerError('CONTENDED', 'other writers kept moving the log; try again', {
          details: { retryAfterSeconds: 1 },
        });
      }
      const place = reserving
        ? await this.storage.reserve!(
            this.log,
            live.reduce((n, i) => n + batch[i]!.group.count, 0),
            this.now(),
          )
        : undefined;
      this.ahead = place?.ahead ?? 0;
      const first = place?.first ?? Math.max(tail.size, ...waiting.map((f) => f.end));
      const timeMs =
        place?.timeMs ?? Math.max(this.now(), tail.timeMs, ...waiting.map((f) => f.timeMs));
      const built = live.map((i) => this.build(batch[i]!.group, timeMs));
      const entries = built.flatMap((b) => b.entries);
      // A SyncSigner's note comes back as is: no await (no microtask) on the fast path.
      const sealed = sealing?.seal({ first, timeMs, entries });
      let receipt: string | undefined;
      if (typeof sealed === 'object') {
        try {
          receipt = await sealed;
        } catch (err) {
          // Refused when the asynchronous signature came back: a commit of this process stored
          // meanwhile covers this proposal. Nothing was sent: propose afresh behind this
          // process's own tail (a rolled-back storage is refused again before any signing).
          if (!(err instanceof SequencerError && err.code === 'INDEX_ALREADY_SEALED')) throw err;
          if (reserving) continue; // the next attempt reserves afresh
          await Promise.all(waiting.map((f) => f.done));
          waiting = [];
          const stored = await this.storage.tail(this.log);
          tail = this.tail = this.tail && this.tail.size > stored.size ? this.tail : stored;
          continue;
        }
      } else receipt = sealed;
      flight.end = first + entries.length;
      flight.timeMs = timeMs;
      proposed();
      let answer: CommitAnswer;
      try {
        answer = await this.storage.sequence(this.log, {
          first,
          timeMs,
          groups: live.map((i, j) => {
            const { lookupKeys, idempotency } = batch[i]!.group;
            return {
              entries: built[j]!.entries,
              ...(lookupKeys ? { lookupKeys } : {}),
              ...(idempotency ? { idempotency } : {}),
            };
          }),
          ...(receipt === undefined ? {} : { receipt }),
          ...(place ? { epoch: place.epoch } : {}),
        });
      } catch (err) {
        this.tail = undefined;
        if (sealing) {
          sealing.settle('unknown');
          sealing.resolve(await this.wasStored(sealing.sealed()));
        }
        throw err;
      }
      if (answer.status === 'committed') {
        sealing?.settle('stored');
        if (this.tail === undefined || flight.end > this.tail.size) {
          this.tail = { size: flight.end, timeMs };
        }
        const stored = sealing?.sealed();
        const commit: Commit = { first, timeMs, entries, ...(stored ? { sealed: stored } : {}) };
        let at = first;
        live.forEach((i, j) => {
          const count = built[j]!.entries.length;
          results[i] = {
            status: 'sequenced',
            first: at,
            count,
            timeMs,
            ...(receipt === undefined ? {} : { receipt }),
            built: built[j]!.built,
            commit,
          };
          at += count;
        });
        break;
      }
      if (answer.status === 'duplicates') {
        live = live.filter((i, j) => {
          const used = answer.outcomes[j];
          if (used) results[i] = { status: 'duplicate', ...used };
          return !used;
        });
        continue; // at the same tail, without them
      }
      if (reserving) continue; // the next attempt reserves afresh
      if (waiting.length > 0) {
        await Promise.all(waiting.map((f) => f.done));
        waiting = [];
        tail = this.tail = await this.storage.tail(this.log);
      } else {
        tail = this.tail = answer.tail;
      }
    }
    for (const [i, leader] of repeats) {
      const r = results[leader]!;
      results[i] =
        r.status === 'duplicate'
          ? r
          : {
              status: 'duplicate',
              requestHash: batch[leader]!.group.idempotency!.requestHash,
              log: this.log,
              first: r.first,
              count: r.count,
            };
    }
    return results as GroupResult[];
  }

  /** The group's entries for `timeMs`, checked against its promise (count and sizes). */
  private build(group: PendingGroup, timeMs: number): BuiltGroup<unknown> {
    const built = group.build(timeMs);
    if (built.entries.length !== group.count) {
      throw new SequencerError(
        'INVALID_GROUP',
        `a group built ${built.entries.length} entries instead of ${group.count}`,
      );
    }
    for (const e of built.entries) {
      if (e.length > MAX_ENTRY_SIZE) {
        throw new SequencerError('ENTRY_TOO_LARGE', `an entry of ${e.length} bytes was built`);
      }
    }
    return built;
  }
}
