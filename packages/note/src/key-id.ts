import { sha256 } from '@noble/hashes/sha2.js';
import { NoteError } from './errors.js';
import { utf8Encode } from './text.js';

/** Signature type byte of Ed25519 note signatures (c2sp.org/signed-note §Signature types). */
export const SIG_TYPE_ED25519 = 0x01;
/** Signature type byte of timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature). */
export const SIG_TYPE_COSIGNATURE = 0x04;

/** Unicode White_Space (Go's unicode.IsSpace), control characters, lone surrogates and '+'. */
const FORBIDDEN_IN_NAME = /[\p{White_Space}\p{Cc}\p{Cs}+]/u;

/**
 * Whether `name` is a valid key name (c2sp.org/signed-note §Format): non-empty, well-formed
 * Unicode, no Unicode spaces and no '+'. Stricter than the spec in one point: control
 * characters (Unicode Cc, which includes U+007F and U+0080–U+009F) are rejected too.
 */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !FORBIDDEN_IN_NAME.test(name);
}

/**
 * The key ID of c2sp.org/signed-note §Signatures:
 * big-endian uint32 of SHA-256(key name || 0x0A || signature type || public key)[:4].
 */
export function keyId(name: string, sigType: number, publicKey: Uint8Array): number {
  if (!isValidKeyName(name)) throw new NoteError('INVALID_ARGUMENT', 'invalid key name');
  if (!Number.isInteger(sigType) || sigType < 0 || sigType > 0xff) {
    throw new NoteError('INVALID_ARGUMENT', 'signature type must be a byte');
  }
  if (!(publicKey instanceof Uint8Array)) {
    throw new NoteError('INVALID_ARGUMENT', 'public key must be a Uint8Array');
  }
  const nameBytes = utf8Encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = sigType;
  input.set(publicKey, nameBytes.length + 2);
  return readUint32(sha256(input), 0);
}

/** Big-endian uint32 at `offset`. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

/** Whether `id` is a uint32. */
export function isUint32(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
}

/** A key ID as 8 lowercase hex digits, as in verifier and signer keys. */
export function formatKeyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** Parses exactly 8 lowercase hex digits; undefined otherwise. */
export function parseKeyIdHex(hex: string): number | undefined {
  return /^[0-9a-f]{8}$/.test(hex) ? Number.parseInt(hex, 16) : undefined;
}
