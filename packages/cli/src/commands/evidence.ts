import {
  exportEvidence,
  parseSeed,
  verifyEvidence,
  type PopulationFilter,
  type SampleSpec,
} from '@proofline/evidence';
import { Progress } from '../progress.js';
import { printItems, type Io } from './population.js';

export interface EvidenceCommandOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly logKey: string;
  readonly log?: string;
  readonly from: string;
  readonly to: string;
  readonly filter: PopulationFilter;
  readonly sample: SampleSpec;
  readonly seed?: string;
  readonly out: string;
}

const DEFAULT_IO: Io = { stdout: process.stdout, stderr: process.stderr };

/**
 * `proofline evidence`: writes an evidence package (one ZIP) for a period, verified against
 * --log-key before it is written; progress on standard error when it is a terminal.
 */
export async function evidenceCommand(
  o: EvidenceCommandOptions,
  io: Io = DEFAULT_IO,
): Promise<number> {
  const bars = new Map<string, Progress>();
  const { manifest, items } = await exportEvidence({
    url: o.url,
    apiKey: o.apiKey,
    logKey: o.logKey,
    ...(o.log ? { log: o.log } : {}),
    from: o.from,
    to: o.to,
    filter: o.filter,
    sample: o.sample,
    ...(o.seed ? { seed: parseSeed(o.seed) } : {}),
    out: o.out,
    onProgress: (phase, done, total) => {
      let bar = bars.get(phase);
      if (!bar) {
        for (const other of bars.values()) other.done();
        bars.clear();
        bar = new Progress(phase);
        bars.set(phase, bar);
      }
      bar.update(done, total);
    },
  });
  for (const bar of bars.values()) bar.done();
  printItems(items, io.stderr);
  io.stdout.write(
    `wrote ${o.out}: ${manifest.counts.segment} records in ${manifest.period.from} .. ${manifest.period.to}, population ${manifest.counts.population}, ${manifest.counts.sample} proof bundles\n`,
  );
  return 0;
}

export interface VerifyEvidenceCommandOptions {
  readonly file: string;
  readonly logKey?: string;
  readonly json: boolean;
}

/**
 * `proofline verify-evidence`: re-verifies an evidence package offline and prints one line
 * per item (PASS, WARN, FAIL); exit 1 if any fails. Without --log-key it warns loudly.
 */
export async function verifyEvidenceCommand(
  o: VerifyEvidenceCommandOptions,
  io: Io = DEFAULT_IO,
): Promise<number> {
  const progress = new Progress('verifying');
  const result = await verifyEvidence(o.file, {
    ...(o.logKey ? { logKey: o.logKey } : {}),
    onProgress: (_phase, done, total) => progress.update(done, total),
  });
  progress.done();
  if (o.json) {
    io.stdout.write(`${JSON.stringify({ ok: result.ok, items: result.items }, null, 2)}\n`);
  } else {
    if (!o.logKey) {
      io.stderr.write(
        '\n*** WARNING: no --log-key given. The package is checked against the key it carries ***\n' +
          '*** itself; anyone who forged the package could have replaced that key as well.   ***\n\n',
      );
    }
    printItems(result.items, io.stdout);
    const failed = result.items.filter((i) => i.status === 'fail').length;
    const warned = result.items.filter((i) => i.status === 'warn').length;
    io.stdout.write(
      result.ok
        ? `VERIFIED ${o.file}${warned > 0 ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}\n`
        : `NOT VERIFIED ${o.file}: ${failed} failed item${failed > 1 ? 's' : ''}\n`,
    );
  }
  return result.ok ? 0 : 1;
}
