import { buildRecordAt, parseRecord, type RecordV1 } from './record.js';
import type { Statement } from './statement.js';
import { TIME_SHAPE, formatTime } from './time.js';

/** A statement's record, validated and sized once, for any time (see recordTemplate). */
export interface RecordTemplate {
  /** The entry size in bytes, whatever the time (times are fixed-width). */
  readonly size: number;
  /** The record at `timeMs` and its canonical bytes: exactly buildRecord(statement, tenant, timeMs). */
  at(timeMs: number): { record: RecordV1; bytes: Uint8Array };
}

const EPOCH = formatTime(0);
const TIME_MEMBER = `,"time":"${EPOCH}"`;
/** Offset of the time value in TIME_MEMBER. */
const TIME_VALUE_OFFSET = ',"time":"'.length;

/**
 * Builds the record of `statement` for `tenant` once (validating it: the errors of
 * buildRecord) and returns a template that yields it at any time by writing the 24 ASCII
 * bytes of the time into a copy — instead of validating and canonicalising again.
 *
 * Why the patch is exact: a record's canonical JSON (RFC 8785) orders members by name, and
 * the only top-level member after `time` is `type`, whose value has no quote (TYPE), so the
 * last `,"time":"` in the text is the top-level member (a label named `time` sorts before it,
 * inside `labels`). The value is formatTime's fixed-width ASCII string, so every byte
 * offset stays the same. Tests check it against buildRecord.
 */
export function recordTemplate(statement: Statement, tenant: string): RecordTemplate {
  const base = buildRecordAt(statement, tenant, EPOCH);
  const offset = lastIndexOf(base.bytes, TIME_MEMBER_BYTES) + TIME_VALUE_OFFSET;
  if (
    offset < TIME_VALUE_OFFSET ||
    !startsWith(base.bytes, TYPE_MEMBER_BYTES, offset + EPOCH.length + 1)
  ) {
    throw new Error('unreachable: a record ends with its time and type members');
  }
  return {
    size: base.bytes.length,
    at(timeMs) {
      const time = timeText(timeMs);
      const bytes = base.bytes.slice();
      for (let i = 0; i < time.length; i++) bytes[offset + i] = time.charCodeAt(i);
      return new TimedRecord(base.record, time, bytes);
    },
  };
}

/**
 * A template's record at one time: its bytes, and the record object made only when asked
 * for (a batch answered compactly never asks), so a large batch allocates less.
 */
class TimedRecord {
  #record: RecordV1 | undefined;

  constructor(
    private readonly base: RecordV1,
    private readonly time: string,
    readonly bytes: Uint8Array,
  ) {}

  get record(): RecordV1 {
    return (this.#record ??= Object.freeze({ ...this.base, time: this.time }));
  }
}

/** formatTime, remembering the last time formatted: a batch's records share one. */
function timeText(ms: number): string {
  if (ms !== lastMs) {
    lastText = formatTime(ms);
    lastMs = ms;
  }
  return lastText;
}
let lastMs = Number.NaN;
let lastText = '';

const TIME_MEMBER_BYTES = new TextEncoder().encode(TIME_MEMBER);
const TYPE_MEMBER_BYTES = new TextEncoder().encode(',"type":"');

/** The last index of `needle` in `haystack`, or -1. */
function lastIndexOf(haystack: Uint8Array, needle: Uint8Array): number {
  for (let i = haystack.length - needle.length; i >= 0; i--) {
    if (startsWith(haystack, needle, i)) return i;
  }
  return -1;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;
const TIME_LENGTH = EPOCH.length;
const TIME_KEY_BYTES = new TextEncoder().encode(',"time":"');
/** The bytes a record's `type` may hold (STATEMENT_TYPE_PATTERN of statement.ts). */
const TYPE_BYTE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-') {
  TYPE_BYTE[c.charCodeAt(0)] = 1;
}

/**
 * The `time` of a stored entry: parseRecord(entry).time, read from the end of the entry's
 * bytes without parsing them when they end as every record does.
 *
 * Why this is exact: a stored entry is a record, validated and written in RFC 8785 canonical
 * form (buildRecord, recordTemplate); canonical JSON has no whitespace and orders members by
 * name, and a record's top-level names sort as ..., `tenant`, `time`, `type` (`type` is
 * required and last). So the text ends with `,"time":"<24 ASCII characters>","type":"<type>"}`
 * where the type (TYPE: letters, digits, `._:/-`) needs no escape and has no quote: from the
 * final `"}`, the bytes back to the previous quote are the type value, and the time precedes
 * it. A label named `time` or `type` is inside `labels`, before `schema`, and a quote inside a
 * string value is escaped, so no other member can take that place. Entries that do not end
 * this way are parsed (parseRecord: its value, or its RecordError). The tests check it
 * against parseRecord for tricky records and every entry a server stores.
 */
export function entryTime(entry: Uint8Array): string {
  return entryTimeFromEnd(entry) ?? parseRecord(entry).time;
}

/** @internal The time read from the end of a record's bytes (see {@link entryTime}), if they end like one. */
export function entryTimeFromEnd(entry: Uint8Array): string | undefined {
  const n = entry.length;
  if (n < TYPE_MEMBER_BYTES.length + TIME_KEY_BYTES.length + TIME_LENGTH + 4) return undefined;
  if (entry[n - 1] !== CLOSE_BRACE || entry[n - 2] !== QUOTE) return undefined;
  // Back over the type value to its opening quote, the last byte of `,"type":"`.
  let quote = n - 3;
  while (quote > 0 && TYPE_BYTE[entry[quote] as number] === 1) quote--;
  const typeKey = quote + 1 - TYPE_MEMBER_BYTES.length;
  const timeEnd = typeKey - 1; // the closing quote of the time value
  const time = timeEnd - TIME_LENGTH;
  const timeKey = time - TIME_KEY_BYTES.length;
  if (
    quote === n - 3 || // an empty type
    timeKey < 1 ||
    !startsWith(entry, TYPE_MEMBER_BYTES, typeKey) ||
    entry[timeEnd] !== QUOTE ||
    !startsWith(entry, TIME_KEY_BYTES, timeKey)
  ) {
    return undefined;
  }
  const text = String.fromCharCode.apply(
    null,
    entry.subarray(time, timeEnd) as unknown as number[],
  );
  return TIME_SHAPE.test(text) ? text : undefined;
}
