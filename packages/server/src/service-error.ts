import { CodedError, type CodedErrorOptions } from '@proofline/tlog';

/**
 * The server's own refusals (its services, routes, authentication and rate limit), each
 * mapped to one problem by `toProblem` (errors.ts). Callers branch on `code`, never on
 * `message`, which becomes the problem's `detail`.
 */
export type ServiceErrorCode =
  /** Wrong body shape, unknown or repeated query parameter, a bad parameter value. */
  | 'INVALID_REQUEST'
  /** The body is not JSON, empty, not UTF-8, or repeats a member name. */
  | 'INVALID_JSON'
  /** The body is not UTF-8 `application/json`. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** The body has a Content-Encoding other than identity (never decoded). */
  | 'UNSUPPORTED_CONTENT_ENCODING'
  /** A statement breaks the record schema (`details.field` says where). */
  | 'INVALID_STATEMENT'
  /** An issuer signature does not verify with a key registered for the tenant. */
  | 'INVALID_ISSUER_SIGNATURE'
  /** POST /entries: the body is no signed statement registration takes (`details.field`). */
  | 'INVALID_SIGNED_STATEMENT'
  | 'INVALID_IDEMPOTENCY_KEY'
  /** The tenant has several logs, or none, and the request names none. */
  | 'LOG_REQUIRED'
  /** No API key, or an invalid or revoked one (`details.challenge`: WWW-Authenticate). */
  | 'UNAUTHENTICATED'
  /** The API key lacks the scope. */
  | 'FORBIDDEN'
  /** The API key's rate is exceeded (`details.retryAfterSeconds`). */
  | 'RATE_LIMITED'
  /** No such log, or another tenant's. */
  | 'UNKNOWN_LOG'
  /** No such record, or another tenant's. */
  | 'RECORD_NOT_FOUND'
  /** No such share link of the key's tenant. */
  | 'SHARE_NOT_FOUND'
  /** The record's bytes were erased (its leaf hash stays in the log). */
  | 'RECORD_ERASED'
  /** An erasure the log refuses: a public log, an entry not integrated yet, an erasure record. */
  | 'ERASURE_REFUSED'
  /** Sequenced, but no checkpoint covers it yet (`details.retryAfterSeconds`). */
  | 'NOT_YET_CHECKPOINTED'
  /** A tile or entry bundle beyond the latest checkpoint. */
  | 'TILE_NOT_FOUND'
  /** The log has published no checkpoint yet. */
  | 'NO_CHECKPOINT'
  /** No published checkpoint has the requested size. */
  | 'CHECKPOINT_NOT_FOUND'
  /** No route for the method and URL. */
  | 'ROUTE_NOT_FOUND'
  | 'WEB_NOT_BUILT'
  /** No checkpoint covers the end of the audit period yet (`details.retryAfterSeconds`). */
  | 'PERIOD_NOT_CLOSED'
  /** An Idempotency-Key already used with a different request. */
  | 'IDEMPOTENCY_CONFLICT'
  /** A batch of more statements than allowed. */
  | 'BATCH_TOO_LARGE'
  /** The body exceeds the route's byte limit, or its member, element or value counts. */
  | 'PAYLOAD_TOO_LARGE'
  /** Too many large bodies wait to be parsed, or the parsers are closing (`details.retryAfterSeconds`). */
  | 'OVERLOADED'
  /** `GET /readyz`: storage does not answer or a log does not publish (`details.retryAfterSeconds`). */
  | 'NOT_READY'
  /** The server is closing (`details.retryAfterSeconds`). */
  | 'SHUTTING_DOWN'
  /** The log exists but this node cannot write it yet, e.g. lacks its key (`details.retryAfterSeconds`). */
  | 'LOG_UNAVAILABLE'
  /** Storage contradicts itself (e.g. names no checkpoint covering a published index). */
  | 'STORAGE_INCONSISTENT';

/** Data of a {@link ServiceError}; what the problem document and headers carry. */
export interface ServiceErrorDetails {
  /** The JSON pointer (or query parameter name) of the offending field. */
  readonly field?: string;
  /** When to try again (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** The `WWW-Authenticate` challenge of an UNAUTHENTICATED refusal. */
  readonly challenge?: string;
  /** RECORD_ERASED: the id of the log's erasure record for it, when known. */
  readonly erasure?: string;
}

export class ServiceError extends CodedError<ServiceErrorCode, ServiceErrorDetails> {
  constructor(
    code: ServiceErrorCode,
    message: string,
    options?: CodedErrorOptions<ServiceErrorDetails>,
  ) {
    super(code, message, options);
    this.name = 'ServiceError';
  }
}

/** A 400 invalid-request refusal, naming the field when one is at fault. */
export function invalidRequest(message: string, field?: string): ServiceError {
  return new ServiceError(
    'INVALID_REQUEST',
    message,
    field === undefined ? {} : { details: { field } },
  );
}
