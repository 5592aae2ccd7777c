import {
  CWT_ISS,
  CborMap,
  CoseError,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  HEADER_LOG_ENTRY,
  decodeReceipt,
  decodeSign1,
  headerValue,
  verifyReceipt,
  type CoseErrorCode,
  type DecodedReceipt,
} from '@proofline/cose';
import { base64Encode } from '@proofline/note';
import { RecordError, checkScittRecord, type RecordV1 } from '@proofline/records';
import { leafHash } from '@proofline/tlog';
import { failed, passed, skipped, type StepResult } from '../checks.js';
import { VerificationError, type VerificationErrorCode } from '../errors.js';
import { recordStep } from '../steps/record.js';
import type { Check, CheckName } from '../types.js';
import { hex, keysForKid, pinnedOf, type ServiceKey } from './keys.js';
import { checkpointStep, type Signed } from './checkpoint.js';
import type { ReceiptVerification } from './types.js';

/** The leaf a receipt is checked for: the entry it embeds (Proofline), or a given leaf hash. */
export type ReceiptLeaf = 'embedded' | { readonly leafHash: Uint8Array };

/** How a receipt is checked. */
export interface ReceiptContext {
  readonly services: readonly ServiceKey[];
  readonly checkpoint?: string;
  /** Inside a transparent statement: the statement, whose registration the record must be. */
  readonly statement?: Uint8Array;
}

/** Codes that, inside a transparent statement, mean "not ours to judge", never "passed". */
const NOT_VERIFIABLE: ReadonlySet<VerificationErrorCode> = new Set([
  'RECEIPT_ENTRY_MISSING',
  'SERVICE_KEY_UNTRUSTED',
]);

/** A CoseError as this package's code. */
export function coseCode(error: CoseError): VerificationErrorCode {
  const codes: Partial<Record<CoseErrorCode, VerificationErrorCode>> = {
    UNKNOWN_CRITICAL_HEADER: 'UNKNOWN_CRITICAL_HEADER',
    UNSUPPORTED_ALGORITHM: 'UNSUPPORTED_ALGORITHM',
    UNSUPPORTED_VDS: 'UNSUPPORTED_VDS',
    MALFORMED_RECEIPT: 'RECEIPT_MALFORMED',
    INVALID_RECEIPT: 'RECEIPT_UNVERIFIED',
    ALGORITHM_MISMATCH: 'SERVICE_KEY_UNTRUSTED',
  };
  return codes[error.code] ?? 'COSE_MALFORMED';
}

function fail(step: CheckName, error: unknown, what: string): Check {
  if (!(error instanceof CoseError)) throw error;
  const code = coseCode(error);
  return failed(new VerificationError(code, step, `${what}: ${error.message}`, { cause: error }));
}

/** Step 'cose': the bytes are an RFC 9942 vds-1 receipt with one inclusion proof. */
function coseStep(bytes: Uint8Array): StepResult<DecodedReceipt> {
  let decoded: DecodedReceipt;
  try {
    decoded = decodeReceipt(bytes);
  } catch (error) {
    return { check: fail('cose', error, 'not an RFC 9942 receipt') };
  }
  const { sign1, proof } = decoded;
  const kid = headerValue(sign1.protected, sign1.unprotected, HEADER_KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) {
    const error = new VerificationError('COSE_MALFORMED', 'cose', 'the kid must be a bstr');
    return { check: failed(error) };
  }
  const claims = sign1.protected.get(HEADER_CWT_CLAIMS);
  const iss = claims instanceof CborMap ? claims.get(CWT_ISS) : undefined;
  const evidence: Record<string, string> = {
    treeSize: String(proof.treeSize),
    leafIndex: String(proof.leafIndex),
    ...(kid === undefined ? {} : { kid: hex(kid) }),
    ...(typeof iss === 'string' ? { origin: iss } : {}),
  };
  return {
    check: passed(
      'cose',
      `An RFC 9942 receipt (vds 1, RFC9162_SHA256) claiming leaf ${proof.leafIndex} of a tree of ${proof.treeSize}.`,
      evidence,
    ),
    value: decoded,
  };
}

/** Step 'service': a pinned service key signed the root the path reconstructs for the leaf. */
function serviceStep(
  bytes: Uint8Array,
  decoded: DecodedReceipt,
  leaf: ReceiptLeaf,
  services: readonly ServiceKey[],
): StepResult<Signed> {
  const { sign1 } = decoded;
  const kid = headerValue(sign1.protected, sign1.unprotected, HEADER_KID) as Uint8Array | undefined;
  const candidates = keysForKid(services, kid);
  if (candidates.length === 0) {
    const error = new VerificationError(
      'SERVICE_KEY_UNTRUSTED',
      'service',
      `no pinned service key has the receipt's kid ${hex(kid!)}`,
      { evidence: { kid: hex(kid!), pinned: services.map((k) => hex(k.thumbprint)).join(' ') } },
    );
    return { check: failed(error) };
  }
  let verified;
  try {
    verified = verifyReceipt(
      bytes,
      leaf,
      candidates.map((k) => k.key),
    );
  } catch (error) {
    return {
      check: fail('service', error, 'the receipt does not verify with the pinned service keys'),
    };
  }
  const key = pinnedOf(services, verified.key)!;
  const root = base64Encode(verified.root);
  const evidence: Record<string, string> = {
    serviceKid: hex(key.thumbprint),
    ...(key.log === undefined ? {} : { logKey: key.log.log.name }),
    root,
    treeSize: String(verified.treeSize),
    leafIndex: String(verified.leafIndex),
  };
  return {
    check: passed(
      'service',
      `The pinned service key ${hex(key.thumbprint)} signed the root ${root}. The tree size ` +
        `(${verified.treeSize}) and leaf index (${verified.leafIndex}) are not signed.`,
      evidence,
    ),
    value: { key, root: verified.root, treeSize: verified.treeSize, leafIndex: verified.leafIndex },
  };
}

/** Step 'registration': the record is the registration of the statement (checkScittRecord). */
function registrationStep(record: RecordV1, statement: Uint8Array): Check {
  try {
    checkScittRecord(record, statement);
  } catch (cause) {
    if (!(cause instanceof RecordError || cause instanceof CoseError)) throw cause;
    const code =
      cause.code === 'STATEMENT_MISMATCH' ? 'REGISTRATION_MISMATCH' : 'STATEMENT_MALFORMED';
    const error = new VerificationError(
      code,
      'registration',
      `the receipt's record is not the registration of this signed statement: ${cause.message}`,
      { cause, evidence: { recordDigest: record.digest, recordType: record.type } },
    );
    return failed(error);
  }
  return passed(
    'registration',
    `The record is the registration of this signed statement (digest ${record.digest}).`,
    { recordDigest: record.digest },
  );
}

/**
 * Checks one receipt: 'cose', 'record' (embedded leaf only), 'service', 'registration' (in a
 * statement only), 'checkpoint'. Never throws for bad bytes. Inside a statement, a receipt
 * with no embedded entry or by an unpinned service is 'not-verified' instead of 'failed'.
 */
export async function checkReceipt(
  bytes: Uint8Array,
  leaf: ReceiptLeaf,
  context: ReceiptContext,
): Promise<ReceiptVerification> {
  const checks: Check[] = [];
  const done = (
    extra: Omit<ReceiptVerification, 'status' | 'checks' | 'confirmed'> = {},
    confirmed = false,
  ) => {
    const failure = checks.find((c) => c.status === 'failed');
    const status =
      failure === undefined
        ? 'verified'
        : context.statement !== undefined && NOT_VERIFIABLE.has(failure.error!.code)
          ? 'not-verified'
          : 'failed';
    return Object.freeze({ status, checks: Object.freeze(checks), confirmed, ...extra });
  };
  const later: CheckName[] = [
    ...(leaf === 'embedded' ? (['record'] as const) : []),
    'service',
    ...(context.statement === undefined ? [] : (['registration'] as const)),
    'checkpoint',
  ];
  const skipRest = (after: CheckName, from: number) => {
    for (const name of later.slice(from)) checks.push(skipped(name, after));
  };
  // A COSE_Sign1 without Proofline's entry is someone else's receipt: say so before its profile.
  if (leaf === 'embedded') {
    let hasEntry: boolean;
    try {
      hasEntry = decodeSign1(bytes).unprotected.has(HEADER_LOG_ENTRY);
    } catch (error) {
      checks.push(fail('cose', error, 'not a COSE_Sign1'));
      skipRest('cose', 0);
      return done();
    }
    if (!hasEntry) {
      checks.push(
        failed(
          new VerificationError(
            'RECEIPT_ENTRY_MISSING',
            'cose',
            `not a Proofline receipt: it carries no log entry (header ${HEADER_LOG_ENTRY}), so the record it proves is unknown`,
          ),
        ),
      );
      skipRest('cose', 0);
      return done();
    }
  }
  const { check: cose, value: decoded } = coseStep(bytes);
  checks.push(cose);
  if (decoded === undefined) {
    skipRest('cose', 0);
    return done();
  }
  let record: RecordV1 | undefined;
  if (leaf === 'embedded') {
    const entry = decoded.entry!;
    const result = recordStep(entry, leafHash(entry));
    checks.push(result.check);
    record = result.value;
    if (record === undefined) {
      skipRest('record', 1);
      return done();
    }
  }
  const { check: service, value: signed } = serviceStep(bytes, decoded, leaf, context.services);
  checks.push(service);
  if (signed === undefined) {
    skipRest('service', later.indexOf('service') + 1);
    return done();
  }
  if (context.statement !== undefined) checks.push(registrationStep(record!, context.statement));
  const origin = cose.evidence['origin'];
  const { check: checkpoint, value: confirmed } = await checkpointStep(
    context.checkpoint,
    signed,
    origin,
  );
  checks.push(checkpoint);
  return done(
    {
      ...(record === undefined ? {} : { record }),
      ...(origin === undefined ? {} : { origin }),
      root: base64Encode(signed.root),
      treeSize: signed.treeSize,
      leafIndex: signed.leafIndex,
      serviceKid: hex(signed.key.thumbprint),
    },
    confirmed === true,
  );
}
