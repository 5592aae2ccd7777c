import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import {
  EXISTED_NOTE,
  MAX_REPORT_ROWS,
  REPORT_FORMAT,
  TRUST_NOTE,
  STATEMENTS_NOTE,
  statementRows,
  VERIFY_STEPS,
  cosignatureRows,
  existedBy,
  facts,
  timestampRows,
  verifiedCount,
  type ReportData,
} from './report.js';

/** The pdfkit version, recorded with PDF reports (a verifier re-renders only with the same). */
export function pdfkitVersion(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('pdfkit');
  const pkg = main.slice(0, main.lastIndexOf('/js/')) + '/package.json';
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

const NAVY = '#12263f';
const GREY = '#52606d';
const RULE = '#d9e2ec';

/**
 * The PDF report (A4), with the same content as the HTML. Deterministic for the same data and
 * pdfkit version: fixed creation date, no compression, standard fonts only.
 */
export async function renderPdf(d: ReportData): Promise<Buffer> {
  // Loaded here, not at the top: pdfkit costs ~300 ms of start-up CPU, which every importer
  // of @proofline/evidence (verify-evidence of a package without a PDF, population, sample)
  // would otherwise pay.
  const { default: PDFDocument } = await import('pdfkit');
  const created = new Date(d.createdAt);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 50, bottom: 60, left: 50, right: 50 },
    compress: false,
    bufferPages: true,
    info: {
      Title: `Audit evidence: ${d.log} ${d.from.slice(0, 10)} to ${d.to.slice(0, 10)}`,
      Subject: `Proofline evidence package, ${REPORT_FORMAT}`,
      Creator: 'Proofline',
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => doc.on('end', () => resolve()));

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };

  // Title band.
  doc.rect(0, 0, doc.page.width, 92).fill(NAVY);
  doc
    .fillColor('#ffffff')
    .font('Helvetica-Bold')
    .fontSize(20)
    .text('Audit evidence report', left, 28);
  doc
    .font('Helvetica')
    .fontSize(10)
    .fillColor('#b8c4d6')
    .text(`${d.log}  |  ${d.from}  to  ${d.to}`, left, 56);
  doc.y = 112;

  // Status box.
  const ok = d.rows.every((r) => r.verified);
  const status = ok
    ? `All ${d.rows.length} sampled records verified against the log key. The population of ${d.population} records is proven complete for the period.`
    : `${d.rows.length - verifiedCount(d)} of ${d.rows.length} sampled records FAILED verification.`;
  const box = (text: string, fill: string, edge: string, color: string) => {
    doc.font('Helvetica-Bold').fontSize(10);
    const h = doc.heightOfString(text, { width: width - 24 }) + 16;
    ensure(h + 8);
    const y = doc.y;
    doc.rect(left, y, width, h).fill(fill);
    doc.rect(left, y, 4, h).fill(edge);
    doc.fillColor(color).text(text, left + 14, y + 8, { width: width - 24 });
    doc.y = y + h + 8;
  };
  box(status, ok ? '#e3f9e5' : '#ffe3e3', ok ? '#31b237' : '#e12d39', ok ? '#05400a' : '#610404');
  for (const w of d.warnings) box(w, '#fffbea', '#f0b429', '#513c06');

  const heading = (text: string) => {
    ensure(48);
    doc.moveDown(0.6);
    doc.font('Helvetica-Bold').fontSize(13).fillColor(NAVY).text(text, left, doc.y);
    const y = doc.y + 2;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(1.5)
      .strokeColor(NAVY)
      .stroke();
    doc.y = y + 6;
  };

  interface Column {
    readonly title: string;
    readonly width: number;
    readonly align?: 'left' | 'right';
    readonly mono?: boolean;
  }
  const table = (columns: Column[], rows: string[][], colors: (string | undefined)[][] = []) => {
    const total = columns.reduce((s, c) => s + c.width, 0);
    const ws = columns.map((c) => (c.width / total) * width);
    const pad = 4;
    const drawHeader = () => {
      doc.font('Helvetica-Bold').fontSize(8.5);
      const h = 16;
      const y = doc.y;
      doc.rect(left, y, width, h).fill('#eef2f7');
      let x = left;
      columns.forEach((c, i) => {
        doc.fillColor(NAVY).text(c.title, x + pad, y + 4, {
          width: ws[i]! - 2 * pad,
          align: c.align ?? 'left',
          lineBreak: false,
        });
        x += ws[i]!;
      });
      doc.y = y + h;
    };
    ensure(40);
    drawHeader();
    rows.forEach((row, r) => {
      const heights = row.map((cell, i) => {
        doc.font(columns[i]!.mono ? 'Courier' : 'Helvetica').fontSize(8.5);
        return doc.heightOfString(cell || ' ', { width: ws[i]! - 2 * pad });
      });
      const h = Math.max(...heights) + 6;
      if (doc.y + h > bottom()) {
        doc.addPage();
        drawHeader();
      }
      const y = doc.y;
      let x = left;
      row.forEach((cell, i) => {
        const c = columns[i]!;
        doc
          .font(c.mono ? 'Courier' : 'Helvetica')
          .fontSize(8.5)
          .fillColor(colors[r]?.[i] ?? '#1f2933')
          .text(cell, x + pad, y + 3, { width: ws[i]! - 2 * pad, align: c.align ?? 'left' });
        x += ws[i]!;
      });
      doc
        .moveTo(left, y + h)
        .lineTo(left + width, y + h)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke();
      doc.y = y + h;
    });
    doc.y += 4;
  };

  heading('Summary');
  table(
    [
      { title: 'Item', width: 1.1 },
      { title: 'Value', width: 4, mono: true },
    ],
    facts(d),
  );

  heading('Records by type');
  table(
    [
      { title: 'Type', width: 3 },
      { title: 'In the period', width: 1, align: 'right' },
      { title: 'In the population', width: 1.2, align: 'right' },
    ],
    d.byType.map(([t, n, p]) => [t, String(n), String(p)]),
  );

  heading('Controls');
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor(GREY)
    .text(
      'Every control id carried by a record of the period: the records that carry it, and how many of them were sampled.',
      left,
      doc.y,
      { width },
    );
  doc.moveDown(0.4);
  table(
    [
      { title: 'Control', width: 1.6, mono: true },
      { title: 'Title', width: 3 },
      { title: 'Records', width: 0.8, align: 'right' },
      { title: 'Sampled', width: 0.8, align: 'right' },
    ],
    [
      ...d.controls.map((c) => [
        c.id,
        c.title ?? '(not in the catalogue)',
        String(c.records),
        String(c.sampled.length),
      ]),
      ['(none)', 'Records without controls', String(d.withoutControls), '-'],
    ],
  );

  heading('Sample');
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor(GREY)
    .text(
      d.sample.mode === 'all'
        ? `Every record of the population (${d.sample.size}) has its proof bundle in the package.`
        : `${d.sample.size} records drawn with ${d.sample.algorithm} from seed ${d.sample.seed} (${d.sample.seedSource}). Anyone can redraw them from the same seed.`,
      left,
      doc.y,
      { width },
    );
  doc.moveDown(0.2).text(EXISTED_NOTE, left, doc.y, { width });
  doc.moveDown(0.4);
  const rows = d.rows.slice(0, MAX_REPORT_ROWS);
  table(
    [
      { title: '#', width: 0.35, align: 'right' },
      { title: 'Pos.', width: 0.6, align: 'right' },
      { title: 'Record', width: 1.3, mono: true },
      { title: 'Time; existed by', width: 2.6, mono: true },
      { title: 'Digest', width: 2.5, mono: true },
      { title: 'Type', width: 1.15 },
      { title: 'Controls', width: 1.2 },
      { title: 'Result', width: 0.95 },
    ],
    rows.map((r, i) => [
      String(i + 1),
      String(r.position),
      r.id,
      `${r.time}\n${existedBy(r, '\n')}`,
      r.digest,
      r.type,
      r.controls.join('\n'),
      r.verified ? 'verified' : `FAILED: ${r.problem ?? ''}`,
    ]),
    rows.map((r) => [...Array<undefined>(7).fill(undefined), r.verified ? '#05400a' : '#610404']),
  );
  if (d.rows.length > rows.length) {
    doc
      .font('Helvetica')
      .fontSize(9)
      .fillColor(GREY)
      .text(
        `and ${d.rows.length - rows.length} more sampled records; see bundles/ in the package.`,
      );
  }

  const note = (text: string) => {
    doc.font('Helvetica').fontSize(9).fillColor(GREY).text(text, left, doc.y, { width });
    doc.moveDown(0.4);
  };
  if (d.statements.length > 0) {
    heading('Transparent statements (SCITT)');
    note(STATEMENTS_NOTE);
    const srows = statementRows(d);
    table(
      [
        { title: 'Record', width: 1.4, mono: true },
        { title: 'Issuer', width: 1.6 },
        { title: 'Subject', width: 1.6 },
        { title: 'Registration', width: 1.4 },
      ],
      srows,
      srows.map((r) => [
        undefined,
        undefined,
        undefined,
        r[3] === 'registered' ? '#05400a' : '#610404',
      ]),
    );
  }
  heading('Witnesses of the end checkpoint');
  note(TRUST_NOTE);
  if (d.cosignatures.length === 0) note('The end checkpoint carries no witness cosignature.');
  else
    table(
      [
        { title: 'Witness', width: 3 },
        { title: 'Key id', width: 1, mono: true },
        { title: 'Cosigned at (UTC)', width: 1.6, mono: true },
      ],
      cosignatureRows(d),
    );
  heading('Trusted time (RFC 3161)');
  if (d.timestamps.length === 0) note('The bundles carry no RFC 3161 timestamp of their anchors.');
  else
    table(
      [
        { title: 'Time-stamping authority', width: 2 },
        { title: 'genTime (as the token states)', width: 3, mono: true },
      ],
      timestampRows(d),
    );

  heading('How to verify this package');
  doc.font('Helvetica').fontSize(9).fillColor('#1f2933');
  VERIFY_STEPS.forEach((s, i) => {
    ensure(30);
    doc.font('Helvetica').text(`${i + 1}.`, left, doc.y, { continued: false });
    doc.moveUp();
    doc
      .font('Courier')
      .fontSize(8.5)
      .text(s, left + 14, doc.y, { width: width - 14 });
    doc.font('Helvetica').fontSize(9).moveDown(0.3);
  });
  doc
    .fillColor(GREY)
    .text(
      'README.txt in the package says what each file proves and what it does not.',
      left,
      doc.y,
      {
        width,
      },
    );

  // Footers, below the bottom margin (which is lifted so that no page is added).
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0;
    const y = doc.page.height - 40;
    doc
      .moveTo(left, y - 6)
      .lineTo(left + width, y - 6)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor(GREY)
      .text(`Proofline evidence  |  ${d.origin}  |  generated ${d.createdAt}`, left, y, {
        width: width - 80,
        lineBreak: false,
      });
    doc.text(`Page ${i + 1} of ${range.count}`, left + width - 80, y, {
      width: 80,
      align: 'right',
      lineBreak: false,
    });
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
