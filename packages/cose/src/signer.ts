import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { CoseError } from './errors.js';
import {
  ALG_EDDSA,
  ALG_ES256,
  checkPublicKey,
  keyAlgorithm,
  sec1,
  type CoseAlgorithm,
  type CosePublicKey,
} from './key.js';

/**
 * Something that signs COSE Sig_structure bytes with `alg`: EdDSA (-8) gives a 64-byte RFC 8032
 * signature, ES256 (-7) a 64-byte r ‖ s (RFC 9053 §2.1, never DER). A callback may wrap an HSM;
 * it must return the signature or reject.
 */
export interface CoseSigner {
  readonly alg: CoseAlgorithm;
  sign(toBeSigned: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** A signer whose public key is known. */
export interface CoseKeySigner extends CoseSigner {
  readonly publicKey: CosePublicKey;
}

/** An in-memory Ed25519 signer from a 32-byte RFC 8032 seed. Throws INVALID_ARGUMENT. */
export function ed25519CoseSigner(seed: Uint8Array): CoseKeySigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new CoseError('INVALID_ARGUMENT', 'an Ed25519 seed is 32 bytes');
  }
  const secret = seed.slice();
  const x = ed25519.getPublicKey(secret);
  return {
    alg: ALG_EDDSA,
    publicKey: { kty: 'OKP', crv: 'Ed25519', x },
    sign: (message) => ed25519.sign(message, secret),
  };
}

/** An in-memory ES256 signer from a 32-byte P-256 secret scalar. Throws INVALID_ARGUMENT. */
export function es256CoseSigner(secretKey: Uint8Array): CoseKeySigner {
  if (!(secretKey instanceof Uint8Array) || !p256.utils.isValidSecretKey(secretKey)) {
    throw new CoseError('INVALID_ARGUMENT', 'a P-256 secret key is a 32-byte scalar in [1, n)');
  }
  const secret = secretKey.slice();
  const point = p256.getPublicKey(secret, false);
  return {
    alg: ALG_ES256,
    publicKey: { kty: 'EC2', crv: 'P-256', x: point.slice(1, 33), y: point.slice(33) },
    sign: (message) => p256.sign(message, secret, { prehash: true }),
  };
}

/**
 * Whether `signature` verifies over `message` with `key` under `alg`. EdDSA is strict RFC 8032
 * §5.1.7 (no ZIP-215); ES256 hashes with SHA-256 and accepts high-S signatures (COSE does not
 * require low S, and other implementations produce both). Throws ALGORITHM_MISMATCH when `alg`
 * is not the key's algorithm; never throws for a bad signature.
 */
export function verifySignature(
  key: CosePublicKey,
  alg: CoseAlgorithm,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  checkPublicKey(key);
  if (alg !== keyAlgorithm(key)) {
    throw new CoseError(
      'ALGORITHM_MISMATCH',
      `alg ${alg} cannot be verified with a ${key.crv} key`,
    );
  }
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  try {
    return key.kty === 'OKP'
      ? ed25519.verify(signature, message, key.x, { zip215: false })
      : p256.verify(signature, message, sec1(key), { prehash: true, lowS: false });
  } catch {
    return false;
  }
}
