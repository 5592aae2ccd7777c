import canonicalize from 'canonicalize';
import { base64Decode, base64Encode, isValidKeyName, MAX_NOTE_SIZE } from '@proofline/note';
import {
  MAX_ENTRY_SIZE,
  filterProblem,
  isName,
  populationRecordLine,
  parseJson,
  parseRecord,
  parseTime,
  recordId,
  PROOF_MEDIA_TYPE,
  type BoundaryEntry as RecordsBoundaryEntry,
  type CheckpointRef,
  type PopulationFilter,
  type PopulationProofDocument,
  type RecordV1,
} from '@proofline/records';
import type { Hash } from '@proofline/tlog';
import { malformed, invalidArgument } from './errors.js';

/** Bound on one line of a population file: a 65,535-byte entry in base64 and as JSON. */
export const MAX_LINE_SIZE = 512 * 1024;
/** Bound on a proof document: four notes, two boundary entries and a few hundred hashes. */
export const MAX_PROOF_SIZE = 4 * MAX_NOTE_SIZE + 4 * MAX_ENTRY_SIZE + 64 * 1024;
/** Bound on the hashes of one proof list (consistency proofs and compact ranges). */
const MAX_PROOF_HASHES = 130;

/** The completeness proof as parsed: hashes and entries as bytes (see @proofline/records). */
export type PopulationProof = PopulationProofDocument<Hash, Uint8Array>;
export type { CheckpointRef };
/** A boundary entry as parsed (bytes). */
export type BoundaryEntry = RecordsBoundaryEntry<Uint8Array>;

/** One line of a population file after the proof line. */
export type PopulationLine =
  | {
      readonly kind: 'record';
      readonly index: number;
      readonly id: string;
      readonly entry: Uint8Array;
      readonly record: RecordV1;
    }
  | {
      readonly kind: 'excluded';
      readonly index: number;
      readonly leaf: Hash;
      /** The entry was erased (its bytes are gone; the leaf hash is the tree's). */
      readonly erased?: true;
    }
  | { readonly kind: 'trailer'; readonly records: number; readonly excluded: number };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function members(value: unknown, where: string, required: string[], optional: string[] = []) {
  if (!isObject(value)) throw malformed(`${where}: must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw malformed(`${where}: unknown member ${JSON.stringify(key)}`);
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(value, key)) throw malformed(`${where}: ${key} is required`);
  }
  return value;
}

function str(value: unknown, where: string): string {
  if (typeof value !== 'string') throw malformed(`${where}: must be a string`);
  return value;
}

function index(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw malformed(`${where}: must be a safe non-negative integer`);
  }
  return value as number;
}

function bytes(value: unknown, where: string, max: number): Uint8Array {
  const text = str(value, where);
  if (text.length > Math.ceil(max / 3) * 4) throw malformed(`${where}: too long`);
  try {
    return base64Decode(text);
  } catch (cause) {
    throw malformed(`${where}: not canonical base64`, cause);
  }
}

function hash(value: unknown, where: string): Hash {
  const h = bytes(value, where, 32);
  if (h.length !== 32) throw malformed(`${where}: a hash is 32 bytes`);
  return h;
}

function hashes(value: unknown, where: string): Hash[] {
  if (!Array.isArray(value) || value.length > MAX_PROOF_HASHES) {
    throw malformed(`${where}: must be an array of at most ${MAX_PROOF_HASHES} hashes`);
  }
  return value.map((h, i) => hash(h, `${where}/${i}`));
}

function time(value: unknown, where: string): string {
  const text = str(value, where);
  try {
    parseTime(text);
  } catch {
    throw malformed(`${where}: must be an RFC 3339 UTC time with milliseconds`);
  }
  return text;
}

function checkpointRef(value: unknown, where: string): CheckpointRef {
  const v = members(value, where, ['note', 'publishedAt']);
  const note = str(v.note, `${where}/note`);
  if (note.length > MAX_NOTE_SIZE) throw malformed(`${where}/note: too long`);
  return Object.freeze({ note, publishedAt: time(v.publishedAt, `${where}/publishedAt`) });
}

function boundary(value: unknown, where: string): BoundaryEntry | null {
  if (value === null) return null;
  const v = members(value, where, ['index', 'entry']);
  return Object.freeze({
    index: index(v.index, `${where}/index`),
    entry: bytes(v.entry, `${where}/entry`, MAX_ENTRY_SIZE),
  });
}

/** Checks a filter's members (each optional) with @proofline/records' filterProblem. */
export function checkFilter(value: unknown, where = 'filter'): PopulationFilter {
  const v = members(value, where, [], ['type', 'control', 'label']);
  const out: { -readonly [K in keyof PopulationFilter]: string } = {};
  for (const member of ['type', 'control', 'label'] as const) {
    if (v[member] === undefined) continue;
    const problem = filterProblem(member, v[member]);
    if (problem !== undefined) throw malformed(`${where}/${member}: ${problem}`);
    out[member] = v[member] as string;
  }
  return Object.freeze(out);
}

/**
 * Parses a population proof document (a parsed JSON value) strictly: exactly the documented
 * members, canonical base64, bounded lists, consistent boundary indices. Checks shapes only:
 * verifyPopulationProof checks signatures and proofs. Throws EvidenceError MALFORMED.
 */
export function parseProof(value: unknown): PopulationProof {
  const v = members(value, 'proof', [
    'mediaType',
    'log',
    'origin',
    'from',
    'to',
    'filter',
    'range',
    'startCheckpoint',
    'endCheckpoint',
    'consistencyProof',
    'before',
    'after',
    'rangeProof',
    'latestCheckpoint',
    'latestConsistencyProof',
  ]);
  if (v.mediaType !== PROOF_MEDIA_TYPE)
    throw malformed(`proof: mediaType must be ${PROOF_MEDIA_TYPE}`);
  const log = str(v.log, 'proof/log');
  if (!isName(log)) throw malformed('proof/log: invalid log name');
  const origin = str(v.origin, 'proof/origin');
  if (!isValidKeyName(origin)) throw malformed('proof/origin: invalid origin');
  const from = time(v.from, 'proof/from');
  const to = time(v.to, 'proof/to');
  if (!(parseTime(from) < parseTime(to))) throw malformed('proof: from must be before to');
  const r = members(v.range, 'proof/range', ['start', 'end']);
  const range = Object.freeze({
    start: index(r.start, 'proof/range/start'),
    end: index(r.end, 'proof/range/end'),
  });
  if (range.start > range.end) throw malformed('proof/range: start is after end');
  const before = boundary(v.before, 'proof/before');
  const after = boundary(v.after, 'proof/after');
  if ((before === null) !== (range.start === 0)) {
    throw malformed('proof/before: required exactly when range.start > 0');
  }
  if (before !== null && before.index !== range.start - 1) {
    throw malformed('proof/before/index: must be range.start - 1');
  }
  if (after !== null && after.index !== range.end) {
    throw malformed('proof/after/index: must be range.end');
  }
  const rp = members(v.rangeProof, 'proof/rangeProof', ['left', 'right']);
  return Object.freeze({
    mediaType: PROOF_MEDIA_TYPE,
    log,
    origin,
    from,
    to,
    filter: checkFilter(v.filter, 'proof/filter'),
    range,
    startCheckpoint:
      v.startCheckpoint === null ? null : checkpointRef(v.startCheckpoint, 'proof/startCheckpoint'),
    endCheckpoint: checkpointRef(v.endCheckpoint, 'proof/endCheckpoint'),
    consistencyProof: hashes(v.consistencyProof, 'proof/consistencyProof'),
    before,
    after,
    rangeProof: Object.freeze({
      left: hashes(rp.left, 'proof/rangeProof/left'),
      right: hashes(rp.right, 'proof/rangeProof/right'),
    }),
    latestCheckpoint: checkpointRef(v.latestCheckpoint, 'proof/latestCheckpoint'),
    latestConsistencyProof: hashes(v.latestConsistencyProof, 'proof/latestConsistencyProof'),
  });
}

/** The JSON value of a proof (members in the documented order, bytes in base64). */
export function proofJson(p: PopulationProof): Json {
  const b = (e: BoundaryEntry | null) =>
    e === null ? null : { index: e.index, entry: base64Encode(e.entry) };
  return {
    mediaType: p.mediaType,
    log: p.log,
    origin: p.origin,
    from: p.from,
    to: p.to,
    filter: { ...p.filter },
    range: { start: p.range.start, end: p.range.end },
    startCheckpoint: p.startCheckpoint && { ...p.startCheckpoint },
    endCheckpoint: { ...p.endCheckpoint },
    consistencyProof: p.consistencyProof.map(base64Encode),
    before: b(p.before),
    after: b(p.after),
    rangeProof: {
      left: p.rangeProof.left.map(base64Encode),
      right: p.rangeProof.right.map(base64Encode),
    },
    latestCheckpoint: { ...p.latestCheckpoint },
    latestConsistencyProof: p.latestConsistencyProof.map(base64Encode),
  };
}

/** Parses JSON text without repeated member names, bounded. Throws EvidenceError MALFORMED. */
export function parseJsonText(text: string, maxBytes: number, what: string): unknown {
  try {
    return parseJson(text, maxBytes, 'INVALID_ARGUMENT');
  } catch (cause) {
    throw malformed(`${what}: ${(cause as Error).message}`, cause);
  }
}

/**
 * Parses one line of a population file after the proof line: a record line
 * `{"index","id","entry","record"}` (the record must be the canonical record of the entry),
 * an excluded line `{"index","leaf"}` (with `"erased":true` for an erased entry), or the trailer `{"end":true,"records","excluded"}`.
 * `log` is the population's log (for the id). Throws EvidenceError MALFORMED.
 */
export function parseLine(text: string, log: string, where: string): PopulationLine {
  const value = parseJsonText(text, MAX_LINE_SIZE, where);
  if (!isObject(value)) throw malformed(`${where}: must be a JSON object`);
  if (Object.hasOwn(value, 'end')) {
    const v = members(value, where, ['end', 'records', 'excluded']);
    if (v.end !== true) throw malformed(`${where}: end must be true`);
    return {
      kind: 'trailer',
      records: index(v.records, `${where}/records`),
      excluded: index(v.excluded, `${where}/excluded`),
    };
  }
  if (Object.hasOwn(value, 'leaf')) {
    const erased = Object.hasOwn(value, 'erased');
    const v = members(value, where, erased ? ['index', 'leaf', 'erased'] : ['index', 'leaf']);
    if (erased && v.erased !== true) throw malformed(`${where}/erased: must be true`);
    return {
      kind: 'excluded',
      index: index(v.index, `${where}/index`),
      leaf: hash(v.leaf, `${where}/leaf`),
      ...(erased ? { erased: true as const } : {}),
    };
  }
  const v = members(value, where, ['index', 'id', 'entry', 'record']);
  const i = index(v.index, `${where}/index`);
  if (v.id !== recordId(log, i)) throw malformed(`${where}/id: must be ${recordId(log, i)}`);
  const entry = bytes(v.entry, `${where}/entry`, MAX_ENTRY_SIZE);
  let record: RecordV1;
  try {
    record = parseRecord(entry);
  } catch (cause) {
    throw malformed(`${where}/entry: not a canonical record: ${(cause as Error).message}`, cause);
  }
  if (canonicalize(v.record) !== new TextDecoder().decode(entry)) {
    throw malformed(`${where}/record: is not the record of the entry`);
  }
  return { kind: 'record', index: i, id: v.id as string, entry, record };
}

/** The population file line of a record (@proofline/records populationRecordLine). */
export function recordLine(log: string, index: number, entry: Uint8Array): string {
  return populationRecordLine(log, index, entry, parseRecord(entry));
}

/**
 * Milliseconds of a period bound given as YYYY-MM-DD (midnight UTC), an RFC 3339 UTC time
 * with or without fraction (YYYY-MM-DDTHH:MM[:SS[.sss]]Z) or milliseconds since the epoch.
 * Throws EvidenceError INVALID_ARGUMENT.
 */
export function parsePeriodTime(text: string, name: string): number {
  let ms: number | undefined;
  if (/^\d{1,16}$/.test(text)) ms = Number(text);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) ms = Date.parse(`${text}T00:00:00.000Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(text))
    ms = Date.parse(text);
  if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0) {
    throw invalidArgument(
      `${name} must be a date (2026-02-01), an RFC 3339 UTC time (2026-02-01T00:00:00Z) or epoch milliseconds`,
    );
  }
  const check = new Date(ms).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && check.slice(0, 10) !== text.slice(0, 10)) {
    throw invalidArgument(`${name}: ${text} is not a calendar date`);
  }
  return ms;
}
