import {
  CWT_ISS,
  CWT_SUB,
  CborMap,
  CoseError,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  decodeSign1,
  extractReceipts,
  headerValue,
  verifySign1,
  type Sign1,
} from '@proofline/cose';
import {
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION,
  HEADER_PREIMAGE_CONTENT_TYPE,
} from '@proofline/records';
import { failed, passed, type StepResult } from '../checks.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import type { Check } from '../types.js';
import { hex, keysForKid, pinnedOf, type PinnedKey } from './keys.js';
import { coseCode } from './receipt.js';
import type { ReceiptVerification, SignedStatementInfo } from './types.js';

/** Protected headers a statement may mark critical: the ones registration reads. */
const UNDERSTOOD = [
  HEADER_CWT_CLAIMS,
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PREIMAGE_CONTENT_TYPE,
  HEADER_PAYLOAD_LOCATION,
];

/** What the statement step hands on: the statement's receipts (unverified bytes). */
export interface DecodedStatement {
  readonly receipts: readonly Uint8Array[];
  readonly info?: SignedStatementInfo;
}

function statementError(code: VerificationErrorCode, message: string, cause?: unknown): Check {
  return failed(new VerificationError(code, 'statement', message, { cause }));
}

/** The issuer's code for a CoseError from verifySign1. */
function issuerCode(error: CoseError): VerificationErrorCode {
  if (error.code === 'INVALID_SIGNATURE') return 'ISSUER_SIGNATURE_INVALID';
  if (error.code === 'ALGORITHM_MISMATCH') return 'ISSUER_UNTRUSTED';
  if (error.code === 'INVALID_ARGUMENT') return 'STATEMENT_MALFORMED';
  return coseCode(error);
}

function claim(sign1: Sign1, label: number): string | undefined {
  const claims = sign1.protected.get(HEADER_CWT_CLAIMS);
  const value = claims instanceof CborMap ? claims.get(label) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Step 'statement': the bytes are a COSE_Sign1 (its receipts in 394 an array of bstr) with an
 * attached payload, signed by a pinned issuer key named by its kid (key kid or RFC 9679
 * thumbprint). Returns the receipts even when the signature fails, so they are still reported.
 */
export function statementStep(
  bytes: Uint8Array,
  issuers: readonly PinnedKey[],
): StepResult<DecodedStatement> {
  let sign1: Sign1;
  let receipts: Uint8Array[];
  try {
    sign1 = decodeSign1(bytes);
    receipts = extractReceipts(bytes);
  } catch (error) {
    if (!(error instanceof CoseError)) throw error;
    return {
      check: statementError(coseCode(error), `not a COSE_Sign1 statement: ${error.message}`, error),
    };
  }
  const kid = headerValue(sign1.protected, sign1.unprotected, HEADER_KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) {
    return {
      check: statementError('COSE_MALFORMED', 'the kid must be a bstr'),
      value: { receipts },
    };
  }
  if (issuers.length === 0) {
    const check = statementError(
      'ISSUER_UNTRUSTED',
      'no issuer keys were given to verify the statement with',
    );
    return { check, value: { receipts } };
  }
  const candidates = keysForKid(issuers, kid);
  if (candidates.length === 0) {
    const error = new VerificationError(
      'ISSUER_UNTRUSTED',
      'statement',
      `no pinned issuer key has the statement's kid ${hex(kid!)}`,
      { evidence: { kid: hex(kid!) } },
    );
    return { check: failed(error), value: { receipts } };
  }
  let verified;
  try {
    verified = verifySign1(
      sign1,
      candidates.map((k) => k.key),
      { understoodCritical: UNDERSTOOD },
    );
  } catch (error) {
    if (!(error instanceof CoseError)) throw error;
    const message = `the issuer signature does not verify with the pinned issuer keys: ${error.message}`;
    return { check: statementError(issuerCode(error), message, error), value: { receipts } };
  }
  const key = pinnedOf(issuers, verified.key)!;
  const issuer = claim(sign1, CWT_ISS);
  const subject = claim(sign1, CWT_SUB);
  const info: SignedStatementInfo = {
    alg: verified.alg,
    ...(kid === undefined ? {} : { kid: hex(kid) }),
    issuerKey: hex(key.thumbprint),
    ...(issuer === undefined ? {} : { issuer }),
    ...(subject === undefined ? {} : { subject }),
  };
  const evidence: Record<string, string> = {
    issuerKey: info.issuerKey,
    alg: String(info.alg),
    ...(info.kid === undefined ? {} : { kid: info.kid }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(subject === undefined ? {} : { subject }),
  };
  const who = `${issuer === undefined ? 'an issuer' : `issuer ${issuer}`}${subject === undefined ? '' : `, subject ${subject}`}`;
  return {
    check: passed(
      'statement',
      `The signed statement (${who}) is signed by the pinned issuer key ${info.issuerKey}.`,
      evidence,
    ),
    value: { receipts, info },
  };
}

/**
 * Step 'receipts': at least one receipt verified against a pinned service key, and none of
 * Proofline's failed. A failed receipt fails the step with its own code.
 */
export function receiptsStep(results: readonly ReceiptVerification[]): Check {
  if (results.length === 0) {
    const error = new VerificationError(
      'RECEIPTS_MISSING',
      'receipts',
      'the statement carries no receipt (header 394): it is a signed statement, not a transparent one',
    );
    return failed(error);
  }
  const count = (status: ReceiptVerification['status']) =>
    results.filter((r) => r.status === status).length;
  const evidence = {
    receipts: String(results.length),
    verified: String(count('verified')),
    failed: String(count('failed')),
    notVerified: String(count('not-verified')),
  };
  const bad = results.findIndex((r) => r.status === 'failed');
  if (bad >= 0) {
    const cause = results[bad]!.checks.find((c) => c.status === 'failed')!.error!;
    const error = new VerificationError(
      cause.code,
      'receipts',
      `receipt ${bad + 1}: ${cause.message}`,
      {
        cause,
        evidence,
      },
    );
    return failed(error);
  }
  if (count('verified') === 0) {
    const error = new VerificationError(
      'RECEIPTS_UNVERIFIED',
      'receipts',
      `none of the ${results.length} receipts verified against a pinned service key`,
      { evidence },
    );
    return failed(error);
  }
  const others = count('not-verified');
  return passed(
    'receipts',
    `${count('verified')} of ${results.length} receipts verified against pinned service keys` +
      (others === 0
        ? '.'
        : `; ${others} not verified (not Proofline receipts, or services not pinned).`),
    evidence,
  );
}
