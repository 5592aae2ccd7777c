import { isCanonicalPointEncoding, isReducedScalar, isSmallOrderEncoding } from './encoding.js';
import {
  detectBackend,
  detectedBackend,
  nobleVerify,
  webCryptoVerify,
  type Backend,
} from './backends.js';
import type { PublicKey } from './key.js';

/**
 * Verifies an Ed25519 signature with one behaviour on every platform. The key was checked
 * by publicKey (canonical, prime order). Before any curve math: the signature is 64 bytes,
 * R is a canonical encoding and not one of the eight small-order points, and S < L. Then
 * the cofactorless equation [S]B = R + [k]A is checked by `backend` ('auto': WebCrypto when
 * the platform passes the probes, else noble). With A and R so restricted, strict RFC 8032,
 * cofactored, cofactorless and ZIP-215 verifiers all agree on the verdict. Never throws
 * for bad input: it resolves to false. Once the back end is known and the key imported, the
 * platform's verification is started before this returns (see webCryptoVerify).
 */
export async function verifySignature(
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  backend: Backend | 'auto' = 'auto',
): Promise<boolean> {
  if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  if (signature.length !== 64) return false;
  const r = signature.subarray(0, 32);
  if (!isCanonicalPointEncoding(r) || isSmallOrderEncoding(r)) return false;
  if (!isReducedScalar(signature.subarray(32))) return false;
  const use = backend === 'auto' ? (detectedBackend() ?? (await detectBackend())) : backend;
  return use === 'webcrypto'
    ? webCryptoVerify(key, message, signature)
    : nobleVerify(key, message, signature);
}
