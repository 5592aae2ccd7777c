/** A failed API call: the server's RFC 9457 problem, or a transport failure. */
export class ProoflineError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when no response arrived. */
    readonly status: number,
    /** The problem's stable code (e.g. `invalid-statement`), or `network-error`. */
    readonly code: string,
    /** The JSON pointer of the offending field, for statement errors. */
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ProoflineError';
  }
}

/** The server answered, but what it returned does not verify: never use such a result. */
export class UntrustedResponseError extends Error {
  constructor(
    message: string,
    readonly failures: readonly { name: string; summary: string }[],
  ) {
    super(message);
    this.name = 'UntrustedResponseError';
  }
}
