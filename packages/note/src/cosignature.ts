/**
 * c2sp.org/tlog-cosignature, Ed25519 (cosignature/v1): the one home of the format, for the
 * witness (which signs) and the verifiers (which check).
 *
 * A cosignature is a note signature line "— <name> base64(key ID || timestamp || signature)"
 * where
 * - key ID = SHA-256(<name> || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4] (big-endian),
 * - timestamp = the POSIX time of signing, a big-endian uint64 at most 2^63 - 1,
 * - signature = Ed25519 over "cosignature/v1\ntime <timestamp>\n" || the checkpoint note text
 *   (its body including the final newline, without any signature line).
 */
import { NoteError } from './errors.js';
import { SIG_TYPE_COSIGNATURE, keyId } from './key-id.js';
import { utf8Encode } from './text.js';

/** The header line of the signed message (domain separation). */
export const COSIGNATURE_V1_HEADER = 'cosignature/v1';
/** A timestamped signature: timestamp (8 bytes) || Ed25519 signature (64 bytes). */
export const COSIGNATURE_SIZE = 72;
/** The spec's bound on a timestamp: 2^63 - 1. */
export const MAX_COSIGNATURE_TIMESTAMP = 2n ** 63n - 1n;

/** An Ed25519 verification of a message and a 64-byte signature (the caller's back end). */
export type Ed25519Check = (message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/** The key ID of a cosigner key: SHA-256(name || 0x0A || 0x04 || public key)[:4]. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new NoteError('INVALID_ARGUMENT', 'an Ed25519 public key is 32 bytes');
  }
  return keyId(name, SIG_TYPE_COSIGNATURE, publicKey);
}

function checkTimestamp(timestamp: bigint | number): bigint {
  const t =
    typeof timestamp === 'bigint' || Number.isSafeInteger(timestamp) ? BigInt(timestamp) : -1n;
  if (t < 0n || t > MAX_COSIGNATURE_TIMESTAMP) {
    throw new NoteError(
      'INVALID_ARGUMENT',
      'a cosignature timestamp is an integer from 0 to 2^63 - 1',
    );
  }
  return t;
}

/**
 * The signed message (c2sp.org/tlog-cosignature §Ed25519 signed message):
 * "cosignature/v1\n" || "time <decimal timestamp>\n" || checkpoint note text.
 * Throws NoteError INVALID_ARGUMENT for a timestamp outside 0..2^63 - 1.
 */
export function cosignedMessage(
  timestamp: bigint | number,
  checkpointText: string | Uint8Array,
): Uint8Array {
  const t = checkTimestamp(timestamp);
  const text = typeof checkpointText === 'string' ? utf8Encode(checkpointText) : checkpointText;
  const header = utf8Encode(`${COSIGNATURE_V1_HEADER}\ntime ${t}\n`);
  const message = new Uint8Array(header.length + text.length);
  message.set(header);
  message.set(text, header.length);
  return message;
}

/**
 * The timestamp of a 72-byte cosignature (the bytes after the key ID), or undefined when the
 * signature is not 72 bytes or its timestamp exceeds 2^63 - 1.
 */
export function cosignatureTimestamp(signature: Uint8Array): bigint | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== COSIGNATURE_SIZE) return undefined;
  const t = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0, false);
  return t <= MAX_COSIGNATURE_TIMESTAMP ? t : undefined;
}

/**
 * The 72-byte timestamped signature: `timestamp` (big-endian uint64) || the 64-byte Ed25519
 * signature of cosignedMessage(timestamp, …). Throws NoteError INVALID_ARGUMENT.
 */
export function formatCosignature(timestamp: bigint | number, signature: Uint8Array): Uint8Array {
  const t = checkTimestamp(timestamp);
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new NoteError('INVALID_ARGUMENT', 'an Ed25519 signature is 64 bytes');
  }
  const out = new Uint8Array(COSIGNATURE_SIZE);
  new DataView(out.buffer).setBigUint64(0, t, false);
  out.set(signature, 8);
  return out;
}

/**
 * Whether `signature` is a valid cosignature/v1 timestamped signature of `checkpointText`,
 * the Ed25519 signature being checked by `ed25519` over cosignedMessage. False (never a
 * throw) for a signature that is not 72 bytes, a timestamp above 2^63 - 1, or a message that
 * is not bytes. The timestamp is not judged beyond its bound.
 */
export async function verifyCosignature(
  ed25519: Ed25519Check,
  checkpointText: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const timestamp = cosignatureTimestamp(signature);
  if (timestamp === undefined || !(checkpointText instanceof Uint8Array)) return false;
  return ed25519(cosignedMessage(timestamp, checkpointText), signature.subarray(8));
}
