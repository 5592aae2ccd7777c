import { CodedError, type CodedErrorOptions } from '@proofline/tlog';

/**
 * Stable codes of the errors this package throws. Callers branch on `code`, never on the
 * message.
 *
 * - `INVALID_ARGUMENT`: a caller's argument is out of range (sample size, seed, dates, ...).
 * - `MALFORMED`: a population, proof, sample or package file breaks its format or a bound.
 * - `HTTP`: the server could not be reached (`cause`) or answered with an error (`details`).
 * - `ZIP`: the archive is unreadable, too large, or has unsafe or repeated names.
 */
export type EvidenceErrorCode = 'INVALID_ARGUMENT' | 'MALFORMED' | 'HTTP' | 'ZIP';

/** Data of an `HTTP` {@link EvidenceError} that got an answer: its status and problem code. */
export interface EvidenceErrorDetails {
  readonly status: number;
  /** The problem document's `code`, or `http-<status>` when the body is not one. */
  readonly problem: string;
}

export class EvidenceError extends CodedError<EvidenceErrorCode, EvidenceErrorDetails> {
  constructor(
    code: EvidenceErrorCode,
    message: string,
    options?: CodedErrorOptions<EvidenceErrorDetails>,
  ) {
    super(code, message, options);
    this.name = 'EvidenceError';
  }
}

export function malformed(message: string, cause?: unknown): EvidenceError {
  return new EvidenceError('MALFORMED', message, { cause });
}

export function invalidArgument(message: string): EvidenceError {
  return new EvidenceError('INVALID_ARGUMENT', message);
}
