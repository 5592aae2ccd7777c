import { NoteError, base64Decode, isValidKeyName, keyId } from '@proofline/note';
import { VerificationError } from './errors.js';

/** Bound on a verifier key string, checked before decoding (as @proofline/note). */
const MAX_KEY_LENGTH = 1024;
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

/** A decoded Ed25519 verifier key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

function invalid(message: string, cause?: unknown): VerificationError {
  return new VerificationError('INVALID_KEY', 'bundle', message, { cause });
}

/**
 * Decodes a verifier key (c2sp.org/signed-note, golang.org/x/mod/sumdb/note encoding)
 * "<name>+<8 lowercase hex key id>+<base64(type || 32-byte Ed25519 public key)>" whose
 * signature type byte must be `type` (0x01 note signatures, 0x04 tlog-cosignature/v1), and
 * whose key id must be SHA-256(name || 0x0A || type || public key)[:4]. Only the encoding
 * is checked here, not the curve point. Throws VerificationError INVALID_KEY.
 */
export function decodeVerifierKey(vkey: string, type: number): VerifierKey {
  if (typeof vkey !== 'string' || vkey.length > MAX_KEY_LENGTH) {
    throw invalid(`a verifier key is a string of at most ${MAX_KEY_LENGTH} characters`);
  }
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw invalid('a verifier key is <name>+<key id>+<key data>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  if (!isValidKeyName(name)) throw invalid('invalid key name');
  if (!KEY_ID_HEX.test(idHex)) throw invalid('the key id is not 8 lowercase hex digits');
  let data: Uint8Array;
  try {
    data = base64Decode(vkey.slice(second + 1));
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    throw invalid('the key data is not canonical base64', cause);
  }
  if (data[0] !== type) {
    throw invalid(`expected key type 0x0${type}, got 0x${(data[0] ?? 0).toString(16)}`);
  }
  if (data.length !== 33) throw invalid('an Ed25519 public key is 32 bytes');
  const publicKey = data.slice(1);
  if (keyId(name, type, publicKey) !== Number.parseInt(idHex, 16)) {
    throw invalid('the key id does not match the key');
  }
  return Object.freeze({ name, keyId: Number.parseInt(idHex, 16), publicKey });
}
