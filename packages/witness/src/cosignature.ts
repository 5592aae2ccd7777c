/**
 * Cosigning with a witness key (c2sp.org/tlog-cosignature, Ed25519, cosignature/v1): cosigner
 * signer keys and the node:crypto signer. The format itself (signed message, timestamped
 * signature, key ID, verifier keys and verification) lives in @proofline/note.
 */
import { sign } from 'node:crypto';
import {
  NoteError,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  base64Encode,
  cosignatureKeyId,
  cosignedMessage,
  ed25519Verifier,
  formatCosignature,
  formatSignerKey,
  generateSignerKey,
  parseSignerKey,
  type Ed25519Verifier,
  type NoteSignature,
  type Signer,
} from '@proofline/note';
import { nodeEd25519PrivateKey } from '@proofline/note/node';
import { WitnessError } from './errors.js';

/** A decoded cosigner signing key. `seed` is the secret RFC 8032 private key. */
export interface CosignerKey {
  readonly name: string;
  /** The cosignature key ID (signature type 0x04). */
  readonly keyId: number;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Runs a @proofline/note call, turning its NoteError into a WitnessError `code`. */
function asWitnessError<T>(code: 'MALFORMED_KEY' | 'INVALID_ARGUMENT', run: () => T): T {
  try {
    return run();
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    throw new WitnessError(code, cause.message, { cause });
  }
}

/**
 * Parses a cosigner signer key "PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || seed)>"
 * (@proofline/note parseSignerKey). Type 0x04 (cosignature/v1, key id over 0x04, what
 * generateCosignerKey writes) and type 0x01 (a plain Ed25519 note key, key id over 0x01, as
 * accepted by transparency-dev/formats NewSignerForCosignatureV1) are accepted; either way
 * the cosignatures carry the 0x04 key ID. Throws WitnessError MALFORMED_KEY.
 */
export function parseCosignerKey(skey: string): CosignerKey {
  const key = asWitnessError('MALFORMED_KEY', () =>
    parseSignerKey(skey, [SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519]),
  );
  const { name, seed, publicKey } = key;
  return Object.freeze({ name, keyId: cosignatureKeyId(name, publicKey), seed, publicKey });
}

/** The type-0x04 signer key encoding of an Ed25519 seed. Throws WitnessError. */
export function formatCosignerKey(name: string, seed: Uint8Array): string {
  return asWitnessError('INVALID_ARGUMENT', () =>
    formatSignerKey(name, seed, SIG_TYPE_COSIGNATURE),
  );
}

/** A new random cosigner key for `name`, as a type-0x04 signer key string. */
export function generateCosignerKey(name: string): string {
  return asWitnessError('INVALID_ARGUMENT', () => generateSignerKey(name, SIG_TYPE_COSIGNATURE));
}

/** Signs cosignatures with one witness key. */
export interface Cosigner extends Signer {
  /** The cosignature/v1 verifier of the key (@proofline/note, type 0x04). */
  readonly verifier: Ed25519Verifier;
  /** The 72-byte timestamped signature of `checkpointText` at `timestamp` (seconds). */
  signAt(checkpointText: string | Uint8Array, timestamp: number): Uint8Array;
  /** The cosignature (a note signature) of `checkpointText` at `timestamp` (default: now). */
  cosign(checkpointText: string, timestamp?: number): NoteSignature;
  /** The signature line "— <name> <base64>\n". */
  line(signature: NoteSignature): string;
}

/**
 * A cosignature/v1 signer (node:crypto Ed25519). `now` gives milliseconds since the epoch
 * (default Date.now); the timestamp is its whole seconds. As a note Signer, `sign(message)`
 * returns the 72-byte timestamped signature of a checkpoint text, so signNote produces
 * cosignature lines.
 */
export function cosigner(key: CosignerKey, now: () => number = Date.now): Cosigner {
  const privateKey = nodeEd25519PrivateKey(key.seed);
  const verifier = asWitnessError('INVALID_ARGUMENT', () =>
    ed25519Verifier(key.name, key.publicKey, SIG_TYPE_COSIGNATURE),
  );
  const signAt = (text: string | Uint8Array, timestamp: number): Uint8Array => {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new WitnessError('INVALID_ARGUMENT', 'the timestamp must be a safe integer >= 0');
    }
    const sig = sign(null, cosignedMessage(timestamp, text), privateKey);
    return formatCosignature(timestamp, sig);
  };
  const seconds = () => Math.floor(now() / 1000);
  return Object.freeze({
    name: key.name,
    keyId: key.keyId,
    verifier,
    signAt,
    sign: async (message: Uint8Array) => signAt(message, seconds()),
    cosign: (text: string, timestamp = seconds()) =>
      Object.freeze({ name: key.name, keyId: key.keyId, signature: signAt(text, timestamp) }),
    line: (signature: NoteSignature) => {
      const bytes = new Uint8Array(4 + signature.signature.length);
      new DataView(bytes.buffer).setUint32(0, signature.keyId, false);
      bytes.set(signature.signature, 4);
      return `\u2014 ${signature.name} ${base64Encode(bytes)}\n`;
    },
  });
}
