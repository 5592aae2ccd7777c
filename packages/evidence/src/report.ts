import type { AnchorTimes } from './anchor.js';
import type { ControlSummary } from './control-view.js';
import type { CosignatureLine, TokenTime } from './trust.js';

/**
 * The version of the report and README layout. A verifier re-renders them only for its own
 * version, so any change to renderHtml, renderPdf or the README text must change it.
 */
export const REPORT_FORMAT = 'proofline.dev/report/v4';
/** Sampled records listed one by one in a report; the rest are summarized. */
export const MAX_REPORT_ROWS = 1000;

/** A sampled record as the report shows it. */
export interface SampleRow {
  readonly position: number;
  readonly index: number;
  readonly id: string;
  readonly time: string;
  readonly type: string;
  /** The record's digest of the output ("sha256:..."). */
  readonly digest: string;
  readonly controls: readonly string[];
  /** Its bundle's anchor and the times it carries (absent when the bundle did not parse). */
  readonly anchor?: AnchorTimes;
  /** True when every check of its bundle passed. */
  readonly verified: boolean;
  /** Failed checks, when not verified. */
  readonly problem?: string;
}

/** A transparent statement the package carries (statements/), as the report lists it. */
export interface StatementRow {
  /** The record that registered it; the member name when its registration did not verify. */
  readonly id: string;
  readonly issuer: string;
  readonly subject: string;
  /** True when its registration verified (receipt, listing, record). */
  readonly registered: boolean;
  readonly problem?: string;
}

export interface CheckpointSummary {
  readonly size: number;
  readonly rootHash: string;
  readonly publishedAt: string;
}

/** Everything a report shows: all of it re-derived from the package when verifying. */
export interface ReportData {
  readonly createdAt: string;
  readonly log: string;
  readonly origin: string;
  readonly logKey: string;
  readonly from: string;
  readonly to: string;
  readonly filter: string;
  readonly range: { readonly start: number; readonly end: number };
  readonly startCheckpoint: CheckpointSummary | null;
  readonly endCheckpoint: CheckpointSummary;
  readonly latestCheckpoint: CheckpointSummary;
  readonly segment: number;
  readonly population: number;
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  /** Per record type: [type, records in the period, records in the population]. */
  readonly byType: readonly (readonly [string, number, number])[];
  readonly withoutControls: number;
  readonly controls: readonly ControlSummary[];
  readonly sample: {
    readonly mode: 'sample' | 'all';
    readonly algorithm: string;
    readonly seed: string;
    readonly seedSource: string;
    readonly size: number;
  };
  readonly rows: readonly SampleRow[];
  /** The cosignature lines on the end checkpoint, as the package carries them. */
  readonly cosignatures: readonly CosignatureLine[];
  /** The RFC 3161 tokens over the sampled records' anchors that the bundles carry. */
  readonly timestamps: readonly TokenTime[];
  readonly warnings: readonly string[];
  /** The transparent statements of statements/, by member name (the section only when any). */
  readonly statements: readonly StatementRow[];
}

const esc = (s: string | number): string =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function verifiedCount(d: ReportData): number {
  return d.rows.filter((r) => r.verified).length;
}

export function facts(d: ReportData): [string, string][] {
  const cp = (c: CheckpointSummary | null) =>
    c ? `size ${c.size}, root ${c.rootHash}, published ${c.publishedAt}` : 'none (empty tree)';
  return [
    ['Log', `${d.log} (${d.origin})`],
    ['Log key', d.logKey],
    ['Period', `${d.from} to ${d.to} (log time, end excluded)`],
    ['Audit population', d.filter],
    ['Index range', `[${d.range.start}, ${d.range.end}): ${d.segment} records in the period`],
    ['First / last record', d.firstTime ? `${d.firstTime} / ${d.lastTime}` : 'none'],
    ['Population', `${d.population} records`],
    [
      'Sample',
      d.sample.mode === 'all'
        ? `all ${d.sample.size} records`
        : `${d.sample.size} of ${d.population}, ${d.sample.algorithm}, seed ${d.sample.seed} (${d.sample.seedSource})`,
    ],
    ['Start checkpoint', cp(d.startCheckpoint)],
    ['End checkpoint', cp(d.endCheckpoint)],
    ['Latest checkpoint', cp(d.latestCheckpoint)],
    ['Generated', d.createdAt],
  ];
}

/** What the report says of its witness and time sections: they are listed, not judged. */
export const TRUST_NOTE =
  'Listed as the package carries them, NOT verified by this report: verify-evidence with --witness-key VKEY --witness-quorum K checks the cosignatures, with --tsa-root FILE.pem the timestamps, against the witnesses and authorities you trust.';

export const cosignatureRows = (d: ReportData): string[][] =>
  d.cosignatures.map((c) => [c.name, c.keyId, c.time]);
export const timestampRows = (d: ReportData): string[][] =>
  d.timestamps.map((t) => [t.tsa, t.genTime]);

/** What the sample table's "Existed by" column is. */
export const EXISTED_NOTE =
  "Existed by: the record's anchor, the first checkpoint that covered it (by size), with the earliest witness cosignature time and RFC 3161 genTime it carries: the record existed no later than that. Listed as carried; verify-evidence checks them only with --witness-key / --tsa-root.";

/** A sampled record's time bound as its anchor carries it (unverified: see EXISTED_NOTE). */
export function existedBy(r: SampleRow, separator: string): string {
  const a = r.anchor;
  if (!a) return '-';
  const times = [
    a.cosignedAt ? `witness ${a.cosignedAt}` : '',
    a.genTime ? `TSA ${a.genTime}` : '',
  ].filter((t) => t !== '');
  return `checkpoint ${a.size}:${separator}${times.join(separator) || 'no time carried'}`;
}

/** What the report says of its statements section: registration checked, issuer not. */
export const STATEMENTS_NOTE =
  "Registered: the record is the listing's entry, derived from the statement (digest of its registered form, issuer, subject), and its receipt verifies with the log key. Who signed a statement is NOT verified by this report: verify-evidence --statement-key FILE checks each issuer signature with the issuer keys you trust.";

export const statementRows = (d: ReportData): string[][] =>
  d.statements.map((s) => [
    s.id,
    s.issuer,
    s.subject,
    s.registered ? 'registered' : `FAILED: ${s.problem ?? ''}`,
  ]);

export const VERIFY_STEPS = [
  'proofline verify-evidence PACKAGE.zip --log-key "<the log key you obtained independently>" [--witness-key VKEY... --witness-quorum K] [--tsa-root FILE.pem... --require-timestamp]',
  'sha256sum -c SHA256SUMS (after unzipping): every file is the one the package lists',
  'openssl pkeyutl -verify -pubin -inkey log-key.pem -rawin -in checkpoints/end.txt -sigfile checkpoints/end.sig',
];

/** The HTML report: one self-contained page, no scripts, no external resources. */
export function renderHtml(d: ReportData): string {
  const ok = d.rows.every((r) => r.verified);
  const rows = d.rows.slice(0, MAX_REPORT_ROWS);
  const more = d.rows.length - rows.length;
  const table = (head: string[], body: string[][], cls = '') =>
    `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body
      .map((r) => `<tr>${r.join('')}</tr>`)
      .join('')}</tbody></table>`;
  const td = (s: string | number, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(s)}</td>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="${REPORT_FORMAT}">
<title>Audit evidence: ${esc(d.log)} ${esc(d.from.slice(0, 10))} to ${esc(d.to.slice(0, 10))}</title>
<style>
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
header{background:#12263f;color:#fff;padding:24px 40px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#b8c4d6}
main{max-width:1000px;margin:0 auto;padding:24px 40px 48px;background:#fff}
h2{font-size:16px;border-bottom:2px solid #12263f;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#eef2f7;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.facts th{width:180px;background:none}
.mono,.facts td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.status{padding:12px 16px;border-radius:4px;margin:16px 0;font-weight:600}
.ok{background:#e3f9e5;color:#05400a;border-left:4px solid #31b237}
.bad{background:#ffe3e3;color:#610404;border-left:4px solid #e12d39}
.warn{background:#fffbea;color:#513c06;border-left:4px solid #f0b429}
.pass{color:#05400a;font-weight:600}.fail{color:#610404;font-weight:600}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#f0f4f8;padding:1px 4px}
</style>
</head>
<body>
<header><h1>Audit evidence report</h1><p>${esc(d.log)} &middot; ${esc(d.from)} to ${esc(d.to)}</p></header>
<main>
<div class="status ${ok ? 'ok' : 'bad'}">${
    ok
      ? `All ${d.rows.length} sampled records verified against the log key; the population of ${d.population} records is proven complete for the period.`
      : `${d.rows.length - verifiedCount(d)} of ${d.rows.length} sampled records FAILED verification.`
  }</div>
${d.warnings.map((w) => `<div class="status warn">${esc(w)}</div>`).join('\n')}
<h2>Summary</h2>
${table(
  [],
  facts(d).map(([k, v]) => [`<th>${esc(k)}</th>`, td(v)]),
  'facts',
)}
<h2>Records by type</h2>
${table(
  ['Type', 'In the period', 'In the population'],
  d.byType.map(([t, n, p]) => [td(t), td(n, 'num'), td(p, 'num')]),
)}
<h2>Controls</h2>
<p>Every control id carried by a record of the period: how many records carry it, and the sampled evidence.</p>
${table(
  ['Control', 'Title', 'Records', 'Sampled'],
  [
    ...d.controls.map((c) => [
      td(c.id, 'mono'),
      td(c.title ?? '(not in the catalogue)'),
      td(c.records, 'num'),
      td(c.sampled.length === 0 ? '-' : c.sampled.join(', '), 'mono'),
    ]),
    [td('(none)', 'mono'), td('Records without controls'), td(d.withoutControls, 'num'), td('')],
  ],
)}
<h2>Sample</h2>
<p>${
    d.sample.mode === 'all'
      ? `Every record of the population (${d.sample.size}) has its proof bundle in the package.`
      : `${d.sample.size} records drawn with ${esc(d.sample.algorithm)} from seed <code>${esc(d.sample.seed)}</code> (${esc(d.sample.seedSource)}); anyone can redraw them.`
  }</p>
<p>${esc(EXISTED_NOTE)}</p>
${table(
  ['#', 'Position', 'Record', 'Time', 'Digest', 'Type', 'Controls', 'Existed by', 'Result'],
  rows.map((r, i) => [
    td(i + 1, 'num'),
    td(r.position, 'num'),
    td(r.id, 'mono'),
    td(r.time, 'mono'),
    td(r.digest, 'mono'),
    td(r.type),
    td(r.controls.join(' '), 'mono'),
    td(existedBy(r, ' '), 'mono'),
    r.verified ? td('verified', 'pass') : td(`FAILED: ${r.problem ?? ''}`, 'fail'),
  ]),
)}
${more > 0 ? `<p>and ${more} more sampled records (${d.rows.slice(MAX_REPORT_ROWS).filter((r) => r.verified).length} verified); see bundles/ in the package.</p>` : ''}
${
  d.statements.length === 0
    ? ''
    : `<h2>Transparent statements (SCITT)</h2>
<p>${esc(STATEMENTS_NOTE)}</p>
${table(
  ['Record', 'Issuer', 'Subject', 'Registration'],
  statementRows(d).map(([id, iss, sub, status]) => [
    td(id!, 'mono'),
    td(iss!),
    td(sub!),
    td(status!, status === 'registered' ? 'pass' : 'fail'),
  ]),
)}
`
}<h2>Witnesses of the end checkpoint</h2>
<p>${esc(TRUST_NOTE)}</p>
${
  d.cosignatures.length === 0
    ? '<p>The end checkpoint carries no witness cosignature.</p>'
    : table(
        ['Witness', 'Key id', 'Cosigned at (UTC)'],
        cosignatureRows(d).map(([n, k, t]) => [td(n!), td(k!, 'mono'), td(t!, 'mono')]),
      )
}
<h2>Trusted time (RFC 3161)</h2>
${
  d.timestamps.length === 0
    ? '<p>The bundles carry no RFC 3161 timestamp of their anchors.</p>'
    : table(
        ['Time-stamping authority', 'genTime (as the token states)'],
        timestampRows(d).map(([a, g]) => [td(a!), td(g!, 'mono')]),
      )
}
<h2>How to verify this package</h2>
<ol>${VERIFY_STEPS.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ol>
<p>See README.txt in the package for what each file proves and what it does not.</p>
</main>
</body>
</html>
`;
}
