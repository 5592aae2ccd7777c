import type { VerificationError } from './errors.js';
import type { Check, CheckName } from './types.js';

/** A check's outcome and, when it got that far, the value it checked for later steps. */
export interface StepResult<T> {
  readonly check: Check;
  readonly value?: T;
}

type Evidence = Readonly<Record<string, string>>;

export function passed(name: CheckName, summary: string, evidence: Evidence): Check {
  return Object.freeze({ name, status: 'passed', summary, evidence: Object.freeze(evidence) });
}

/** A failed check: its summary is the error's message, its evidence the error's. */
export function failed(error: VerificationError): Check {
  return Object.freeze({
    name: error.step,
    status: 'failed',
    summary: error.message,
    error,
    evidence: error.evidence,
  });
}

export function notApplicable(name: CheckName, summary: string, evidence: Evidence = {}): Check {
  return Object.freeze({
    name,
    status: 'not-applicable',
    summary,
    evidence: Object.freeze(evidence),
  });
}

/** A check that could not run because the check `after`, which it needs, failed. */
export function skipped(name: CheckName, after: CheckName): Check {
  return notApplicable(name, `not checked: ${after} failed`);
}

/** A key's "<name>+<8 lowercase hex key id>" label, as in verifier keys and issuer keys. */
export function keyLabel(name: string, keyId: number): string {
  return `${name}+${keyId.toString(16).padStart(8, '0')}`;
}
