import {
  BATCH_V2_MEDIA_TYPE,
  StatementPacker,
  checkPacking,
  parseStatement,
  type PackedStatements,
  type Statement,
} from '@proofline/records';
import { acceptsType } from '../accept.js';
import { ServiceError } from '../service-error.js';
import { MAX_BATCH, checkStatement, isReservedType } from './statement-check.js';

/** The route whose large bodies the body parser's threads also validate (see prepareBatch). */
export const BATCH_ROUTE = '/v1/records/batch';

/**
 * Whether a request's body is to be prepared on the parser thread: a POST to BATCH_ROUTE that
 * asks for the compact answer (its answer needs the records' bytes only; the full answer's
 * record objects come cheaper from the event loop's own validation).
 */
export function preparesBody(method: string, route: string | undefined, accept?: string): boolean {
  return method === 'POST' && route === BATCH_ROUTE && acceptsCompact(accept);
}

/**
 * Whether an Accept header names BATCH_V2_MEDIA_TYPE, the compact batch answer (parameters
 * ignored; the full answer stays the default).
 */
export function acceptsCompact(accept: string | undefined): boolean {
  // The substring test first: most requests do not ask for it, and skip the parse.
  if (accept === undefined || !accept.toLowerCase().includes(BATCH_V2_MEDIA_TYPE)) return false;
  return acceptsType(accept, BATCH_V2_MEDIA_TYPE);
}

/** Why a prepared batch is refused: the INVALID_STATEMENT problem of its first bad statement. */
export interface StatementRefusal {
  readonly message: string;
  readonly field: string;
}

/**
 * What a body parser thread answers for a batch body (body-worker.ts → body-pool.ts): the
 * statements' count and either their packing (records PackedStatements), each statement's
 * lookup key and the indexes of those with an `issuer`, or the refusal of the first invalid
 * one. Typed arrays, transferred rather than cloned: no object per statement crosses.
 */
export type PreparedMessage =
  | {
      readonly count: number;
      readonly bytes: Uint8Array;
      readonly offsets: Uint32Array;
      readonly keys: Float64Array;
      readonly issuers: readonly number[];
    }
  | { readonly count: number; readonly refusal: StatementRefusal };

/**
 * A batch body (`{"records": [statement, ...]}`, 1 to MAX_BATCH statements) parsed and
 * validated off the event loop: what RecordService.attest takes instead of the statements.
 * Built only by preparedFromMessage, which checks the message's framing.
 */
export class PreparedBatch {
  private constructor(
    readonly count: number,
    /** The statements, packed; undefined when refused. */
    readonly packed: PackedStatements | undefined,
    /** digestLookupKey of each statement's digest. */
    readonly lookupKeys: readonly number[],
    /** Indexes of the statements with an `issuer`, ascending. */
    readonly issuers: readonly number[],
    readonly refusal: StatementRefusal | undefined,
  ) {}

  /** @internal see preparedFromMessage */
  static of(
    count: number,
    packed: PackedStatements | undefined,
    lookupKeys: readonly number[],
    issuers: readonly number[],
    refusal: StatementRefusal | undefined,
  ): PreparedBatch {
    return new PreparedBatch(count, packed, lookupKeys, issuers, refusal);
  }

  /** The packed statements; throws the refusal's ServiceError (INVALID_STATEMENT) instead. */
  statements(): PackedStatements {
    if (this.packed === undefined) {
      throw new ServiceError('INVALID_STATEMENT', this.refusal!.message, {
        details: { field: this.refusal!.field },
      });
    }
    return this.packed;
  }

  /** Statement `index` read back from the packing (for issuer checks, which are rare). */
  statement(index: number): Statement {
    const { bytes, offsets } = this.packed!;
    const text = new TextDecoder().decode(
      bytes.subarray(offsets[4 * index]! - 1, offsets[4 * index + 3]! + 1),
    );
    return parseStatement(JSON.parse(text));
  }
}

/**
 * On a body parser thread: the PreparedMessage of a parsed body, or undefined when it is not
 * a batch of 1 to MAX_BATCH statements (the route refuses it with its own problem). The
 * statements are validated and packed in one pass (records StatementPacker); the refusal of an
 * invalid one is checkStatement's, as on the event loop. Throws only on a bug (what
 * parseStatement does not anticipate, or a valid statement the packer declines): the thread
 * dies, the request is a 500.
 */
export function prepareBatch(body: unknown): PreparedMessage | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  const records = (body as { records?: unknown }).records;
  if (keys.length !== 1 || keys[0] !== 'records' || !Array.isArray(records)) return undefined;
  const count = records.length;
  if (count === 0 || count > MAX_BATCH) return undefined;
  const packer = new StatementPacker(count);
  const issuers: number[] = [];
  for (let i = 0; i < count; i++) {
    const record = records[i] as Statement;
    // The packer accepts what checkStatement accepts but for reserved types; checkStatement
    // words every refusal.
    if (!packer.add(record) || isReservedType(record.type)) {
      try {
        checkStatement(record, i, true, undefined);
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        return { count, refusal: { message: err.message, field: String(err.details?.field) } };
      }
      throw new Error(`statement ${i}: valid, yet not packed`);
    }
    if (record.issuer !== undefined) issuers.push(i);
  }
  const { bytes, offsets } = packer.finish();
  return { count, bytes, offsets, keys: packer.keys, issuers };
}

/** The buffers a PreparedMessage transfers. */
export function transferList(message: PreparedMessage): ArrayBuffer[] {
  if ('refusal' in message) return [];
  return [message.bytes, message.offsets, message.keys].map((a) => a.buffer as ArrayBuffer);
}

/** A PreparedMessage that fails preparedFromMessage's checks. */
export class MalformedPreparedBatch extends Error {
  constructor(message: string) {
    super(`malformed prepared batch from a body parser thread: ${message}`);
    this.name = 'MalformedPreparedBatch';
  }
}

const MAX_LOOKUP_KEY = 2 ** 48;

/**
 * On the event loop: the PreparedBatch of a thread's message, after checking its framing
 * (counts, offsets, brackets: records checkPacking; keys and indexes in range). Throws
 * MalformedPreparedBatch otherwise: the thread is broken, the request gets a 500.
 */
export function preparedFromMessage(message: unknown): PreparedBatch {
  const m = message as Record<string, unknown> | null;
  const fail = (why: string) => new MalformedPreparedBatch(why);
  if (typeof m !== 'object' || m === null) throw fail('not an object');
  const count = m.count;
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_BATCH) {
    throw fail('bad count');
  }
  const n = count as number;
  if (m.refusal !== undefined) {
    const r = m.refusal as Record<string, unknown> | null;
    if (typeof r?.message !== 'string' || typeof r.field !== 'string' || !r.field.startsWith('/')) {
      throw fail('bad refusal');
    }
    return PreparedBatch.of(n, undefined, [], [], { message: r.message, field: r.field });
  }
  const packed = { bytes: m.bytes, offsets: m.offsets } as PackedStatements;
  const fault = checkPacking(packed, n);
  if (fault !== undefined) throw fail(fault);
  if (!(m.keys instanceof Float64Array) || m.keys.length !== n) throw fail('bad lookup keys');
  const lookupKeys = Array.from(m.keys);
  for (const key of lookupKeys) {
    if (!Number.isInteger(key) || key < 0 || key >= MAX_LOOKUP_KEY) throw fail('bad lookup key');
  }
  const issuers = m.issuers;
  if (
    !Array.isArray(issuers) ||
    !issuers.every(
      (x, j) => Number.isInteger(x) && x >= 0 && x < n && (j === 0 || x > issuers[j - 1]),
    )
  ) {
    throw fail('bad issuer indexes');
  }
  return PreparedBatch.of(n, packed, lookupKeys, issuers as number[], undefined);
}
