import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  AuditClient,
  checkPopulationProof,
  keyHistoryJson,
  parsePeriodTime,
  proofJson,
  scanPopulation,
  servedKeyHistory,
  type Item,
} from '@proofline/evidence';
import { formatTime, type PopulationFilter } from '@proofline/records';
import { Progress } from '../progress.js';

export interface PopulationCommandOptions {
  readonly url: string;
  readonly apiKey: string;
  /** The log key to verify the completeness proof with (strongly recommended). */
  readonly logKey?: string;
  readonly log?: string;
  readonly from: string;
  readonly to: string;
  readonly filter: PopulationFilter;
  readonly format: 'jsonl' | 'csv';
  /** Output file (default standard output). */
  readonly out?: string;
  /** With csv: where to save the completeness proof (JSON). */
  readonly proofOut?: string;
  /**
   * Where to save the log's key history (key-history.json, for `proofline sample
   * --key-history`), once it verified against the log key (needs `logKey`).
   */
  readonly keyHistoryOut?: string;
}

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const DEFAULT_IO: Io = { stdout: process.stdout, stderr: process.stderr };
const MARK = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', unverified: 'NOT VERIFIED' } as const;

/** Prints verification items as a table (to `out`), one line each. */
export function printItems(items: readonly Item[], out: NodeJS.WritableStream): void {
  const width = Math.min(40, Math.max(12, ...items.map((i) => i.name.length)));
  for (const item of items)
    out.write(
      `${MARK[item.status]}  ${item.name.padEnd(width)}  ${item.detail}${item.code ? ` [${item.code}]` : ''}\n`,
    );
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream as WriteStream, 'drain');
}

/**
 * Saves key-history.json (`--key-history-out`) once every check passed (so the history, if
 * any, verified against the log key); says so.
 */
function saveKeyHistory(
  o: PopulationCommandOptions,
  proof: { log: string; origin: string },
  checked: { notes: readonly string[]; items: readonly Item[] },
  io: Io,
): void {
  if (o.keyHistoryOut === undefined || checked.items.some((i) => i.status === 'fail')) return;
  writeFileSync(o.keyHistoryOut, keyHistoryJson(proof.log, proof.origin, checked.notes));
  io.stderr.write(
    `the log's key history (${checked.notes.length} handover${checked.notes.length === 1 ? '' : 's'}) saved to ${o.keyHistoryOut}\n`,
  );
}

/**
 * `proofline population`: streams a period's population from the audit API (JSON lines with
 * the completeness proof, or CSV) to a file or standard output. JSON lines are checked as they
 * stream, and against --log-key through the log's key history (fetched once, verified against
 * it: a period across a key retirement checks pinned to either key); the checks go to
 * standard error; exit 1 if one fails. A history that does not verify is never saved.
 */
export async function populationCommand(
  o: PopulationCommandOptions,
  io: Io = DEFAULT_IO,
): Promise<number> {
  const client = new AuditClient(o.url, o.apiKey);
  const query = {
    ...(o.log ? { log: o.log } : {}),
    from: formatTime(parsePeriodTime(o.from, 'from')),
    to: formatTime(parsePeriodTime(o.to, 'to')),
    filter: o.filter,
  };
  // The output file is made only once the server answered: an unknown log, a bad key or a
  // wrong URL leaves nothing behind.
  let out: NodeJS.WritableStream = io.stdout;
  const open = () => {
    if (o.out) out = createWriteStream(o.out);
  };
  const progress = new Progress('population');
  try {
    if (o.format === 'csv') {
      const proof = await client.proof(query);
      const rowsStream = await client.populationCsv(query);
      open();
      if (o.proofOut) {
        writeFileSync(o.proofOut, `${JSON.stringify(proofJson(proof), null, 2)}\n`);
      }
      let rows = -1;
      for await (const chunk of rowsStream) {
        await write(out, Buffer.from(chunk).toString('utf8'));
        rows += Buffer.from(chunk).toString('latin1').split('\n').length - 1;
        progress.update(Math.max(0, rows));
      }
      progress.done();
      const items: Item[] = [];
      if (o.logKey) {
        const checked = await checkPopulationProof(proof, o.logKey, servedKeyHistory(client));
        items.push(...checked.items);
        saveKeyHistory(o, proof, { notes: checked.notes, items }, io);
      }
      items.push({
        name: 'population',
        status: 'warn',
        detail: `${proof.range.end - proof.range.start} entries in [${proof.range.start}, ${proof.range.end}); a CSV listing carries no entries, so it cannot be checked against the proof: use --format jsonl`,
      });
      printItems(items, io.stderr);
      return items.some((i) => i.status === 'fail') ? 1 : 0;
    }
    const listing = await client.population(query);
    open();
    const result = await scanPopulation(listing, {
      ...(o.logKey ? { logKey: o.logKey, keyHistory: servedKeyHistory(client) } : {}),
      onLine: (line) => write(out, `${line}\n`),
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.done();
    if (o.logKey)
      saveKeyHistory(o, result.proof, { notes: result.keyHistory, items: result.items }, io);
    printItems(result.items, io.stderr);
    io.stderr.write(
      `${result.summary.population} records listed of ${result.summary.segment} in the period [${result.proof.range.start}, ${result.proof.range.end})\n`,
    );
    return result.items.some((i) => i.status === 'fail') ? 1 : 0;
  } finally {
    if (out !== io.stdout) {
      (out as WriteStream).end();
      await once(out as WriteStream, 'close');
    }
  }
}
