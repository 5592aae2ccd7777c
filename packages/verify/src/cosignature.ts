import { SIG_TYPE_COSIGNATURE, type Verifier } from '@proofline/note';
import { publicKey } from './ed25519/key.js';
import { verifySignature } from './ed25519/verify.js';
import { decodeVerifierKey, type VerifierKey } from './keys.js';

/** A cosignature is timestamp (8 bytes, big-endian) || Ed25519 signature (64 bytes). */
const COSIGNATURE_SIZE = 72;
const MAX_TIMESTAMP = 2n ** 63n - 1n;
const encoder = new TextEncoder();

/**
 * The POSIX timestamp of a c2sp.org/tlog-cosignature Ed25519 `timestamped_signature`:
 * the big-endian uint64 in its first 8 bytes. Undefined unless the signature is exactly 72
 * bytes and the timestamp at most 2^63 - 1 (the spec's bound).
 */
export function cosignatureTime(signature: Uint8Array): bigint | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== COSIGNATURE_SIZE) return undefined;
  const view = new DataView(signature.buffer, signature.byteOffset, 8);
  const timestamp = view.getBigUint64(0, false);
  return timestamp <= MAX_TIMESTAMP ? timestamp : undefined;
}

/**
 * The message a cosigner signs (c2sp.org/tlog-cosignature §Ed25519 signed message):
 * "cosignature/v1\n", "time <timestamp in decimal>\n", then the whole checkpoint note text
 * (the body including its final newline, without signature lines).
 */
export function cosignedMessage(timestamp: bigint, checkpointText: Uint8Array): Uint8Array {
  const header = encoder.encode(`cosignature/v1\ntime ${timestamp}\n`);
  const message = new Uint8Array(header.length + checkpointText.length);
  message.set(header);
  message.set(checkpointText, header.length);
  return message;
}

/**
 * A @proofline/note Verifier for a c2sp.org/tlog-cosignature Ed25519 witness key
 * "<name>+<8 hex key id>+<base64(0x04 || public key)>", key id
 * SHA-256(name || 0x0A || 0x04 || public key)[:4]. `verify(checkpointText, signature)`
 * takes the note text and the 72-byte timestamped signature of a signature line and checks
 * the Ed25519 signature over cosignedMessage (same Ed25519 behaviour as ed25519Verifier).
 * It does not judge the timestamp beyond its bound. Throws VerificationError INVALID_KEY.
 */
export function cosignatureVerifier(verifierKey: string): Verifier {
  return cosignatureVerifierFor(decodeVerifierKey(verifierKey, SIG_TYPE_COSIGNATURE));
}

/** The Verifier of an already decoded 0x04 key (see cosignatureVerifier). */
export function cosignatureVerifierFor(key: VerifierKey): Verifier {
  const prepared = publicKey(key.publicKey);
  return Object.freeze({
    name: key.name,
    keyId: key.keyId,
    verify: async (message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      const timestamp = cosignatureTime(signature);
      if (timestamp === undefined || !(message instanceof Uint8Array)) return false;
      return verifySignature(prepared, cosignedMessage(timestamp, message), signature.subarray(8));
    },
  });
}
