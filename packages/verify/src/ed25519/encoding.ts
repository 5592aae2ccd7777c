import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { hexToBytes, numberToBytesLE } from '@noble/curves/utils.js';

/** `n` as 32 little-endian bytes. */
const le32 = (n: bigint): Uint8Array => numberToBytesLE(n, 32);

/** The field prime p = 2^255 - 19. */
const P = 2n ** 255n - 19n;
const P_BYTES = le32(P);
const ONE_BYTES = le32(1n);
const P_MINUS_1_BYTES = le32(P - 1n);
/** The prime order of the base point, L = 2^252 + 27742317777372353535851937790883648493. */
const L_BYTES = le32(2n ** 252n + 27742317777372353535851937790883648493n);

/**
 * The canonical encodings of the eight points of small order (the 8-torsion subgroup). A
 * canonical encoding is unique per point, so a canonically encoded point has small order
 * exactly when its encoding is one of these.
 */
const SMALL_ORDER = ED25519_TORSION_SUBGROUP.map(hexToBytes);

/**
 * Compares two 32-byte little-endian numbers, the top bit of `a` cleared when `clearTop`:
 * negative, zero or positive as a is less than, equal to or greater than b.
 */
function compare(a: Uint8Array, b: Uint8Array, clearTop: boolean): number {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 && clearTop ? a[i]! & 0x7f : a[i]!;
    if (x !== b[i]!) return x - b[i]!;
  }
  return 0;
}

/**
 * Whether 32 bytes are a canonical RFC 8032 §5.1.2 point encoding, by byte arithmetic only:
 * the y coordinate (the low 255 bits) is below p, and the sign bit of x (the top bit) is
 * clear when x must be 0 (y = 1 or y = p - 1, the only y with x = 0). Whether the point is on
 * the curve is not checked.
 */
export function isCanonicalPointEncoding(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  if (compare(bytes, P_BYTES, true) >= 0) return false;
  return (
    bytes[31]! < 0x80 ||
    (compare(bytes, ONE_BYTES, true) !== 0 && compare(bytes, P_MINUS_1_BYTES, true) !== 0)
  );
}

/** Whether 32 bytes are the canonical encoding of a point of small order (order 1, 2, 4 or 8). */
export function isSmallOrderEncoding(bytes: Uint8Array): boolean {
  return bytes.length === 32 && SMALL_ORDER.some((point) => compare(bytes, point, false) === 0);
}

/** Whether the 32-byte little-endian scalar S of a signature is reduced: S < L (RFC 8032 §5.1.7). */
export function isReducedScalar(bytes: Uint8Array): boolean {
  return bytes.length === 32 && compare(bytes, L_BYTES, false) < 0;
}
