import { CborMap, isLabel, type CborValue, type Label } from './cbor.js';
import { CoseError } from './errors.js';

/** Common header parameter labels (RFC 9052 §3.1, RFC 9597 for CWT claims). */
export const HEADER_ALG = 1;
export const HEADER_CRIT = 2;
export const HEADER_CONTENT_TYPE = 3;
export const HEADER_KID = 4;
export const HEADER_CWT_CLAIMS = 15;

/**
 * Checks the header maps of a COSE message (RFC 9052 §3): every label an integer or text
 * string, no label in both maps, and `crit` (label 2), when present, only in the protected
 * map, a non-empty array of labels each present in the protected map. Throws MALFORMED_COSE,
 * or UNKNOWN_CRITICAL_HEADER for a malformed crit.
 */
export function checkHeaders(protectedMap: CborMap, unprotected: CborMap): void {
  for (const map of [protectedMap, unprotected]) {
    for (const label of map.keys()) {
      if (!isLabel(label)) throw new CoseError('MALFORMED_COSE', 'header labels are int or tstr');
    }
  }
  for (const label of unprotected.keys()) {
    if (protectedMap.has(label as Label)) {
      throw new CoseError('MALFORMED_COSE', `header ${String(label)} is in both header maps`);
    }
  }
  if (unprotected.has(HEADER_CRIT)) {
    throw new CoseError('UNKNOWN_CRITICAL_HEADER', 'crit must be in the protected header');
  }
  const crit = protectedMap.get(HEADER_CRIT);
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) {
    throw new CoseError('UNKNOWN_CRITICAL_HEADER', 'crit must be a non-empty array of labels');
  }
  for (const label of crit as readonly CborValue[]) {
    if (!isLabel(label) || !protectedMap.has(label)) {
      throw new CoseError('UNKNOWN_CRITICAL_HEADER', `crit names ${String(label)}, not protected`);
    }
  }
}

/**
 * Throws UNKNOWN_CRITICAL_HEADER unless every label in the protected crit list is one the
 * caller processes (`understood`) — RFC 9052 §3.1: a recipient must reject a message whose
 * crit names a header it does not understand.
 */
export function checkCritical(protectedMap: CborMap, understood: readonly Label[]): void {
  const crit = protectedMap.get(HEADER_CRIT);
  if (crit === undefined) return;
  for (const label of crit as readonly Label[]) {
    if (!understood.includes(label)) {
      throw new CoseError(
        'UNKNOWN_CRITICAL_HEADER',
        `critical header ${String(label)} is not understood`,
      );
    }
  }
}

/** The header value of `label`, protected first (labels are unique across both maps). */
export function headerValue(
  protectedMap: CborMap,
  unprotected: CborMap,
  label: Label,
): CborValue | undefined {
  return protectedMap.has(label) ? protectedMap.get(label) : unprotected.get(label);
}
