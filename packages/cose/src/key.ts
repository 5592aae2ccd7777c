import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CborMap, type CborValue } from './cbor.js';
import { decodeCbor, type CborLimits } from './cbor-decode.js';
import { encodeCbor } from './cbor-encode.js';
import { CoseError } from './errors.js';

/** COSE algorithm identifiers this package signs and verifies with (IANA COSE Algorithms). */
export const ALG_EDDSA = -8;
export const ALG_ES256 = -7;
export type CoseAlgorithm = typeof ALG_EDDSA | typeof ALG_ES256;

// COSE_Key labels and values (RFC 9052 §7.1, RFC 9053 §7).
const KTY = 1;
const KID = 2;
const ALG = 3;
const CRV = -1;
const X = -2;
const Y = -3;
const D = -4;
const KTY_OKP = 1;
const KTY_EC2 = 2;
const CRV_P256 = 1;
const CRV_ED25519 = 6;

/** A public key this package verifies with; `kid` and `alg` are the optional COSE_Key members. */
export type CosePublicKey =
  | {
      readonly kty: 'OKP';
      readonly crv: 'Ed25519';
      /** The 32-byte RFC 8032 public key. */
      readonly x: Uint8Array;
      readonly kid?: Uint8Array;
      readonly alg?: CoseAlgorithm;
    }
  | {
      readonly kty: 'EC2';
      readonly crv: 'P-256';
      /** The 32-byte big-endian affine coordinates of the point. */
      readonly x: Uint8Array;
      readonly y: Uint8Array;
      readonly kid?: Uint8Array;
      readonly alg?: CoseAlgorithm;
    };

function malformed(message: string, cause?: unknown): CoseError {
  return new CoseError('MALFORMED_KEY', message, cause === undefined ? undefined : { cause });
}

/** The one algorithm a key is used with: EdDSA (-8) for Ed25519, ES256 (-7) for P-256. */
export function keyAlgorithm(key: CosePublicKey): CoseAlgorithm {
  return key.kty === 'OKP' ? ALG_EDDSA : ALG_ES256;
}

/**
 * Checks a key's members: 32-byte coordinates of a point on the curve (strict RFC 8032 for
 * Ed25519, SEC 1 for P-256), an `alg` that fits, a byte-string `kid`. Throws MALFORMED_KEY.
 */
export function checkPublicKey(key: CosePublicKey): CosePublicKey {
  const bytes32 = (v: unknown): boolean => v instanceof Uint8Array && v.length === 32;
  if (key.kty === 'OKP' && key.crv === 'Ed25519') {
    if (!bytes32(key.x) || !ed25519.utils.isValidPublicKey(key.x, false)) {
      throw malformed('Ed25519 x is not a valid 32-byte public key');
    }
  } else if (key.kty === 'EC2' && key.crv === 'P-256') {
    if (!bytes32(key.x) || !bytes32(key.y) || !p256.utils.isValidPublicKey(sec1(key), false)) {
      throw malformed('P-256 x, y are not a point of the curve');
    }
  } else {
    throw malformed('only OKP/Ed25519 and EC2/P-256 keys are supported');
  }
  if (key.alg !== undefined && key.alg !== keyAlgorithm(key)) {
    throw malformed(`alg ${String(key.alg)} does not fit a ${key.crv} key`);
  }
  if (key.kid !== undefined && !(key.kid instanceof Uint8Array))
    throw malformed('kid must be bytes');
  return key;
}

/** The uncompressed SEC 1 encoding 0x04 ‖ x ‖ y of a P-256 key. */
export function sec1(key: { readonly x: Uint8Array; readonly y: Uint8Array }): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(key.x, 1);
  out.set(key.y, 33);
  return out;
}

/** The required members (RFC 9679 §3: kty, crv, x and for EC2 y) as a COSE_Key map. */
function requiredMembers(key: CosePublicKey): [CborValue, CborValue][] {
  const members: [CborValue, CborValue][] = [
    [KTY, key.kty === 'OKP' ? KTY_OKP : KTY_EC2],
    [CRV, key.kty === 'OKP' ? CRV_ED25519 : CRV_P256],
    [X, key.x],
  ];
  if (key.kty === 'EC2') members.push([Y, key.y]);
  return members;
}

/** The COSE_Key map of a public key (RFC 9052 §7): required members, then kid and alg if set. */
export function coseKeyMap(key: CosePublicKey): CborMap {
  checkPublicKey(key);
  const members = requiredMembers(key);
  if (key.kid !== undefined) members.push([KID, key.kid]);
  if (key.alg !== undefined) members.push([ALG, key.alg]);
  return new CborMap(members);
}

/** A public key as a deterministically encoded COSE_Key. */
export function encodeCoseKey(key: CosePublicKey): Uint8Array {
  return encodeCbor(coseKeyMap(key));
}

/** A COSE Key Set (RFC 9052 §7: an array of COSE_Key), deterministically encoded. */
export function encodeCoseKeySet(keys: readonly CosePublicKey[]): Uint8Array {
  return encodeCbor(keys.map(coseKeyMap));
}

/**
 * Reads a public COSE_Key map. Accepts OKP/Ed25519 and EC2/P-256 with the members kty, crv,
 * x, y (EC2, as a byte string: compressed points are refused), kid (bytes), alg (-8 / -7) and
 * key_ops; refuses a private key (d, label -4) and any other member. Throws MALFORMED_KEY.
 */
export function coseKeyFromMap(map: CborValue): CosePublicKey {
  if (!(map instanceof CborMap)) throw malformed('a COSE_Key must be a map');
  for (const label of map.keys()) {
    if (label === D) throw malformed('a public key set must not carry a private key (d)');
    if (![KTY, KID, ALG, CRV, X, Y, 4].includes(label as number)) {
      throw malformed(`unsupported COSE_Key member ${String(label)}`);
    }
  }
  const kty = map.get(KTY);
  const crv = map.get(CRV);
  const x = map.get(X);
  const y = map.get(Y);
  const kid = map.get(KID);
  const alg = map.get(ALG);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw malformed('kid must be bytes');
  if (alg !== undefined && alg !== ALG_EDDSA && alg !== ALG_ES256) {
    throw malformed(`unsupported alg ${String(alg)}`);
  }
  const extra = {
    ...(kid === undefined ? {} : { kid }),
    ...(alg === undefined ? {} : { alg: alg as CoseAlgorithm }),
  };
  if (kty === KTY_OKP && crv === CRV_ED25519 && x instanceof Uint8Array && y === undefined) {
    return checkPublicKey({ kty: 'OKP', crv: 'Ed25519', x, ...extra });
  }
  if (kty === KTY_EC2 && crv === CRV_P256 && x instanceof Uint8Array && y instanceof Uint8Array) {
    return checkPublicKey({ kty: 'EC2', crv: 'P-256', x, y, ...extra });
  }
  throw malformed('only OKP/Ed25519 and EC2/P-256 public keys with byte-string x (and y)');
}

function decodeKeyBytes(bytes: Uint8Array, limits?: Partial<CborLimits>): CborValue {
  try {
    return decodeCbor(bytes, limits);
  } catch (cause) {
    throw malformed('COSE key is not well-formed CBOR', cause);
  }
}

/** Decodes one COSE_Key (see {@link coseKeyFromMap}). */
export function decodeCoseKey(bytes: Uint8Array, limits?: Partial<CborLimits>): CosePublicKey {
  return coseKeyFromMap(decodeKeyBytes(bytes, limits));
}

/** Decodes a COSE Key Set: a non-empty array of public COSE_Keys. Throws MALFORMED_KEY. */
export function decodeCoseKeySet(bytes: Uint8Array, limits?: Partial<CborLimits>): CosePublicKey[] {
  const set = decodeKeyBytes(bytes, limits);
  if (!Array.isArray(set) || set.length === 0)
    throw malformed('a COSE Key Set is a non-empty array');
  return (set as readonly CborValue[]).map(coseKeyFromMap);
}

/**
 * The RFC 9679 COSE Key thumbprint: SHA-256 over the deterministic encoding (RFC 8949 §4.2.1)
 * of the map of the key's required members only (kty, crv, x, and y for EC2), 32 bytes. This
 * is the `kid` Proofline gives its service keys.
 */
export function coseKeyThumbprint(key: CosePublicKey): Uint8Array {
  checkPublicKey(key);
  return sha256(encodeCbor(new CborMap(requiredMembers(key))));
}
