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
  const text = new TextDecoder().decode(base.bytes);
  const at = text.lastIndexOf(TIME_MEMBER);
  if (at < 0 || !text.startsWith(',"type":"', at + TIME_MEMBER.length)) {
    throw new Error('unreachable: a record ends with its time and type members');
  }
  const offset = new TextEncoder().encode(text.slice(0, at)).length + TIME_VALUE_OFFSET;
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
