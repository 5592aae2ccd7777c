/**
 * Stable codes of the errors this package throws. Callers branch on `code`, never on the
 * message.
 *
 * - `INVALID_ARGUMENT`: a caller's argument is out of range (sample size, seed, dates, ...).
 * - `MALFORMED`: a population, proof, sample or package file breaks its format or a bound.
 * - `HTTP`: the server answered with an error (the problem document's code is in `detail`).
 * - `ZIP`: the archive is unreadable, too large, or has unsafe or repeated names.
 */
export type EvidenceErrorCode = 'INVALID_ARGUMENT' | 'MALFORMED' | 'HTTP' | 'ZIP';

export class EvidenceError extends Error {
  constructor(
    readonly code: EvidenceErrorCode,
    message: string,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EvidenceError';
  }
}

export function malformed(message: string, cause?: unknown): EvidenceError {
  return new EvidenceError('MALFORMED', message, undefined, { cause });
}

export function invalidArgument(message: string): EvidenceError {
  return new EvidenceError('INVALID_ARGUMENT', message);
}
