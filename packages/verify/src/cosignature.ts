import { SIG_TYPE_COSIGNATURE, verifyCosignature, type Verifier } from '@proofline/note';
import { publicKey } from './ed25519/key.js';
import { verifySignature } from './ed25519/verify.js';
import { decodeVerifierKey, type VerifierKey } from './keys.js';

/**
 * A @proofline/note Verifier for a c2sp.org/tlog-cosignature Ed25519 witness key
 * "<name>+<8 hex key id>+<base64(0x04 || public key)>". `verify(checkpointText, signature)`
 * takes the note text and the 72-byte timestamped signature of a signature line and checks
 * it with @proofline/note's verifyCosignature (the format's one home), the Ed25519 signature
 * by this package's verifySignature (same behaviour as ed25519Verifier). It does not judge
 * the timestamp beyond its bound. Throws VerificationError INVALID_KEY.
 */
export function cosignatureVerifier(verifierKey: string): Verifier {
  return cosignatureVerifierFor(decodeVerifierKey(verifierKey, SIG_TYPE_COSIGNATURE));
}

/** The Verifier of an already decoded 0x04 key (see cosignatureVerifier). */
export function cosignatureVerifierFor(key: VerifierKey): Verifier {
  const prepared = publicKey(key.publicKey);
  const ed25519 = (message: Uint8Array, signature: Uint8Array) =>
    verifySignature(prepared, message, signature);
  return Object.freeze({
    name: key.name,
    keyId: key.keyId,
    verify: (message: Uint8Array, signature: Uint8Array): Promise<boolean> =>
      verifyCosignature(ed25519, message, signature),
  });
}
