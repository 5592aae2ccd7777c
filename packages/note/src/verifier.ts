import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Encode } from './base64.js';
import { NoteError } from './errors.js';
import { checkKeyInput, splitKey } from './key-encoding.js';
import { verifyCosignature } from './cosignature.js';
import {
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  formatKeyIdHex,
  isValidKeyName,
  keyId,
} from './key-id.js';

/** Checks signatures made by one key, identified by (name, keyId). */
export interface Verifier {
  readonly name: string;
  readonly keyId: number;
  /** Resolves to whether `signature` is a valid signature of `message`; never rejects for bad input. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/**
 * A Verifier for an Ed25519 key: of signature type 0x01, plain note signatures
 * (c2sp.org/signed-note §Ed25519 signatures); of type 0x04, cosignature/v1 timestamped
 * signatures of a checkpoint text (c2sp.org/tlog-cosignature, see cosignature.ts).
 */
export interface Ed25519Verifier extends Verifier {
  /** The signature type: SIG_TYPE_ED25519 (0x01) or SIG_TYPE_COSIGNATURE (0x04). */
  readonly type: number;
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

/** Strict RFC 8032 §5.1.7: canonical encodings of A and R, S < L (no ZIP-215 leniency). */
function strictEd25519(key: Uint8Array) {
  return async (message: Uint8Array, signature: Uint8Array): Promise<boolean> =>
    message instanceof Uint8Array &&
    signature instanceof Uint8Array &&
    signature.length === 64 &&
    ed25519.verify(signature, message, key, { zip215: false });
}

function makeVerifier(name: string, publicKey: Uint8Array, type: number): Ed25519Verifier {
  const key = publicKey.slice();
  const id = keyId(name, type, key);
  const data = new Uint8Array(33);
  data[0] = type;
  data.set(key, 1);
  const plain = strictEd25519(key);
  return Object.freeze({
    name,
    keyId: id,
    type,
    publicKey: key.slice(),
    verifierKey: `${name}+${formatKeyIdHex(id)}+${base64Encode(data)}`,
    verify:
      type === SIG_TYPE_ED25519
        ? plain
        : (message: Uint8Array, signature: Uint8Array) =>
            verifyCosignature(plain, message, signature),
  });
}

function checkType(type: number): void {
  if (type !== SIG_TYPE_ED25519 && type !== SIG_TYPE_COSIGNATURE) {
    throw new NoteError('INVALID_ARGUMENT', 'the signature type is 0x01 or 0x04');
  }
}

/**
 * An Ed25519 verifier for `publicKey` under `name`, of signature type `type` (default 0x01;
 * 0x04 verifies cosignature/v1 signatures). Throws NoteError INVALID_ARGUMENT.
 */
export function ed25519Verifier(
  name: string,
  publicKey: Uint8Array,
  type: number = SIG_TYPE_ED25519,
): Ed25519Verifier {
  checkType(type);
  if (!isValidKeyName(name)) throw new NoteError('INVALID_ARGUMENT', 'invalid key name');
  if (!isEd25519PublicKey(publicKey)) {
    throw new NoteError('INVALID_ARGUMENT', 'not a 32-byte Ed25519 public key');
  }
  return makeVerifier(name, publicKey, type);
}

/**
 * Parses a verifier key, "<name>+<8 lowercase hex key id>+<base64(type || 32-byte public key)>"
 * (golang.org/x/mod/sumdb/note NewVerifier; c2sp.org/tlog-cosignature for type 0x04), whose
 * type byte must be `type` (default 0x01) and whose key id must equal keyId(name, type, key);
 * the key must be a strictly encoded curve point. The one parser of verifier keys.
 * Throws NoteError MALFORMED_KEY, or UNKNOWN_KEY_TYPE when the type byte is not `type`.
 */
export function parseVerifierKey(vkey: string, type: number = SIG_TYPE_ED25519): Ed25519Verifier {
  checkType(type);
  checkKeyInput(vkey);
  const { name, id, data } = splitKey(vkey);
  if (data[0] !== type) {
    throw new NoteError(
      'UNKNOWN_KEY_TYPE',
      `key type 0x${data[0]!.toString(16).padStart(2, '0')}, expected 0x0${type}`,
    );
  }
  const publicKey = data.subarray(1);
  if (publicKey.length !== 32) throw new NoteError('MALFORMED_KEY', 'Ed25519 key is not 32 bytes');
  if (keyId(name, type, publicKey) !== id) {
    throw new NoteError('MALFORMED_KEY', 'key id does not match the key');
  }
  if (!isEd25519PublicKey(publicKey)) {
    throw new NoteError('MALFORMED_KEY', 'not an Ed25519 curve point');
  }
  return makeVerifier(name, publicKey, type);
}

/**
 * The verifier key encoding of an Ed25519 public key of signature type `type` (default 0x01).
 * Throws NoteError INVALID_ARGUMENT.
 */
export function formatVerifierKey(
  name: string,
  publicKey: Uint8Array,
  type: number = SIG_TYPE_ED25519,
): string {
  return ed25519Verifier(name, publicKey, type).verifierKey;
}
