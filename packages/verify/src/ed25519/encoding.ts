import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { bytesToHex, bytesToNumberLE } from '@noble/curves/utils.js';

/** The field prime p = 2^255 - 19. */
const P = 2n ** 255n - 19n;
/** The prime order of the base point, L = 2^252 + 27742317777372353535851937790883648493. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Y_MASK = 2n ** 255n - 1n;

/**
 * The canonical encodings of the eight points of small order (the 8-torsion subgroup). A
 * canonical encoding is unique per point, so a canonically encoded point has small order
 * exactly when its encoding is one of these.
 */
const SMALL_ORDER = new Set(ED25519_TORSION_SUBGROUP);

/**
 * Whether 32 bytes are a canonical RFC 8032 §5.1.2 point encoding, by byte arithmetic only:
 * the y coordinate is below p, and the sign bit of x is clear when x must be 0 (y = 1 or
 * y = p - 1, the only y with x = 0). Whether the point is on the curve is not checked.
 */
export function isCanonicalPointEncoding(bytes: Uint8Array): boolean {
  const n = bytesToNumberLE(bytes);
  const y = n & Y_MASK;
  if (y >= P) return false;
  return n >> 255n === 0n || (y !== 1n && y !== P - 1n);
}

/** Whether 32 bytes are the canonical encoding of a point of small order (order 1, 2, 4 or 8). */
export function isSmallOrderEncoding(bytes: Uint8Array): boolean {
  return SMALL_ORDER.has(bytesToHex(bytes));
}

/** Whether the 32-byte little-endian scalar S of a signature is reduced: S < L (RFC 8032 §5.1.7). */
export function isReducedScalar(bytes: Uint8Array): boolean {
  return bytesToNumberLE(bytes) < L;
}
