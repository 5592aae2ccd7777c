import { type Checkpoint } from '@proofline/note';
import { type PopulationFilter } from '@proofline/records';
import type { KeyChainLink } from '@proofline/verify';
import {
  checkpointOf,
  PopulationChecker,
  warn,
  type Item,
  type PopulationSummary,
} from './check.js';
import { splitLines } from './client.js';
import { malformed } from './errors.js';
import {
  MAX_LINE_SIZE,
  MAX_PROOF_SIZE,
  parseJsonText,
  parseLine,
  parseProof,
  type PopulationProof,
} from './population.js';
import { checkPopulationProof, type KeyHistorySource } from './proof-keys.js';

export interface ScanResult {
  readonly proof: PopulationProof;
  /** Checks made (signatures only with a log key). */
  readonly items: readonly Item[];
  readonly summary: PopulationSummary;
  /** Log index of each population position. */
  readonly indices: readonly number[];
  /** The end checkpoint (verified when a log key was given, else only parsed). */
  readonly end: Checkpoint;
  /** The handover notes of the log's key history that the source gave (none without one). */
  readonly keyHistory: readonly string[];
  /** The key chain they verified to against the log key (undefined without one). */
  readonly keyChain?: readonly KeyChainLink[];
}

/**
 * Reads a population file (proof line, entry lines, trailer) from a byte stream, checking its
 * completeness as it goes and, with `logKey`, the signatures and consistency proofs (without
 * it, a warning says nothing was checked against a key). With `keyHistory`, the checkpoints
 * are opened through the log's verified key chain (checkPopulationProof), so a period across
 * a key retirement checks pinned to either key. `filter` selects the audit population on top
 * of the file's own filter. Keeps one number per population record.
 */
export async function scanPopulation(
  chunks: AsyncIterable<Uint8Array>,
  options: {
    readonly logKey?: string;
    readonly keyHistory?: KeyHistorySource;
    readonly filter?: PopulationFilter;
    readonly onLine?: (line: string) => Promise<void> | void;
    readonly onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<ScanResult> {
  let proof: PopulationProof | undefined;
  let checker: PopulationChecker | undefined;
  const indices: number[] = [];
  let lineNo = 0;
  for await (const line of splitLines(chunks, MAX_LINE_SIZE)) {
    lineNo++;
    await options.onLine?.(line);
    if (!proof) {
      proof = parseProof(parseJsonText(line, MAX_PROOF_SIZE, 'population line 1'));
      checker = new PopulationChecker(proof, options.filter ?? {}, {
        onRecord: (_position, index) => indices.push(index),
      });
      continue;
    }
    checker!.add(parseLine(line, proof.log, `population line ${lineNo}`));
    if (lineNo % 10_000 === 0)
      options.onProgress?.(lineNo - 1, proof.range.end - proof.range.start);
  }
  if (!proof || !checker) throw malformed('the population file is empty');
  const items: Item[] = [];
  let end: Checkpoint | undefined;
  let keys: { notes: readonly string[]; chain?: readonly KeyChainLink[] } = { notes: [] };
  if (options.logKey !== undefined) {
    const checked = await checkPopulationProof(proof, options.logKey, options.keyHistory);
    items.push(...checked.items);
    end = checked.opened.end;
    keys = checked;
  } else {
    items.push(
      warn(
        'log-key',
        'no log key given: the checkpoints were not verified, so nothing ties this listing to the log',
      ),
    );
    end = checkpointOf(proof.endCheckpoint.note);
  }
  const { item, summary } = checker.finish(end);
  items.push(item);
  return {
    proof,
    items,
    summary,
    indices,
    end: end ?? checkpointOf(proof.endCheckpoint.note),
    keyHistory: keys.notes,
    ...(keys.chain ? { keyChain: keys.chain } : {}),
  };
}
