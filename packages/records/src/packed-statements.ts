import { RecordError } from './errors.js';
import { MAX_ENTRY_SIZE, RECORD_SCHEMA } from './record.js';
import { isName } from './record-id.js';
import type { Statement } from './statement.js';
import { StatementPacker } from './statement-packer.js';
import { formatTime, isTimeMs } from './time.js';

/**
 * Validated statements packed for building their records elsewhere (another thread) with
 * plain byte copies. `bytes` is exactly the UTF-8 of canonicalJson(statements) (RFC 8785:
 * `[{…},{…}]`), so it is also what an idempotency hash covers. `offsets` holds four byte
 * offsets per statement i at 4i…4i+3: where its members start (after `{`), where `subject`
 * starts (its `,"subject":…` member, or where `type` starts when it has none), where its
 * `,"type":…` member starts, and where that ends (at its `}`).
 *
 * Why a record is a splice of these: a record's canonical JSON orders its members by name as
 * commitments, controls, digest, issuer, labels, schema, subject, tenant, time, type
 * (canonical.ts). The statement's own members before `schema` are its front part; `subject`
 * sits between `schema` and `tenant`; `type` is last. So the record is `{`, the front part,
 * `,"schema":"…"`, the subject part, `,"tenant":"…","time":"…"`, the type part and `}`.
 * The tests compare it with buildRecord.
 */
export interface PackedStatements {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

const encoder = new TextEncoder();

/**
 * Packs statements validated by parseStatement (with StatementPacker). Throws RecordError
 * INVALID_ARGUMENT for anything else.
 */
export function packStatements(statements: readonly Statement[]): PackedStatements {
  const packer = new StatementPacker(statements.length);
  for (const statement of statements) {
    if (!packer.add(statement)) throw new RecordError('INVALID_ARGUMENT', 'not a statement');
  }
  return packer.finish();
}

const SCHEMA_MEMBER = encoder.encode(`,"schema":${JSON.stringify(RECORD_SCHEMA)}`);
const EPOCH = formatTime(0);
const TIME_LENGTH = EPOCH.length;

/**
 * The records of packed statements for one tenant, assembled once into one buffer with a
 * placeholder time; `at` yields them at a time with one copy of that buffer and 24 bytes
 * written per record. Throws RecordError: INVALID_ARGUMENT for a bad tenant or time,
 * INVALID_STATEMENT for a record above MAX_ENTRY_SIZE (as buildRecord does). `packed` must be
 * what packStatements made (the caller checks a packing that crossed a thread boundary:
 * checkPacking); it is not kept.
 */
export class PackedRecords {
  readonly count: number;
  /** Every record, back to back, at the epoch. */
  private readonly bytes: Uint8Array;
  /** Where record i ends in `bytes`. */
  private readonly ends: Uint32Array;
  /** Where record i's time value starts in `bytes`. */
  private readonly times: Uint32Array;

  constructor(packed: PackedStatements, tenant: string) {
    if (!isName(tenant)) {
      throw new RecordError('INVALID_ARGUMENT', 'tenant must match ^[a-z0-9][a-z0-9-]{0,62}$', {
        field: '/tenant',
      });
    }
    const { bytes: src, offsets } = packed;
    this.count = offsets.length / 4;
    const middle = encoder.encode(`,"tenant":${JSON.stringify(tenant)},"time":"${EPOCH}"`);
    const fixed = 2 + SCHEMA_MEMBER.length + middle.length;
    let total = 0;
    for (let i = 0; i < this.count; i++) {
      const size = offsets[4 * i + 3]! - offsets[4 * i]! + fixed;
      if (size > MAX_ENTRY_SIZE) {
        throw new RecordError('INVALID_STATEMENT', `record exceeds ${MAX_ENTRY_SIZE} bytes`);
      }
      total += size;
    }
    const out = new Uint8Array(total);
    this.ends = new Uint32Array(this.count);
    this.times = new Uint32Array(this.count);
    let at = 0;
    const copy = (from: number, to: number) => {
      out.set(src.subarray(from, to), at);
      at += to - from;
    };
    for (let i = 0; i < this.count; i++) {
      const [front, subject, type, end] = [
        offsets[4 * i]!,
        offsets[4 * i + 1]!,
        offsets[4 * i + 2]!,
        offsets[4 * i + 3]!,
      ];
      out[at++] = 0x7b; // {
      copy(front, subject);
      out.set(SCHEMA_MEMBER, at);
      at += SCHEMA_MEMBER.length;
      copy(subject, type);
      out.set(middle, at);
      at += middle.length;
      this.times[i] = at - 1 - TIME_LENGTH;
      copy(type, end);
      out[at++] = 0x7d; // }
      this.ends[i] = at;
    }
    this.bytes = out;
  }

  /** The records at `timeMs` (ms since the epoch), as views of one new buffer. */
  at(timeMs: number): Uint8Array[] {
    if (!isTimeMs(timeMs)) {
      throw new RecordError('INVALID_ARGUMENT', 'time must be an integer ms in years 1970..9999', {
        field: '/time',
      });
    }
    const time = encoder.encode(formatTime(timeMs));
    const out = this.bytes.slice();
    const entries = new Array<Uint8Array>(this.count);
    let start = 0;
    for (let i = 0; i < this.count; i++) {
      out.set(time, this.times[i]!);
      entries[i] = out.subarray(start, this.ends[i]!);
      start = this.ends[i]!;
    }
    return entries;
  }
}

/**
 * Checks the framing of a packing received from elsewhere (another thread), not the
 * statements' content: `count` statements, offsets in order and in bounds, and the brackets,
 * braces and commas of a JSON array of objects where the offsets put them. Returns a
 * description of the first fault, or undefined.
 */
export function checkPacking(packed: PackedStatements, count: number): string | undefined {
  const { bytes, offsets } = packed;
  if (!(bytes instanceof Uint8Array) || !(offsets instanceof Uint32Array)) return 'not byte arrays';
  if (count < 1 || offsets.length !== 4 * count) return `not ${count} statements`;
  const n = bytes.length;
  if (n < 2 || bytes[0] !== 0x5b || bytes[n - 1] !== 0x5d) return 'not a JSON array';
  let previous = 0; // where the previous statement's `}` is
  for (let i = 0; i < count; i++) {
    const [front, subject, type, end] = [
      offsets[4 * i]!,
      offsets[4 * i + 1]!,
      offsets[4 * i + 2]!,
      offsets[4 * i + 3]!,
    ];
    const open = i === 0 ? 1 : previous + 2;
    if (i > 0 && bytes[previous + 1] !== 0x2c) return `no comma before statement ${i}`;
    if (front !== open + 1 || bytes[open] !== 0x7b) return `statement ${i} does not start with {`;
    if (!(front < subject && subject <= type && type < end && end < n - 1)) {
      return `statement ${i}: offsets out of order or bounds`;
    }
    if (bytes[end] !== 0x7d) return `statement ${i} does not end with }`;
    if (
      !startsWith(bytes, TYPE_KEY, type) ||
      (subject < type && !startsWith(bytes, SUBJECT_KEY, subject))
    ) {
      return `statement ${i}: no type or subject member where its offsets say`;
    }
    previous = end;
  }
  return previous === n - 2 ? undefined : 'bytes after the last statement';
}

const TYPE_KEY = encoder.encode(',"type":"');
const SUBJECT_KEY = encoder.encode(',"subject":"');

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}
