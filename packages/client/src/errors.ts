import { CodedError } from '@proofline/tlog';
import type { ReceiptView } from '@proofline/records';

/** The HTTP side of a {@link ProoflineError}. */
export interface ProoflineErrorDetails {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** The JSON pointer of the offending field, for statement errors. */
  readonly field?: string;
  /** The response's Retry-After in seconds, when it had one (e.g. `not-yet-checkpointed`). */
  readonly retryAfterSeconds?: number;
  /**
   * registerStatement: the statement WAS registered as this entry, but no receipt came (in
   * time, or GET /entries/{id} failed): ask for it later instead of registering again.
   */
  readonly entryId?: string;
}

/**
 * A failed API call: the server's RFC 9457 problem (`code` is the problem's stable code, e.g.
 * `invalid-statement`), or a transport failure (`network-error`, with the `cause`).
 */
export class ProoflineError extends CodedError<string, ProoflineErrorDetails> {
  declare readonly details: ProoflineErrorDetails;

  constructor(
    message: string,
    status: number,
    code: string,
    field?: string,
    options?: ErrorOptions & { readonly retryAfterSeconds?: number; readonly entryId?: string },
  ) {
    super(code, message, {
      cause: options?.cause,
      details: {
        status,
        ...(field === undefined ? {} : { field }),
        ...(options?.retryAfterSeconds === undefined
          ? {}
          : { retryAfterSeconds: options.retryAfterSeconds }),
        ...(options?.entryId === undefined ? {} : { entryId: options.entryId }),
      },
    });
    this.name = 'ProoflineError';
  }

  /** `details.status`. */
  get status(): number {
    return this.details.status;
  }

  /** `details.field`. */
  get field(): string | undefined {
    return this.details.field;
  }

  /** `details.entryId`. */
  get entryId(): string | undefined {
    return this.details.entryId;
  }

  /** `details.retryAfterSeconds`. */
  get retryAfterSeconds(): number | undefined {
    return this.details.retryAfterSeconds;
  }
}

/**
 * The server answered, but what it returned does not verify: never use such a result. Code
 * `untrusted-response`, `unverified-write` for an {@link UnverifiedWriteError}, or a
 * LogTrustErrorCode for a {@link LogTrustError}.
 */
export class UntrustedResponseError extends CodedError<string> {
  constructor(
    message: string,
    readonly failures: readonly { name: string; summary: string }[],
    options?: ErrorOptions & { readonly code?: string },
  ) {
    super(options?.code ?? 'untrusted-response', message, { cause: options?.cause });
    this.name = 'UntrustedResponseError';
  }
}

/** Why the log at the URL is not the log of the pinned key. */
export type LogTrustErrorCode =
  /** No log of that name, or (without a log name) none served with the pinned key. */
  | 'unknown-log'
  /** The log's description names another origin or verifier key than the pinned key. */
  | 'log-key-mismatch'
  /**
   * The pinned key is a key the log retired (a handover both keys signed): receipts it sealed
   * stay valid, but new writes are sealed by its successor, which must be pinned to write.
   */
  | 'log-key-retired'
  /** The log's latest checkpoint does not verify with the pinned key. */
  | 'checkpoint-unverified'
  /** The log's description is not the JSON object of `GET /logs/<name>/`. */
  | 'malformed-log-info';

/**
 * The log was checked against the pinned key before any write and did not match: nothing
 * was written. `pinned` is the pinned key as `<name>+<key id>`; `served`, when known, the
 * log's, as `<name>+<key id>`.
 */
export class LogTrustError extends UntrustedResponseError {
  declare readonly code: LogTrustErrorCode;

  constructor(
    message: string,
    code: LogTrustErrorCode,
    readonly pinned: string,
    readonly log?: string,
    readonly served?: string,
    options?: ErrorOptions,
  ) {
    super(message, [{ name: 'log', summary: message }], { ...options, code });
    this.name = 'LogTrustError';
  }
}

/**
 * A record as the server reported writing it, unverified: the records API's receipt view
 * (@proofline/records ReceiptView, the wire shape's one home), as returned.
 */
export type WrittenReceipt = ReceiptView;

/**
 * The server wrote the records (the request succeeded) but what it returned does not verify.
 * The records are in the log whatever happens next: `written` holds every receipt of the
 * request as returned, so they can be kept and examined; retrying would write them again.
 * `problems[i]` says why `written[i]` does not verify, undefined for one that does. For
 * registerStatement (a COSE receipt, no receipt view), `written` is empty: the message names
 * the entry id, `cause` the CoseError / RecordError of the check that failed.
 */
export class UnverifiedWriteError extends UntrustedResponseError {
  constructor(
    message: string,
    failures: readonly { name: string; summary: string }[],
    readonly written: readonly WrittenReceipt[],
    readonly problems: readonly (string | undefined)[],
    options?: ErrorOptions,
  ) {
    super(message, failures, { ...options, code: 'unverified-write' });
    this.name = 'UnverifiedWriteError';
  }
}
