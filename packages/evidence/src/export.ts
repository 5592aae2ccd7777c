import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createWriteStream,
  mkdtempSync,
  renameSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { CosePublicKey } from '@proofline/cose';
import { parseVerifierKey, type Checkpoint } from '@proofline/note';
import {
  bundleToTlogProof,
  formatBundle,
  formatTime,
  formatTlogProof,
  parseRecord,
  recordId,
  type Bundle,
  CSV_HEADER,
  csvRow,
  type PopulationFilter,
} from '@proofline/records';
import { equalHashes, leafHash, type Hash } from '@proofline/tlog';
import { verifyBundle } from '@proofline/verify';
import { anchorTimes, endTieProblem } from './anchor.js';
import { PopulationChecker, type Item } from './check.js';
import { AuditClient, splitLines } from './client.js';
import { summarizeControls } from './controls.js';
import { EvidenceError, malformed } from './errors.js';
import {
  controlsJson,
  checkpointFiles,
  FILES,
  GENERATOR,
  MANIFEST_MEDIA_TYPE,
  noteParts,
  proofText,
  publicKeyPem,
  readme,
  reportData,
  SAMPLE_MEDIA_TYPE,
  type Manifest,
  type SampleDocument,
} from './package.js';
import {
  MAX_LINE_SIZE,
  MAX_PROOF_SIZE,
  parseJsonText,
  parseLine,
  parsePeriodTime,
  parseProof,
  type PopulationProof,
} from './population.js';
import { renderHtml, REPORT_FORMAT, type SampleRow, type StatementRow } from './report.js';
import {
  checkStatement,
  MAX_STATEMENT_SIZE,
  MAX_STATEMENTS,
  readTransparentStatement,
  statementMember,
  StatementListing,
  StatementProblem,
  packageCheckpoints,
  type HeldStatement,
  type StatementContext,
} from './statements.js';
import { pdfkitVersion, renderPdf } from './report-pdf.js';
import { isKeyHistoryCode, keyHistoryJson, KeyHistoryProblem, otherSealer } from './key-history.js';
import { checkPopulationProof, servedKeyHistory } from './proof-keys.js';
import { drawSample, SAMPLE_ALGORITHM, sampleSizeFor } from './sample.js';
import { readPage } from './verify-evidence.js';
import { ZipWriter } from './zip.js';

/** How many records get proof bundles. */
export type SampleSpec =
  | { readonly mode: 'all' }
  | { readonly mode: 'size'; readonly size: number }
  | {
      readonly mode: 'percent';
      readonly percent: string;
      readonly min?: number;
      readonly max?: number;
    };

export interface ExportOptions {
  /** Base URL of the Proofline server. */
  readonly url: string;
  /** An API key with the audit:read scope. */
  readonly apiKey: string;
  /** The log's verifier key, obtained independently: everything is checked against it. */
  readonly logKey: string;
  readonly log?: string;
  /** Period bounds: a date, an RFC 3339 UTC time or epoch milliseconds. */
  readonly from: string;
  readonly to: string;
  /** Selects the audit population among the period's records (the package holds them all). */
  readonly filter?: PopulationFilter;
  readonly sample: SampleSpec;
  /** Default: the end checkpoint's root hash. */
  readonly seed?: Uint8Array;
  /** The ZIP file to write (replaced atomically). */
  readonly out: string;
  /**
   * Transparent statements the auditee holds (statements.ts), with the names errors use: each
   * must be registered by a record of the period, with a receipt by the log key.
   */
  readonly statements?: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  /** Issuer keys to check the statements' signatures with before packaging (not packaged). */
  readonly statementKeys?: readonly CosePublicKey[];
  /** The package's creation time (default now). */
  readonly now?: () => number;
  readonly onProgress?: (phase: string, done: number, total?: number) => void;
}

export interface ExportResult {
  readonly manifest: Manifest;
  readonly items: readonly Item[];
}

/** Writes to a file stream with back-pressure, hashing what it writes. */
class HashingFile {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { mode: 0o600 });
  }

  async write(text: string): Promise<void> {
    this.hash.update(text, 'utf8');
    if (!this.stream.write(text, 'utf8')) await once(this.stream, 'drain');
  }

  async close(): Promise<string> {
    this.stream.end();
    await once(this.stream, 'close');
    return this.hash.digest('hex');
  }
}

const sha256Hex = (data: Uint8Array | string) =>
  createHash('sha256')
    .update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    .digest('hex');

/**
 * Exports an evidence package for a period: downloads the period's whole log segment with its
 * completeness proof and checks it against the trusted log key; derives the audit population
 * (filter) and draws the sample (or takes all); fetches and verifies a proof bundle per sampled
 * record, anchored to the first checkpoint that covered it and tied to the end checkpoint (its
 * `latest`, or its anchor when that is the end checkpoint); writes population listings, bundles (JSON and
 * tlog-proof), checkpoints and their signatures, the log key, the control view, an HTML and a
 * PDF report, a README, manifest.json and SHA256SUMS into one ZIP, with the given transparent
 * statements (statements.ts: each registered by a record of the listing, its receipt by the log
 * key, and signed by one of `statementKeys` when given). Refuses (EvidenceError) to package
 * anything that does not verify (a bad statement: INVALID_ARGUMENT); a key history that does
 * not hold (the server's `retiredKeys` malformed, not one chain, not naming `logKey`, or
 * missing for a checkpoint of another key) with KeyHistoryProblem and its code. A refusal
 * writes nothing at `out`.
 */
export async function exportEvidence(o: ExportOptions): Promise<ExportResult> {
  const verifier = parseVerifierKey(o.logKey);
  const client = new AuditClient(o.url, o.apiKey);
  const fromMs = parsePeriodTime(o.from, 'from');
  const toMs = parsePeriodTime(o.to, 'to');
  if (!(fromMs < toMs)) throw new EvidenceError('INVALID_ARGUMENT', 'from must be before to');
  const filter = o.filter ?? {};
  let page: Buffer;
  try {
    page = readPage();
  } catch (cause) {
    throw new EvidenceError(
      'INVALID_ARGUMENT',
      'the offline verifier page (dist/verify.html of @proofline/evidence) is not built: run npm run build',
      { cause },
    );
  }
  const held = readStatements(o.statements ?? []);
  const listing = new StatementListing(held.map((h) => h.held));
  const progress = o.onProgress ?? (() => {});
  const tmp = mkdtempSync(join(tmpdir(), 'proofline-evidence-'));
  try {
    // 1. The whole segment of the period, checked as it streams.
    const population = new HashingFile(join(tmp, 'population.jsonl'));
    const csv = new HashingFile(join(tmp, 'population.csv'));
    await csv.write(CSV_HEADER);
    const indexByPosition: number[] = [];
    const leaves: Hash[] = [];
    let proof: PopulationProof | undefined;
    let firstLine = '';
    let checker: PopulationChecker | undefined;
    let pendingCsv = '';
    const stream = await client.population({
      ...(o.log ? { log: o.log } : {}),
      from: formatTime(fromMs),
      to: formatTime(toMs),
    });
    let lineNo = 0;
    for await (const line of splitLines(stream, MAX_LINE_SIZE)) {
      lineNo++;
      await population.write(`${line}\n`);
      if (!proof) {
        firstLine = line;
        proof = parseProof(parseJsonText(line, MAX_PROOF_SIZE, 'population line 1'));
        if (Object.keys(proof.filter).length !== 0)
          throw malformed('the server filtered the segment');
        checker = new PopulationChecker(proof, filter, {
          requireFull: true,
          onListed: listing.onListed,
          onRecord: (position, index, record, _entry, leaf) => {
            indexByPosition.push(index);
            leaves.push(leaf);
            pendingCsv += csvRow(position, proof!.log, index, record, leaf);
          },
        });
        continue;
      }
      checker!.add(parseLine(line, proof.log, `population line ${lineNo}`));
      if (pendingCsv.length > 1 << 16) {
        await csv.write(pendingCsv);
        pendingCsv = '';
      }
      if (lineNo % 1000 === 0)
        progress('population', lineNo - 1, proof.range.end - proof.range.start);
    }
    await csv.write(pendingCsv);
    if (!proof || !checker) throw malformed('the population response is empty');
    progress(
      'population',
      proof.range.end - proof.range.start,
      proof.range.end - proof.range.start,
    );
    const populationHash = await population.close();
    const csvHash = await csv.close();

    // 2. The log's key history (none unless it retired a key), verified against the trusted
    // key; then signatures, consistency and completeness against the key (or key chain).
    const checked = await checkPopulationProof(
      proof,
      verifier.verifierKey,
      servedKeyHistory(client),
    );
    const { opened, signers, notes, chain } = checked;
    const items = [...checked.items];
    const { item, summary } = checker.finish(opened.end);
    items.push(item);
    const failed = items.filter((i) => i.status === 'fail');
    // A history that does not hold is named by its own code, as verify-evidence names it.
    for (const i of failed)
      if (isKeyHistoryCode(i.code)) throw new KeyHistoryProblem(i.code, i.detail);
    if (failed.length > 0 || !opened.end || !opened.latest) {
      throw malformed(
        `the server's population for the period does not verify: ${failed.map((i) => `${i.name}: ${i.detail}`).join('; ')}`,
      );
    }
    const end: Checkpoint = opened.end;
    const latest: Checkpoint = opened.latest;
    const statements = await checkStatements(held, {
      log: proof.log,
      logKeys: chain ? chain.map((k) => k.verifierKey) : [verifier.verifierKey],
      listed: listing.listed,
      checkpoints: packageCheckpoints(proof, opened),
      ...(o.statementKeys ? { issuerKeys: o.statementKeys } : {}),
    });

    // 3. The sample.
    const n = summary.population;
    const seed = o.seed ?? end.rootHash;
    const seedSource = o.seed ? ('given' as const) : ('end-checkpoint-root' as const);
    let positions: number[];
    if (o.sample.mode === 'all') {
      positions = Array.from({ length: n }, (_, i) => i);
    } else {
      const size =
        o.sample.mode === 'size'
          ? Math.min(o.sample.size, n)
          : sampleSizeFor(n, o.sample.percent, o.sample.min, o.sample.max);
      positions = drawSample(seed, n, size);
    }
    const createdAt = formatTime(o.now?.() ?? Date.now());
    const warnings = items.filter((i) => i.status === 'warn').map((i) => i.detail);
    if (o.sample.mode === 'size' && o.sample.size > n) {
      warnings.push(
        `the sample size ${o.sample.size} exceeds the population (${n}): every record is sampled`,
      );
    }
    const manifest: Manifest = {
      mediaType: MANIFEST_MEDIA_TYPE,
      createdAt,
      generator: GENERATOR,
      report: { format: REPORT_FORMAT, pdfkit: pdfkitVersion() },
      source: o.url,
      log: proof.log,
      origin: proof.origin,
      logKey: verifier.verifierKey,
      period: { from: proof.from, to: proof.to },
      filter,
      range: proof.range,
      counts: { segment: summary.segment, population: n, sample: positions.length },
      sample: {
        mode: o.sample.mode === 'all' ? 'all' : 'sample',
        algorithm: SAMPLE_ALGORITHM,
        seed: Buffer.from(seed).toString('hex'),
        seedSource,
        size: positions.length,
      },
      warnings,
      ...(chain ? { keyHistory: { handovers: notes.length } } : {}),
      ...(statements.length > 0 ? { statements: statements.map((st) => st.row.id) } : {}),
    };

    // 4. Bundles of the sampled records, anchored and tied to the end checkpoint, verified.
    const partial = join(tmp, 'package.zip');
    const zip = new ZipWriter(partial, new Date(Date.parse(createdAt)));
    const sums: [string, string][] = [];
    const add = (name: string, data: Uint8Array | string) => {
      zip.addBuffer(name, data);
      sums.push([name, sha256Hex(data)]);
    };
    const rows: SampleRow[] = [];
    const timestamps: Bundle['timestamps'][] = [];
    const sampleIndices = positions.map((p) => indexByPosition[p]!);
    const BATCH = 256;
    for (let i = 0; i < positions.length; i += BATCH) {
      const part = sampleIndices.slice(i, i + BATCH);
      const bundles = await client.bundles(proof.log, end.size, part);
      for (const [j, bundle] of bundles.entries()) {
        const position = positions[i + j]!;
        const verification = await verifyBundle(
          bundle,
          { logKey: verifier.verifierKey, ...(chain ? { keyHistory: notes } : {}) },
          { trustedCheckpoint: proof.endCheckpoint.note },
        );
        const tie = endTieProblem(bundle, proof.endCheckpoint.note);
        const why = [
          ...verification.checks
            .filter((c) => c.status === 'failed')
            .map((c) => `${c.name}: ${c.summary}`),
          ...(equalHashes(leafHash(bundle.entry), leaves[position]!)
            ? []
            : ['not the population entry']),
          ...(tie === undefined ? [] : [tie]),
        ];
        const sealer =
          chain === undefined &&
          bundle.receipt !== undefined &&
          verification.checks.some((c) => c.name === 'receipt' && c.status === 'failed')
            ? otherSealer(bundle.receipt, proof.origin, verifier.keyId)
            : undefined;
        if (sealer !== undefined) {
          throw new KeyHistoryProblem(
            'KEY_HISTORY_MISSING',
            `record ${bundle.id} (index ${bundle.index}): its receipt is sealed by another key of the log, ${sealer}, not the key you trust, and the log's description lists no retired key (retiredKeys) whose signed handover would vouch for that key`,
          );
        }
        if (!verification.ok || why.length > 0) {
          throw malformed(
            `the server's bundle for ${bundle.id} does not verify: ${why.join('; ') || 'a mandatory check did not pass'}`,
          );
        }
        const record = parseRecord(bundle.entry);
        add(`bundles/${bundle.id}.json`, `${formatBundle(bundle)}\n`);
        add(`bundles/${bundle.id}.tlog-proof`, formatTlogProof(bundleToTlogProof(bundle)));
        timestamps.push(bundle.timestamps);
        rows.push({
          position,
          index: bundle.index,
          id: bundle.id,
          time: record.time,
          type: record.type,
          digest: record.digest,
          controls: record.controls ?? [],
          anchor: anchorTimes(bundle),
          verified: true,
        });
      }
      progress('bundles', rows.length, positions.length);
    }

    // 5. Everything else.
    zip.addFile(FILES.population, population.path);
    sums.push([FILES.population, populationHash]);
    zip.addFile(FILES.csv, csv.path);
    sums.push([FILES.csv, csvHash]);
    add(FILES.proof, `${JSON.stringify(JSON.parse(firstLine), null, 2)}\n`);
    const sample: SampleDocument = {
      mediaType: SAMPLE_MEDIA_TYPE,
      algorithm: SAMPLE_ALGORITHM,
      mode: manifest.sample.mode,
      seed: manifest.sample.seed,
      seedSource,
      populationSize: n,
      size: positions.length,
      records: rows.map((r) => ({
        position: r.position,
        index: r.index,
        id: recordId(proof!.log, r.index),
      })),
    };
    add(FILES.sample, `${JSON.stringify(sample, null, 2)}\n`);
    const controls = summarizeControls(summary.byControl, rows);
    add(FILES.controls, controlsJson(manifest, controls, summary.withoutControls));
    add(FILES.logKey, `${verifier.verifierKey}\n`);
    add(FILES.logKeyPem, publicKeyPem(verifier.verifierKey));
    if (chain) add(FILES.keyHistory, keyHistoryJson(proof.log, proof.origin, notes));
    for (const st of statements) add(statementMember(st.row.id), st.bytes);
    const refs = {
      start: proof.startCheckpoint,
      end: proof.endCheckpoint,
      latest: proof.latestCheckpoint,
    };
    for (const which of ['start', 'end', 'latest'] as const) {
      const ref = refs[which];
      if (!ref) continue;
      const files = checkpointFiles(which);
      const parts = noteParts(ref.note, signers[which] ?? verifier.verifierKey);
      add(files.note, ref.note);
      add(files.text, parts.text);
      add(files.sig, parts.sig!);
    }
    add(FILES.consistency, proofText(proof.consistencyProof));
    add(FILES.consistencyLatest, proofText(proof.latestConsistencyProof));
    const data = reportData(
      manifest,
      proof,
      { ...(opened.start ? { start: opened.start } : {}), end, latest },
      summary,
      controls,
      rows,
      timestamps,
      statements.map((st) => st.row),
    );
    add(FILES.reportHtml, renderHtml(data));
    progress('report', 0);
    add(FILES.reportPdf, await renderPdf(data));
    add(FILES.readme, readme(manifest));
    add(FILES.page, page);
    add(FILES.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    zip.addBuffer(FILES.sums, sums.map(([name, hash]) => `${hash}  ${name}\n`).join(''));
    await zip.close();
    renameOrCopy(partial, o.out);
    return { manifest, items };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Reads the given statements; refuses (INVALID_ARGUMENT) one that is not transparent. */
function readStatements(
  given: readonly { name: string; bytes: Uint8Array }[],
): { name: string; held: HeldStatement }[] {
  if (given.length > MAX_STATEMENTS) {
    throw new EvidenceError('INVALID_ARGUMENT', `at most ${MAX_STATEMENTS} statements`);
  }
  return given.map(({ name, bytes }) => {
    try {
      if (bytes.length > MAX_STATEMENT_SIZE)
        throw new Error(`larger than ${MAX_STATEMENT_SIZE} bytes`);
      return { name, held: readTransparentStatement(bytes) };
    } catch (cause) {
      throw new EvidenceError('INVALID_ARGUMENT', `${name}: ${(cause as Error).message}`, {
        cause,
      });
    }
  });
}

/**
 * Checks each statement against the verified listing and the log key (and the issuer keys
 * given); refuses (INVALID_ARGUMENT) one that does not hold or two of one record. Sorted by
 * record id, as the package lists them.
 */
async function checkStatements(
  held: readonly { name: string; held: HeldStatement }[],
  ctx: StatementContext,
): Promise<{ bytes: Uint8Array; row: StatementRow }[]> {
  const out: { name: string; bytes: Uint8Array; row: StatementRow }[] = [];
  for (const { name, held: h } of held) {
    const c = await checkStatement(h, ctx);
    const problem =
      c.problem ?? (c.issuerSignature instanceof StatementProblem ? c.issuerSignature : undefined);
    if (problem || c.id === undefined) {
      throw new EvidenceError('INVALID_ARGUMENT', `${name}: ${problem?.message ?? 'not checked'}`, {
        cause: problem,
      });
    }
    out.push({
      name,
      bytes: h.bytes,
      row: { id: c.id, issuer: c.issuer, subject: c.subject, registered: true },
    });
  }
  out.sort((a, b) => (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0));
  const twice = out.find((st, i) => i > 0 && out[i - 1]!.row.id === st.row.id);
  if (twice) {
    throw new EvidenceError(
      'INVALID_ARGUMENT',
      `${twice.name}: another statement given is also registered as ${twice.row.id}`,
    );
  }
  return out.map(({ bytes, row }) => ({ bytes, row }));
}

/** Renames into place; across file systems, copies next to the target and renames there. */
function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const partial = `${to}.partial-${process.pid}`;
    copyFileSync(from, partial);
    renameSync(partial, to);
  }
}
