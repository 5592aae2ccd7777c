import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Encode } from './base64.js';
import { NoteError } from './errors.js';
import { checkKeyInput, splitKey } from './keyencoding.js';
import { SIG_TYPE_ED25519, formatKeyIdHex, isValidKeyName, keyId } from './keyid.js';

/** Checks signatures made by one key, identified by (name, keyId). */
export interface Verifier {
  readonly name: string;
  readonly keyId: number;
  /** Resolves to whether `signature` is a valid signature of `message`; never rejects for bad input. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** A Verifier for an Ed25519 key (c2sp.org/signed-note §Ed25519 signatures). */
export interface Ed25519Verifier extends Verifier {
  /** The 32-byte RFC 8032 public key (a copy). */
  readonly publicKey: Uint8Array;
  /** The key's "<name>+<hex id>+<base64>" encoding. */
  readonly verifierKey: string;
}

/** Whether `publicKey` is 32 bytes encoding a point of the curve (RFC 8032 §5.1.3, strict). */
function isEd25519PublicKey(publicKey: Uint8Array): boolean {
  return (
    publicKey instanceof Uint8Array &&
    publicKey.length === 32 &&
    ed25519.utils.isValidPublicKey(publicKey, false)
  );
}

function makeVerifier(name: string, publicKey: Uint8Array): Ed25519Verifier {
  const key = publicKey.slice();
  const id = keyId(name, SIG_TYPE_ED25519, key);
  const data = new Uint8Array(33);
  data[0] = SIG_TYPE_ED25519;
  data.set(key, 1);
  return Object.freeze({
    name,
    keyId: id,
    publicKey: key.slice(),
    verifierKey: `${name}+${formatKeyIdHex(id)}+${base64Encode(data)}`,
    // Strict RFC 8032 §5.1.7: canonical encodings of A and R, S < L (no ZIP-215 leniency).
    verify: async (message: Uint8Array, signature: Uint8Array): Promise<boolean> =>
      message instanceof Uint8Array &&
      signature instanceof Uint8Array &&
      signature.length === 64 &&
      ed25519.verify(signature, message, key, { zip215: false }),
  });
}

/** An Ed25519 verifier for `publicKey` under `name`. Throws NoteError INVALID_ARGUMENT. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): Ed25519Verifier {
  if (!isValidKeyName(name)) throw new NoteError('INVALID_ARGUMENT', 'invalid key name');
  if (!isEd25519PublicKey(publicKey)) {
    throw new NoteError('INVALID_ARGUMENT', 'not a 32-byte Ed25519 public key');
  }
  return makeVerifier(name, publicKey);
}

/**
 * Parses a verifier key, "<name>+<8 lowercase hex key id>+<base64(0x01 || 32-byte public key)>"
 * (golang.org/x/mod/sumdb/note NewVerifier). The key id must equal keyId(name, 0x01, key).
 * Throws NoteError MALFORMED_KEY, or UNKNOWN_KEY_TYPE when the type byte is not 0x01.
 */
export function parseVerifierKey(vkey: string): Ed25519Verifier {
  checkKeyInput(vkey);
  const { name, id, data } = splitKey(vkey);
  if (data[0] !== SIG_TYPE_ED25519) {
    throw new NoteError('UNKNOWN_KEY_TYPE', `unknown key type 0x${data[0]!.toString(16)}`);
  }
  const publicKey = data.subarray(1);
  if (publicKey.length !== 32) throw new NoteError('MALFORMED_KEY', 'Ed25519 key is not 32 bytes');
  if (keyId(name, SIG_TYPE_ED25519, publicKey) !== id) {
    throw new NoteError('MALFORMED_KEY', 'key id does not match the key');
  }
  if (!isEd25519PublicKey(publicKey)) {
    throw new NoteError('MALFORMED_KEY', 'not an Ed25519 curve point');
  }
  return makeVerifier(name, publicKey);
}

/** The verifier key encoding of an Ed25519 public key. Throws NoteError INVALID_ARGUMENT. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return ed25519Verifier(name, publicKey).verifierKey;
}
