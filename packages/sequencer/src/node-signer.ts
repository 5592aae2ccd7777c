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

/** Signatures remembered per key (see `ownSignatures`): the newest of each key's. */
const OWN_SIGNATURES_MAX = 4096;

/**
 * The signatures this process made with each of its node:crypto keys (by public key, hex):
 * signature (latin1) → a copy of the message it signs, the oldest forgotten first. A
 * verification by nodeEd25519Verifier of a (key, message, signature) found here is answered
 * true without Ed25519 (a verification costs about 2.5 signatures): the same answer, since
 * this process made that signature with that key's private half. It is what lets the
 * publisher's CommitCheck reopen the receipts this process sealed at the cost of a lookup,
 * while a note it did not sign, or any byte changed, is verified in full. Process memory
 * only: nothing in the database can add to it.
 */
const ownSignatures = new Map<string, Map<string, Buffer>>();

function rememberSignature(publicKey: string, message: Uint8Array, signature: Buffer): void {
  let own = ownSignatures.get(publicKey);
  if (own === undefined) ownSignatures.set(publicKey, (own = new Map()));
  if (own.size >= OWN_SIGNATURES_MAX) own.delete(own.keys().next().value!);
  own.set(signature.toString('latin1'), Buffer.from(message));
}

function isOwnSignature(publicKey: string, message: Uint8Array, signature: Uint8Array): boolean {
  const own = ownSignatures.get(publicKey);
  if (own === undefined || signature.length !== 64) return false;
  const signed = own.get(
    Buffer.from(signature.buffer, signature.byteOffset, 64).toString('latin1'),
  );
  return signed !== undefined && signed.equals(message);
}

/**
 * Ed25519 note signer backed by node:crypto (OpenSSL): several times faster than the
 * browser-safe signer in `@proofline/note`, and byte-identical (Ed25519 is deterministic).
 * It remembers its latest signatures for nodeEd25519Verifier (see `ownSignatures`).
 */
export function nodeEd25519Signer(name: string, seed: Uint8Array): SyncSigner {
  const privateKey = nodeEd25519PrivateKey(seed);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  const own = Buffer.from(publicKey).toString('hex');
  const signSync = (message: Uint8Array): Uint8Array => {
    const signature = sign(null, message, privateKey);
    rememberSignature(own, message, signature);
    return new Uint8Array(signature);
  };
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
 * checks of what it signed (CommitCheck), several times faster than `@proofline/note`'s, and
 * a lookup for a signature this process made with that key (see `ownSignatures`).
 * Verifiers of other parties' signatures use the strict browser-safe one.
 */
export function nodeEd25519Verifier(verifierKey: string): Verifier {
  const parsed = parseVerifierKey(verifierKey);
  const der = new Uint8Array(SPKI_ED25519_PREFIX.length + 32);
  der.set(SPKI_ED25519_PREFIX);
  der.set(parsed.publicKey, SPKI_ED25519_PREFIX.length);
  const publicKey = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  const own = Buffer.from(parsed.publicKey).toString('hex');
  return {
    name: parsed.name,
    keyId: parsed.keyId,
    verify: async (message, signature) =>
      signature.length === 64 &&
      (isOwnSignature(own, message, signature) || verify(null, message, publicKey, signature)),
  };
}
