import { hostname } from 'node:os';
import {
  edgeTiles,
  integrate,
  leafHash,
  proveConsistency,
  tileHashReader,
  treeHash,
  verifyConsistency,
  type HashReader,
} from '@proofline/tlog';
import {
  formatCheckpoint,
  parseCheckpoint,
  parseNote,
  signNote,
  type Signer,
} from '@proofline/note';
import type { CheckpointWitnesses, WitnessingReport } from './witnessing.js';
import {
  readTilesAt,
  type LogConfig,
  type Storage,
  type StoredCheckpoint,
} from '@proofline/storage';

export interface PublisherOptions {
  /** Shortest time between two checkpoints, in ms (default 500). */
  readonly intervalMs?: number;
  /**
   * How long the integrate-and-sign lease lasts without renewal, in ms: how soon another
   * process takes over when this one dies (default max(1000, 5 × intervalMs)).
   */
  readonly leaseTtlMs?: number;
  /** Identity of this process in the lease (default: host:pid:random). */
  readonly owner?: string;
  /** Most entries integrated per storage transaction (default 65536). */
  readonly integrateChunk?: number;
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
 * the new one; the next run resumes from what is stored.
 *
 * With `witnesses`, a newly signed checkpoint is sent to the witnesses (with consistency
 * proofs built from the stored tiles) and published only once cosigned by a quorum, with
 * the cosignatures; otherwise it is not published, and the next round retries.
 */
export class Publisher {
  private readonly intervalMs: number;
  private readonly leaseTtlMs: number;
  private readonly owner: string;
  private readonly chunk: number;
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly storage: Storage,
    private readonly log: LogConfig,
    private readonly signer: Signer,
    private readonly options: PublisherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 500;
    this.leaseTtlMs = options.leaseTtlMs ?? Math.max(1000, 5 * this.intervalMs);
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${crypto.randomUUID()}`;
    this.chunk = options.integrateChunk ?? 65536;
    this.now = options.now ?? Date.now;
    if (signer.name !== log.origin) {
      throw new Error(
        `log ${log.name}: signing key ${signer.name} does not match origin ${log.origin}`,
      );
    }
  }

  /** Runs `publish` every intervalMs until `stop`. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      this.running = this.publish()
        .catch((err) => this.options.onError?.(err))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    tick();
  }

  /** Stops the loop, waits for the run in flight, and hands the lease back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.storage.releaseLease(this.log.name, this.owner);
  }

  /**
   * One round: take the lease, integrate everything sequenced, and sign a checkpoint if the
   * tree grew. Returns the checkpoint it published, or undefined (no lease, no growth,
   * another process published first, or the witnesses' quorum was not met).
   */
  async publish(): Promise<StoredCheckpoint | undefined> {
    const name = this.log.name;
    if (!(await this.storage.acquireLease(name, this.owner, this.leaseTtlMs))) return undefined;
    const size = await this.integrateAll();
    if (size === undefined) return undefined; // lost the lease while catching up
    const latest = await this.storage.latestCheckpoint(name);
    if (latest && latest.size >= size) return undefined;

    const reader: HashReader = tileHashReader(size, (tiles) =>
      readTilesAt(this.storage, name, tiles),
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
    let note = await signNote(text, [this.signer]);
    if (this.options.witnesses) {
      const cosigned = await this.witness(note, size, reader, latest);
      if (cosigned === undefined) return undefined;
      note = cosigned;
    }
    const next: StoredCheckpoint = { size, note, publishedAt: this.now() };
    if (!(await this.storage.publishCheckpoint(name, latest, next))) return undefined;
    this.options.onPublish?.(next);
    return next;
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
   * Integrates every sequenced entry into the tiles; returns the integrated size, or
   * undefined if the lease was lost in between.
   */
  private async integrateAll(): Promise<number | undefined> {
    const name = this.log.name;
    let from = await this.storage.integratedSize(name);
    const target = await this.storage.sequencedSize(name);
    while (from < target) {
      const to = Math.min(target, from + this.chunk);
      const entries = await this.storage.readEntries(name, from, to);
      const edge = edgeTiles(from);
      const edgeData = await readTilesAt(this.storage, name, edge);
      const byLevel = new Map(edge.map((t, i) => [t.level, edgeData[i]!]));
      const updates = integrate(
        from,
        (level) => byLevel.get(level) ?? new Uint8Array(0),
        entries.map(leafHash),
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
      if (from < target && !(await this.storage.acquireLease(name, this.owner, this.leaseTtlMs))) {
        return undefined;
      }
    }
    return from;
  }
}
