import type { ReceiptView } from '@proofline/records';

/** A failed API call: the server's RFC 9457 problem, or a transport failure. */
export class ProoflineError extends Error {
  /** The response's Retry-After in seconds, when it had one (e.g. `not-yet-checkpointed`). */
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    /** HTTP status, or 0 when no response arrived. */
    readonly status: number,
    /** The problem's stable code (e.g. `invalid-statement`), or `network-error`. */
    readonly code: string,
    /** The JSON pointer of the offending field, for statement errors. */
    readonly field?: string,
    options?: ErrorOptions & { readonly retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ProoflineError';
    if (options?.retryAfterSeconds !== undefined) {
      this.retryAfterSeconds = options.retryAfterSeconds;
    }
  }
}

/** The server answered, but what it returned does not verify: never use such a result. */
export class UntrustedResponseError extends Error {
  constructor(
    message: string,
    readonly failures: readonly { name: string; summary: string }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UntrustedResponseError';
  }
}

/** Why the log at the URL is not the log of the pinned key. */
export type LogTrustErrorCode =
  /** No log of that name, or (without a log name) none served with the pinned key. */
  | 'unknown-log'
  /** The log's description names another origin or verifier key than the pinned key. */
  | 'log-key-mismatch'
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
  constructor(
    message: string,
    readonly code: LogTrustErrorCode,
    readonly pinned: string,
    readonly log?: string,
    readonly served?: string,
    options?: ErrorOptions,
  ) {
    super(message, [{ name: 'log', summary: message }], options);
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
 * `problems[i]` says why `written[i]` does not verify, undefined for one that does.
 */
export class UnverifiedWriteError extends UntrustedResponseError {
  constructor(
    message: string,
    failures: readonly { name: string; summary: string }[],
    readonly written: readonly WrittenReceipt[],
    readonly problems: readonly (string | undefined)[],
  ) {
    super(message, failures);
    this.name = 'UnverifiedWriteError';
  }
}
