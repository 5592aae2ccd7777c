import { utf8Decode, utf8Encode } from '@proofline/note';
import { canonicalRecordJson } from './canonical.js';
import { RecordError } from './errors.js';
import { isJsonObject } from './json.js';
import { isName } from './record-id.js';
import { parseStatement, readStatement, type Statement } from './statement.js';
import { formatTime, isTimeMs, timeValue } from './time.js';

/** The `schema` of every record this package reads or writes. */
export const RECORD_SCHEMA = 'proofline.dev/record/v1';

/**
 * Bound on a log entry: C2SP tlog-tiles entry bundles prefix entries with a uint16 length.
 * Records of statements within the statement bounds stay well below it (about 45 KB at most).
 */
export const MAX_ENTRY_SIZE = 65535;

/**
 * A log entry: a statement plus three members set by the log. Its bytes are the RFC 8785
 * canonical JSON of the object, in UTF-8, and nothing else.
 *
 * - `schema`: always RECORD_SCHEMA; any incompatible change gets a new value.
 * - `tenant`: the tenant that submitted the statement, ^[a-z0-9][a-z0-9-]{0,62}$.
 * - `time`: when the log accepted it, RFC 3339 UTC with milliseconds (see formatTime).
 */
export interface RecordV1 extends Statement {
  readonly schema: typeof RECORD_SCHEMA;
  readonly tenant: string;
  readonly time: string;
}

const RECORD_FIELDS = ['schema', 'tenant', 'time'] as const;

/**
 * Builds the record of `statement` for `tenant` at `timeMs` (ms since the epoch) and its
 * canonical bytes. The statement is validated again (INVALID_STATEMENT, also when the entry
 * would exceed MAX_ENTRY_SIZE); a bad tenant or time throws INVALID_ARGUMENT.
 */
export function buildRecord(
  statement: Statement,
  tenant: string,
  timeMs: number,
): { record: RecordV1; bytes: Uint8Array } {
  if (!isTimeMs(timeMs)) {
    throw new RecordError('INVALID_ARGUMENT', 'time must be an integer ms in years 1970..9999', {
      field: '/time',
    });
  }
  return buildRecordAt(statement, tenant, formatTime(timeMs));
}

/** @internal buildRecord with the time already formatted (formatTime: not checked again). */
export function buildRecordAt(
  statement: Statement,
  tenant: string,
  time: string,
): { record: RecordV1; bytes: Uint8Array } {
  const checked = parseStatement(statement);
  if (!isName(tenant)) {
    throw new RecordError('INVALID_ARGUMENT', 'tenant must match ^[a-z0-9][a-z0-9-]{0,62}$', {
      field: '/tenant',
    });
  }
  const record: RecordV1 = Object.freeze({ ...checked, schema: RECORD_SCHEMA, tenant, time });
  const bytes = utf8Encode(canonicalRecordJson(record));
  if (bytes.length > MAX_ENTRY_SIZE) {
    throw new RecordError('INVALID_STATEMENT', `record exceeds ${MAX_ENTRY_SIZE} bytes`);
  }
  return { record, bytes };
}

/**
 * Parses log entry bytes as a record, strictly: at most MAX_ENTRY_SIZE bytes; valid UTF-8
 * (a BOM is rejected); a JSON object; `schema` equal to RECORD_SCHEMA (checked first, so a
 * record of a later version fails with field `/schema`); every statement member valid; a
 * valid `tenant` and `time`; no other member; and the bytes exactly the RFC 8785 canonical
 * form of the value (so no whitespace, member order, escaping or duplicate names other than
 * canonical). Throws RecordError INVALID_RECORD.
 */
export function parseRecord(entry: Uint8Array): RecordV1 {
  if (!(entry instanceof Uint8Array)) {
    throw new RecordError('INVALID_RECORD', 'entry must be a Uint8Array');
  }
  if (entry.length > MAX_ENTRY_SIZE) {
    throw new RecordError('INVALID_RECORD', `entry exceeds ${MAX_ENTRY_SIZE} bytes`);
  }
  const text = utf8Decode(entry);
  if (text === undefined) throw new RecordError('INVALID_RECORD', 'entry is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RecordError('INVALID_RECORD', 'entry is not valid JSON', { cause });
  }
  if (!isJsonObject(value)) throw new RecordError('INVALID_RECORD', 'must be a JSON object');
  if (!Object.hasOwn(value, 'schema')) {
    throw new RecordError('INVALID_RECORD', 'is required', { field: '/schema' });
  }
  if (value.schema !== RECORD_SCHEMA) {
    throw new RecordError('INVALID_RECORD', `unknown schema, expected ${RECORD_SCHEMA}`, {
      field: '/schema',
    });
  }
  const { statement, extra } = readStatement(value, 'INVALID_RECORD', RECORD_FIELDS);
  const tenant = extra.get('tenant');
  if (!isName(tenant)) {
    throw new RecordError('INVALID_RECORD', 'must match ^[a-z0-9][a-z0-9-]{0,62}$', {
      field: '/tenant',
    });
  }
  const time = extra.get('time');
  if (timeValue(time) === undefined) {
    throw new RecordError('INVALID_RECORD', 'must be RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS.sssZ', {
      field: '/time',
    });
  }
  const record: RecordV1 = Object.freeze({
    ...statement,
    schema: RECORD_SCHEMA,
    tenant,
    time: time as string,
  });
  if (canonicalRecordJson(record) !== text) {
    throw new RecordError('INVALID_RECORD', 'entry is not in RFC 8785 canonical form');
  }
  return record;
}
