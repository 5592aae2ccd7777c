import { NoteError, parseVerifierKey } from '@proofline/note';
import { VerificationError } from './errors.js';

/** A decoded Ed25519 verifier key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

/**
 * Decodes a verifier key "<name>+<8 lowercase hex key id>+<base64(type || 32-byte Ed25519
 * public key)>" of signature type `type` (0x01 note signatures, 0x04 tlog-cosignature/v1)
 * with @proofline/note's parseVerifierKey, the one parser of the encoding. This package's
 * own key checks (prime order) come after, in ed25519/key.ts. Throws VerificationError
 * INVALID_KEY.
 */
export function decodeVerifierKey(vkey: string, type: number): VerifierKey {
  try {
    const { name, keyId, publicKey } = parseVerifierKey(vkey, type);
    return Object.freeze({ name, keyId, publicKey });
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    throw new VerificationError('INVALID_KEY', 'bundle', cause.message, { cause });
  }
}
