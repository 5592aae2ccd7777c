import { ed25519 } from '@noble/curves/ed25519.js';
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import { bytesToHex } from '@noble/curves/utils.js';
import { VerificationError } from '../errors.js';
import { isCanonicalPointEncoding } from './encoding.js';

/**
 * An Ed25519 public key A that passed the key checks, with the state each back end builds on
 * first use (an imported CryptoKey, noble's precomputed multiples of A).
 */
export interface PublicKey {
  readonly bytes: Uint8Array;
  readonly point: EdwardsPoint;
  /** The WebCrypto key, imported on first use; undefined if the platform refused it. */
  webKey?: Promise<unknown>;
  /** The imported WebCrypto key, once webKey has resolved to one. */
  webCryptoKey?: unknown;
}

/** Keys are checked once; a verifier for a known key reuses the checks and the state. */
const MAX_CACHED_KEYS = 64;
const cache = new Map<string, PublicKey>();

/**
 * Checks an Ed25519 public key A and returns its prepared form: 32 bytes; a canonical
 * encoding (y < p, no sign bit on x = 0); a point of the curve (noble, strict decoding); not
 * of small order; and in the prime-order subgroup ([L]A = O). An honest key a·B always
 * passes; the checks exclude the keys on which cofactored and cofactorless verifiers, and so
 * different platforms, disagree. The curve checks cost about 1 ms with noble, so results
 * are cached (bounded). Throws VerificationError INVALID_KEY.
 */
export function publicKey(bytes: Uint8Array): PublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new VerificationError('INVALID_KEY', 'bundle', 'an Ed25519 public key is 32 bytes');
  }
  const id = bytesToHex(bytes);
  const known = cache.get(id);
  if (known !== undefined) return known;
  let point: EdwardsPoint | undefined;
  if (isCanonicalPointEncoding(bytes)) {
    try {
      point = ed25519.Point.fromBytes(bytes, false);
    } catch {
      point = undefined;
    }
  }
  if (point === undefined || point.isSmallOrder() || !point.isTorsionFree()) {
    throw new VerificationError(
      'INVALID_KEY',
      'bundle',
      'not a canonically encoded Ed25519 point of prime order',
    );
  }
  // Precomputed multiples (window 6: ~11 ms and ~300 KB once, built lazily by the first
  // noble verification) make each later [k]A about 6x faster. Set only after the torsion
  // check, which would otherwise build them for every key.
  point.precompute(6);
  const key: PublicKey = { bytes: bytes.slice(), point };
  if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value as string);
  cache.set(id, key);
  return key;
}
