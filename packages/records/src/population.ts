import canonicalize from 'canonicalize';
import { base64Encode } from '@proofline/note';
import type { Hash } from '@proofline/tlog';
import type { RecordV1 } from './record.js';
import { recordId } from './recordid.js';
import { CONTROL_PATTERN, LABEL_NAME_PATTERN, STATEMENT_TYPE_PATTERN } from './statement.js';

/*
 * The population format (docs/evidence.md): which records of a period an audit selects, and
 * the CSV listing of them. The server streams listings in it and @proofline/evidence writes
 * and re-checks them, so both produce the same bytes for the same records.
 */

/** Media type of the population proof document (also the first line of a population file). */
export const PROOF_MEDIA_TYPE = 'application/vnd.proofline.population-proof.v1+json';
/** Media type of a population file: proof line, one line per entry, trailer line. */
export const POPULATION_MEDIA_TYPE = 'application/vnd.proofline.population.v1+jsonl';
/**
 * Which records of the period form the audit population. Every member is optional; a
 * record matches when it matches all given members.
 *
 * - `type`: the record's `type` equals it.
 * - `control`: the record's `controls` contain it.
 * - `label`: "name:value" (split at the first colon): the record has that label value.
 */
export interface PopulationFilter {
  readonly type?: string;
  readonly control?: string;
  readonly label?: string;
}

/** Bound on a label filter: a 64-character name, ':' and a 256-character value. */
const MAX_LABEL_FILTER_LENGTH = 321;

/**
 * Why `value` is not a valid `member` of a PopulationFilter, or undefined when it is: `type`
 * a statement type, `control` a control id, `label` "name:value" with a label name, at most
 * 321 characters. The one check of a filter, for the server's query and the evidence files.
 */
export function filterProblem(member: keyof PopulationFilter, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  switch (member) {
    case 'type':
      return STATEMENT_TYPE_PATTERN.test(value)
        ? undefined
        : `must match ${STATEMENT_TYPE_PATTERN.source}`;
    case 'control':
      return CONTROL_PATTERN.test(value) ? undefined : 'is not a valid control id';
    case 'label': {
      const colon = value.indexOf(':');
      const ok =
        colon >= 1 &&
        LABEL_NAME_PATTERN.test(value.slice(0, colon)) &&
        value.length <= MAX_LABEL_FILTER_LENGTH;
      return ok ? undefined : 'must be name:value';
    }
  }
}

/** Whether `record` belongs to the population `filter` selects. */
export function matchesFilter(record: RecordV1, filter: PopulationFilter): boolean {
  if (filter.type !== undefined && record.type !== filter.type) return false;
  if (filter.control !== undefined && !(record.controls ?? []).includes(filter.control)) {
    return false;
  }
  if (filter.label !== undefined) {
    const colon = filter.label.indexOf(':');
    const name = filter.label.slice(0, colon);
    const labels = record.labels;
    if (!labels || !Object.hasOwn(labels, name) || labels[name] !== filter.label.slice(colon + 1)) {
      return false;
    }
  }
  return true;
}

/** The header row of a population CSV (RFC 4180, CRLF line ends, UTF-8). */
export const CSV_HEADER =
  'position,index,id,time,type,subject,digest,controls,labels,leaf_hash\r\n';

/**
 * One CSV field: a value starting with = + - @, tab or CR gets a leading apostrophe (so that
 * spreadsheets never evaluate it as a formula); a value with a comma, quote, CR or LF is
 * quoted, quotes doubled.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The CSV row of the record at population `position` (0-based) and log `index`: controls
 * separated by spaces, labels as the RFC 8785 canonical JSON object, the leaf hash in base64.
 */
export function csvRow(
  position: number,
  log: string,
  index: number,
  record: RecordV1,
  leaf: Hash,
): string {
  const fields = [
    String(position),
    String(index),
    recordId(log, index),
    record.time,
    record.type,
    record.subject ?? '',
    record.digest,
    (record.controls ?? []).join(' '),
    record.labels ? (canonicalize(record.labels) ?? '') : '',
    base64Encode(leaf),
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}
