import { base64Encode, parseNote, parseVerifierKey, type Checkpoint } from '@proofline/note';
import { type PopulationFilter } from '@proofline/records';
import type { Hash } from '@proofline/tlog';
import { malformed } from './errors.js';
import { checkFilter, type PopulationProof } from './population.js';
import { SAMPLE_ALGORITHM } from './sample.js';
import type { ControlSummary } from './control-view.js';
import type { PopulationSummary } from './check.js';
import type { CheckpointSummary, ReportData, SampleRow, StatementRow } from './report.js';
import { cosignatureLines, tokenTimes, type TokenTime } from './trust.js';
import { MAX_STATEMENTS, memberRecordId, statementMember } from './statements.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.proofline.evidence.v1+json';
export const SAMPLE_MEDIA_TYPE = 'application/vnd.proofline.sample.v1+json';
export const GENERATOR = '@proofline/evidence 0.1.0';

/** Member names of an evidence package (bundles are bundles/<record id>.json|.tlog-proof). */
export const FILES = {
  manifest: 'manifest.json',
  sums: 'SHA256SUMS',
  readme: 'README.txt',
  logKey: 'log-key.txt',
  logKeyPem: 'log-key.pem',
  proof: 'population/proof.json',
  population: 'population/population.jsonl',
  csv: 'population/population.csv',
  sample: 'sample.json',
  controls: 'controls.json',
  reportHtml: 'report.html',
  reportPdf: 'report.pdf',
  /** The offline verifier page (self-contained HTML; see page/). */
  page: 'verify.html',
  consistency: 'checkpoints/consistency-start-end.txt',
  consistencyLatest: 'checkpoints/consistency-end-latest.txt',
  /** The log's key history (key-history.ts), only in packages of a log that retired a key. */
  keyHistory: 'key-history.json',
} as const;

export type CheckpointName = 'start' | 'end' | 'latest';

/** The files of one checkpoint: the note, its signed text, and the log key's raw signature. */
export function checkpointFiles(which: CheckpointName) {
  return {
    note: `checkpoints/${which}.checkpoint`,
    text: `checkpoints/${which}.txt`,
    sig: `checkpoints/${which}.sig`,
  };
}

export interface Manifest {
  readonly mediaType: typeof MANIFEST_MEDIA_TYPE;
  readonly createdAt: string;
  readonly generator: string;
  readonly report: { readonly format: string; readonly pdfkit: string };
  readonly source: string;
  readonly log: string;
  readonly origin: string;
  readonly logKey: string;
  readonly period: { readonly from: string; readonly to: string };
  /** Which records of the period form the audit population. */
  readonly filter: PopulationFilter;
  readonly range: { readonly start: number; readonly end: number };
  readonly counts: {
    readonly segment: number;
    readonly population: number;
    readonly sample: number;
  };
  readonly sample: {
    readonly mode: 'sample' | 'all';
    readonly algorithm: string;
    readonly seed: string;
    readonly seedSource: 'end-checkpoint-root' | 'given';
    readonly size: number;
  };
  readonly warnings: readonly string[];
  /**
   * Present exactly when the package carries key-history.json: the number of handover notes
   * in it. Unsigned, like the rest of the manifest: it cannot switch a check off (a record
   * sealed by a retired key fails without the history, whatever this says).
   */
  readonly keyHistory?: { readonly handovers: number };
  /**
   * Present exactly when the package carries transparent statements: the record ids of their
   * registrations, each the member `statements/<id>.cose` (statements.ts). Unsigned: every
   * statements/ member is checked whatever this says, and one it does not list fails.
   */
  readonly statements?: readonly string[];
}

/** A drawn sample, as sample.json holds it (and `proofline sample` prints). */
export interface SampleDocument {
  readonly mediaType: typeof SAMPLE_MEDIA_TYPE;
  readonly algorithm: string;
  readonly mode: 'sample' | 'all';
  readonly seed: string;
  readonly seedSource: 'end-checkpoint-root' | 'given';
  readonly populationSize: number;
  readonly size: number;
  /** In draw order: population position, log index and record id. */
  readonly records: readonly {
    readonly position: number;
    readonly index: number;
    readonly id: string;
  }[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function exact(value: unknown, where: string, keys: string[], optional: string[] = []): Json {
  if (!isObject(value)) throw malformed(`${where}: must be a JSON object`);
  for (const k of Object.keys(value)) {
    if (!keys.includes(k) && !optional.includes(k))
      throw malformed(`${where}: unknown member ${JSON.stringify(k)}`);
  }
  for (const k of keys) if (!Object.hasOwn(value, k)) throw malformed(`${where}: ${k} is required`);
  return value;
}

const count = (v: unknown, where: string): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw malformed(`${where}: must be a count`);
  return v as number;
};
const text = (v: unknown, where: string, max = 4096): string => {
  if (typeof v !== 'string' || v.length > max) throw malformed(`${where}: must be a string`);
  return v;
};

/** Parses manifest.json (a parsed JSON value) strictly. Throws EvidenceError MALFORMED. */
export function parseManifest(value: unknown): Manifest {
  const m = exact(
    value,
    'manifest',
    [
      'mediaType',
      'createdAt',
      'generator',
      'report',
      'source',
      'log',
      'origin',
      'logKey',
      'period',
      'filter',
      'range',
      'counts',
      'sample',
      'warnings',
    ],
    ['keyHistory', 'statements'],
  );
  if (m.mediaType !== MANIFEST_MEDIA_TYPE)
    throw malformed(`manifest: mediaType must be ${MANIFEST_MEDIA_TYPE}`);
  const report = exact(m.report, 'manifest/report', ['format', 'pdfkit']);
  const period = exact(m.period, 'manifest/period', ['from', 'to']);
  const range = exact(m.range, 'manifest/range', ['start', 'end']);
  const counts = exact(m.counts, 'manifest/counts', ['segment', 'population', 'sample']);
  const sample = exact(m.sample, 'manifest/sample', [
    'mode',
    'algorithm',
    'seed',
    'seedSource',
    'size',
  ]);
  if (sample.mode !== 'sample' && sample.mode !== 'all')
    throw malformed('manifest/sample/mode: sample or all');
  if (sample.seedSource !== 'end-checkpoint-root' && sample.seedSource !== 'given') {
    throw malformed('manifest/sample/seedSource: end-checkpoint-root or given');
  }
  if (!Array.isArray(m.warnings) || m.warnings.length > 100)
    throw malformed('manifest/warnings: an array');
  return {
    mediaType: MANIFEST_MEDIA_TYPE,
    createdAt: text(m.createdAt, 'manifest/createdAt', 64),
    generator: text(m.generator, 'manifest/generator', 256),
    report: {
      format: text(report.format, 'manifest/report/format'),
      pdfkit: text(report.pdfkit, 'manifest/report/pdfkit'),
    },
    source: text(m.source, 'manifest/source'),
    log: text(m.log, 'manifest/log', 63),
    origin: text(m.origin, 'manifest/origin'),
    logKey: text(m.logKey, 'manifest/logKey', 1024),
    period: {
      from: text(period.from, 'manifest/period/from', 64),
      to: text(period.to, 'manifest/period/to', 64),
    },
    filter: checkFilter(m.filter, 'manifest/filter'),
    range: {
      start: count(range.start, 'manifest/range/start'),
      end: count(range.end, 'manifest/range/end'),
    },
    counts: {
      segment: count(counts.segment, 'manifest/counts/segment'),
      population: count(counts.population, 'manifest/counts/population'),
      sample: count(counts.sample, 'manifest/counts/sample'),
    },
    sample: {
      mode: sample.mode,
      algorithm: text(sample.algorithm, 'manifest/sample/algorithm'),
      seed: text(sample.seed, 'manifest/sample/seed', 128),
      seedSource: sample.seedSource,
      size: count(sample.size, 'manifest/sample/size'),
    },
    warnings: m.warnings.map((w, i) => text(w, `manifest/warnings/${i}`)),
    ...(m.keyHistory === undefined
      ? {}
      : {
          keyHistory: {
            handovers: count(
              exact(m.keyHistory, 'manifest/keyHistory', ['handovers']).handovers,
              'manifest/keyHistory/handovers',
            ),
          },
        }),
    ...(m.statements === undefined ? {} : { statements: statementIds(m.statements) }),
  };
}

/** manifest.statements: distinct record ids, at most MAX_STATEMENTS, at least one. */
function statementIds(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_STATEMENTS)
    throw malformed(`manifest/statements: an array of 1 to ${MAX_STATEMENTS} record ids`);
  const ids = v.map((id: unknown, i) => {
    if (typeof id !== 'string' || memberRecordId(statementMember(id)) !== id)
      throw malformed(`manifest/statements/${i}: must be a record id`);
    return id;
  });
  if (new Set(ids).size !== ids.length) throw malformed('manifest/statements: a repeated id');
  return ids;
}

/** Parses a sample document strictly. Throws EvidenceError MALFORMED. */
export function parseSampleDocument(value: unknown): SampleDocument {
  const s = exact(value, 'sample', [
    'mediaType',
    'algorithm',
    'mode',
    'seed',
    'seedSource',
    'populationSize',
    'size',
    'records',
  ]);
  if (s.mediaType !== SAMPLE_MEDIA_TYPE)
    throw malformed(`sample: mediaType must be ${SAMPLE_MEDIA_TYPE}`);
  if (s.algorithm !== SAMPLE_ALGORITHM)
    throw malformed(`sample: unknown algorithm (expected ${SAMPLE_ALGORITHM})`);
  if (s.mode !== 'sample' && s.mode !== 'all') throw malformed('sample/mode: sample or all');
  if (s.seedSource !== 'end-checkpoint-root' && s.seedSource !== 'given')
    throw malformed('sample/seedSource');
  if (!Array.isArray(s.records)) throw malformed('sample/records: an array');
  const size = count(s.size, 'sample/size');
  if (s.records.length !== size) throw malformed('sample/records: size entries expected');
  return {
    mediaType: SAMPLE_MEDIA_TYPE,
    algorithm: SAMPLE_ALGORITHM,
    mode: s.mode,
    seed: text(s.seed, 'sample/seed', 128),
    seedSource: s.seedSource,
    populationSize: count(s.populationSize, 'sample/populationSize'),
    size,
    records: s.records.map((r, i) => {
      const e = exact(r, `sample/records/${i}`, ['position', 'index', 'id']);
      return {
        position: count(e.position, `sample/records/${i}/position`),
        index: count(e.index, `sample/records/${i}/index`),
        id: text(e.id, `sample/records/${i}/id`, 80),
      };
    }),
  };
}

/** The text of a consistency proof file: one base64 hash per line. */
export function proofText(hashes: readonly Hash[]): string {
  return hashes.map((h) => `${base64Encode(h)}\n`).join('');
}

/**
 * The signed text of a note and the raw 64-byte Ed25519 signature by the log key (the
 * signature line whose key name and id are the log key's), for checking with standard tools.
 */
export function noteParts(
  note: string,
  logKey: string,
): { text: string; sig: Uint8Array | undefined } {
  const parsed = parseNote(note);
  const verifier = parseVerifierKey(logKey);
  const line = parsed.signatures.find(
    (s) => s.name === verifier.name && s.keyId === verifier.keyId,
  );
  return { text: parsed.text, sig: line?.signature };
}

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32-byte key. */
const ED25519_SPKI_PREFIX = new Uint8Array([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/** The log key as an Ed25519 public key in PEM (SubjectPublicKeyInfo), for openssl. */
export function publicKeyPem(logKey: string): string {
  const key = parseVerifierKey(logKey).publicKey;
  const der = new Uint8Array(ED25519_SPKI_PREFIX.length + key.length);
  der.set(ED25519_SPKI_PREFIX);
  der.set(key, ED25519_SPKI_PREFIX.length);
  return `-----BEGIN PUBLIC KEY-----\n${base64Encode(der)}\n-----END PUBLIC KEY-----\n`;
}

/** The `proofline sample` options that select the same population. */
function filterFlags(filter: PopulationFilter): string {
  return [
    filter.type !== undefined ? ` --type ${filter.type}` : '',
    filter.control !== undefined ? ` --control '${filter.control}'` : '',
    filter.label !== undefined ? ` --label '${filter.label}'` : '',
  ].join('');
}

/** The filter as people read it. */
export function describeFilter(filter: PopulationFilter): string {
  const parts = [
    filter.type !== undefined ? `type = ${filter.type}` : '',
    filter.control !== undefined ? `control = ${filter.control}` : '',
    filter.label !== undefined ? `label ${filter.label}` : '',
  ].filter((p) => p !== '');
  return parts.length === 0 ? 'every record of the period' : `records with ${parts.join(' and ')}`;
}

function summaryOf(c: Checkpoint, publishedAt: string): CheckpointSummary {
  return { size: c.size, rootHash: base64Encode(c.rootHash), publishedAt };
}

/**
 * The report's data, from verified parts of a package (the exporter and verifier share it).
 * `timestamps` are the bundles' RFC 3161 tokens (over their anchors) in sample order; they and the end checkpoint's
 * cosignatures are listed as carried, whatever the verifier's trust policy (so that the report
 * renders the same for every verifier).
 */
export function reportData(
  manifest: Manifest,
  proof: PopulationProof,
  checkpoints: { start?: Checkpoint; end: Checkpoint; latest: Checkpoint },
  summary: PopulationSummary,
  controls: readonly ControlSummary[],
  rows: readonly SampleRow[],
  timestamps: Parameters<typeof tokenTimes>[0],
  statements: readonly StatementRow[],
): ReportData {
  const times: TokenTime[] = tokenTimes(timestamps);
  return {
    createdAt: manifest.createdAt,
    log: manifest.log,
    origin: manifest.origin,
    logKey: manifest.logKey,
    from: proof.from,
    to: proof.to,
    filter: describeFilter(manifest.filter),
    range: proof.range,
    startCheckpoint:
      proof.startCheckpoint && checkpoints.start
        ? summaryOf(checkpoints.start, proof.startCheckpoint.publishedAt)
        : null,
    endCheckpoint: summaryOf(checkpoints.end, proof.endCheckpoint.publishedAt),
    latestCheckpoint: summaryOf(checkpoints.latest, proof.latestCheckpoint.publishedAt),
    segment: summary.segment,
    population: summary.population,
    firstTime: summary.firstTime ?? null,
    lastTime: summary.lastTime ?? null,
    byType: [...summary.byTypeInPeriod.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([type, n]) => [type, n, summary.byType.get(type) ?? 0] as const),
    withoutControls: summary.withoutControls,
    controls,
    sample: {
      mode: manifest.sample.mode,
      algorithm: manifest.sample.algorithm,
      seed: manifest.sample.seed,
      seedSource: manifest.sample.seedSource,
      size: manifest.sample.size,
    },
    rows,
    cosignatures: cosignatureLines(proof.endCheckpoint.note),
    timestamps: times,
    warnings: manifest.warnings,
    statements,
  };
}

/** The JSON text of controls.json. */
export function controlsJson(
  manifest: Manifest,
  controls: readonly ControlSummary[],
  withoutControls: number,
): string {
  return `${JSON.stringify(
    {
      log: manifest.log,
      from: manifest.period.from,
      to: manifest.period.to,
      records: manifest.counts.segment,
      withoutControls,
      controls,
    },
    null,
    2,
  )}\n`;
}

/** README.txt's paragraph on key-history.json (only in packages of a log that retired a key). */
function keyHistoryReadme(handovers: number): string {
  return `
The log retired a key: key-history.json holds its key history, ${handovers} handover note${handovers === 1 ? '' : 's'}, each
signed by the retired key and its successor, naming the entries the retired key sealed. The
verifiers check them against the key you trust (the current key or a retired one): records
and checkpoints signed by a retired key verify only within its signed range. By hand,
checkpoints/NAME.sig is the signature of the key that signed that checkpoint (a retired one
for an old checkpoint, not necessarily log-key.pem's), and bundles verify with
  proofline verify bundles/ID.json --log-key "<the log key>" --key-history key-history.json
`;
}

/** README.txt's paragraph on statements/ (only in packages that carry transparent statements). */
function statementsReadme(n: number): string {
  return `
The package carries ${n} SCITT transparent statement${n === 1 ? '' : 's'} (RFC 9943): statements/ID.cose is a
signed statement the auditee registered in this log, with its receipts, named for the record
ID that registered it. The verifiers check that the record is the listing's entry and the
registration of exactly that statement, and that its receipt verifies with the log key. Who
signed a statement is checked only with issuer keys you obtain yourself:
  proofline verify-evidence THIS-FILE.zip --log-key "<the log key>" --statement-key ISSUER.pem
Without --statement-key the statements are NOT verified and the verdict is INCOMPLETE.
`;
}

/** README.txt: what the package holds, how to verify it, and what it proves and does not. */
export function readme(m: Manifest): string {
  return `PROOFLINE AUDIT EVIDENCE PACKAGE
================================

Log:     ${m.log} (${m.origin})
Period:  ${m.period.from} to ${m.period.to} (log time; the end is excluded)
Records: ${m.counts.segment} in the period; audit population: ${m.counts.population} (${describeFilter(m.filter)})
Sample:  ${m.sample.mode === 'all' ? `all ${m.sample.size} records` : `${m.sample.size} records, ${m.sample.algorithm}, seed ${m.sample.seed} (${m.sample.seedSource})`}
Created: ${m.createdAt} from ${m.source} (the exporter's statement, not signed)

Everything here verifies offline, and every file this text names is in this package. The
only things to trust are keys you obtain independently of this package: the log's public key
(from the log operator's published key, or a key you recorded before; compare it with
log-key.txt), and, if the log is witnessed or timestamped, the witnesses' keys and the
time-stamping authorities' root certificates.

  ${m.logKey}


1. VERIFY EVERYTHING AT ONCE

  proofline verify-evidence THIS-FILE.zip --log-key "<the log key you trust>" \\
    [--witness-key "<witness key>"... --witness-quorum K] \\
    [--tsa-root TSA-ROOT.pem... --require-timestamp]

It checks every item below and prints one line per item, then one verdict:
  VERIFIED      (exit 0) every check passed, against the trust anchors it names;
  NOT VERIFIED  (exit 1) a check failed: do not rely on the package;
  INCOMPLETE    (exit 3) nothing failed, but a file could not be checked (report.pdf made
                with another pdfkit version): do not rely on that file.
Without --log-key it uses the key inside the package and says so loudly: a forger could
have replaced both the key and every signature. Without --witness-key the witness
cosignatures are not checked, and without --tsa-root the timestamps are not; the verdict
says so.

Or in a browser, without installing anything: open verify.html (in this package) from the
unzipped folder, paste the log key you trust, and choose (or drop) the folder or this ZIP.
It runs the same checks on those files, in the browser, and connects to nothing, with the
witness keys and TSA root certificates you paste; it also compares an original output you
choose with a sampled record's digest (2d). It does not re-render report.pdf (report.html,
the same content, is checked). verify.html is part of this package: whoever could edit the package could edit it,
so its verdict is a convenience. It shows the log key it checked against (with no key
pasted, the package's own, in red): for an independent verdict use verify-evidence above,
or a copy of verify.html obtained separately (verify-evidence checks that this package's
verify.html is the page of the verifier you run).
${m.keyHistory ? keyHistoryReadme(m.keyHistory.handovers) : ''}${m.statements ? statementsReadme(m.statements.length) : ''}

2. CHECK BY HAND, WITH STANDARD TOOLS

a) Files. SHA256SUMS lists every other file with its SHA-256:

     unzip THIS-FILE.zip -d evidence && cd evidence && sha256sum -c SHA256SUMS

   This only shows that the files are the ones the package lists; the signatures below are
   what tie them to the log.

b) Checkpoint signatures (C2SP signed notes, Ed25519). For each checkpoint in checkpoints/,
   NAME.checkpoint is the signed note, NAME.txt the exact signed text and NAME.sig the log
   key's 64-byte signature (the bytes after the 4-byte key id in the note's signature line):

     openssl pkeyutl -verify -pubin -inkey log-key.pem -rawin -in checkpoints/end.txt -sigfile checkpoints/end.sig

   (OpenSSL 3.) Or with Go: note.Open(checkpoint, note.VerifierList(verifier)) from
   golang.org/x/mod/sumdb/note, with verifier = note.NewVerifier(the log key). Check that
   log-key.pem holds the same 32-byte key as the log key (its last 32 bytes). Signature
   lines with 72-byte signatures are witness cosignatures (C2SP tlog-cosignature: an 8-byte
   big-endian time, then an Ed25519 signature over "cosignature/v1\\ntime <time>\\n" followed
   by the signed text).

c) Proof bundles. bundles/ID.json is a Proofline proof bundle (v2) and bundles/ID.tlog-proof
   the same inclusion proof as a C2SP tlog-proof. Each proves that the sampled record is in
   its anchor, the first checkpoint of the log that covered it ("checkpoint"), and, unless
   the anchor is the end checkpoint, that the end checkpoint ("latest") extends the anchor
   (consistency proof); so the record is in the end checkpoint too:

     proofline verify bundles/ID.json --log-key "<the log key>" [--witness-key ... --witness-quorum K] [--tsa-root TSA-ROOT.pem]

   The record existed no later than its anchor's witness cosignatures and RFC 3161 tokens
   ("timestamps": over the anchor's signed text) say; "latest" carries the end checkpoint's
   own tokens. verify-evidence checks that "latest" (or the anchor, without one) is exactly
   the end checkpoint's signed text.

d) Sampled outputs. A record holds the SHA-256 digest of the output, never the output.
   Ask the auditee for the sampled output (the report lists each sampled record's digest)
   and check that it is the one the log holds:

     proofline verify bundles/ID.json --log-key "<the log key>" --file OUTPUT

   (or: sha256sum OUTPUT, and compare with the record's "digest").

e) Private labels. A record's "commitments" hold SHA-256(salt || value) of private labels;
   the attester kept the value and its 32-byte salt (proofline attest writes them to
   NAME.salts.json next to the output, not into the log). When the auditee reveals them:

     proofline reveal bundles/ID.json --log-key "<the log key>" --label NAME --value VALUE --salt SALT-BASE64
     proofline reveal bundles/ID.json --log-key "<the log key>" --label NAME --salts NAME.salts.json

   It verifies the bundle, then checks the value and salt against the record's commitment.

f) Completeness. population/population.jsonl starts with the proof (also in
   population/proof.json), then lists every entry of the period, one line each, then a
   trailer. Recompute the end checkpoint's root (RFC 6962) with a stack of subtree hashes
   and a leaf count s: push the proof's rangeProof.left hashes (the subtrees covering leaves
   [0, lo), left to right; lo = the index of the entry before the period, or the range start
   if there is none) and set s = lo. Append the leaf hash SHA-256(0x00 || entry) of the entry
   before the period, of every listed entry and of the entry after it, in order; then each
   rangeProof.right hash, left to right (the subtrees covering the rest of the tree, each the
   largest one that starts at s, has its first leaf a multiple of its size and fits in the
   end checkpoint's size). Appending a subtree of 2^k leaves (k = 0 for a leaf) with hash h:
   l = k; while bit l of s is set, pop t, set h = SHA-256(0x01 || t || h) and l = l + 1; push
   h; s = s + 2^k. Finally fold the stack from the top: h = SHA-256(0x01 || lower || h). The
   result must be the end checkpoint's root hash, and s its size.
   checkpoints/consistency-*.txt are RFC 6962 consistency proofs start -> end -> latest.

g) Sample. sample.json was drawn with ${m.sample.algorithm} from the seed
   ${m.sample.seedSource === 'end-checkpoint-root' ? "= the end checkpoint's root hash, so neither the auditee nor the auditor chose it" : '= given by whoever exported the package'}.
   The c-th number of the stream (c = 0, 1, ...) is the first 8 bytes, big-endian, of
   HMAC-SHA-256(key = seed, message = c as 8 bytes big-endian). A number in [0, m): take
   numbers until one is below 2^64 - (2^64 mod m), and take it mod m. With N the population
   size (population/population.csv, positions 0 to N - 1 in log order): for i = 0 .. k - 1,
   j = i + number in [0, N - i), swap a[i] and a[j] of a = [0, ..., N - 1]; a[i] is the i-th
   sampled position.

     proofline sample --population population/population.jsonl --size ${m.sample.size}${filterFlags(m.filter)}${m.sample.seedSource === 'given' ? ` --seed ${m.sample.seed}` : ''}

   redraws it.


3. WHAT THIS PROVES

- The listed records are exactly the log's entries [${m.range.start}, ${m.range.end}): the entries whose
  log time is in the period, none missing, none added, none altered, as the log key signed
  them in the end checkpoint.
- The entry just before and just after the range are outside the period, and log times never
  decrease along the log, so no other entry of the log has a time in the period.
- The log at the end of the period extends the log as it was before the period (start
  checkpoint) and the log when the package was made (latest checkpoint) still contains it.
- Each sampled record was drawn from a seed fixed by the log itself, and its bundle proves it
  individually, in its anchor (the first checkpoint that covered it), which the end
  checkpoint extends.
- With --witness-key: the checkpoints were cosigned by the witnesses you trust, so a log
  that showed you a different history than it showed them would need their collusion.
- With --witness-key / --tsa-root: each sampled record existed no later than its anchor was
  cosigned by your witnesses / timestamped by an authority you trust (the report lists
  these times per record as carried).

WHAT THIS DOES NOT PROVE

- A record's time is when the log accepted it, not when the event it describes happened.
- That a sampled output is the one the record describes, until you check it (2d), or what
  a private label's value is, until it is revealed (2e).
- Completeness is relative to the log: something never attested is not in it. And a log
  operator who shows different auditors different logs (a fork) is only caught by comparing
  checkpoints with others (witnesses, monitors, last year's package).
- Checkpoint publication times, the creation time and source above, and manifest.json's
  warnings are the exporter's unsigned claims; the proof does not rely on them.
- The seed comes from the end checkpoint, which the log operator could try to influence by
  adding entries before publishing it. Where that matters, draw with a seed from a public
  beacon chosen after the period.
- The reports (report.html, report.pdf) summarise the verified data; verify-evidence renders
  them again and compares them byte for byte. They list the witness cosignatures and
  timestamps the package carries; only verify-evidence with your witness keys and TSA roots
  checks them.
`;
}
