import canonicalize from 'canonicalize';
import type { CosePublicKey } from '@proofline/cose';
import { parseVerifierKey, type Checkpoint, type Ed25519Verifier } from '@proofline/note';
import {
  bundleToTlogProof,
  formatTlogProof,
  MAX_BUNDLE_SIZE,
  MAX_TLOG_PROOF_SIZE,
  parseRecord,
  recordId,
  CSV_HEADER,
  csvRow,
} from '@proofline/records';
import { equalHashes, leafHash, type Hash } from '@proofline/tlog';
import {
  verifyBundle,
  verifyTlogProof,
  type KeyChainLink,
  type TrustPolicy,
  type Verification,
} from '@proofline/verify';
import { anchorTimes, endTieProblem, type AnchorTimes } from './anchor.js';
import {
  checkProofCheckpoints,
  fail,
  pass,
  PopulationChecker,
  unverified,
  warn,
  type Item,
} from './check.js';
import { controlView, type Catalogue } from './control-view.js';
import { splitLines } from './lines.js';
import {
  checkpointFiles,
  controlsJson,
  FILES,
  noteParts,
  parseManifest,
  parseSampleDocument,
  proofText,
  publicKeyPem,
  readme,
  reportData,
  type Manifest,
  type SampleDocument,
} from './package.js';
import {
  MAX_LINE_SIZE,
  MAX_PROOF_SIZE,
  parseJsonText,
  parseLine,
  parseProof,
  type PopulationProof,
} from './population.js';
import {
  renderHtml,
  REPORT_FORMAT,
  type ReportData,
  type SampleRow,
  type StatementRow,
} from './report.js';
import {
  checkStatement,
  MAX_STATEMENT_SIZE,
  memberRecordId,
  readTransparentStatement,
  statementItem,
  statementMember,
  StatementListing,
  StatementProblem,
  STATEMENTS_DIR,
  packageCheckpoints,
  type HeldStatement,
  type StatementContext,
} from './statements.js';
import { drawSample, parseSeed } from './sample.js';
import {
  describeChain,
  KeyHistoryProblem,
  otherSealer,
  verifyPackageKeyHistory,
} from './key-history.js';
import { trustItems } from './trust-items.js';
import { checkTrust, type EvidenceTrust } from './trust.js';

/*
 * The verification of an evidence package over its files, whatever holds them: a ZIP read by
 * verify-evidence.ts (Node, `proofline verify-evidence`) or the files an auditor drops on
 * verify.html (the browser). Browser-safe: no Node built-ins, no Buffer; hashing, the control
 * catalogue, the PDF renderer and this verifier's own verify.html come from the caller
 * (VerifyEnvironment), so both run exactly these checks.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Bounds on what a verifier reads (zip bombs): per member kind, and in total. */
export const PACKAGE_LIMITS: {
  readonly maxEntries: number;
  readonly maxSize: (name: string) => number;
  readonly maxTotal: number;
} = {
  maxEntries: 4_000_100,
  maxSize: (name) => {
    if (name === FILES.population) return 16 * GiB;
    if (name === FILES.csv) return 8 * GiB;
    if (name.endsWith('.tlog-proof')) return MAX_TLOG_PROOF_SIZE;
    if (name.startsWith(STATEMENTS_DIR)) return MAX_STATEMENT_SIZE;
    if (name.startsWith('bundles/')) return MAX_BUNDLE_SIZE + 1;
    if (name === FILES.sample || name === FILES.sums) return 512 * MiB; // then sha256SumsBound, sampleBound
    if (name === FILES.reportHtml || name === FILES.reportPdf) return 1 * GiB;
    if (name === FILES.page) return 64 * MiB;
    return 16 * MiB;
  },
  maxTotal: 64 * GiB,
};

/** A package's members, by name (`bundles/<id>.json`, `population/proof.json`, ...). */
export interface PackageFiles {
  names(): readonly string[];
  has(name: string): boolean;
  /** The member's size in bytes (0 when absent). */
  size(name: string): number;
  read(name: string): Promise<Uint8Array>;
  stream(name: string): Promise<AsyncIterable<Uint8Array>>;
}

/** An incremental SHA-256 whose digest is lowercase hex. */
export interface Sha256 {
  update(data: Uint8Array | string): void;
  digest(): string;
}

/** What the runtime provides to verifyPackage. */
export interface VerifyEnvironment {
  readonly sha256: () => Sha256;
  /** The control catalogue (data/controls.json), for re-rendering controls.json and reports. */
  readonly catalogue: Catalogue;
  /** Re-renders report.pdf; without it report.pdf is only checked against SHA256SUMS (warned). */
  readonly pdf?: { readonly version: string; render(d: ReportData): Promise<Uint8Array> };
  /**
   * The SHA-256 (hex) of the verify.html this verifier ships, to compare the package's with;
   * `self` when the verifier is that page (it cannot vouch for its own copy: warned);
   * `missing` when this verifier has none (not built: the package's page is not verified).
   */
  readonly page: string | 'self' | 'missing';
}

export interface VerifyPackageOptions extends EvidenceTrust {
  /** The log key the user trusts. Without it the package's own key is used (and warned of). */
  readonly logKey?: string;
  /**
   * The issuer keys the user trusts for the package's transparent statements (statements/);
   * without them each statement's issuer signature is NOT verified (the result not complete).
   */
  readonly statementKeys?: readonly CosePublicKey[];
  readonly onProgress?: (phase: string, done: number, total?: number) => void;
}

export interface EvidenceVerification {
  /** No item failed. */
  readonly ok: boolean;
  /** `ok`, and every item could be checked (no `unverified` item): only then VERIFIED. */
  readonly complete: boolean;
  readonly items: readonly Item[];
  readonly manifest?: Manifest;
  /** The sampled records whose bundles parsed, in sample order, with their verification. */
  readonly sample?: readonly SampleRow[];
  /**
   * The log's key chain the package was checked with, oldest key first, when it carries a
   * key history (key-history.json) that verified against the trusted key.
   */
  readonly keyChain?: readonly KeyChainLink[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The largest SHA256SUMS a package of these members can have: one line per other member,
 * `<64 hex>  <name>\n`. A larger one (a zip bomb inflating to gigabytes from a small
 * archive) is refused before it is inflated, so memory stays proportional to the member list.
 */
function sha256SumsBound(names: readonly string[]): number {
  let bound = 0;
  for (const name of names)
    if (name !== FILES.sums) bound += 64 + 2 + encoder.encode(name).length + 1;
  return bound;
}

/**
 * The largest sample.json a package with these members can have: a fixed head and at most
 * 512 bytes (indented position, index and id) per sampled record, each of which brings its
 * bundle (`bundles/<id>.json`). Refused before inflating when larger (a zip bomb).
 */
function sampleBound(names: readonly string[]): number {
  const bundles = names.filter((n) => n.startsWith('bundles/') && n.endsWith('.json')).length;
  return 64 * 1024 + 512 * bundles;
}

function summarize(names: string[], max = 8): string {
  return names.length <= max
    ? names.join(', ')
    : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * Verifies an evidence package's files (see docs/evidence.md): every file against SHA256SUMS
 * and no unlisted file; the log key (compared with `logKey` when given, loudly warned about
 * otherwise); the package's key history (key-history.json) when present or listed, verified as
 * one chain naming that key (then every signature below is checked with the key of the chain
 * that covered it, and the package's key may be another key of the chain); the three
 * checkpoints signed by it, their signature files, and the consistency
 * proofs start → end → latest; the population listing contiguous and complete for its range,
 * hashing to the end checkpoint's root, with the period's boundaries proven; the CSV listing
 * re-derived from it; the sample redrawn from its seed (the end checkpoint's root unless given)
 * and every sampled record in the population; each proof bundle with @proofline/verify under
 * the witness and TSA policy of `options` (its anchor and `latest`), tied to the end checkpoint
 * (its `latest` is the end checkpoint, or it has none and its anchor is), and its tlog-proof
 * the same proof against the same anchor (and each checkpoint of the proof's cosignatures
 * against the witness quorum); controls.json, README.txt
 * and the reports always rendered again and compared (manifest.json cannot switch that off);
 * verify.html compared with this verifier's (`env.page`). `items` may already hold the
 * caller's items about the container (archive, dropped files): they count in the verdict.
 * Returns one item per check; `complete` is false when an item could not be verified (a
 * report.pdf from another pdfkit). Never throws for a bad package; throws EvidenceError
 * INVALID_ARGUMENT for a bad policy (see checkTrust).
 */
export async function verifyPackage(
  files: PackageFiles,
  env: VerifyEnvironment,
  options: VerifyPackageOptions = {},
  items: Item[] = [],
): Promise<EvidenceVerification> {
  checkTrust(options);
  const progress = options.onProgress ?? (() => {});
  let manifest: Manifest | undefined;
  const rows: SampleRow[] = [];
  const found: { keyChain?: readonly KeyChainLink[] } = {};
  try {
    manifest = await verifyFiles(files, env, options, items, rows, progress, found);
  } catch (err) {
    items.push(fail('package', (err as Error).message));
  }
  const ok = items.every((i) => i.status !== 'fail');
  return {
    ok,
    complete: ok && items.every((i) => i.status !== 'unverified'),
    items,
    sample: rows,
    ...(manifest ? { manifest } : {}),
    ...(found.keyChain ? { keyChain: found.keyChain } : {}),
  };
}

/**
 * verify.html against this verifier's copy: the same page passes; another one is not
 * verified (an older or newer build, or an edited page: the package's own verdict page is a
 * convenience, never evidence). The page checking itself only warns that it cannot.
 */
function pageItem(hash: string | undefined, env: VerifyEnvironment): Item {
  if (hash === undefined) {
    return warn(
      FILES.page,
      'no verify.html in the package (packages made before it existed have none)',
    );
  }
  if (env.page === 'missing') {
    return unverified(
      FILES.page,
      'verify.html NOT verified: this verifier has no offline verifier page to compare it with (build it: npm run build)',
    );
  }
  if (env.page === 'self') {
    return warn(
      FILES.page,
      'this page cannot vouch for itself: it came with the package, and whoever could edit the package could edit it. For an independent verdict use proofline verify-evidence, or a verify.html obtained separately (from the Proofline release), with the log key you trust pasted above',
    );
  }
  return hash === env.page
    ? pass(FILES.page, "identical to this verifier's offline verifier page")
    : unverified(
        FILES.page,
        "verify.html NOT verified: it is not this verifier's offline verifier page (another version, or edited). Do not rely on its verdict; this command's verdict stands",
      );
}

async function verifyFiles(
  pkg: PackageFiles,
  env: VerifyEnvironment,
  options: VerifyPackageOptions,
  items: Item[],
  rows: SampleRow[],
  progress: (phase: string, done: number, total?: number) => void,
  found: { keyChain?: readonly KeyChainLink[] },
): Promise<Manifest | undefined> {
  const text = async (name: string): Promise<string | undefined> => {
    if (!pkg.has(name)) return undefined;
    return decoder.decode(await pkg.read(name));
  };
  const sha256 = (data: Uint8Array | string): string => {
    const h = env.sha256();
    h.update(data);
    return h.digest();
  };

  // 1. Checksums: every member but SHA256SUMS, listed exactly once, hashes equal.
  const hashes = new Map<string, string>();
  let done = 0;
  for (const name of pkg.names()) {
    if (name === FILES.sums) continue;
    const hash = env.sha256();
    for await (const chunk of await pkg.stream(name)) hash.update(chunk);
    hashes.set(name, hash.digest());
    if (++done % 500 === 0) progress('checksums', done, pkg.names().length);
  }
  const sumsBound = sha256SumsBound(pkg.names());
  const sumsText = pkg.size(FILES.sums) > sumsBound ? undefined : await text(FILES.sums);
  if (!pkg.has(FILES.sums)) {
    items.push(fail('checksums', 'SHA256SUMS is missing'));
  } else if (sumsText === undefined) {
    items.push(
      fail(
        'checksums',
        `SHA256SUMS is ${pkg.size(FILES.sums)} bytes, more than the ${sumsBound} bytes that listing the package's members takes: not read`,
      ),
    );
  } else {
    const listed = new Map<string, string>();
    const bad: string[] = [];
    for (const line of sumsText.split('\n')) {
      if (line === '') continue;
      const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
      if (!m || listed.has(m[2]!)) {
        bad.push(`bad or repeated line ${JSON.stringify(line.slice(0, 80))}`);
        continue;
      }
      listed.set(m[2]!, m[1]!);
    }
    const mismatched = [...listed]
      .filter(([n, h]) => hashes.has(n) && hashes.get(n) !== h)
      .map(([n]) => n);
    const missing = [...listed.keys()].filter((n) => !hashes.has(n));
    const unlisted = [...hashes.keys()].filter((n) => !listed.has(n));
    if (bad.length + mismatched.length + missing.length + unlisted.length === 0) {
      items.push(pass('checksums', `${listed.size} files match SHA256SUMS`));
    } else {
      items.push(
        fail(
          'checksums',
          [
            mismatched.length ? `content differs from SHA256SUMS: ${summarize(mismatched)}` : '',
            missing.length ? `listed but missing: ${summarize(missing)}` : '',
            unlisted.length ? `present but not listed: ${summarize(unlisted)}` : '',
            bad.length ? summarize(bad, 3) : '',
          ]
            .filter((s) => s !== '')
            .join('; '),
        ),
      );
    }
  }

  // 2. Manifest and log key.
  let manifest: Manifest;
  try {
    manifest = parseManifest(
      parseJsonText((await text(FILES.manifest)) ?? '', 16 * MiB, 'manifest.json'),
    );
    items.push(
      manifest.report.format === REPORT_FORMAT
        ? pass(
            'manifest',
            `${manifest.log} (${manifest.origin}), ${manifest.period.from} to ${manifest.period.to}, made ${manifest.createdAt}`,
          )
        : fail(
            'manifest',
            `report format ${JSON.stringify(manifest.report.format)} is not ${REPORT_FORMAT}, the one this verifier renders: README.txt and the reports cannot be checked (use the verifier of that format)`,
          ),
    );
  } catch (err) {
    items.push(fail('manifest', (err as Error).message));
    return undefined;
  }
  let packageKey: Ed25519Verifier | undefined;
  try {
    packageKey = parseVerifierKey(((await text(FILES.logKey)) ?? '').trim());
  } catch (err) {
    items.push(fail('log-key', `log-key.txt: ${(err as Error).message}`));
  }
  let trusted: Ed25519Verifier | undefined = packageKey;
  let otherKey: Ed25519Verifier | undefined;
  if (packageKey) {
    if (packageKey.verifierKey !== manifest.logKey) {
      items.push(fail('log-key', 'log-key.txt and manifest.json name different keys'));
    }
    if ((await text(FILES.logKeyPem)) !== publicKeyPem(packageKey.verifierKey)) {
      items.push(fail('log-key', 'log-key.pem is not the key of log-key.txt'));
    }
    if (options.logKey !== undefined) {
      let user: Ed25519Verifier | undefined;
      try {
        user = parseVerifierKey(options.logKey.trim());
      } catch (err) {
        items.push(fail('log-key', `--log-key: ${(err as Error).message}`));
      }
      if (user) {
        trusted = user;
        if (user.verifierKey !== packageKey.verifierKey && pkg.has(FILES.keyHistory)) {
          // Decided once the key history is verified against yours (below).
          otherKey = packageKey;
        } else
          items.push(
            user.verifierKey === packageKey.verifierKey
              ? pass(
                  'log-key',
                  `the package's key is the key you trust (${user.name}+${hex8(user.keyId)})`,
                )
              : fail(
                  'log-key',
                  `the package's key ${packageKey.name}+${hex8(packageKey.keyId)} is NOT the key you trust ${user.name}+${hex8(user.keyId)}: everything is checked against yours`,
                ),
          );
      }
    } else {
      items.push(
        warn(
          'log-key',
          `NO --log-key GIVEN: checked against the key INSIDE the package (${packageKey.name}+${hex8(packageKey.keyId)}), which a forger could have replaced along with every signature. Compare it with the log's published key, or pass --log-key.`,
        ),
      );
    }
  }
  if (!trusted) return manifest;

  // 3. The proof, its checkpoints and their files.
  let proof: PopulationProof;
  try {
    proof = parseProof(
      parseJsonText((await text(FILES.proof)) ?? '', MAX_PROOF_SIZE, 'population/proof.json'),
    );
  } catch (err) {
    items.push(fail('proof', (err as Error).message));
    return manifest;
  }
  const mismatch = [
    proof.log !== manifest.log ? 'log' : '',
    proof.origin !== manifest.origin ? 'origin' : '',
    proof.from !== manifest.period.from || proof.to !== manifest.period.to ? 'period' : '',
    proof.range.start !== manifest.range.start || proof.range.end !== manifest.range.end
      ? 'range'
      : '',
    Object.keys(proof.filter).length !== 0
      ? 'filter (the listing must hold the whole segment)'
      : '',
  ].filter((s) => s !== '');
  if (mismatch.length > 0)
    items.push(fail('proof', `proof.json and manifest.json disagree on ${mismatch.join(', ')}`));
  const history = await keyHistoryItem(pkg, manifest, trusted.verifierKey, proof, items);
  if (history) found.keyChain = history.chain;
  if (otherKey) {
    const label = (k: Ed25519Verifier) => `${k.name}+${hex8(k.keyId)}`;
    items.push(
      history?.chain.some((k) => k.verifierKey === otherKey.verifierKey)
        ? pass(
            'log-key',
            `the package's key ${label(otherKey)} is in the log's key chain that the key you trust ${label(trusted)} vouches for (key-history)`,
          )
        : fail(
            'log-key',
            `the package's key ${label(otherKey)} is NOT the key you trust ${label(trusted)}, nor a key of a key history that verifies against it: everything is checked against yours`,
          ),
    );
  }
  const {
    items: cpItems,
    opened,
    signers,
  } = await checkProofCheckpoints(proof, trusted, history?.chain);
  items.push(...cpItems);
  items.push(await checkpointFilesItem(pkg, proof, trusted.verifierKey, signers));

  // 4. The population, streamed; the CSV re-derived; the sampled positions collected.
  const statements = await readStatementMembers(pkg, manifest, options, items);
  const listing = new StatementListing(statements.map((st) => st.held));
  let sample: SampleDocument | undefined;
  try {
    const bound = sampleBound(pkg.names());
    if (pkg.size(FILES.sample) > bound) {
      throw new Error(
        `sample.json is ${pkg.size(FILES.sample)} bytes, more than the ${bound} bytes its bundles allow: not read`,
      );
    }
    sample = parseSampleDocument(
      parseJsonText((await text(FILES.sample)) ?? '', bound, 'sample.json'),
    );
  } catch (err) {
    items.push(fail('sample', (err as Error).message));
  }
  const wanted = new Map<number, number>(); // position -> order in the sample
  sample?.records.forEach((r, i) => wanted.set(r.position, i));
  const inListing = new Map<number, { index: number; leaf: Hash }>();
  const csvHash = env.sha256();
  csvHash.update(CSV_HEADER);
  let csvBuffer = '';
  let firstLine: string | undefined;
  const checker = new PopulationChecker(proof, manifest.filter, {
    requireFull: true,
    onListed: listing.onListed,
    onRecord: (position, index, record, _entry, leaf) => {
      csvBuffer += csvRow(position, proof.log, index, record, leaf);
      if (csvBuffer.length > 1 << 16) {
        csvHash.update(csvBuffer);
        csvBuffer = '';
      }
      if (wanted.has(position)) inListing.set(position, { index, leaf });
    },
  });
  let populationItem: Item;
  let summary;
  try {
    if (!pkg.has(FILES.population)) throw new Error('population/population.jsonl is missing');
    let lineNo = 0;
    for await (const line of splitLines(await pkg.stream(FILES.population), MAX_LINE_SIZE)) {
      lineNo++;
      if (lineNo === 1) {
        firstLine = line;
        continue;
      }
      checker.add(parseLine(line, proof.log, `population line ${lineNo}`));
      if (lineNo % 10_000 === 0)
        progress('population', lineNo, proof.range.end - proof.range.start);
    }
    const finished = checker.finish(opened.end);
    populationItem = finished.item;
    summary = finished.summary;
  } catch (err) {
    populationItem = fail('population', (err as Error).message);
  }
  let sameProof = false;
  try {
    sameProof =
      firstLine !== undefined &&
      canonicalize(JSON.parse(firstLine)) === canonicalize(JSON.parse((await text(FILES.proof))!));
  } catch {
    sameProof = false;
  }
  if (!sameProof) {
    items.push(
      fail(
        'population',
        'the first line of population.jsonl is not the proof of population/proof.json',
      ),
    );
  }
  items.push(populationItem);
  csvHash.update(csvBuffer);
  if (summary) {
    const countsOk =
      summary.segment === manifest.counts.segment &&
      summary.population === manifest.counts.population;
    items.push(
      hashes.get(FILES.csv) === csvHash.digest()
        ? pass(
            'population.csv',
            `${summary.population} rows, the audit population (${manifestFilter(manifest)}) derived from the listing`,
          )
        : fail(
            'population.csv',
            'population.csv is not the audit population derived from population.jsonl',
          ),
    );
    if (!countsOk)
      items.push(fail('manifest', 'the counts in manifest.json are not those of the listing'));
  }

  // 5. The sample: redrawn from the seed; every sampled record in the population.
  const verifications: Verification[] = [];
  const timestamps: NonNullable<Verification['bundle']>['timestamps'][] = [];
  if (sample && summary && opened.end) {
    items.push(checkSample(sample, manifest, summary.population, opened.end, inListing, proof.log));
  }

  // 6. Bundles.
  if (sample) {
    const expected = new Set<string>();
    let i = 0;
    for (const r of sample.records) {
      const id = recordId(proof.log, r.index);
      expected.add(`bundles/${id}.json`);
      expected.add(`bundles/${id}.tlog-proof`);
      const item = await checkBundle(pkg, id, r.index, inListing.get(r.position), proof, {
        logKey: trusted.verifierKey,
        ...(history ? { keyHistory: history.notes } : {}),
        ...trustOf(options),
      });
      items.push(item.item);
      if (item.verification) verifications.push(item.verification);
      if (item.record) {
        timestamps.push(item.verification?.bundle?.timestamps);
        rows.push({
          position: r.position,
          index: r.index,
          id,
          time: item.record.time,
          type: item.record.type,
          digest: item.record.digest,
          controls: item.record.controls ?? [],
          ...(item.anchor ? { anchor: item.anchor } : {}),
          verified: item.item.status === 'pass',
          ...(item.item.status === 'pass' ? {} : { problem: item.item.detail }),
        });
      }
      if (++i % 100 === 0) progress('bundles', i, sample.records.length);
    }
    const extra = pkg.names().filter((n) => n.startsWith('bundles/') && !expected.has(n));
    if (extra.length > 0)
      items.push(fail('bundles', `bundles of records not in the sample: ${summarize(extra)}`));
  }
  items.push(...(await trustItems(options, proof, verifications)));

  // 6b. Transparent statements: registered by a listed record, with a receipt by the log key.
  const statementRows = await checkStatementMembers(statements, items, {
    log: proof.log,
    logKeys: history ? history.chain.map((k) => k.verifierKey) : [trusted.verifierKey],
    listed: listing.listed,
    checkpoints: packageCheckpoints(proof, opened),
    ...(options.statementKeys ? { issuerKeys: options.statementKeys } : {}),
  });

  // 7. Derived files: controls, README, reports.
  if (summary && opened.end && opened.latest) {
    const controls = controlView(env.catalogue, summary.byControl, rows);
    items.push(
      hashes.get(FILES.controls) ===
        sha256(controlsJson(manifest, controls, summary.withoutControls))
        ? pass('controls', `${controls.length} control ids with their records and sampled evidence`)
        : fail(
            'controls',
            'controls.json is not the per-control view of the verified listing and sample',
          ),
    );
    // Always rendered again and compared, whatever manifest.json (unsigned) says.
    const rerender = (name: string, data: string | Uint8Array, what: string) => {
      items.push(
        hashes.get(name) === sha256(data)
          ? pass(name, `rendered again from the verified data: identical (${what})`)
          : fail(
              name,
              `differs from the rendering of the verified data: it does not show what the package proves`,
            ),
      );
    };
    rerender(FILES.readme, readme(manifest), 'instructions');
    const data = reportData(
      manifest,
      proof,
      { ...(opened.start ? { start: opened.start } : {}), end: opened.end, latest: opened.latest },
      summary,
      controls,
      rows,
      timestamps,
      statementRows,
    );
    rerender(FILES.reportHtml, renderHtml(data), 'report');
    if (env.pdf) {
      const pdf = await env.pdf.render(data);
      if (
        hashes.get(FILES.reportPdf) === sha256(pdf) ||
        manifest.report.pdfkit === env.pdf.version
      ) {
        rerender(FILES.reportPdf, pdf, 'report');
      } else {
        // pdfkit output may differ between its versions; the version in manifest.json is the
        // exporter's unsigned claim, so a difference is never a pass, and never silent.
        items.push(
          unverified(
            FILES.reportPdf,
            `report.pdf NOT verified: it differs from this verifier's rendering, and manifest.json (unsigned) says it was made with pdfkit ${manifest.report.pdfkit}, this verifier has ${env.pdf.version}. Do not rely on report.pdf; report.html has the same content and is checked above`,
          ),
        );
      }
    } else {
      items.push(
        warn(
          FILES.reportPdf,
          'report.pdf NOT re-rendered here (this verifier has no PDF renderer): only its SHA256SUMS line is checked. report.html has the same content and is checked above; proofline verify-evidence re-renders report.pdf',
        ),
      );
    }
  }
  items.push(pageItem(pkg.has(FILES.page) ? hashes.get(FILES.page) : undefined, env));

  // 8. No member the format does not define.
  const known = new Set<string>([
    ...Object.values(FILES),
    ...(['start', 'end', 'latest'] as const).flatMap((w) => Object.values(checkpointFiles(w))),
  ]);
  const unknown = pkg
    .names()
    .filter((n) => !known.has(n) && !n.startsWith('bundles/') && !n.startsWith(STATEMENTS_DIR));
  if (unknown.length > 0)
    items.push(fail('files', `members the format does not define: ${summarize(unknown)}`));
  return manifest;
}

/** A statements/ member, read (not yet checked against the listing). */
interface StatementMember {
  readonly name: string;
  readonly held: HeldStatement;
}

/**
 * The statements/ members against manifest.json's list (a member it does not list, or one it
 * lists that is absent, fails whatever else holds), each read as a transparent statement (a
 * failure is its item). A warning when the user gave issuer keys and there is no statement.
 */
async function readStatementMembers(
  pkg: PackageFiles,
  manifest: Manifest,
  options: VerifyPackageOptions,
  items: Item[],
): Promise<StatementMember[]> {
  const listed = new Set((manifest.statements ?? []).map(statementMember));
  const present = pkg.names().filter((n) => n.startsWith(STATEMENTS_DIR));
  const absent = [...listed].filter((n) => !pkg.has(n));
  // Members the manifest does not list (or not named statements/<record id>.cose): one item,
  // however many a forger adds; they are not read.
  const unlisted = present.filter((n) => !listed.has(n) || memberRecordId(n) === undefined);
  for (const [names, why] of [
    [absent, 'listed in manifest.json but absent'],
    [unlisted, 'present but manifest.json does not list them as statements/<record id>.cose'],
  ] as const) {
    if (names.length > 0) {
      items.push({
        ...fail('statements', `${why}: ${summarize([...names])}`),
        code: 'STATEMENT_UNLISTED',
      });
    }
  }
  if (present.length === 0 && (options.statementKeys?.length ?? 0) > 0) {
    items.push(
      warn(
        'statements',
        'you gave issuer keys (--statement-key), but the package carries no transparent statement',
      ),
    );
  }
  const out: StatementMember[] = [];
  const skip = new Set(unlisted);
  for (const name of present.filter((n) => !skip.has(n)).sort()) {
    try {
      out.push({ name, held: readTransparentStatement(await pkg.read(name)) });
    } catch (err) {
      const code = err instanceof StatementProblem ? err.code : 'STATEMENT_MALFORMED';
      items.push({ ...fail(`statement ${name}`, (err as Error).message), code });
    }
  }
  return out;
}

/**
 * Each read statement checked (checkStatement) against the streamed listing, its member named
 * for the record that registered it; one item each. Returns the report's rows by record id.
 */
async function checkStatementMembers(
  statements: readonly StatementMember[],
  items: Item[],
  ctx: StatementContext,
): Promise<StatementRow[]> {
  const rows: StatementRow[] = [];
  for (const { name, held } of statements) {
    const c = await checkStatement(held, ctx);
    const named = memberRecordId(name)!;
    if (c.id !== undefined && c.id !== named) {
      items.push({
        ...fail(
          `statement ${name}`,
          `named for record ${named}, but its receipt proves record ${c.id} registered it`,
        ),
        code: 'STATEMENT_UNLISTED',
      });
    } else {
      items.push(statementItem(name, c));
    }
    rows.push({
      id: c.id ?? named,
      issuer: c.issuer,
      subject: c.subject,
      registered: c.problem === undefined,
      ...(c.problem ? { problem: c.problem.message } : {}),
    });
  }
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The witness and TSA parts of the options, as TrustPolicy members. */
function trustOf(o: EvidenceTrust): EvidenceTrust {
  return {
    ...(o.witnesses ? { witnesses: o.witnesses } : {}),
    ...(o.timestampAuthorities ? { timestampAuthorities: o.timestampAuthorities } : {}),
    ...(o.requireTimestamp ? { requireTimestamp: true } : {}),
  };
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function manifestFilter(m: Manifest): string {
  const keys = Object.entries(m.filter).map(([k, v]) => `${k}=${v as string}`);
  return keys.length === 0 ? 'no filter' : keys.join(', ');
}

/**
 * The package's key history, verified against the trusted key whenever key-history.json is
 * present (whatever manifest.json says: it is unsigned); the `key-history` item names the
 * chain, or why it fails (KeyHistoryCode). Undefined when there is none or it fails: records
 * sealed by a retired key then fail on their own.
 */
async function keyHistoryItem(
  pkg: PackageFiles,
  manifest: Manifest,
  logKey: string,
  proof: PopulationProof,
  items: Item[],
): Promise<{ notes: readonly string[]; chain: readonly KeyChainLink[] } | undefined> {
  const present = pkg.has(FILES.keyHistory);
  if (present !== (manifest.keyHistory !== undefined)) {
    items.push(
      fail(
        'key-history',
        present
          ? 'the package carries key-history.json but manifest.json does not list it'
          : 'manifest.json lists a key history but key-history.json is missing',
        present ? 'KEY_HISTORY_MALFORMED' : 'KEY_HISTORY_MISSING',
      ),
    );
  }
  if (!present) return undefined;
  try {
    const value = parseJsonText(
      decoder.decode(await pkg.read(FILES.keyHistory)),
      PACKAGE_LIMITS.maxSize(FILES.keyHistory),
      FILES.keyHistory,
    );
    const history = await verifyPackageKeyHistory(value, logKey, proof.log, proof.origin);
    if (manifest.keyHistory && manifest.keyHistory.handovers !== history.notes.length) {
      throw new KeyHistoryProblem(
        'KEY_HISTORY_MALFORMED',
        `manifest.json lists ${manifest.keyHistory.handovers} handovers, key-history.json holds ${history.notes.length}`,
      );
    }
    items.push(
      pass(
        'key-history',
        `the log's key chain, verified from ${history.notes.length} signed handover${history.notes.length === 1 ? '' : 's'} against the key you trust: ${describeChain(history.chain)}`,
      ),
    );
    return history;
  } catch (err) {
    const code = err instanceof KeyHistoryProblem ? err.code : 'KEY_HISTORY_MALFORMED';
    items.push(fail('key-history', `key-history.json: ${(err as Error).message}`, code));
    return undefined;
  }
}

/** The checkpoint files (note, signed text, raw signature) and consistency proof files. */
async function checkpointFilesItem(
  pkg: PackageFiles,
  proof: PopulationProof,
  logKey: string,
  signers: Partial<Record<'start' | 'end' | 'latest', string>>,
): Promise<Item> {
  const problems: string[] = [];
  const refs = {
    start: proof.startCheckpoint,
    end: proof.endCheckpoint,
    latest: proof.latestCheckpoint,
  };
  for (const which of ['start', 'end', 'latest'] as const) {
    const files = checkpointFiles(which);
    const ref = refs[which];
    if (!ref) {
      if (pkg.has(files.note))
        problems.push(`${files.note} present but the proof has no ${which} checkpoint`);
      continue;
    }
    for (const f of Object.values(files)) if (!pkg.has(f)) problems.push(`${f} is missing`);
    if (!pkg.has(files.note)) continue;
    if (decoder.decode(await pkg.read(files.note)) !== ref.note) {
      problems.push(`${files.note} is not the ${which} checkpoint of the proof`);
      continue;
    }
    try {
      const parts = noteParts(ref.note, signers[which] ?? logKey);
      if (pkg.has(files.text) && decoder.decode(await pkg.read(files.text)) !== parts.text) {
        problems.push(`${files.text} is not the signed text of ${files.note}`);
      }
      if (pkg.has(files.sig) && (!parts.sig || !equalBytes(await pkg.read(files.sig), parts.sig))) {
        problems.push(
          `${files.sig} is not the signature in ${files.note} of the log key that signed it`,
        );
      }
    } catch (err) {
      problems.push(`${files.note}: ${(err as Error).message}`);
    }
  }
  const consistency: [string, readonly Hash[]][] = [
    [FILES.consistency, proof.consistencyProof],
    [FILES.consistencyLatest, proof.latestConsistencyProof],
  ];
  for (const [name, hashes] of consistency) {
    if (!pkg.has(name) || decoder.decode(await pkg.read(name)) !== proofText(hashes)) {
      problems.push(`${name} is missing or not the proof's consistency proof`);
    }
  }
  return problems.length === 0
    ? pass(
        'checkpoint-files',
        "checkpoints/ holds the proof's checkpoints, their signed texts and log-key signatures, and its consistency proofs",
      )
    : fail('checkpoint-files', problems.join('; '));
}

function checkSample(
  sample: SampleDocument,
  manifest: Manifest,
  populationSize: number,
  end: Checkpoint,
  found: ReadonlyMap<number, { index: number }>,
  log: string,
): Item {
  const problems: string[] = [];
  if (sample.populationSize !== populationSize) {
    problems.push(
      `drawn from a population of ${sample.populationSize}, the listing has ${populationSize}`,
    );
  }
  if (
    sample.mode !== manifest.sample.mode ||
    sample.seed !== manifest.sample.seed ||
    sample.seedSource !== manifest.sample.seedSource ||
    sample.size !== manifest.sample.size ||
    sample.size !== manifest.counts.sample
  ) {
    problems.push('sample.json and manifest.json disagree');
  }
  let expected: number[] | undefined;
  if (sample.mode === 'all') {
    expected = Array.from({ length: populationSize }, (_, i) => i);
  } else {
    let seed: Uint8Array | undefined;
    try {
      seed = parseSeed(sample.seed);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (seed && sample.seedSource === 'end-checkpoint-root' && !equalHashes(seed, end.rootHash)) {
      problems.push("the seed is not the end checkpoint's root hash");
    }
    if (seed && sample.size <= populationSize)
      expected = drawSample(seed, populationSize, sample.size);
    else if (seed)
      problems.push(`a sample of ${sample.size} cannot come from ${populationSize} records`);
  }
  if (expected) {
    const got = sample.records.map((r) => r.position);
    const firstDiff = expected.findIndex((p, i) => got[i] !== p);
    if (got.length !== expected.length || firstDiff >= 0) {
      problems.push(
        `the sample is not the redraw from the seed (first difference at draw ${firstDiff >= 0 ? firstDiff + 1 : got.length}: expected position ${expected[firstDiff] ?? '-'})`,
      );
    }
  }
  for (const r of sample.records) {
    const f = found.get(r.position);
    if (!f)
      problems.push(`sampled position ${r.position} (${r.id}) is not in the population listing`);
    else if (f.index !== r.index || r.id !== recordId(log, r.index)) {
      problems.push(
        `sampled position ${r.position} is index ${f.index} in the listing, not ${r.index}`,
      );
    }
    if (problems.length > 20) break;
  }
  return problems.length === 0
    ? pass(
        'sample',
        sample.mode === 'all'
          ? `all ${sample.size} records of the population`
          : `${sample.size} of ${populationSize} redrawn from seed ${sample.seed.slice(0, 16)}… (${sample.seedSource === 'end-checkpoint-root' ? "the end checkpoint's root" : 'given'}): identical; every sampled record is in the listing`,
      )
    : fail('sample', problems.slice(0, 20).join('; '));
}

async function checkBundle(
  pkg: PackageFiles,
  id: string,
  index: number,
  listed: { index: number; leaf: Hash } | undefined,
  proof: PopulationProof,
  policy: TrustPolicy,
): Promise<{
  item: Item;
  record?: ReturnType<typeof parseRecord>;
  verification?: Verification;
  anchor?: AnchorTimes;
}> {
  const name = `bundle ${id}`;
  const json = `bundles/${id}.json`;
  const tlog = `bundles/${id}.tlog-proof`;
  if (!pkg.has(json)) return { item: fail(name, `${json} is missing`) };
  const text = decoder.decode(await pkg.read(json));
  const options = { trustedCheckpoint: proof.endCheckpoint.note };
  const v = await verifyBundle(text.endsWith('\n') ? text.slice(0, -1) : text, policy, options);
  const problems = v.checks
    .filter((c) => c.status === 'failed')
    .map((c) => `${c.name}: ${c.summary}`);
  if (v.ok && v.index !== index) problems.push(`proves index ${v.index}, the sample says ${index}`);
  const receiptFailed = v.checks.some((c) => c.name === 'receipt' && c.status === 'failed');
  const sealer =
    policy.keyHistory === undefined && receiptFailed && v.bundle?.receipt !== undefined
      ? otherSealer(v.bundle.receipt, proof.origin, parseVerifierKey(policy.logKey).keyId)
      : undefined;
  if (sealer !== undefined) {
    return {
      item: fail(
        name,
        `record ${id} (index ${index}): its receipt is sealed by another key of the log, ${sealer}, not the key you trust, and the package carries no key history (key-history.json) that verifies and whose signed handovers would vouch for that key: NOT verified (${problems.join('; ')})`,
        'KEY_HISTORY_MISSING',
      ),
      verification: v,
    };
  }
  const tie = v.bundle && endTieProblem(v.bundle, proof.endCheckpoint.note);
  if (tie) problems.push(tie);
  if (v.bundle && listed && !equalHashes(leafHash(v.bundle.entry), listed.leaf)) {
    problems.push('its entry differs from the population listing');
  }
  if (!listed) problems.push('not in the population listing');
  if (!pkg.has(tlog)) problems.push(`${tlog} is missing`);
  else {
    const tlogText = decoder.decode(await pkg.read(tlog));
    // A tlog-proof carries no timestamps: it is checked with the log and witness keys only,
    // against the bundle's anchor, consistent with the end checkpoint by the bundle's proof.
    const latest = v.bundle && 'latest' in v.bundle ? v.bundle.latest : undefined;
    const t = await verifyTlogProof(
      tlogText,
      {
        logKey: policy.logKey,
        ...(policy.keyHistory ? { keyHistory: policy.keyHistory } : {}),
        ...(policy.witnesses ? { witnesses: policy.witnesses } : {}),
      },
      latest ? { ...options, consistencyProof: latest.consistencyProof } : options,
    );
    if (!t.ok) {
      problems.push(
        `tlog-proof: ${t.checks
          .filter((c) => c.status === 'failed')
          .map((c) => `${c.name}: ${c.summary}`)
          .join('; ')}`,
      );
    } else if (v.bundle && tlogText !== formatTlogProof(bundleToTlogProof(v.bundle))) {
      problems.push('the tlog-proof is not the same proof as the bundle');
    }
  }
  let record;
  let anchor;
  try {
    record = v.bundle ? parseRecord(v.bundle.entry) : undefined;
    anchor = v.bundle ? anchorTimes(v.bundle) : undefined;
  } catch {
    anchor = undefined;
  }
  const trusted = v.checks
    .filter((c) => (c.name === 'witnesses' || c.name === 'timestamp') && c.status === 'passed')
    .map((c) => `, ${c.name}`)
    .join('');
  const item =
    problems.length === 0
      ? pass(
          name,
          `index ${index}: record, receipt, inclusion in its anchor (size ${anchor?.size ?? '?'}) and its signature${trusted}, consistency with the end checkpoint; tlog-proof too`,
        )
      : fail(name, problems.join('; '));
  return { item, verification: v, ...(record ? { record } : {}), ...(anchor ? { anchor } : {}) };
}
