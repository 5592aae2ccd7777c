import { createPublicKey, sign, verify } from 'node:crypto';
import {
  SIG_TYPE_ED25519,
  keyId,
  parseVerifierKey,
  type Signer,
  type Verifier,
} from '@proofline/note';
import { nodeEd25519PrivateKey } from '@proofline/note/node';

/**
 * A note Signer that can also sign synchronously: node:crypto, or a PKCS#11 token's C_Sign.
 * What a creation receipt needs while it is sealed inside a storage transaction.
 */
export interface SyncSigner extends Signer {
  signSync(message: Uint8Array): Uint8Array;
}

/**
 * Ed25519 note signer backed by node:crypto (OpenSSL): several times faster than the
 * browser-safe signer in `@proofline/note`, and byte-identical (Ed25519 is deterministic).
 */
export function nodeEd25519Signer(name: string, seed: Uint8Array): SyncSigner {
  const privateKey = nodeEd25519PrivateKey(seed);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  const signSync = (message: Uint8Array): Uint8Array =>
    new Uint8Array(sign(null, message, privateKey));
  return {
    name,
    keyId: keyId(name, SIG_TYPE_ED25519, publicKey),
    signSync,
    sign: async (message) => signSync(message),
  };
}

/** DER prefix of an SPKI Ed25519 public key (RFC 8410), followed by the 32-byte key. */
const SPKI_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/**
 * Ed25519 note verifier for a C2SP verifier key, backed by node:crypto: for the server's own
 * checks of what it signed (CommitCheck), several times faster than `@proofline/note`'s.
 * Verifiers of other parties' signatures use the strict browser-safe one.
 */
export function nodeEd25519Verifier(verifierKey: string): Verifier {
  const parsed = parseVerifierKey(verifierKey);
  const der = new Uint8Array(SPKI_ED25519_PREFIX.length + 32);
  der.set(SPKI_ED25519_PREFIX);
  der.set(parsed.publicKey, SPKI_ED25519_PREFIX.length);
  const publicKey = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  return {
    name: parsed.name,
    keyId: parsed.keyId,
    verify: async (message, signature) =>
      signature.length === 64 && verify(null, message, publicKey, signature),
  };
}
