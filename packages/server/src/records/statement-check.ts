import { ERASURE_TYPE, RecordError, parseStatement, type Statement } from '@proofline/records';
import { ServiceError } from '../service-error.js';

/** Statements in one batch request (POST /v1/records/batch). */
export const MAX_BATCH = 1000;

/**
 * Validates a submitted statement: parseStatement, and `type` ERASURE_TYPE only when
 * `reserved` (the erasure service's own records). Throws ServiceError INVALID_STATEMENT whose
 * `details.field` is a JSON Pointer into the request body (under `/records/<index>` in a
 * batch). Used on the event loop and on the body parser's threads alike (prepared-batch.ts),
 * so both refuse a statement with the same problem.
 */
export function checkStatement(
  value: unknown,
  index: number,
  inBatch: boolean,
  reserved: boolean,
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
  if (statement.type === ERASURE_TYPE && !reserved) {
    throw new ServiceError(
      'INVALID_STATEMENT',
      `type ${ERASURE_TYPE} is reserved for the log's own erasure records (POST /v1/records/{id}/erasure)`,
      { details: { field: `${at}/type` } },
    );
  }
  return statement;
}
