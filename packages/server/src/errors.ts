import type { FastifyError } from 'fastify';
import { StorageError } from '@proofline/storage';
import { GuardError, SequencerError } from '@proofline/sequencer';
import { TlogError } from '@proofline/tlog';
import { NoteError } from '@proofline/note';
import { RecordError } from '@proofline/records';
import { HttpProblem, type ProblemCode } from './problem.js';
import { ServiceError } from './service-error.js';

/** Problem codes of the request errors fastify raises before a handler runs. */
const FASTIFY_CODES: Readonly<Record<string, ProblemCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-request',
  FST_ERR_CTP_INVALID_TYPE: 'invalid-request',
  FST_ERR_BAD_URL: 'invalid-url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
};

/** Other fastify 4xx errors, by status; any status not here is an invalid-request. */
const FASTIFY_STATUS: Readonly<Record<number, ProblemCode>> = {
  // @fastify/static: a directory, which is never listed.
  403: 'not-found',
  404: 'not-found',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
};

/**
 * The one mapping from errors to HTTP problems. Every typed error of the server and the
 * layers below is mapped by an exhaustive switch over its codes (a new code does not compile
 * until it is mapped here; test/errors.test.ts checks the codes against docs/errors.md); fastify's request errors by
 * their code or status; anything else is a 500 `internal` that says nothing about internals.
 */
export function toProblem(err: unknown): HttpProblem {
  if (err instanceof ServiceError) return serviceProblem(err);
  if (err instanceof SequencerError) return sequencerProblem(err);
  if (err instanceof StorageError) return storageProblem(err);
  if (err instanceof TlogError) return tlogProblem(err);
  if (err instanceof RecordError) return recordProblem(err);
  if (err instanceof NoteError) return noteProblem(err);
  if (err instanceof GuardError) return guardProblem(err);
  const fastifyError = err as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(
      FASTIFY_CODES[fastifyError.code ?? ''] ?? FASTIFY_STATUS[status] ?? 'invalid-request',
      fastifyError.message ?? 'bad request',
    );
  }
  return internal();
}

function serviceProblem(err: ServiceError): HttpProblem {
  const { field, retryAfterSeconds, challenge } = err.details ?? {};
  const withField = field === undefined ? {} : { field };
  const retry = { 'retry-after': String(retryAfterSeconds ?? 1) };
  switch (err.code) {
    case 'INVALID_REQUEST':
      return new HttpProblem('invalid-request', err.message, {}, withField);
    case 'INVALID_JSON':
      return new HttpProblem('invalid-json', err.message, {}, withField);
    case 'UNSUPPORTED_MEDIA_TYPE':
      return new HttpProblem('unsupported-media-type', err.message);
    case 'UNSUPPORTED_CONTENT_ENCODING':
      return new HttpProblem('unsupported-content-encoding', err.message);
    case 'INVALID_STATEMENT':
      return new HttpProblem('invalid-statement', err.message, {}, { field: field ?? '/' });
    case 'INVALID_ISSUER_SIGNATURE':
      return new HttpProblem('invalid-issuer-signature', err.message, {}, withField);
    case 'INVALID_SIGNED_STATEMENT':
      return new HttpProblem('invalid-signed-statement', err.message, {}, { field: field ?? '/' });
    case 'INVALID_IDEMPOTENCY_KEY':
      return new HttpProblem('invalid-idempotency-key', err.message);
    case 'LOG_REQUIRED':
      return new HttpProblem('log-required', err.message);
    case 'UNAUTHENTICATED':
      return new HttpProblem('unauthorized', err.message, {
        'www-authenticate': challenge ?? 'Bearer',
      });
    case 'FORBIDDEN':
      return new HttpProblem('insufficient-scope', err.message);
    case 'RATE_LIMITED':
      return new HttpProblem('rate-limited', err.message, retry);
    case 'UNKNOWN_LOG':
      return new HttpProblem('unknown-log', err.message);
    case 'RECORD_NOT_FOUND':
      return new HttpProblem('record-not-found', err.message);
    case 'SHARE_NOT_FOUND':
      return new HttpProblem('share-not-found', err.message);
    case 'RECORD_ERASED':
      return new HttpProblem(
        'record-erased',
        err.message,
        {},
        err.details?.erasure === undefined ? {} : { erasure: err.details.erasure },
      );
    case 'ERASURE_REFUSED':
      return new HttpProblem(
        'erasure-refused',
        err.message,
        retryAfterSeconds === undefined ? {} : retry,
      );
    case 'NOT_YET_CHECKPOINTED':
      return new HttpProblem('not-yet-checkpointed', err.message, retry);
    case 'TILE_NOT_FOUND':
      return new HttpProblem('tile-not-found', err.message);
    case 'NO_CHECKPOINT':
      return new HttpProblem('no-checkpoint', err.message);
    case 'CHECKPOINT_NOT_FOUND':
      return new HttpProblem('checkpoint-not-found', err.message);
    case 'ROUTE_NOT_FOUND':
      return new HttpProblem('not-found', err.message);
    case 'WEB_NOT_BUILT':
      return new HttpProblem('web-not-built', err.message);
    case 'PERIOD_NOT_CLOSED':
      return new HttpProblem('period-not-closed', err.message, retry);
    case 'IDEMPOTENCY_CONFLICT':
      return new HttpProblem('idempotency-key-reused', err.message);
    case 'BATCH_TOO_LARGE':
      return new HttpProblem('batch-too-large', err.message);
    case 'SHUTTING_DOWN':
      return new HttpProblem('shutting-down', err.message, retry);
    case 'PAYLOAD_TOO_LARGE':
      return new HttpProblem('payload-too-large', err.message);
    case 'OVERLOADED':
      return new HttpProblem('overloaded', err.message, retry);
    case 'NOT_READY':
      return new HttpProblem('not-ready', err.message, retry);
    case 'LOG_UNAVAILABLE':
      return new HttpProblem('log-unavailable', err.message, retry);
    case 'STORAGE_INCONSISTENT':
      return new HttpProblem('storage-inconsistent', err.message);
    default:
      return unmapped(err.code);
  }
}

function sequencerProblem(err: SequencerError): HttpProblem {
  switch (err.code) {
    case 'ENTRY_TOO_LARGE':
      return new HttpProblem('entry-too-large', err.message);
    case 'BATCH_TOO_LARGE':
      return new HttpProblem('batch-too-large', err.message);
    case 'OVERLOADED':
    case 'CONTENDED':
    case 'CLOSED':
      return new HttpProblem('overloaded', err.message, {
        'retry-after': String(err.details?.retryAfterSeconds ?? 1),
      });
    case 'INDEX_ALREADY_SEALED':
      return new HttpProblem('storage-inconsistent', 'storage went back: nothing was written');
    case 'SIGNER_FAILED':
      return new HttpProblem(
        'log-unavailable',
        "the log's signer did not sign: nothing was written",
        { 'retry-after': '1' },
      );
    case 'INVALID_GROUP':
    case 'KEY_RETIRED':
      return internal();
    case 'COMMIT_ALTERED':
    case 'COMMIT_UNSEALED':
      return new HttpProblem('storage-corrupt', 'stored entries were altered');
    default:
      return unmapped(err.code);
  }
}

function storageProblem(err: StorageError): HttpProblem {
  switch (err.code) {
    case 'UNKNOWN_LOG':
      return new HttpProblem('unknown-log', err.message);
    case 'CORRUPT': {
      const at = err.details;
      return new HttpProblem(
        'storage-corrupt',
        at === undefined ? 'the database holds a corrupt row' : err.message,
        {},
        at === undefined
          ? {}
          : { log: at.log, ...(at.index === undefined ? {} : { index: at.index }) },
      );
    }
    case 'OUT_OF_RANGE':
      return new HttpProblem('storage-inconsistent', 'storage does not hold what it published');
    case 'INVALID_ARGUMENT':
      return internal();
    default:
      return unmapped(err.code);
  }
}

function tlogProblem(err: TlogError): HttpProblem {
  switch (err.code) {
    case 'BAD_TILE_PATH':
      return new HttpProblem('bad-tile-path', err.message);
    case 'BAD_TILE_DATA':
    case 'BAD_ENTRY_BUNDLE':
    case 'READER_MISBEHAVED':
      // Tiles and entries the server reads are its stored ones.
      return new HttpProblem('storage-corrupt', 'stored tiles or entries are malformed');
    case 'INCLUSION_PROOF_INVALID':
    case 'CONSISTENCY_PROOF_INVALID':
    case 'INVALID_ARGUMENT':
      return internal();
    default:
      return unmapped(err.code);
  }
}

function recordProblem(err: RecordError): HttpProblem {
  switch (err.code) {
    case 'INVALID_STATEMENT':
      return new HttpProblem('invalid-statement', err.message, {}, { field: err.field ?? '/' });
    case 'INVALID_RECORD':
      // Only stored entries are parsed as records: one that is not was altered.
      return new HttpProblem('storage-corrupt', 'a stored entry is not a record');
    case 'INVALID_KEY_HISTORY':
      // Only the stored key history is verified: one that does not verify was altered.
      return new HttpProblem('storage-corrupt', "the log's stored key history does not verify");
    case 'INVALID_ISSUER_KEY':
      // Only stored issuer keys are parsed (checked when they were added): one was altered.
      return new HttpProblem('storage-corrupt', 'a stored issuer key is malformed');
    case 'INVALID_RECEIPT':
    case 'INVALID_BUNDLE':
    case 'INVALID_TLOG_PROOF':
    case 'STATEMENT_MISMATCH':
    case 'INVALID_ARGUMENT':
      return internal();
    default:
      return unmapped(err.code);
  }
}

function noteProblem(err: NoteError): HttpProblem {
  switch (err.code) {
    // The notes and keys the server parses are ones it stored (receipts, checkpoints,
    // registered issuer keys): one that does not parse or verify was altered.
    case 'MALFORMED_NOTE':
    case 'MALFORMED_CHECKPOINT':
    case 'MALFORMED_KEY':
    case 'UNKNOWN_KEY_TYPE':
    case 'UNVERIFIED_NOTE':
    case 'INVALID_SIGNATURE':
      return new HttpProblem('storage-corrupt', 'a stored note or key is malformed or unsigned');
    case 'AMBIGUOUS_KEY':
    case 'INVALID_ARGUMENT':
      return internal();
    default:
      return unmapped(err.code);
  }
}

function guardProblem(err: GuardError): HttpProblem {
  switch (err.code) {
    case 'ROLLBACK':
    case 'FORK':
      return new HttpProblem('storage-inconsistent', 'storage disagrees with what was signed');
    case 'BAD_CHECKPOINT':
      return new HttpProblem('storage-corrupt', 'the stored checkpoint is not signed by the log');
    case 'STATE_MISSING':
    case 'STATE_UNREADABLE':
    case 'STATE_CORRUPT':
      return internal();
    default:
      return unmapped(err.code);
  }
}

function internal(): HttpProblem {
  return new HttpProblem('internal', 'internal error');
}

/**
 * The default of every switch above: TypeScript rejects a switch that misses a code (its code
 * is then not `never`). Reached only by a code from outside the types (a mismatched build).
 */
function unmapped(_code: never): HttpProblem {
  return internal();
}
