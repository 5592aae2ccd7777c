import { ed25519 } from '@noble/curves/ed25519.js';
import { base64Encode } from './base64.js';
import { NoteError } from './errors.js';
import { checkKeyInput, splitKey } from './key-encoding.js';
import {
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  formatKeyIdHex,
  isValidKeyName,
  keyId,
} from './key-id.js';

/** Signs messages with one key, identified by (name, keyId). */
export interface Signer {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A decoded signer key. `seed` is the secret RFC 8032 private key. */
export interface SignerKey {
  readonly name: string;
  /** The key id over the key's own type byte. */
  readonly keyId: number;
  /** The type byte of the encoding: SIG_TYPE_ED25519 (0x01) or SIG_TYPE_COSIGNATURE (0x04). */
  readonly type: number;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

const PRIVATE_KEY_PREFIX = 'PRIVATE+KEY+';

function checkSeed(name: string, seed: Uint8Array): void {
  if (!isValidKeyName(name)) throw new NoteError('INVALID_ARGUMENT', 'invalid key name');
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new NoteError('INVALID_ARGUMENT', 'an Ed25519 seed is 32 bytes');
  }
}

/**
 * Parses a signer key, "PRIVATE+KEY+<name>+<8 lowercase hex key id>+<base64(type || 32-byte
 * seed)>" (golang.org/x/mod/sumdb/note NewSigner), whose type byte is one of `types` (default
 * 0x01 only; a witness also takes 0x04). The key id must equal the key id of the derived
 * public key over that type. Throws NoteError MALFORMED_KEY, or UNKNOWN_KEY_TYPE.
 */
export function parseSignerKey(
  skey: string,
  types: readonly number[] = [SIG_TYPE_ED25519],
): SignerKey {
  checkKeyInput(skey);
  if (!skey.startsWith(PRIVATE_KEY_PREFIX)) {
    throw new NoteError('MALFORMED_KEY', 'signer key does not start with PRIVATE+KEY+');
  }
  const { name, id, data } = splitKey(skey.slice(PRIVATE_KEY_PREFIX.length));
  const type = data[0]!;
  if (!types.includes(type)) {
    throw new NoteError('UNKNOWN_KEY_TYPE', `unknown key type 0x${type.toString(16)}`);
  }
  const seed = data.slice(1);
  if (seed.length !== 32) throw new NoteError('MALFORMED_KEY', 'Ed25519 seed is not 32 bytes');
  const publicKey = ed25519.getPublicKey(seed);
  if (keyId(name, type, publicKey) !== id) {
    throw new NoteError('MALFORMED_KEY', 'key id does not match the key');
  }
  return Object.freeze({ name, keyId: id, type, seed, publicKey });
}

/**
 * The signer key encoding of an Ed25519 seed, of type `type` (default 0x01; 0x04 for a
 * witness's cosigner key). Throws NoteError INVALID_ARGUMENT.
 */
export function formatSignerKey(
  name: string,
  seed: Uint8Array,
  type: number = SIG_TYPE_ED25519,
): string {
  checkSeed(name, seed);
  if (type !== SIG_TYPE_ED25519 && type !== SIG_TYPE_COSIGNATURE) {
    throw new NoteError('INVALID_ARGUMENT', 'the signature type is 0x01 or 0x04');
  }
  const id = keyId(name, type, ed25519.getPublicKey(seed));
  const data = new Uint8Array(33);
  data[0] = type;
  data.set(seed, 1);
  return `${PRIVATE_KEY_PREFIX}${name}+${formatKeyIdHex(id)}+${base64Encode(data)}`;
}

/**
 * A new signer key for `name` of type `type` (default 0x01), its seed from
 * globalThis.crypto.getRandomValues.
 */
export function generateSignerKey(name: string, type: number = SIG_TYPE_ED25519): string {
  if (!isValidKeyName(name)) throw new NoteError('INVALID_ARGUMENT', 'invalid key name');
  return formatSignerKey(name, globalThis.crypto.getRandomValues(new Uint8Array(32)), type);
}

/** An RFC 8032 Ed25519 signer for `seed` under `name`. Throws NoteError INVALID_ARGUMENT. */
export function ed25519Signer(name: string, seed: Uint8Array): Signer {
  checkSeed(name, seed);
  const secret = seed.slice();
  return Object.freeze({
    name,
    keyId: keyId(name, SIG_TYPE_ED25519, ed25519.getPublicKey(secret)),
    sign: async (message: Uint8Array): Promise<Uint8Array> => ed25519.sign(message, secret),
  });
}
