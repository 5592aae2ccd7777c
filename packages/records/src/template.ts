import { buildRecord, type RecordV1 } from './record.js';
import type { Statement } from './statement.js';
import { formatTime } from './time.js';

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
  const base = buildRecord(statement, tenant, 0);
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
      const time = formatTime(timeMs);
      const bytes = base.bytes.slice();
      for (let i = 0; i < time.length; i++) bytes[offset + i] = time.charCodeAt(i);
      return { record: Object.freeze({ ...base.record, time }), bytes };
    },
  };
}

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
