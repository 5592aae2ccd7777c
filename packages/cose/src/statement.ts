import { CborMap, type CborValue } from './cbor.js';
import { CoseError } from './errors.js';
import { HEADER_RECEIPTS } from './receipt.js';
import { decodeSign1, encodeSign1, type Sign1 } from './sign1.js';

function receiptsOf(sign1: Sign1): Uint8Array[] {
  if (sign1.protected.has(HEADER_RECEIPTS)) {
    throw new CoseError('MALFORMED_COSE', 'receipts (394) belong in the unprotected header');
  }
  const receipts = sign1.unprotected.get(HEADER_RECEIPTS);
  if (receipts === undefined) return [];
  if (!Array.isArray(receipts) || !receipts.every((r) => r instanceof Uint8Array)) {
    throw new CoseError('MALFORMED_COSE', 'receipts (394) must be an array of bstr');
  }
  return receipts as Uint8Array[];
}

/**
 * The receipts of a transparent statement (RFC 9943): the byte strings in the unprotected
 * header 394, in order; [] when there are none. They are not decoded or verified here.
 * Throws MALFORMED_COSE (394 protected or not an array of bstr) and decodeSign1's errors.
 */
export function extractReceipts(statement: Uint8Array): Uint8Array[] {
  return receiptsOf(decodeSign1(statement));
}

function withReceipts(sign1: Sign1, receipts: readonly Uint8Array[]): Uint8Array {
  const others = sign1.unprotected.entries.filter(([label]) => label !== HEADER_RECEIPTS);
  const entries: (readonly [CborValue, CborValue])[] = [...others];
  if (receipts.length > 0) entries.push([HEADER_RECEIPTS, [...receipts]]);
  return encodeSign1({ ...sign1, unprotected: new CborMap(entries) });
}

/**
 * A transparent statement: `statement` with `receipts` appended to its unprotected header 394
 * (an array of bstr receipts, after any it already has). Each receipt must decode as a
 * COSE_Sign1. The protected header, payload and signature are copied byte for byte (the
 * statement signature still verifies); the unprotected map is re-encoded deterministically
 * and the result is tagged (18).
 */
export function attachReceipts(statement: Uint8Array, receipts: readonly Uint8Array[]): Uint8Array {
  const sign1 = decodeSign1(statement);
  for (const receipt of receipts) decodeSign1(receipt);
  return withReceipts(sign1, [...receiptsOf(sign1), ...receipts]);
}

/**
 * The signed statement without its receipts: header 394 removed, encoded as attachReceipts
 * encodes (tag 18, deterministic unprotected map, everything else byte for byte).
 */
export function detachReceipts(statement: Uint8Array): Uint8Array {
  const sign1 = decodeSign1(statement);
  receiptsOf(sign1);
  return withReceipts(sign1, []);
}

/**
 * The registered form of a signed statement (docs/scitt.md): the COSE_Sign1 with its
 * unprotected header replaced by an empty map, tagged (18); the protected header, payload and
 * signature byte for byte. Unprotected headers are not signed (anyone may add receipts or
 * other headers), so they are no part of what a log registers: every transparent statement of
 * one signed statement has the same registered form. Throws decodeSign1's errors.
 */
export function registeredForm(statement: Uint8Array): Uint8Array {
  const sign1 = decodeSign1(statement);
  return encodeSign1({ ...sign1, unprotected: new CborMap([]) });
}
