import { RecordError } from './errors.js';
import { parseRecordId, recordId } from './record-id.js';
import type { RecordV1 } from './record.js';
import { parseStatement, type Statement } from './statement.js';
import { textProblem, toHex } from './text.js';

/**
 * The erasure record: when the bytes of a record in a private log are erased, the log appends
 * this record (a plain proofline.dev/record/v1, sequenced, receipted and checkpointed like any
 * other), so an auditor sees that, when, by which key and why something was erased, and which
 * leaf hash the erased entry had (which the hash tiles still hold):
 *
 * | member            | value                                                          |
 * | ----------------- | -------------------------------------------------------------- |
 * | `type`            | `proofline.erasure` (reserved: the records API refuses it)      |
 * | `digest`          | `sha256:` + hex of the erased entry's RFC 6962 leaf hash       |
 * | `subject`         | the erased record's id, `<log>-<index>` (same log)             |
 * | `labels.key`      | the id of the API key that asked for the erasure               |
 * | `labels.reason`   | why, 1–256 code points (no personal data: it is logged)        |
 *
 * The record's `time` is when the erasure was logged. Nothing else is allowed in it.
 */
export const ERASURE_TYPE = 'proofline.erasure';

export interface Erasure {
  /** The erased record's log and index. */
  readonly log: string;
  readonly index: number;
  /** The erased entry's 32-byte RFC 6962 leaf hash. */
  readonly leafHash: Uint8Array;
  /** The API key id that asked for it. */
  readonly key: string;
  readonly reason: string;
}

/**
 * The statement of an erasure record. Throws RecordError INVALID_ARGUMENT for a leaf hash
 * that is not 32 bytes, an empty reason, or values a statement cannot carry.
 */
export function erasureStatement(e: Erasure): Statement {
  if (!(e.leafHash instanceof Uint8Array) || e.leafHash.length !== 32) {
    throw new RecordError('INVALID_ARGUMENT', 'the leaf hash must be 32 bytes');
  }
  const problem = typeof e.reason === 'string' ? textProblem(e.reason, 1, 256) : 'not a string';
  if (problem !== undefined) {
    throw new RecordError('INVALID_ARGUMENT', `reason: ${problem}`, { field: '/labels/reason' });
  }
  try {
    return parseStatement({
      digest: `sha256:${toHex(e.leafHash)}`,
      type: ERASURE_TYPE,
      subject: recordId(e.log, e.index),
      labels: { key: e.key, reason: e.reason },
    });
  } catch (cause) {
    throw new RecordError('INVALID_ARGUMENT', 'not a valid erasure', { cause });
  }
}

/**
 * The erasure a record states, or undefined when its type is not ERASURE_TYPE. A record of
 * that type that breaks the format above (other members, a subject that is not a record id
 * of the record's own `log`, a digest that is not SHA-256, a missing or empty label) throws
 * RecordError INVALID_RECORD: an auditor must treat it as a failure, never as an erasure.
 */
export function parseErasure(record: RecordV1, log: string): Erasure | undefined {
  if (record.type !== ERASURE_TYPE) return undefined;
  const bad = (why: string, field?: string) =>
    new RecordError('INVALID_RECORD', `not a valid erasure record: ${why}`, {
      ...(field === undefined ? {} : { field }),
    });
  const allowed = new Set(['schema', 'tenant', 'time', 'digest', 'type', 'subject', 'labels']);
  for (const member of Object.keys(record)) {
    if (!allowed.has(member)) throw bad(`it has "${member}"`, `/${member}`);
  }
  if (!record.digest.startsWith('sha256:')) throw bad('its digest is not SHA-256', '/digest');
  let target: { log: string; index: number };
  try {
    target = parseRecordId(record.subject ?? '');
  } catch (cause) {
    throw new RecordError('INVALID_RECORD', 'not a valid erasure record: subject', {
      field: '/subject',
      cause,
    });
  }
  if (target.log !== log) throw bad(`it erases a record of another log`, '/subject');
  const labels = record.labels ?? {};
  const names = Object.keys(labels).sort();
  if (names.join(',') !== 'key,reason')
    throw bad('its labels must be exactly key and reason', '/labels');
  const key = labels['key']!;
  const reason = labels['reason']!;
  if (key === '' || reason === '') throw bad('an empty key or reason', '/labels');
  const hex = record.digest.slice('sha256:'.length);
  const leafHash = new Uint8Array(32);
  for (let i = 0; i < 32; i++) leafHash[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { log: target.log, index: target.index, leafHash, key, reason };
}
