import { HEADER_VDS, decodeSign1 } from '@proofline/cose';
import { HASH_SIZE } from '@proofline/tlog';
import { VerificationError } from '../errors.js';
import { issuerKeys, serviceKeys } from './keys.js';
import { checkReceipt, type ReceiptContext, type ReceiptLeaf } from './receipt.js';
import { receiptsStep, statementStep } from './statement.js';
import type { ReceiptVerification, ScittTrust, ScittVerification } from './types.js';

function checkBytes(bytes: unknown, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new VerificationError('INVALID_ARGUMENT', 'cose', `${what} must be a Uint8Array`);
  }
}

function checkpointOf(trust: ScittTrust): Pick<ReceiptContext, 'checkpoint'> {
  if (trust.checkpoint === undefined) return {};
  if (typeof trust.checkpoint !== 'string') {
    throw new VerificationError('INVALID_ARGUMENT', 'checkpoint', 'checkpoint must be a string');
  }
  return { checkpoint: trust.checkpoint };
}

async function receiptVerdict(
  bytes: Uint8Array,
  leaf: ReceiptLeaf,
  trust: ScittTrust,
): Promise<ScittVerification> {
  const context = { services: serviceKeys(trust), ...checkpointOf(trust) };
  const result = await checkReceipt(bytes, leaf, context);
  return Object.freeze({
    ok: result.status === 'verified',
    kind: 'receipt',
    checks: result.checks,
    receipts: Object.freeze([result]),
  });
}

/**
 * Verifies a Proofline COSE receipt (RFC 9942, vds 1) offline against the caller's pinned
 * service keys: checks 'cose' (strict decoding), 'record' (the embedded entry, header -65537,
 * is a canonical record), 'service' (a pinned key signed the root its path reconstructs for
 * that entry's leaf) and 'checkpoint' (with `trust.checkpoint`: the same root at the same
 * size, which confirms the unsigned size and index; else not-applicable, and they are not
 * confirmed). Never throws for bad receipt bytes; throws VerificationError INVALID_KEY or
 * INVALID_ARGUMENT for bad trust anchors or arguments.
 */
export async function verifyCoseReceipt(
  receipt: Uint8Array,
  trust: ScittTrust,
): Promise<ScittVerification> {
  checkBytes(receipt, 'receipt');
  return receiptVerdict(receipt, 'embedded', trust);
}

/**
 * verifyCoseReceipt for a receipt of any RFC 9942 vds-1 service, for the given RFC 9162 leaf
 * hash (no record is read: checks 'cose', 'service', 'checkpoint'). For receipts that carry no
 * Proofline entry, such as other services' (verifyCoseReceipt refuses those:
 * RECEIPT_ENTRY_MISSING). Throws like verifyCoseReceipt, and INVALID_ARGUMENT for a leaf hash
 * that is not 32 bytes.
 */
export async function verifyCoseReceiptForLeaf(
  receipt: Uint8Array,
  leafHash: Uint8Array,
  trust: ScittTrust,
): Promise<ScittVerification> {
  checkBytes(receipt, 'receipt');
  checkBytes(leafHash, 'leafHash');
  if (leafHash.length !== HASH_SIZE) {
    throw new VerificationError('INVALID_ARGUMENT', 'service', 'leafHash must be 32 bytes');
  }
  return receiptVerdict(receipt, { leafHash }, trust);
}

/**
 * Verifies a transparent statement (RFC 9943: a signed statement with receipts in unprotected
 * header 394) offline: 'statement' (the issuer signature, with a pinned issuer key named by
 * the kid) and 'receipts' (each receipt checked as by verifyCoseReceipt, plus 'registration':
 * its record is the registration of THIS statement, checkScittRecord). A receipt without a
 * Proofline entry, or by a service key that is not pinned, is 'not-verified', never passed.
 * `ok` only when the statement verified, at least one receipt verified against a pinned
 * service key, and no receipt failed. Throws like verifyCoseReceipt.
 */
export async function verifyTransparentStatement(
  statement: Uint8Array,
  trust: ScittTrust,
): Promise<ScittVerification> {
  checkBytes(statement, 'statement');
  const context = { services: serviceKeys(trust), ...checkpointOf(trust), statement };
  const issuers = issuerKeys(trust);
  const { check, value } = statementStep(statement, issuers);
  const receipts: ReceiptVerification[] = [];
  for (const receipt of value?.receipts ?? []) {
    receipts.push(await checkReceipt(receipt, 'embedded', context));
  }
  const checks = [check, receiptsStep(receipts)];
  return Object.freeze({
    ok: checks.every((c) => c.status === 'passed'),
    kind: 'transparent-statement',
    checks: Object.freeze(checks),
    receipts: Object.freeze(receipts),
    ...(value?.info === undefined ? {} : { statement: value.info }),
  });
}

/**
 * A receipt or a transparent statement, told apart by the protected vds (395) only receipts
 * have; bytes that are no COSE_Sign1 are reported as a receipt whose 'cose' check failed.
 */
export async function verifyScitt(
  bytes: Uint8Array,
  trust: ScittTrust,
): Promise<ScittVerification> {
  checkBytes(bytes, 'bytes');
  let receipt = true;
  try {
    receipt = decodeSign1(bytes).protected.has(HEADER_VDS);
  } catch {
    // verifyCoseReceipt reports it.
  }
  return receipt ? verifyCoseReceipt(bytes, trust) : verifyTransparentStatement(bytes, trust);
}
