import { readFileSync } from 'node:fs';
import { type PopulationFilter } from '@proofline/records';
import {
  exportEvidence,
  KeyHistoryProblem,
  parseSeed,
  verifyEvidence,
  type SampleSpec,
} from '@proofline/evidence';
import { Progress } from '../progress.js';
import { readStatementKeys } from './verify-scitt.js';
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
  /** Files of transparent statements to package, and issuer key files to check them with. */
  readonly statements?: readonly string[];
  readonly statementKeys?: readonly string[];
}

const DEFAULT_IO: Io = { stdout: process.stdout, stderr: process.stderr };

/**
 * `proofline evidence`: writes an evidence package (one ZIP) for a period, verified against
 * --log-key before it is written; progress on standard error when it is a terminal. A key
 * history that does not hold is named by its code, as verify-evidence names it (exit 1,
 * nothing written).
 */
export async function evidenceCommand(
  o: EvidenceCommandOptions,
  io: Io = DEFAULT_IO,
): Promise<number> {
  const bars = new Map<string, Progress>();
  const done = () => {
    for (const bar of bars.values()) bar.done();
  };
  let exported;
  try {
    exported = await exportWith(o, bars);
  } catch (err) {
    if (!(err instanceof KeyHistoryProblem)) throw err;
    done();
    io.stderr.write(
      `the log's key history does not hold: ${err.message} [${err.code}]\nnothing written to ${o.out}\n`,
    );
    return 1;
  }
  done();
  const { manifest, items } = exported;
  printItems(items, io.stderr);
  if (o.sample.mode === 'size' && o.sample.size > manifest.counts.population) {
    io.stderr.write(
      `--sample ${o.sample.size} exceeds the population of ${manifest.counts.population} records: took all ${manifest.counts.population}\n`,
    );
  }
  io.stdout.write(
    `wrote ${o.out}: ${manifest.counts.segment} records in ${manifest.period.from} .. ${manifest.period.to}, population ${manifest.counts.population}, ${manifest.counts.sample} proof bundles${manifest.statements ? `, ${manifest.statements.length} transparent statements` : ''}\n`,
  );
  return 0;
}

/** exportEvidence with the command's options, one progress bar per phase in `bars`. */
function exportWith(o: EvidenceCommandOptions, bars: Map<string, Progress>) {
  return exportEvidence({
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
    statements: (o.statements ?? []).map((name) => ({ name, bytes: readFileSync(name) })),
    statementKeys: (o.statementKeys ?? []).flatMap((f) => readStatementKeys(f)),
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
}

export interface VerifyEvidenceCommandOptions {
  readonly file: string;
  readonly logKey?: string;
  /** Witness (cosignature/v1) verifier keys and how many must have cosigned each checkpoint. */
  readonly witnessKeys?: readonly string[];
  readonly witnessQuorum?: number;
  /** PEM files of the RFC 3161 time-stamping roots to trust; `requireTimestamp` demands a token. */
  readonly tsaRoots?: readonly string[];
  readonly requireTimestamp?: boolean;
  /** Files of the statement issuer keys to trust (PEM SubjectPublicKeyInfo or COSE_Key). */
  readonly statementKeys?: readonly string[];
  readonly json: boolean;
}

/** Exit status when nothing failed but an item could not be verified (see docs/evidence.md). */
export const EXIT_INCOMPLETE = 3;

/**
 * `proofline verify-evidence`: re-verifies an evidence package offline, under the witness and
 * TSA policy given, and prints one line per item (PASS, WARN, FAIL, NOT VERIFIED), the trust
 * anchors it was checked against, and one verdict: VERIFIED (exit 0), NOT VERIFIED (exit 1: an
 * item failed) or INCOMPLETE (exit 3: nothing failed, but an item could not be verified).
 * Without --log-key it warns loudly.
 */
export async function verifyEvidenceCommand(
  o: VerifyEvidenceCommandOptions,
  io: Io = DEFAULT_IO,
): Promise<number> {
  const witnessKeys = o.witnessKeys ?? [];
  const statementKeys = o.statementKeys ?? [];
  const roots = (o.tsaRoots ?? []).map((file) => ({ file, der: pemCertificate(file) }));
  const progress = new Progress('verifying');
  const result = await verifyEvidence(o.file, {
    ...(o.logKey ? { logKey: o.logKey } : {}),
    ...(witnessKeys.length > 0
      ? { witnesses: { keys: witnessKeys, quorum: o.witnessQuorum ?? witnessKeys.length } }
      : {}),
    ...(roots.length > 0 ? { timestampAuthorities: { roots: roots.map((r) => r.der) } } : {}),
    ...(o.requireTimestamp ? { requireTimestamp: true } : {}),
    statementKeys: statementKeys.flatMap((f) => readStatementKeys(f)),
    onProgress: (_phase, done, total) => progress.update(done, total),
  });
  progress.done();
  const anchors = [
    o.logKey
      ? `log key ${o.logKey.split('+').slice(0, 2).join('+')} (--log-key)`
      : "log key: the package's own, NOT one you trust (no --log-key)",
    witnessKeys.length > 0
      ? `witnesses: ${o.witnessQuorum ?? witnessKeys.length} of ${witnessKeys.map((k) => k.split('+').slice(0, 2).join('+')).join(', ')}`
      : 'witnesses: none given, cosignatures NOT checked',
    roots.length > 0
      ? `TSA roots: ${roots.map((r) => r.file).join(', ')}${o.requireTimestamp ? ' (timestamp required)' : ''}`
      : 'TSA roots: none given, timestamps NOT checked',
    // Named when given or when the package carries statements (whose issuers they check).
    ...(statementKeys.length > 0
      ? [`statement issuer keys: ${statementKeys.join(', ')}`]
      : result.manifest?.statements
        ? ['statement issuer keys: none given, statement signatures NOT checked']
        : []),
  ];
  const failed = result.items.filter((i) => i.status === 'fail').length;
  const warned = result.items.filter((i) => i.status === 'warn').length;
  const open = result.items.filter((i) => i.status === 'unverified');
  const verdict = !result.ok
    ? `NOT VERIFIED ${o.file}: ${failed} failed item${failed > 1 ? 's' : ''}`
    : !result.complete
      ? `INCOMPLETE ${o.file}: nothing failed, but ${open.map((i) => i.detail).join('; ')}`
      : `VERIFIED ${o.file}${warned > 0 ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}`;
  if (o.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: result.ok, complete: result.complete, verdict, anchors, items: result.items }, null, 2)}\n`,
    );
  } else {
    if (!o.logKey) {
      io.stderr.write(
        '\n*** WARNING: no --log-key given. The package is checked against the key it carries ***\n' +
          '*** itself; anyone who forged the package could have replaced that key as well.   ***\n\n',
      );
    }
    printItems(result.items, io.stdout);
    io.stdout.write(`checked against: ${anchors.join('; ')}\n${verdict}\n`);
  }
  return !result.ok ? 1 : result.complete ? 0 : EXIT_INCOMPLETE;
}

/** The base64 DER of the (first) certificate of a PEM file. */
function pemCertificate(file: string): string {
  const match =
    /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]{1,65536}?)-----END CERTIFICATE-----/.exec(
      readFileSync(file, 'utf8'),
    );
  if (!match) throw new Error(`--tsa-root ${file} holds no PEM certificate`);
  return match[1]!.replace(/\s+/g, '');
}
