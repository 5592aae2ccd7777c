import {
  ed25519Signer,
  formatCheckpoint,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  signNote,
  type Signer,
} from '@proofline/note';
import {
  buildRecord,
  formatTime,
  type Statement,
  PROOF_MEDIA_TYPE,
  type PopulationFilter,
} from '@proofline/records';
import {
  leafHash,
  nodeHash,
  proveConsistency,
  treeHash,
  type Hash,
  type HashReader,
  coveringNodes,
} from '@proofline/tlog';
import { createHash } from 'node:crypto';
import { type PopulationProof } from '../src/index.js';

export const ORIGIN = 'example.test/logs/acme';

/** A log held in memory: entries with chosen times, signed checkpoints at chosen sizes. */
export class MemoryLog {
  readonly entries: Uint8Array[] = [];
  readonly times: number[] = [];
  readonly leaves: Hash[] = [];
  readonly signer: Signer;
  readonly verifierKey: string;
  private readonly memo = new Map<string, Hash>();

  constructor(
    readonly origin = ORIGIN,
    key = generateSignerKey(origin),
  ) {
    const parsed = parseSignerKey(key);
    this.signer = ed25519Signer(origin, parsed.seed);
    this.verifierKey = formatVerifierKey(origin, parsed.publicKey);
  }

  /** Appends a record at `timeMs` (times must not decrease). */
  append(timeMs: number, statement: Partial<Statement> = {}): number {
    const digest = `sha256:${createHash('sha256').update(String(this.entries.length)).digest('hex')}`;
    const { bytes } = buildRecord(
      { digest, type: 'test.event', ...statement } as Statement,
      'acme',
      timeMs,
    );
    this.entries.push(bytes);
    this.times.push(timeMs);
    this.leaves.push(leafHash(bytes));
    return this.entries.length - 1;
  }

  private mth(start: number, end: number): Hash {
    const key = `${start}:${end}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    let h: Hash;
    if (end - start === 1) h = this.leaves[start]!;
    else {
      let k = 1;
      while (k * 2 < end - start) k *= 2;
      h = nodeHash(this.mth(start, start + k), this.mth(start + k, end));
    }
    this.memo.set(key, h);
    return h;
  }

  readonly reader: HashReader = async (nodes) =>
    nodes.map((n) => this.mth(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level));

  async checkpoint(size: number, signer: Signer = this.signer): Promise<string> {
    const text = formatCheckpoint({
      origin: this.origin,
      size,
      rootHash: await treeHash(size, this.reader),
      extensions: [],
    });
    return signNote(text, [signer]);
  }

  /** The index range of times in [from, to) (times are non-decreasing). */
  range(fromMs: number, toMs: number): { start: number; end: number } {
    const first = (t: number) => {
      const i = this.times.findIndex((x) => x >= t);
      return i < 0 ? this.times.length : i;
    };
    return { start: first(fromMs), end: first(toMs) };
  }

  /** A proof as the server builds it, with checkpoints at the given sizes. */
  async proof(
    fromMs: number,
    toMs: number,
    sizes: { start: number | null; end: number; latest?: number },
    filter: PopulationFilter = {},
  ): Promise<PopulationProof> {
    const range = this.range(fromMs, toMs);
    const before =
      range.start > 0 ? { index: range.start - 1, entry: this.entries[range.start - 1]! } : null;
    const after =
      sizes.end > range.end ? { index: range.end, entry: this.entries[range.end]! } : null;
    const lo = before ? before.index : range.start;
    const hi = after ? after.index + 1 : range.end;
    const latest = sizes.latest ?? sizes.end;
    const at = (ms: number) => formatTime(ms);
    return {
      mediaType: PROOF_MEDIA_TYPE,
      log: 'acme',
      origin: this.origin,
      from: at(fromMs),
      to: at(toMs),
      filter,
      range,
      startCheckpoint:
        sizes.start === null
          ? null
          : { note: await this.checkpoint(sizes.start), publishedAt: at(fromMs - 1) },
      endCheckpoint: { note: await this.checkpoint(sizes.end), publishedAt: at(toMs) },
      consistencyProof: await proveConsistency(sizes.start ?? 0, sizes.end, this.reader),
      before,
      after,
      rangeProof: {
        left: await this.reader(coveringNodes(0, lo)),
        right: await this.reader(coveringNodes(hi, sizes.end)),
      },
      latestCheckpoint: { note: await this.checkpoint(latest), publishedAt: at(toMs + 1000) },
      latestConsistencyProof: await proveConsistency(sizes.end, latest, this.reader),
    } as PopulationProof;
  }
}

export const DAY = 86_400_000;
export const JAN = Date.UTC(2026, 0, 1);
export const FEB = Date.UTC(2026, 1, 1);
export const MAR = Date.UTC(2026, 2, 1);
export const APR = Date.UTC(2026, 3, 1);
