import { bytesToHex } from '@noble/hashes/utils.js';
import {
  CoseError,
  checkPublicKey,
  coseKeyThumbprint,
  ed25519CoseKey,
  type CosePublicKey,
} from '@proofline/cose';
import { SIG_TYPE_ED25519 } from '@proofline/note';
import { VerificationError } from '../errors.js';
import { decodeVerifierKey } from '../keys.js';
import { resolvePolicy, type ResolvedPolicy } from '../policy.js';
import type { ScittTrust } from './types.js';

/** Bound on the number of service or issuer keys. */
const MAX_KEYS = 256;

/** A pinned COSE public key (with the kid it was given, if any) and its RFC 9679 thumbprint. */
export interface PinnedKey {
  readonly key: CosePublicKey;
  readonly thumbprint: Uint8Array;
}

/** A pinned service key; `log` when it was given as a C2SP verifier key (opens checkpoints). */
export interface ServiceKey extends PinnedKey {
  readonly log?: ResolvedPolicy;
}

function invalid(message: string, cause?: unknown): VerificationError {
  return new VerificationError('INVALID_ARGUMENT', 'service', `invalid ScittTrust: ${message}`, {
    cause,
  });
}

function pin(key: CosePublicKey, what: string, step: 'service' | 'statement'): PinnedKey {
  try {
    return { key: checkPublicKey(key), thumbprint: coseKeyThumbprint(key) };
  } catch (cause) {
    if (!(cause instanceof CoseError)) throw cause;
    throw new VerificationError('INVALID_KEY', step, `${what}: ${cause.message}`, { cause });
  }
}

function list<T>(value: unknown, what: string, required: boolean): readonly T[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) throw invalid(`${what} must be an array`);
  if (required && value.length === 0) throw invalid(`${what} must not be empty`);
  if (value.length > MAX_KEYS) throw invalid(`at most ${MAX_KEYS} ${what}`);
  return value as readonly T[];
}

/**
 * The caller's service keys, decoded and checked: verifier keys (decodeVerifierKey, then
 * resolvePolicy so they open checkpoints) become OKP COSE keys, COSE keys are checked on the
 * curve. Throws VerificationError INVALID_KEY or INVALID_ARGUMENT (programmer errors).
 */
export function serviceKeys(trust: ScittTrust): ServiceKey[] {
  if (typeof trust !== 'object' || trust === null) throw invalid('must be an object');
  const given = list<string | CosePublicKey>(trust.serviceKeys, 'serviceKeys', true);
  return given.map((k, i) => {
    if (typeof k !== 'string') return pin(k, `serviceKeys[${i}]`, 'service');
    const { publicKey } = decodeVerifierKey(k, SIG_TYPE_ED25519);
    const log = resolvePolicy({ logKey: k });
    return { ...pin(ed25519CoseKey(publicKey), `serviceKeys[${i}]`, 'service'), log };
  });
}

/** The caller's issuer keys, checked (INVALID_KEY, INVALID_ARGUMENT). */
export function issuerKeys(trust: ScittTrust): PinnedKey[] {
  return list<CosePublicKey>(trust.issuerKeys, 'issuerKeys', false).map((k, i) =>
    pin(k, `issuerKeys[${i}]`, 'statement'),
  );
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The pinned keys a message's protected `kid` names: those whose own kid or RFC 9679
 * thumbprint is the kid (every key when the message has none), their kid removed so that
 * verifySign1 tries them whichever way they matched.
 */
export function keysForKid<K extends PinnedKey>(
  keys: readonly K[],
  kid: Uint8Array | undefined,
): K[] {
  return keys
    .filter(
      (k) =>
        kid === undefined ||
        equal(k.thumbprint, kid) ||
        (k.key.kid !== undefined && equal(k.key.kid, kid)),
    )
    .map((k) => ({ ...k, key: withoutKid(k.key) }));
}

function withoutKid(key: CosePublicKey): CosePublicKey {
  return key.kty === 'OKP'
    ? { kty: key.kty, crv: key.crv, x: key.x, ...(key.alg === undefined ? {} : { alg: key.alg }) }
    : {
        kty: key.kty,
        crv: key.crv,
        x: key.x,
        y: key.y,
        ...(key.alg === undefined ? {} : { alg: key.alg }),
      };
}

/** The pinned key (of `keys`) whose public key is `key`'s. */
export function pinnedOf<K extends PinnedKey>(
  keys: readonly K[],
  key: CosePublicKey,
): K | undefined {
  const thumbprint = coseKeyThumbprint(withoutKid(key));
  return keys.find((k) => equal(k.thumbprint, thumbprint));
}

export const hex = bytesToHex;
