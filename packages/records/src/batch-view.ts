import { NoteError, base64Encode, parseNote } from '@proofline/note';
import { equalHashes, leafHash } from '@proofline/tlog';
import { decodeHash } from './base64.js';
import { MAX_RANGE_PROOF_HASHES, batchRangeTree } from './batch-range.js';
import { BATCH_RECEIPT_HEADER, parseBatchReceiptText } from './batch-receipt.js';
import { RecordError, pointer } from './errors.js';
import { arrayItems, isJsonObject, ownEntries } from './json.js';
import { parseReceiptText } from './receipt.js';
import type { ReceiptView } from './receipt-view.js';
import { isIndex, isName, recordId } from './record-id.js';
import { buildRecord } from './record.js';
import type { Statement } from './statement.js';
import { timeValue } from './time.js';

/*
 * The compact answer of a batch attest (POST /v1/records/batch with
 * `Accept: application/vnd.proofline.batch.v2+json`): the commit's one stored creation
 * receipt, what the records' bytes depend on besides the submitted statements (tenant and
 * time), and per record only its id and index. The client rebuilds each record's entry bytes
 * (buildRecord), leaf hash, and, with the range proof, its receipt proof under the batch
 * root: exactly the ReceiptView the full answer (`application/json`) carries for it. Its one
 * home: the server builds it and describes it in its OpenAPI document from here, and
 * @proofline/client reads it.
 */

/** The media type that asks for (and labels) the compact batch answer. */
export const BATCH_V2_MEDIA_TYPE = 'application/vnd.proofline.batch.v2+json';
/** The `format` member of a compact batch answer. */
export const BATCH_V2_FORMAT = 'proofline.dev/batch-response/v2';

/** The compact answer of a batch attest. */
export interface CompactBatchView {
  readonly format: typeof BATCH_V2_FORMAT;
  readonly log: string;
  readonly origin: string;
  /** The tenant the records were written for (their `tenant` member). */
  readonly tenant: string;
  /** The records' `time` (one per commit). */
  readonly time: string;
  /**
   * The commit's creation receipt, as stored (see ReceiptView.receipt): a batch-receipt/v1
   * covering the records (and any others committed with them), or a receipt/v1 when the
   * commit held this one record. Absent when the commit has none stored.
   */
  readonly receipt?: string;
  /**
   * With a batch receipt: the range proof (records batchRangeProof) of the records in the
   * commit's tree, base64 hashes; empty when they are the whole commit.
   */
  readonly rangeProof: readonly string[];
  /** A record's verificationUrl is this followed by its id. */
  readonly verificationBase: string;
  /** The records in request order: consecutive indexes. */
  readonly records: readonly { readonly id: string; readonly index: number }[];
}

/** The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a CompactBatchView. */
export function compactBatchSchema(): Record<string, unknown> {
  const string = { type: 'string' };
  return {
    type: 'object',
    required: [
      'format',
      'log',
      'origin',
      'tenant',
      'time',
      'rangeProof',
      'verificationBase',
      'records',
    ],
    additionalProperties: false,
    properties: {
      format: { const: BATCH_V2_FORMAT },
      log: string,
      origin: string,
      tenant: { type: 'string', description: "The records' `tenant` member." },
      time: {
        type: 'string',
        format: 'date-time',
        description: "The records' `time` member: one per commit.",
      },
      receipt: {
        type: 'string',
        description:
          "The commit's creation receipt as stored (see Receipt.receipt): a " +
          'proofline.dev/batch-receipt/v1 over the records and any others committed with ' +
          'them, or a proofline.dev/receipt/v1 when the commit held this one record. Absent ' +
          'when the commit has none stored.',
      },
      rangeProof: {
        type: 'array',
        items: { type: 'string', contentEncoding: 'base64' },
        maxItems: MAX_RANGE_PROOF_HASHES,
        description:
          "With a batch receipt: the hashes of the commit's RFC 6962 tree outside these " +
          'records (records batchRangeProof: per level from the leaves up, the left ' +
          'neighbour of the range when its first node is a right child, then the right ' +
          'neighbour when its last node is a left child with a sibling); empty when they ' +
          'are the whole commit. With the leaf hashes of the rebuilt entries it gives the ' +
          "signed root and every record's receiptProof.",
      },
      verificationBase: {
        type: 'string',
        description: "A record's verificationUrl is this followed by its id.",
      },
      records: {
        type: 'array',
        minItems: 1,
        description:
          'The records in request order, with consecutive indexes. Each entry is the ' +
          'canonical record (proofline.dev/record/v1) of the submitted statement with ' +
          '`schema`, `tenant` and `time` added (records buildRecord).',
        items: {
          type: 'object',
          required: ['id', 'index'],
          additionalProperties: false,
          properties: { id: string, index: { type: 'integer', minimum: 0 } },
        },
      },
    },
  };
}

const MEMBERS = new Set([
  'format',
  'log',
  'origin',
  'tenant',
  'time',
  'receipt',
  'rangeProof',
  'verificationBase',
  'records',
]);

/**
 * Rebuilds the ReceiptViews of a compact batch answer `value` (untrusted: read strictly)
 * for the `statements` submitted, in order. Checks the shape, that the records are
 * consecutive with ids of their log, and that the rebuilt leaves and range proof lead to
 * the root the receipt states; it does NOT check the receipt's signature (the verifier
 * does: each view is what verifyReceipt takes). Throws RecordError INVALID_RECEIPT (with the
 * offending `field`) for an answer that cannot be rebuilt, and the errors of buildRecord for
 * a statement that is not valid.
 */
export function expandCompactBatch(
  value: unknown,
  statements: readonly Statement[],
): ReceiptView[] {
  const v = readView(value);
  if (v.records.length !== statements.length) {
    throw bad(`${v.records.length} records for ${statements.length} statements`, '/records');
  }
  const first = v.records[0]!.index;
  const timeMs = timeValue(v.time)!;
  const built = statements.map((s) => buildRecord(s, v.tenant, timeMs));
  const leaves = built.map((b) => leafHash(b.bytes));
  const proofs = receiptProofs(v, first, leaves);
  return built.map(({ record, bytes }, i) => {
    const { id, index } = v.records[i]!;
    const proof = proofs?.(index);
    return {
      id,
      log: v.log,
      origin: v.origin,
      index,
      leafHash: base64Encode(leaves[i]!),
      time: v.time,
      record,
      entry: base64Encode(bytes),
      ...(v.receipt === undefined ? {} : { receipt: v.receipt }),
      ...(proof === undefined ? {} : { receiptProof: proof }),
      verificationUrl: `${v.verificationBase}${id}`,
    };
  });
}

/** Each record's receipt proof (base64), or undefined when the receipt needs none. */
function receiptProofs(
  v: CompactBatchView,
  first: number,
  leaves: readonly Uint8Array[],
): ((index: number) => string[]) | undefined {
  let text: string | undefined;
  if (v.receipt !== undefined) {
    try {
      text = parseNote(v.receipt).text;
    } catch (cause) {
      if (!(cause instanceof NoteError)) throw cause;
      throw bad(`not a signed note: ${cause.message}`, '/receipt', cause);
    }
  }
  if (text === undefined || !text.startsWith(`${BATCH_RECEIPT_HEADER}\n`)) {
    if (v.rangeProof.length > 0) throw bad('only a batch receipt has a range proof', '/rangeProof');
    if (text !== undefined) {
      const r = receiptOf(() => parseReceiptText(text));
      if (leaves.length !== 1 || r.index !== first) {
        throw bad('a receipt/v1 covers one record, at its index', '/receipt');
      }
    }
    return undefined;
  }
  const batch = receiptOf(() => parseBatchReceiptText(text));
  const start = first - batch.first;
  if (start < 0 || start + leaves.length > batch.size) {
    throw bad(
      `records ${first}..${first + leaves.length - 1} are not all among the receipt's ` +
        `entries ${batch.first}..${batch.first + batch.size - 1}`,
      '/records',
    );
  }
  const hashes = v.rangeProof.map((h, i) =>
    decodeHash(h, 'INVALID_RECEIPT', () => pointer('/rangeProof', i)),
  );
  const tree = batchRangeTree(batch.size, start, leaves, hashes);
  if (!equalHashes(tree.root, batch.root)) {
    throw bad(
      "the records and the range proof do not lead to the receipt's root: the answer " +
        'was altered, or the log recorded something other than what was submitted',
      '/rangeProof',
    );
  }
  return (index) => tree.proof(index - batch.first).map(base64Encode);
}

function receiptOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    throw bad(`not a receipt: ${cause.message}`, '/receipt', cause);
  }
}

/** The compact answer `value`, strictly read (see CompactBatchView). */
function readView(value: unknown): CompactBatchView {
  if (!isJsonObject(value)) throw bad('must be a JSON object', '/');
  const own = ownEntries(value, MEMBERS.size, 'INVALID_RECEIPT', '');
  if (own.more) throw bad('has members other than those of a compact batch answer', '/');
  const v = new Map(own.entries);
  for (const name of v.keys()) {
    if (!MEMBERS.has(name)) throw bad('is not a member of a compact batch answer', `/${name}`);
  }
  if (v.get('format') !== BATCH_V2_FORMAT) throw bad(`must be ${BATCH_V2_FORMAT}`, '/format');
  const log = v.get('log');
  if (!isName(log)) throw bad('must be a log name', '/log');
  const origin = v.get('origin');
  if (typeof origin !== 'string' || origin === '') throw bad('must be a string', '/origin');
  const tenant = v.get('tenant');
  if (!isName(tenant)) throw bad('must be a tenant name', '/tenant');
  const time = v.get('time');
  if (timeValue(time) === undefined) throw bad('must be a record time', '/time');
  const receipt = v.get('receipt');
  if (receipt !== undefined && typeof receipt !== 'string')
    throw bad('must be a string', '/receipt');
  const base = v.get('verificationBase');
  if (typeof base !== 'string') throw bad('must be a string', '/verificationBase');
  const rangeProof = v.get('rangeProof');
  if (!Array.isArray(rangeProof) || rangeProof.length > MAX_RANGE_PROOF_HASHES) {
    throw bad(`must be an array of at most ${MAX_RANGE_PROOF_HASHES} hashes`, '/rangeProof');
  }
  const items = v.get('records');
  if (!Array.isArray(items) || items.length === 0) {
    throw bad('must be a non-empty array', '/records');
  }
  const records = arrayItems(items, 'INVALID_RECEIPT', '/records').map((item, i) => {
    const field = pointer('/records', i);
    if (!isJsonObject(item)) throw bad('must be an object', field);
    const own = ownEntries(item, 2, 'INVALID_RECEIPT', field);
    const r = new Map(own.entries);
    const id = r.get('id');
    const index = r.get('index');
    if (own.more || r.size !== 2 || !isIndex(index) || typeof id !== 'string') {
      throw bad('must be {"id", "index"}', field);
    }
    return { id, index };
  });
  const first = records[0]!.index;
  for (const [i, { id, index }] of records.entries()) {
    if (index !== first + i || !Number.isSafeInteger(index)) {
      throw bad('the records must have consecutive indexes', pointer('/records', i));
    }
    if (id !== recordId(log, index)) {
      throw bad(`must be ${recordId(log, index)}`, `${pointer('/records', i)}/id`);
    }
  }
  return {
    format: BATCH_V2_FORMAT,
    log,
    origin,
    tenant,
    time: time as string,
    ...(receipt === undefined ? {} : { receipt }),
    rangeProof: arrayItems(rangeProof, 'INVALID_RECEIPT', '/rangeProof') as string[],
    verificationBase: base,
    records,
  };
}

function bad(message: string, field: string, cause?: unknown): RecordError {
  return new RecordError('INVALID_RECEIPT', message, { field, ...(cause ? { cause } : {}) });
}
