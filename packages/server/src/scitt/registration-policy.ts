import {
  CoseError,
  HEADER_ALG,
  HEADER_CONTENT_TYPE,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  checkCritical,
  decodeSign1,
  keyAlgorithm,
  verifySign1,
  type Label,
  type Sign1,
} from '@proofline/cose';
import {
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION,
  HEADER_PREIMAGE_CONTENT_TYPE,
  RecordError,
  scittRecordStatement,
  type CoseIssuerKey,
  type SignedStatementClaims,
  type Statement,
} from '@proofline/records';
import { ServiceError } from '../service-error.js';

/** Largest signed statement POST /entries takes (bytes): the route's body limit. */
export const MAX_SIGNED_STATEMENT = 64 * 1024;

/**
 * Bounds of the CBOR decoder for a submitted statement: its size, a nesting depth that fits
 * a COSE_Sign1 with CWT claims and receipts (tag, array, bstr-wrapped map, claims, values),
 * and an item count far above any real statement's.
 */
const LIMITS = { maxBytes: MAX_SIGNED_STATEMENT, maxDepth: 10, maxItems: 4096 } as const;

/**
 * The protected headers registration processes, so the only ones a statement may mark
 * critical (RFC 9052 §3.1): alg, content type, kid, CWT claims and the hash-envelope headers.
 */
const UNDERSTOOD: readonly Label[] = [
  HEADER_ALG,
  HEADER_CONTENT_TYPE,
  HEADER_KID,
  HEADER_CWT_CLAIMS,
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PREIMAGE_CONTENT_TYPE,
  HEADER_PAYLOAD_LOCATION,
];

/** A signed statement registration accepted: the record statement it is appended as. */
export interface AdmittedStatement {
  readonly statement: Statement;
  readonly claims: SignedStatementClaims;
  /** The issuer key that verified its signature. */
  readonly key: CoseIssuerKey;
}

function malformed(message: string, field: string, cause?: unknown): ServiceError {
  return new ServiceError('INVALID_SIGNED_STATEMENT', message, {
    details: { field },
    ...(cause === undefined ? {} : { cause }),
  });
}

function refused(message: string, field: string, cause?: unknown): ServiceError {
  return new ServiceError('INVALID_ISSUER_SIGNATURE', message, {
    details: { field },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The registration policy (docs/scitt.md), a pure function of the submitted bytes and the
 * tenant's active COSE issuer keys. In order, the first failure refused:
 *
 * 1. a COSE_Sign1 (tag 18 or untagged) in strict, bounded CBOR (INVALID_SIGNED_STATEMENT, `/`);
 * 2. no critical header it does not process (`/protected/2`);
 * 3. the protected claims and attached payload of scittRecordStatement (its field);
 * 4. an issuer key whose kid is the statement's kid (INVALID_ISSUER_SIGNATURE `/protected/4`)
 *    and whose algorithm is the statement's alg (`/protected/1`);
 * 5. of those, one bound to the statement's `iss` or to no issuer (`/protected/15/1`);
 * 6. one of those verifies the signature (`/signature`).
 *
 * Unprotected headers (receipts of a transparent statement, anything else) are ignored: they
 * are no part of what is registered (registeredForm).
 */
export function admitStatement(
  bytes: Uint8Array,
  keys: readonly CoseIssuerKey[],
): AdmittedStatement {
  let sign1: Sign1;
  try {
    sign1 = decodeSign1(bytes, LIMITS);
  } catch (cause) {
    if (!(cause instanceof CoseError)) throw cause;
    if (cause.code === 'UNKNOWN_CRITICAL_HEADER') {
      throw malformed(`malformed crit header: ${cause.message}`, '/protected/2', cause);
    }
    throw malformed(`not a COSE_Sign1 signed statement: ${cause.message}`, '/', cause);
  }
  try {
    checkCritical(sign1.protected, UNDERSTOOD);
  } catch (cause) {
    throw malformed((cause as Error).message, '/protected/2', cause);
  }
  let admitted: { statement: Statement; claims: SignedStatementClaims };
  try {
    admitted = scittRecordStatement(bytes);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    throw malformed(cause.message, cause.field ?? '/', cause);
  }
  const { claims } = admitted;
  const kidHex = Buffer.from(claims.kid).toString('hex');
  const named = keys.filter((k) => Buffer.from(k.key.kid).equals(claims.kid));
  if (named.length === 0) {
    throw refused(`no active issuer key of this tenant has kid ${kidHex}`, '/protected/4');
  }
  const fitting = named.filter((k) => keyAlgorithm(k.key) === claims.alg);
  if (fitting.length === 0) {
    throw refused(
      `the issuer key with kid ${kidHex} is not a key for alg ${claims.alg}`,
      '/protected/1',
    );
  }
  const bound = fitting.filter((k) => k.issuer === undefined || k.issuer === claims.issuer);
  if (bound.length === 0) {
    throw refused(
      `the issuer key with kid ${kidHex} is bound to another issuer than ${JSON.stringify(claims.issuer)}`,
      '/protected/15/1',
    );
  }
  for (const key of bound) {
    try {
      verifySign1(sign1, [key.key], { understoodCritical: UNDERSTOOD });
      return { ...admitted, key };
    } catch (cause) {
      if (!(cause instanceof CoseError) || cause.code !== 'INVALID_SIGNATURE') throw cause;
    }
  }
  throw refused(
    `the signature does not verify with the issuer key with kid ${kidHex}`,
    '/signature',
  );
}
