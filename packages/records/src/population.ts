import canonicalize from 'canonicalize';
import { base64Encode } from '@proofline/note';
import type { Hash } from '@proofline/tlog';
import type { RecordV1 } from './record.js';
import { recordId } from './record-id.js';
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

/** A checkpoint as published, with the log's (unsigned) claim of when it was published. */
export interface CheckpointRef {
  readonly note: string;
  /** RFC 3339 UTC with milliseconds. Not signed: informational only. */
  readonly publishedAt: string;
}

/** A log entry given in full (`E`: base64 on the wire, bytes once parsed). */
export interface BoundaryEntry<E = string> {
  readonly index: number;
  readonly entry: E;
}

/**
 * The completeness proof of a period's log segment (docs/evidence.md), the document of
 * PROOF_MEDIA_TYPE. `H` and `E` are how hashes and entries are held: base64 strings on the
 * wire (the defaults, what the server writes), bytes once parsed (@proofline/evidence).
 *
 * - `range` `[start, end)`: the indices of the entries whose time is in `[from, to)`.
 * - `endCheckpoint`: a checkpoint of size ≥ end (the first one with a record after the
 *   period when there is one). Everything is proven against its root.
 * - `before`/`after`: the entries at `start - 1` (time < from; null only when start is 0) and
 *   at `end` (time ≥ to; null only when the end checkpoint has no entry after the period).
 * - `rangeProof`: the hashes of coveringNodes(0, lo) (`left`) and coveringNodes(hi, size)
 *   (`right`), where `[lo, hi)` is the range with the boundary entries: with the leaf hashes
 *   of every entry in it, they give the end checkpoint's root.
 * - `startCheckpoint`: the last checkpoint published before `from` (null if none), and
 *   `consistencyProof` from it to the end checkpoint.
 * - `latestCheckpoint`/`latestConsistencyProof`: the log's latest checkpoint when the proof
 *   was made and the consistency proof from the end checkpoint to it.
 */
export interface PopulationProofDocument<H = string, E = string> {
  readonly mediaType: typeof PROOF_MEDIA_TYPE;
  readonly log: string;
  readonly origin: string;
  readonly from: string;
  readonly to: string;
  readonly filter: PopulationFilter;
  readonly range: { readonly start: number; readonly end: number };
  readonly startCheckpoint: CheckpointRef | null;
  readonly endCheckpoint: CheckpointRef;
  readonly consistencyProof: readonly H[];
  readonly before: BoundaryEntry<E> | null;
  readonly after: BoundaryEntry<E> | null;
  readonly rangeProof: { readonly left: readonly H[]; readonly right: readonly H[] };
  readonly latestCheckpoint: CheckpointRef;
  readonly latestConsistencyProof: readonly H[];
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

/*
 * The lines of a population file (POPULATION_MEDIA_TYPE) after the proof line, without their
 * "\n": one line per entry of the range, then the trailer. `encode` is the base64 encoder
 * (@proofline/note's; a Node process may pass a faster one that writes the same text).
 */

/** The line of an entry in the population: `{"index","id","entry","record"}`. */
export function populationRecordLine(
  log: string,
  index: number,
  entry: Uint8Array,
  record: RecordV1,
  encode: (bytes: Uint8Array) => string = base64Encode,
): string {
  return `{"index":${index},"id":${JSON.stringify(recordId(log, index))},"entry":"${encode(entry)}","record":${canonicalize(record)}}`;
}

/** The line of an entry outside the population: `{"index","leaf"}` (its leaf hash). */
export function populationExcludedLine(
  index: number,
  leaf: Hash,
  encode: (bytes: Uint8Array) => string = base64Encode,
): string {
  return `{"index":${index},"leaf":"${encode(leaf)}"}`;
}

/**
 * The line of an erased entry (its bytes are gone, its leaf hash stays in the tree):
 * `{"index","leaf","erased":true}`, with the leaf hash from the hash tiles. The trailer counts
 * it among the excluded lines; the log's erasure record says when and why.
 */
export function populationErasedLine(
  index: number,
  leaf: Hash,
  encode: (bytes: Uint8Array) => string = base64Encode,
): string {
  return `{"index":${index},"leaf":"${encode(leaf)}","erased":true}`;
}

/** The trailer line: `{"end":true,"records","excluded"}`, the counts of the lines above. */
export function populationTrailer(records: number, excluded: number): string {
  return `{"end":true,"records":${records},"excluded":${excluded}}`;
}
