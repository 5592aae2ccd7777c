import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import {
  EvidenceError,
  SAMPLE_ALGORITHM,
  SAMPLE_MEDIA_TYPE,
  drawSample,
  parseSeed,
  sampleSizeFor,
  scanPopulation,
  type SampleDocument,
} from '@proofline/evidence';
import { recordId, CSV_HEADER, type PopulationFilter } from '@proofline/records';
import { printItems, type Io } from './population.js';
import { handoversOf } from '../audit/key-chain.js';

export interface SampleCommandOptions {
  /** A population file (JSON lines, from `proofline population`) or a population CSV. */
  readonly population: string;
  readonly size?: number;
  readonly percent?: string;
  readonly min?: number;
  readonly max?: number;
  /** Hex seed; default (JSON lines only) the end checkpoint's root hash. */
  readonly seed?: string;
  /** Further selects the population among the listed records (JSON lines only). */
  readonly filter?: PopulationFilter;
  /** Verifies the population's proof against this log key first. */
  readonly logKey?: string;
  /**
   * With `logKey`: a file with the log's key history (key-history.json from `proofline
   * population --key-history-out` or an evidence package, or the log's description), whose
   * verified chain opens checkpoints signed by another key of the log.
   */
  readonly keyHistory?: string;
  readonly out?: string;
}

/**
 * `proofline sample`: draws a reproducible sample (proofline.dev/sample/v1) from a population
 * file and prints it as JSON: the seed (by default the end checkpoint's root hash, so neither
 * party chooses it), and per sampled record its position, log index and id.
 */
export async function sampleCommand(
  o: SampleCommandOptions,
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if ((o.size === undefined) === (o.percent === undefined)) {
    throw new EvidenceError('INVALID_ARGUMENT', 'give either --size N or --percent P');
  }
  if (o.keyHistory !== undefined && o.logKey === undefined) {
    throw new EvidenceError('INVALID_ARGUMENT', '--key-history needs --log-key');
  }
  let indices: number[];
  let log: string;
  let seed: Uint8Array | undefined = o.seed === undefined ? undefined : parseSeed(o.seed);
  const head = readFileSync(o.population, { encoding: 'latin1' }).slice(0, CSV_HEADER.length);
  if (head === CSV_HEADER) {
    if (!seed)
      throw new EvidenceError(
        'INVALID_ARGUMENT',
        'a CSV population has no checkpoint: give --seed',
      );
    if (o.filter && Object.keys(o.filter).length > 0) {
      throw new EvidenceError('INVALID_ARGUMENT', 'filters apply to JSON-lines populations only');
    }
    const rows = readFileSync(o.population, 'utf8').split('\r\n').slice(1, -1);
    indices = rows.map((row, i) => {
      const [position, index, id] = row.split(',', 3);
      if (position !== String(i) || !/^\d+$/.test(index ?? '') || !id?.endsWith(`-${index}`)) {
        throw new EvidenceError('MALFORMED', `CSV row ${i + 2} is not a population row`);
      }
      return Number(index);
    });
    log = rows.length > 0 ? rows[0]!.split(',')[2]!.replace(/-\d+$/, '') : 'unknown';
  } else {
    const file = o.keyHistory;
    const result = await scanPopulation(createReadStream(o.population), {
      ...(o.logKey ? { logKey: o.logKey } : {}),
      ...(o.logKey && file
        ? {
            keyHistory: {
              name: () => file,
              absent: `${file} lists no retired key`,
              notes: () => Promise.resolve(handoversOf(readFileSync(file, 'utf8'))),
            },
          }
        : {}),
      ...(o.filter ? { filter: o.filter } : {}),
    });
    printItems(result.items, io.stderr);
    if (result.items.some((i) => i.status === 'fail')) {
      io.stderr.write('proofline: the population does not verify: no sample drawn\n');
      return 1;
    }
    indices = [...result.indices];
    log = result.proof.log;
    seed ??= result.end.rootHash;
  }
  const n = indices.length;
  const size =
    o.size !== undefined
      ? o.size
      : sampleSizeFor(n, o.percent!, o.min ?? 0, o.max ?? Number.MAX_SAFE_INTEGER);
  if (size > n) throw new EvidenceError('INVALID_ARGUMENT', `the population has only ${n} records`);
  const positions = drawSample(seed, n, size);
  const doc: SampleDocument = {
    mediaType: SAMPLE_MEDIA_TYPE,
    algorithm: SAMPLE_ALGORITHM,
    mode: 'sample',
    seed: Buffer.from(seed).toString('hex'),
    seedSource: o.seed === undefined ? 'end-checkpoint-root' : 'given',
    populationSize: n,
    size,
    records: positions.map((position) => ({
      position,
      index: indices[position]!,
      id: recordId(log, indices[position]!),
    })),
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (o.out) writeFileSync(o.out, text);
  else io.stdout.write(text);
  return 0;
}
