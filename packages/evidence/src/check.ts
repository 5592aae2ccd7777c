import {
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  type Checkpoint,
  type Verifier,
} from '@proofline/note';
import {
  parseRecord,
  parseTime,
  type RecordV1,
  matchesFilter,
  type PopulationFilter,
} from '@proofline/records';
import {
  emptyTreeHash,
  equalHashes,
  leafHash,
  verifyConsistency,
  type Hash,
  compactRangeFrom,
  completeRange,
  type CompactRange,
} from '@proofline/tlog';
import { openChainCheckpoint, type KeyChainLink } from '@proofline/verify';
import { type CheckpointRef, type PopulationLine, type PopulationProof } from './population.js';

/**
 * `unverified`: nothing proves the item wrong, but it could not be checked (a report.pdf that
 * differs from this verifier's rendering and claims another pdfkit): the package is then not
 * VERIFIED as a whole, and the item must not be relied on.
 */
export type ItemStatus = 'pass' | 'fail' | 'warn' | 'unverified';

/** One line of a verification table: what was checked, and how it went. */
export interface Item {
  readonly name: string;
  readonly status: ItemStatus;
  readonly detail: string;
  /** A stable code for callers to branch on, where a failure has one (KeyHistoryCode). */
  readonly code?: string;
}

export const pass = (name: string, detail: string): Item => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string, code?: string): Item => ({
  name,
  status: 'fail',
  detail,
  ...(code === undefined ? {} : { code }),
});
export const warn = (name: string, detail: string): Item => ({ name, status: 'warn', detail });
export const unverified = (name: string, detail: string): Item => ({
  name,
  status: 'unverified',
  detail,
});

/** The checkpoints of a proof, opened with the trusted log key (undefined where that failed). */
export interface OpenedCheckpoints {
  readonly start?: Checkpoint;
  readonly end?: Checkpoint;
  readonly latest?: Checkpoint;
}

/**
 * Opens a checkpoint with the log key, or with the keys of a verified key chain (each within
 * its range, see openChainCheckpoint); returns it and the verifier key that opened it (the
 * chain's, or undefined for the log key), or the reason it does not open.
 */
export async function openRef(
  ref: CheckpointRef,
  origin: string,
  verifier: Verifier,
  chain?: readonly KeyChainLink[],
): Promise<{ checkpoint?: Checkpoint; signer?: string; problem?: string }> {
  let message: string;
  if (chain !== undefined && chain.length > 0) {
    const opened = await openChainCheckpoint(ref.note, origin, chain);
    if (!('error' in opened))
      return { checkpoint: opened.checkpoint, signer: opened.key.verifierKey };
    message = opened.error.message;
  } else {
    try {
      const { checkpoint } = await openCheckpoint(ref.note, origin, verifier);
      return { checkpoint };
    } catch (err) {
      message = (err as Error).message;
    }
  }
  let signer = '';
  try {
    const names = parseNote(ref.note).signatures.map(
      (s) => `${s.name}+${s.keyId.toString(16).padStart(8, '0')}`,
    );
    signer = ` (signed by ${names.join(', ') || 'nobody'})`;
  } catch {
    // not even a note: the message says so
  }
  const by = chain?.length
    ? 'any key of the verified key history within its range'
    : `the trusted log key ${verifier.name}+${verifier.keyId.toString(16).padStart(8, '0')}`;
  return { problem: `not signed by ${by}${signer}: ${message}` };
}

/**
 * Checks the signed parts of a population proof against the trusted log key (or, given the
 * key chain verified from the log's key history, against its keys within their ranges): the
 * three checkpoints are signed for the log's origin, and the consistency proofs start → end
 * and end → latest verify. Also checks the sizes against the range: start ≤ range start, and
 * range end ≤ end size. `signers` names the chain key that opened each checkpoint.
 */
export async function checkProofCheckpoints(
  proof: PopulationProof,
  verifier: Verifier,
  chain?: readonly KeyChainLink[],
): Promise<{
  items: Item[];
  opened: OpenedCheckpoints;
  signers: Partial<Record<'start' | 'end' | 'latest', string>>;
}> {
  const items: Item[] = [];
  const origin = proof.origin;
  if (verifier.name !== origin) {
    items.push(
      fail('origin', `the proof is for ${origin} but the log key is named ${verifier.name}`),
    );
    return { items, opened: {}, signers: {} };
  }
  const opened: { start?: Checkpoint; end?: Checkpoint; latest?: Checkpoint } = {};
  const signers: Partial<Record<'start' | 'end' | 'latest', string>> = {};
  const open = async (which: 'start' | 'end' | 'latest', ref: CheckpointRef | null) => {
    const name = `${which}-checkpoint`;
    if (ref === null) {
      items.push(
        pass(
          name,
          'none: no checkpoint was published before the period (consistency from the empty tree)',
        ),
      );
      return;
    }
    const { checkpoint, signer, problem } = await openRef(ref, origin, verifier, chain);
    if (!checkpoint) {
      items.push(fail(name, problem!));
      return;
    }
    opened[which] = checkpoint;
    if (signer !== undefined) signers[which] = signer;
    const by =
      signer === undefined
        ? 'the log key'
        : `the log key ${signer.split('+').slice(0, 2).join('+')} of the key history`;
    items.push(
      pass(
        name,
        `size ${checkpoint.size}, signed by ${by} (published ${ref.publishedAt}, as the log says)`,
      ),
    );
  };
  await open('start', proof.startCheckpoint);
  await open('end', proof.endCheckpoint);
  await open('latest', proof.latestCheckpoint);

  const { start, end, latest } = opened;
  if (end) {
    if (end.size < proof.range.end) {
      items.push(
        fail('end-checkpoint', `size ${end.size} does not cover the range end ${proof.range.end}`),
      );
    }
    if (proof.after === null && end.size !== proof.range.end) {
      items.push(fail('end-checkpoint', 'an entry after the period exists but is not given'));
    }
    if (proof.after === null) {
      items.push(
        warn(
          'period-end',
          'the end checkpoint holds no record after the period: that no later record has an earlier time rests on the log publishing it after the period ended (provisional: the default seed changes once a later checkpoint includes a record after the period)',
        ),
      );
    }
  }
  const startSize = start?.size ?? 0;
  if (proof.startCheckpoint === null || start) {
    if (startSize > proof.range.start) {
      items.push(
        fail(
          'start-checkpoint',
          `size ${startSize} goes past the range start ${proof.range.start}`,
        ),
      );
    }
    if (end) {
      try {
        verifyConsistency(
          startSize,
          end.size,
          proof.consistencyProof,
          start?.rootHash ?? emptyTreeHash(),
          end.rootHash,
        );
        items.push(
          pass(
            'consistency',
            `the end checkpoint (size ${end.size}) extends the start checkpoint (size ${startSize}): nothing before the period was changed or removed`,
          ),
        );
      } catch (err) {
        items.push(fail('consistency', `start → end: ${(err as Error).message}`));
      }
    }
  }
  if (end && latest) {
    try {
      verifyConsistency(
        end.size,
        latest.size,
        proof.latestConsistencyProof,
        end.rootHash,
        latest.rootHash,
      );
      items.push(
        pass(
          'consistency-latest',
          `the latest checkpoint when exported (size ${latest.size}) extends the end checkpoint: nothing in the period was removed since`,
        ),
      );
    } catch (err) {
      items.push(fail('consistency-latest', `end → latest: ${(err as Error).message}`));
    }
  }
  return { items, opened, signers };
}

/** What a population check learned, for sampling, reports and cross-checks. */
export interface PopulationSummary {
  /** Entries of the segment (range end − start). */
  readonly segment: number;
  /** Records in the audit population (matching the audit filter). */
  readonly population: number;
  /** Per record type: records of the audit population. */
  readonly byType: ReadonlyMap<string, number>;
  /** Per record type: records of the whole segment. */
  readonly byTypeInPeriod: ReadonlyMap<string, number>;
  /** Per control id, the records of the whole segment that carry it. */
  readonly byControl: ReadonlyMap<string, number>;
  readonly withoutControls: number;
  /**
   * Indices of erased entries in the segment: listed by the leaf hash the tree holds (so
   * completeness still holds), their records gone; the log's erasure records say why.
   */
  readonly erased: readonly number[];
  readonly firstTime?: string;
  readonly lastTime?: string;
}

/** Bound on the erased indices a summary lists. */
const MAX_ERASED_LISTED = 10_000;

/** Bound on the problems one check reports in detail. */
const MAX_PROBLEMS = 20;

/**
 * Streams a population file's lines through the completeness checks, in O(log n) memory plus
 * what `onRecord` keeps:
 *
 * - indices run from range.start to range.end − 1, each exactly once, in order (a missing,
 *   repeated or reordered line is named);
 * - every listed record has a time in [from, to), non-decreasing along the log, starting at
 *   or after the `before` entry's time (which must be before `from`) and not after the `after`
 *   entry's time (which must be at or after `to`);
 * - record lines match the proof's filter (excluded lines carry only a leaf hash);
 * - the leaf hashes of before, every line and after, with the proof's left and right hashes,
 *   give the end checkpoint's root at its size;
 * - the trailer is present, last, and counts the lines.
 *
 * `auditFilter` selects the audit population (positions 0, 1, ... in log order), reported to
 * `onRecord`; `onListed` gets every record line of the period. With `requireFull`, excluded lines are an error (the filter cannot be checked).
 */
export class PopulationChecker {
  private next: number;
  private range?: CompactRange;
  private lastTime: number;
  private readonly fromMs: number;
  private readonly toMs: number;
  private readonly problems: string[] = [];
  private problemCount = 0;
  private recordLines = 0;
  private excludedLines = 0;
  private trailer?: { records: number; excluded: number };
  private afterTrailer = false;
  private position = 0;
  private readonly byType = new Map<string, number>();
  private readonly byTypeInPeriod = new Map<string, number>();
  private readonly byControl = new Map<string, number>();
  private withoutControls = 0;
  private readonly erased: number[] = [];
  private firstTime?: string;
  private lastTimeText?: string;

  constructor(
    private readonly proof: PopulationProof,
    private readonly auditFilter: PopulationFilter,
    private readonly options: {
      readonly requireFull?: boolean;
      readonly onRecord?: (
        position: number,
        index: number,
        record: RecordV1,
        entry: Uint8Array,
        leaf: Hash,
      ) => void;
      /** Every record line of the period, in the population or not. */
      readonly onListed?: (index: number, entry: Uint8Array, leaf: Hash) => void;
    } = {},
  ) {
    this.next = proof.range.start;
    this.fromMs = parseTime(proof.from);
    this.toMs = parseTime(proof.to);
    this.lastTime = 0;
    const lo = proof.before ? proof.before.index : proof.range.start;
    try {
      this.range = compactRangeFrom(lo, proof.rangeProof.left);
    } catch (err) {
      this.problem(`range proof: ${(err as Error).message}`);
    }
    if (proof.before) {
      const record = this.boundary(proof.before.entry, 'before');
      if (record) {
        const t = parseTime(record.time);
        if (!(t < this.fromMs)) {
          this.problem(
            `the entry before the range (index ${proof.before.index}) has time ${record.time}, not before ${proof.from}: the range starts too late`,
          );
        }
        this.lastTime = t;
      }
      this.range?.appendLeaf(leafHash(proof.before.entry));
    }
  }

  private boundary(entry: Uint8Array, which: string): RecordV1 | undefined {
    try {
      return parseRecord(entry);
    } catch (err) {
      this.problem(`the ${which} entry is not a record: ${(err as Error).message}`);
      return undefined;
    }
  }

  private problem(message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }

  /** Feeds the next line (already parsed). */
  add(line: PopulationLine): void {
    if (this.afterTrailer || this.trailer) {
      this.afterTrailer = true;
      this.problem('a line follows the trailer');
      return;
    }
    if (line.kind === 'trailer') {
      this.trailer = line;
      return;
    }
    if (line.index !== this.next) {
      if (line.index > this.next) {
        const missing = line.index - this.next;
        this.problem(
          missing === 1
            ? `index ${this.next} is missing from the listing`
            : `indices ${this.next}..${line.index - 1} are missing from the listing`,
        );
      } else {
        this.problem(`index ${line.index} is repeated or out of order (expected ${this.next})`);
      }
      // The root can no longer match; keep checking the rest for more findings.
      this.range = undefined;
    }
    this.next = Math.max(this.next, line.index + 1);
    if (line.index >= this.proof.range.end) {
      this.problem(
        `index ${line.index} is outside the range [${this.proof.range.start}, ${this.proof.range.end})`,
      );
    }
    if (line.kind === 'excluded') {
      this.excludedLines++;
      if (line.erased) {
        // Accounted for, not a gap: the leaf still enters the range root below.
        if (this.erased.length < MAX_ERASED_LISTED) this.erased.push(line.index);
      } else if (this.options.requireFull) {
        this.problem(
          `index ${line.index} is listed by its leaf hash only: its record cannot be checked`,
        );
      }
      this.range?.appendLeaf(line.leaf);
      return;
    }
    this.recordLines++;
    const { record, entry, index } = line;
    const leaf = leafHash(entry);
    this.range?.appendLeaf(leaf);
    const t = parseTime(record.time);
    if (t < this.fromMs || t >= this.toMs) {
      this.problem(
        `index ${index} has time ${record.time}, outside [${this.proof.from}, ${this.proof.to})`,
      );
    }
    if (t < this.lastTime) {
      this.problem(`index ${index} has time ${record.time}, earlier than the entry before it`);
    }
    this.lastTime = Math.max(this.lastTime, t);
    if (!matchesFilter(record, this.proof.filter)) {
      this.problem(`index ${index} is listed but does not match the listing's filter`);
    }
    this.firstTime ??= record.time;
    this.lastTimeText = record.time;
    this.byTypeInPeriod.set(record.type, (this.byTypeInPeriod.get(record.type) ?? 0) + 1);
    this.options.onListed?.(index, entry, leaf);
    if (record.controls === undefined) this.withoutControls++;
    for (const c of record.controls ?? []) this.byControl.set(c, (this.byControl.get(c) ?? 0) + 1);
    if (matchesFilter(record, this.auditFilter)) {
      this.byType.set(record.type, (this.byType.get(record.type) ?? 0) + 1);
      this.options.onRecord?.(this.position, index, record, entry, leaf);
      this.position++;
    }
  }

  /**
   * Ends the stream: checks completeness at the end, the trailer and the root against the
   * end checkpoint (undefined when it did not open: the root is then not compared).
   */
  finish(end: Checkpoint | undefined): { item: Item; summary: PopulationSummary } {
    const p = this.proof;
    if (this.next < p.range.end) {
      this.problem(
        this.next === p.range.end - 1
          ? `index ${this.next} is missing from the listing`
          : `indices ${this.next}..${p.range.end - 1} are missing from the listing (the listing is truncated)`,
      );
      this.range = undefined;
    }
    if (!this.trailer) this.problem('the trailer line is missing: the listing is truncated');
    else if (
      this.trailer.records !== this.recordLines ||
      this.trailer.excluded !== this.excludedLines
    ) {
      this.problem(
        `the trailer counts ${this.trailer.records} records and ${this.trailer.excluded} excluded, the listing has ${this.recordLines} and ${this.excludedLines}`,
      );
    }
    if (p.after) {
      const record = this.boundary(p.after.entry, 'after');
      if (record) {
        const t = parseTime(record.time);
        if (t < this.toMs) {
          this.problem(
            `the entry after the range (index ${p.after.index}) has time ${record.time}, before ${p.to}: the range ends too early`,
          );
        }
        if (t < this.lastTime)
          this.problem('the entry after the range is earlier than the last listed one');
      }
      this.range?.appendLeaf(leafHash(p.after.entry));
    }
    if (end && this.range) {
      try {
        const root = completeRange(this.range, end.size, p.rangeProof.right);
        if (!equalHashes(root, end.rootHash)) {
          this.problem(
            `the listed entries do not hash to the end checkpoint's root (size ${end.size}): an entry was changed, added or removed`,
          );
        }
      } catch (err) {
        this.problem(`range proof: ${(err as Error).message}`);
      }
    } else if (!end) {
      this.problem('the root was not compared: the end checkpoint did not verify');
    }
    const summary: PopulationSummary = {
      segment: p.range.end - p.range.start,
      population: this.position,
      byType: this.byType,
      byTypeInPeriod: this.byTypeInPeriod,
      byControl: this.byControl,
      withoutControls: this.withoutControls,
      erased: this.erased,
      ...(this.firstTime ? { firstTime: this.firstTime, lastTime: this.lastTimeText! } : {}),
    };
    if (this.problemCount > 0) {
      const more = this.problemCount - this.problems.length;
      return {
        item: fail(
          'population',
          `${this.problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
        ),
        summary,
      };
    }
    return {
      item: pass(
        'population',
        `indices [${p.range.start}, ${p.range.end}) listed once each, none missing${this.erased.length ? ` (${this.erased.length} erased, listed by leaf hash: ${this.erased.slice(0, 20).join(', ')}${this.erased.length > 20 ? ', …' : ''})` : ''}; times in [${p.from}, ${p.to}) with the entries around the range outside it; the ${p.range.end - p.range.start} leaves hash to the end checkpoint's root`,
      ),
      summary,
    };
  }
}

/** Parses a checkpoint note's body without verifying (for display and seeds). */
export function checkpointOf(note: string): Checkpoint {
  return parseCheckpoint(parseNote(note).text);
}
