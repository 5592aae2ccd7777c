import {
  ERASURE_TYPE,
  RecordError,
  SCITT_STATEMENT_TYPE,
  parseStatement,
  type Statement,
} from '@proofline/records';
import { ServiceError } from '../service-error.js';

/** Statements in one batch request (POST /v1/records/batch). */
export const MAX_BATCH = 1000;

/**
 * The record types only the server itself writes, each with the one path that writes it: a
 * client's statement of such a type is refused wherever it is submitted.
 */
const RESERVED_TYPES = {
  [ERASURE_TYPE]: "the log's own erasure records (POST /v1/records/{id}/erasure)",
  [SCITT_STATEMENT_TYPE]: 'registered SCITT signed statements (POST /entries)',
} as const;

/** A reserved record type (see RESERVED_TYPES). */
export type ReservedType = keyof typeof RESERVED_TYPES;

const RESERVED_NAMES: readonly string[] = Object.keys(RESERVED_TYPES);

/** Whether `type` is a ReservedType. */
export function isReservedType(type: string): type is ReservedType {
  return RESERVED_NAMES.includes(type);
}

/**
 * Validates a submitted statement: parseStatement, and a reserved `type` (ERASURE_TYPE,
 * SCITT_STATEMENT_TYPE) only when it is `reserved`, the one the calling service writes. Throws ServiceError INVALID_STATEMENT whose
 * `details.field` is a JSON Pointer into the request body (under `/records/<index>` in a
 * batch). Used on the event loop and on the body parser's threads alike (prepared-batch.ts),
 * so both refuse a statement with the same problem.
 */
export function checkStatement(
  value: unknown,
  index: number,
  inBatch: boolean,
  reserved: ReservedType | undefined,
): Statement {
  const at = inBatch ? `/records/${index}` : '';
  let statement: Statement;
  try {
    statement = parseStatement(value);
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    throw new ServiceError('INVALID_STATEMENT', err.message, {
      cause: err,
      details: { field: `${at}${err.field ?? ''}` || '/' },
    });
  }
  const type = statement.type;
  if (isReservedType(type) && type !== reserved) {
    throw new ServiceError(
      'INVALID_STATEMENT',
      `type ${type} is reserved for ${RESERVED_TYPES[type]}`,
      { details: { field: `${at}/type` } },
    );
  }
  return statement;
}
