import { SIG_TYPE_ED25519, type Verifier } from '@proofline/note';
import { decodeVerifierKey, type VerifierKey } from '../keys.js';
import { publicKey } from './key.js';
import { verifySignature } from './verify.js';

/**
 * A @proofline/note Verifier for a C2SP Ed25519 verifier key
 * "<name>+<8 hex key id>+<base64(0x01 || public key)>" (signed-note signatures, issuer
 * signatures). Its `verify` applies the one Ed25519 behaviour of this package (see
 * verifySignature) and resolves to false for any bad input. Throws VerificationError
 * INVALID_KEY for a malformed key, a key of another type, or a key that is not a
 * prime-order point.
 */
export function ed25519Verifier(verifierKey: string): Verifier {
  return verifierFor(decodeVerifierKey(verifierKey, SIG_TYPE_ED25519));
}

/** The Verifier of an already decoded 0x01 key (see ed25519Verifier). */
export function verifierFor(key: VerifierKey): Verifier {
  const prepared = publicKey(key.publicKey);
  return Object.freeze({
    name: key.name,
    keyId: key.keyId,
    verify: (message: Uint8Array, signature: Uint8Array) =>
      verifySignature(prepared, message, signature),
  });
}
