import type { RecordV1 } from './record.js';

/*
 * The receipt view: the records API's JSON for one record (POST /v1/records and its batch
 * form, GET /v1/records/{id}, digest lookups). Its one home: the server builds it and
 * describes it in its OpenAPI document from here, and @proofline/client reads it.
 */

/** The receipt of one record as the records API returns it. */
export interface ReceiptView {
  /** The record id `<log>-<index>`. */
  readonly id: string;
  readonly log: string;
  readonly origin: string;
  readonly index: number;
  /** The RFC 6962 leaf hash of the entry, base64. */
  readonly leafHash: string;
  readonly time: string;
  readonly record: RecordV1;
  /** The exact entry bytes (canonical JSON), base64. */
  readonly entry: string;
  /**
   * The creation receipt: the log's signed note stored with the record's commit when it was
   * sequenced — a proofline.dev/receipt/v1 over origin, index, leaf hash and time, or, for a
   * record committed together with others, the commit's one proofline.dev/batch-receipt/v1
   * over origin, first index, size, root and time. Absent when the commit has none stored
   * (sequenced before receipts were stored, or its row was removed): never signed later.
   */
  readonly receipt?: string;
  /** With a batch receipt only: the inclusion proof of leafHash in the commit's tree, base64. */
  readonly receiptProof?: readonly string[];
  readonly verificationUrl: string;
}

/**
 * The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a ReceiptView. `record` is the schema
 * of its `record` member: the OpenAPI document passes a reference to its Record component
 * (schema/record.v1.json); the default accepts any object.
 */
export function receiptViewSchema(
  record: Record<string, unknown> = { type: 'object' },
): Record<string, unknown> {
  return {
    type: 'object',
    required: [
      'id',
      'log',
      'origin',
      'index',
      'leafHash',
      'time',
      'record',
      'entry',
      'verificationUrl',
    ],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      log: { type: 'string' },
      origin: { type: 'string' },
      index: { type: 'integer', minimum: 0 },
      leafHash: { type: 'string', description: 'base64 RFC 6962 leaf hash of the entry' },
      time: { type: 'string', format: 'date-time' },
      record,
      entry: {
        type: 'string',
        description: 'base64 of the exact entry bytes (canonical JSON)',
      },
      receipt: {
        type: 'string',
        description:
          'The creation receipt: a C2SP signed note by the log key, signed once when the ' +
          'record was sequenced and stored with it; attest, GET, lookups and replays all ' +
          'return this same note, never one signed later. proofline.dev/receipt/v1 binds a ' +
          'record committed alone (origin, index, leaf hash, time). Records committed in ' +
          'one transaction (a batch, or concurrent requests) share one ' +
          'proofline.dev/batch-receipt/v1 over origin, first index, size, the RFC 6962 root ' +
          'of their leaf hashes and time; see receiptProof. Absent when none is stored ' +
          '(records sequenced before receipts were stored): such a record is unverified.',
      },
      receiptProof: {
        type: 'array',
        items: { type: 'string', contentEncoding: 'base64' },
        maxItems: 16,
        description:
          'Only with a batch receipt: the RFC 6962 inclusion proof of leafHash at ' +
          'index − first in the tree of the batch receipt’s size leaves, whose root it signs. ' +
          'An idempotent replay returns the same receipt and proof.',
      },
      verificationUrl: { type: 'string', format: 'uri' },
    },
  };
}
