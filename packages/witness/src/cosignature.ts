/**
 * c2sp.org/tlog-cosignature, Ed25519 (cosignature/v1): keys, signing and verification.
 *
 * A cosignature is a note signature line "— <name> base64(key ID || timestamp || signature)"
 * where
 * - key ID = SHA-256(<name> || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4] (big-endian),
 * - timestamp = the POSIX time of signing, a big-endian uint64 at most 2^63 - 1,
 * - signature = Ed25519 over "cosignature/v1\ntime <timestamp>\n" || the checkpoint note text
 *   (its body including the final newline, without any signature line).
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import {
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  base64Decode,
  base64Encode,
  ed25519Verifier,
  isValidKeyName,
  keyId,
  type NoteSignature,
  type Signer,
  type Verifier,
} from '@proofline/note';
import { WitnessError } from './errors.js';

/** The header line of the signed message (domain separation). */
export const COSIGNATURE_V1_HEADER = 'cosignature/v1';
/** timestamp (8 bytes) || Ed25519 signature (64 bytes). */
export const COSIGNATURE_SIZE = 72;
/** The spec's bound on a timestamp: 2^63 - 1. */
const MAX_TIMESTAMP = 2n ** 63n - 1n;
/** Bound on a key string, checked before any decoding (as @proofline/note). */
const MAX_KEY_LENGTH = 1024;
const PRIVATE_KEY_PREFIX = 'PRIVATE+KEY+';
const KEY_ID_HEX = /^[0-9a-f]{8}$/;
/** DER prefix of a PKCS #8 Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const encoder = new TextEncoder();

/** The key ID of a cosigner key: SHA-256(name || 0x0A || 0x04 || public key)[:4]. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new WitnessError('INVALID_ARGUMENT', 'an Ed25519 public key is 32 bytes');
  }
  return keyId(name, SIG_TYPE_COSIGNATURE, publicKey);
}

/**
 * The signed message (c2sp.org/tlog-cosignature §Ed25519 signed message):
 * "cosignature/v1\n" || "time <decimal timestamp>\n" || checkpoint note text.
 */
export function cosignedMessage(
  timestamp: bigint | number,
  checkpointText: string | Uint8Array,
): Uint8Array {
  const t = BigInt(timestamp);
  if (t < 0n || t > MAX_TIMESTAMP) {
    throw new WitnessError('INVALID_ARGUMENT', 'the timestamp must be from 0 to 2^63 - 1');
  }
  const text = typeof checkpointText === 'string' ? encoder.encode(checkpointText) : checkpointText;
  const header = encoder.encode(`${COSIGNATURE_V1_HEADER}\ntime ${t}\n`);
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
  return t <= MAX_TIMESTAMP ? t : undefined;
}

/** A decoded cosigner signing key. `seed` is the secret RFC 8032 private key. */
export interface CosignerKey {
  readonly name: string;
  /** The cosignature key ID (signature type 0x04). */
  readonly keyId: number;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A Verifier of cosignature/v1 signatures by one witness key. */
export interface CosignatureVerifier extends Verifier {
  /** The 32-byte Ed25519 public key (a copy). */
  readonly publicKey: Uint8Array;
  /** "<name>+<8 hex key id>+<base64(0x04 || public key)>". */
  readonly verifierKey: string;
}

function malformed(message: string, cause?: unknown): WitnessError {
  return new WitnessError('MALFORMED_KEY', message, { cause });
}

/** Splits "<name>+<8 lowercase hex>+<base64>"; the name ends at the first '+'. */
function splitKey(key: string): { name: string; id: number; data: Uint8Array } {
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH) {
    throw malformed(`a key is a string of at most ${MAX_KEY_LENGTH} characters`);
  }
  const first = key.indexOf('+');
  const second = first < 0 ? -1 : key.indexOf('+', first + 1);
  if (second < 0) throw malformed('a key is <name>+<key id>+<key data>');
  const name = key.slice(0, first);
  const idHex = key.slice(first + 1, second);
  if (!isValidKeyName(name)) throw malformed('invalid key name');
  if (!KEY_ID_HEX.test(idHex)) throw malformed('the key id is not 8 lowercase hex digits');
  let data: Uint8Array;
  try {
    data = base64Decode(key.slice(second + 1), 'MALFORMED_KEY');
  } catch (cause) {
    throw malformed('the key data is not canonical base64', cause);
  }
  if (data.length !== 33) throw malformed('the key data is not a type byte and 32 bytes');
  return { name, id: Number.parseInt(idHex, 16), data };
}

function derivePublicKey(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/**
 * Parses a cosigner signer key "PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || seed)>"
 * (the golang.org/x/mod/sumdb/note signer-key encoding). Type 0x04 (cosignature/v1, key id
 * over 0x04, what generateCosignerKey writes) and type 0x01 (a plain Ed25519 note key, key id
 * over 0x01, as accepted by transparency-dev/formats NewSignerForCosignatureV1) are accepted;
 * either way the cosignatures carry the 0x04 key ID. Throws WitnessError MALFORMED_KEY.
 */
export function parseCosignerKey(skey: string): CosignerKey {
  if (typeof skey !== 'string' || !skey.startsWith(PRIVATE_KEY_PREFIX)) {
    throw malformed('a signer key starts with PRIVATE+KEY+');
  }
  const { name, id, data } = splitKey(skey.slice(PRIVATE_KEY_PREFIX.length));
  const type = data[0]!;
  if (type !== SIG_TYPE_COSIGNATURE && type !== SIG_TYPE_ED25519) {
    throw malformed(`unsupported key type 0x${type.toString(16).padStart(2, '0')}`);
  }
  const seed = data.slice(1);
  const publicKey = derivePublicKey(seed);
  if (keyId(name, type, publicKey) !== id) throw malformed('the key id does not match the key');
  return Object.freeze({ name, keyId: cosignatureKeyId(name, publicKey), seed, publicKey });
}

/** The type-0x04 signer key encoding of an Ed25519 seed. */
export function formatCosignerKey(name: string, seed: Uint8Array): string {
  if (!isValidKeyName(name)) throw new WitnessError('INVALID_ARGUMENT', 'invalid key name');
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new WitnessError('INVALID_ARGUMENT', 'an Ed25519 seed is 32 bytes');
  }
  const id = cosignatureKeyId(name, derivePublicKey(seed));
  const data = new Uint8Array(33);
  data[0] = SIG_TYPE_COSIGNATURE;
  data.set(seed, 1);
  return `${PRIVATE_KEY_PREFIX}${name}+${id.toString(16).padStart(8, '0')}+${base64Encode(data)}`;
}

/** A new random cosigner key for `name`, as a type-0x04 signer key string. */
export function generateCosignerKey(name: string): string {
  return formatCosignerKey(name, globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/** "<name>+<8 hex key id>+<base64(0x04 || public key)>" (c2sp.org/tlog-cosignature vkey). */
export function formatCosignerVerifierKey(name: string, publicKey: Uint8Array): string {
  const id = cosignatureKeyId(name, publicKey);
  const data = new Uint8Array(33);
  data[0] = SIG_TYPE_COSIGNATURE;
  data.set(publicKey, 1);
  return `${name}+${id.toString(16).padStart(8, '0')}+${base64Encode(data)}`;
}

/** A cosignature/v1 verifier for `publicKey` under `name`. Throws WitnessError. */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): CosignatureVerifier {
  let plain: Verifier;
  try {
    plain = ed25519Verifier(name, publicKey);
  } catch (cause) {
    throw new WitnessError('INVALID_ARGUMENT', (cause as Error).message, { cause });
  }
  const key = publicKey.slice();
  return Object.freeze({
    name,
    keyId: cosignatureKeyId(name, key),
    publicKey: key.slice(),
    verifierKey: formatCosignerVerifierKey(name, key),
    verify: async (message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined || !(message instanceof Uint8Array)) return false;
      return plain.verify(cosignedMessage(timestamp, message), signature.subarray(8));
    },
  });
}

/**
 * Parses a cosigner verifier key "<name>+<8 hex key id>+<base64(0x04 || 32-byte key)>"
 * (c2sp.org/tlog-cosignature, vkey with signature type 0x04): the key id must be the 0x04 key
 * id and the key a valid Ed25519 point. Throws WitnessError MALFORMED_KEY.
 */
export function parseCosignerVerifierKey(vkey: string): CosignatureVerifier {
  const { name, id, data } = splitKey(vkey);
  if (data[0] !== SIG_TYPE_COSIGNATURE) {
    throw malformed(
      `a witness verifier key has type 0x04, not 0x${data[0]!.toString(16).padStart(2, '0')}`,
    );
  }
  const publicKey = data.slice(1);
  if (cosignatureKeyId(name, publicKey) !== id) {
    throw malformed('the key id does not match the key');
  }
  try {
    return cosignatureVerifier(name, publicKey);
  } catch (cause) {
    throw malformed('not an Ed25519 public key', cause);
  }
}

/** Signs cosignatures with one witness key. */
export interface Cosigner extends Signer {
  readonly verifier: CosignatureVerifier;
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
  const privateKey = privateKeyObject(key.seed);
  const verifier = cosignatureVerifier(key.name, key.publicKey);
  const signAt = (text: string | Uint8Array, timestamp: number): Uint8Array => {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new WitnessError('INVALID_ARGUMENT', 'the timestamp must be a safe integer >= 0');
    }
    const sig = sign(null, cosignedMessage(timestamp, text), privateKey);
    const out = new Uint8Array(COSIGNATURE_SIZE);
    new DataView(out.buffer).setBigUint64(0, BigInt(timestamp), false);
    out.set(sig, 8);
    return out;
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
