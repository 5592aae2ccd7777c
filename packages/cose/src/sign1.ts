import { CborMap, CborTag, type CborValue, type Label } from './cbor.js';
import { decodeCbor, type CborLimits } from './cbor-decode.js';
import { encodeCbor } from './cbor-encode.js';
import { CoseError } from './errors.js';
import { HEADER_ALG, HEADER_KID, checkCritical, checkHeaders, headerValue } from './headers.js';
import {
  ALG_EDDSA,
  ALG_ES256,
  keyAlgorithm,
  type CoseAlgorithm,
  type CosePublicKey,
} from './key.js';
import { verifySignature, type CoseSigner } from './signer.js';

/** CBOR tag of COSE_Sign1_Tagged (RFC 9052 §4.2). */
export const COSE_SIGN1_TAG = 18;

/** A decoded COSE_Sign1 (RFC 9052 §4.2). */
export interface Sign1 {
  /** The bytes inside the protected-header bstr, exactly as received (signed as such). */
  readonly protectedBytes: Uint8Array;
  /** The decoded protected header (an empty map for a zero-length bstr). */
  readonly protected: CborMap;
  readonly unprotected: CborMap;
  /** The attached payload, or null when detached. */
  readonly payload: Uint8Array | null;
  readonly signature: Uint8Array;
}

function cose(message: string): CoseError {
  return new CoseError('MALFORMED_COSE', message);
}

/**
 * Decodes a COSE_Sign1: tag 18 or untagged (any other tag is refused), an array of four:
 * protected bstr (empty, or the encoding of a map), unprotected map, payload bstr or nil,
 * signature bstr; header maps checked by checkHeaders. Does not verify anything. Throws
 * MALFORMED_CBOR / CBOR_LIMIT (bad CBOR, also inside the protected bstr), MALFORMED_COSE,
 * UNKNOWN_CRITICAL_HEADER.
 */
export function decodeSign1(bytes: Uint8Array, limits?: Partial<CborLimits>): Sign1 {
  let item = decodeCbor(bytes, limits);
  if (item instanceof CborTag) {
    if (item.tag !== COSE_SIGN1_TAG) throw cose(`tag ${String(item.tag)} is not COSE_Sign1 (18)`);
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) throw cose('COSE_Sign1 is an array of 4');
  const [protectedBytes, unprotected, payload, signature] = item as readonly CborValue[];
  if (!(protectedBytes instanceof Uint8Array)) throw cose('protected header must be a bstr');
  if (!(unprotected instanceof CborMap)) throw cose('unprotected header must be a map');
  if (payload !== null && !(payload instanceof Uint8Array))
    throw cose('payload must be bstr or nil');
  if (!(signature instanceof Uint8Array)) throw cose('signature must be a bstr');
  const protectedMap =
    protectedBytes.length === 0 ? new CborMap([]) : decodeCbor(protectedBytes, limits);
  if (!(protectedMap instanceof CborMap)) throw cose('protected header must encode a map');
  checkHeaders(protectedMap, unprotected);
  return { protectedBytes, protected: protectedMap, unprotected, payload, signature };
}

/** Encodes a COSE_Sign1 as COSE_Sign1_Tagged, copying the protected bytes as they are. */
export function encodeSign1(message: Omit<Sign1, 'protected'>): Uint8Array {
  return encodeCbor(
    new CborTag(COSE_SIGN1_TAG, [
      message.protectedBytes,
      message.unprotected,
      message.payload,
      message.signature,
    ]),
  );
}

/**
 * The bytes signed (RFC 9052 §4.4): the deterministic encoding of
 * ["Signature1", body_protected, external_aad, payload].
 */
export function sigStructure(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, externalAad, payload]);
}

/** What to sign: header entries (alg is added from the signer), payload, detached or not. */
export interface Sign1Content {
  readonly protected?: readonly (readonly [Label, CborValue])[];
  readonly unprotected?: readonly (readonly [Label, CborValue])[];
  readonly payload: Uint8Array;
  /** When true the message carries nil and the verifier must be given the payload. */
  readonly detached?: boolean;
  readonly externalAad?: Uint8Array;
}

/**
 * Signs a COSE_Sign1 (tagged) with `signer`. The protected header gets alg = signer.alg (an
 * alg already given must equal it, else ALGORITHM_MISMATCH) and is encoded deterministically.
 * Throws INVALID_ARGUMENT for headers that break checkHeaders or a signer that does not
 * return 64 bytes; rejects with what the signer rejects with.
 */
export async function signSign1(content: Sign1Content, signer: CoseSigner): Promise<Uint8Array> {
  const entries = [...(content.protected ?? [])];
  const alg = entries.find(([label]) => label === HEADER_ALG);
  if (alg === undefined) entries.unshift([HEADER_ALG, signer.alg]);
  else if (alg[1] !== signer.alg) {
    throw new CoseError(
      'ALGORITHM_MISMATCH',
      `protected alg ${String(alg[1])} is not the signer's`,
    );
  }
  const protectedMap = new CborMap(entries);
  const unprotected = new CborMap(content.unprotected ?? []);
  try {
    checkHeaders(protectedMap, unprotected);
  } catch (cause) {
    throw new CoseError('INVALID_ARGUMENT', 'headers are not valid COSE headers', { cause });
  }
  const protectedBytes = encodeCbor(protectedMap);
  const signature = await signer.sign(
    sigStructure(protectedBytes, content.payload, content.externalAad),
  );
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new CoseError('INVALID_ARGUMENT', 'the signer did not return a 64-byte signature');
  }
  const payload = content.detached === true ? null : content.payload;
  return encodeSign1({ protectedBytes, unprotected, payload, signature });
}

/** How to verify: the detached payload, external AAD, the crit labels the caller handles. */
export interface VerifySign1Options {
  /** Required when the message's payload is nil; refused when it is attached. */
  readonly payload?: Uint8Array;
  readonly externalAad?: Uint8Array;
  readonly understoodCritical?: readonly Label[];
}

/** A verified COSE_Sign1: the key that verified it, its algorithm and the payload signed. */
export interface VerifiedSign1 {
  readonly key: CosePublicKey;
  readonly alg: CoseAlgorithm;
  readonly payload: Uint8Array;
}

/**
 * Verifies a COSE_Sign1 with one of `keys`. The alg must be protected and EdDSA or ES256
 * (else UNSUPPORTED_ALGORITHM); crit may only name `understoodCritical` labels (else
 * UNKNOWN_CRITICAL_HEADER). With a kid header (bstr), only keys with that kid or with no kid
 * are tried; keys whose algorithm is not the header's are skipped, and when none is left of
 * those the result is ALGORITHM_MISMATCH. INVALID_SIGNATURE when no candidate verifies.
 */
export function verifySign1(
  message: Sign1 | Uint8Array,
  keys: readonly CosePublicKey[],
  options: VerifySign1Options = {},
): VerifiedSign1 {
  const sign1 = message instanceof Uint8Array ? decodeSign1(message) : message;
  if (keys.length === 0) throw new CoseError('INVALID_ARGUMENT', 'no keys to verify with');
  checkCritical(sign1.protected, [HEADER_ALG, HEADER_KID, ...(options.understoodCritical ?? [])]);
  const alg = sign1.protected.get(HEADER_ALG);
  if (alg !== ALG_EDDSA && alg !== ALG_ES256) {
    const where = sign1.unprotected.has(HEADER_ALG) ? ' (alg must be protected)' : '';
    throw new CoseError(
      'UNSUPPORTED_ALGORITHM',
      `alg ${String(alg)} is not EdDSA or ES256${where}`,
    );
  }
  const payload = sign1.payload ?? options.payload;
  if (payload === undefined) throw new CoseError('INVALID_ARGUMENT', 'detached payload not given');
  if (sign1.payload !== null && options.payload !== undefined) {
    throw new CoseError('INVALID_ARGUMENT', 'payload is attached; a detached one was given too');
  }
  const kid = headerValue(sign1.protected, sign1.unprotected, HEADER_KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw cose('kid must be a bstr');
  const named = keys.filter((k) => kid === undefined || k.kid === undefined || equal(k.kid, kid));
  if (named.length === 0) throw new CoseError('INVALID_SIGNATURE', 'no key has the message kid');
  const fitting = named.filter(
    (k) => keyAlgorithm(k) === alg && (k.alg === undefined || k.alg === alg),
  );
  if (fitting.length === 0) {
    throw new CoseError('ALGORITHM_MISMATCH', `no given key is usable with alg ${alg}`);
  }
  const tbs = sigStructure(sign1.protectedBytes, payload, options.externalAad);
  const key = fitting.find((k) => verifySignature(k, alg, tbs, sign1.signature));
  if (key === undefined)
    throw new CoseError('INVALID_SIGNATURE', 'COSE_Sign1 signature does not verify');
  return { key, alg, payload };
}

/** Byte equality. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
