import {
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  base64Decode,
  type Verifier,
} from '@proofline/note';
import { bytesToHex } from '@noble/hashes/utils.js';
import { cosignatureVerifierFor } from './cosignature.js';
import { verifierFor } from './ed25519/verifier.js';
import { VerificationError } from './errors.js';
import { decodeVerifierKey, type VerifierKey } from './keys.js';
import type { TrustPolicy } from './types.js';
import type { ChainKey } from './key-chain.js';

/** Bound on the number of issuer or witness keys in a policy. */
const MAX_KEYS = 256;
/** Bound on the number of TSA roots in a policy, and on one root's DER size. */
const MAX_TSA_ROOTS = 64;
const MAX_TSA_ROOT_SIZE = 16 * 1024;

/** A TrustPolicy whose keys are decoded and checked. */
export interface ResolvedPolicy {
  /** The log origin: the log key's name. */
  readonly origin: string;
  readonly log: Verifier;
  readonly issuers: readonly Verifier[];
  readonly requireIssuer: boolean;
  readonly witnesses?: { readonly verifiers: readonly Verifier[]; readonly quorum: number };
  /** DER root certificates of the trusted time-stamping authorities. */
  readonly tsaRoots?: readonly Uint8Array[];
  readonly requireTimestamp: boolean;
  /**
   * With TrustPolicy.keyHistory: the log's keys, oldest first, each with its range (see
   * key-chain.ts); `log` is one of them.
   */
  readonly chain?: readonly ChainKey[];
}

function invalid(message: string, cause?: unknown): VerificationError {
  return new VerificationError('INVALID_POLICY', 'bundle', `invalid TrustPolicy: ${message}`, {
    cause,
  });
}

/** A decoded key and its verifier. */
interface LoadedKey {
  readonly key: VerifierKey;
  readonly verifier: Verifier;
}

/** Keys already loaded, by type and key string (immutable, so an entry never goes stale). */
const MAX_LOADED_KEYS = 64;
const loaded = new Map<string, LoadedKey>();

/**
 * Decodes `vkey` of signature type `type` (0x01 or 0x04) and builds its verifier, once per
 * key string; a bad key is reported as INVALID_POLICY at `field`.
 */
function load(vkey: unknown, type: number, field: string): LoadedKey {
  const known = typeof vkey === 'string' ? loaded.get(`${type} ${vkey}`) : undefined;
  if (known !== undefined) return known;
  let result: LoadedKey;
  try {
    const key = decodeVerifierKey(vkey as string, type);
    const make = type === SIG_TYPE_ED25519 ? verifierFor : cosignatureVerifierFor;
    result = { key, verifier: make(key) };
  } catch (cause) {
    if (!(cause instanceof VerificationError)) throw cause;
    throw invalid(`${field}: ${cause.message}`, cause);
  }
  if (loaded.size >= MAX_LOADED_KEYS) loaded.delete(loaded.keys().next().value as string);
  loaded.set(`${type} ${vkey as string}`, result);
  return result;
}

/** Loads a list of keys of `type`, requiring distinct (name, key id) and public keys. */
function loadAll(keys: unknown, type: number, field: string): Verifier[] {
  if (!Array.isArray(keys) || keys.length > MAX_KEYS) {
    throw invalid(`${field} must be an array of at most ${MAX_KEYS} verifier keys`);
  }
  const all = keys.map((vkey, i) => load(vkey, type, `${field}[${i}]`));
  const ids = new Set(all.map(({ key }) => `${key.name}\n${key.keyId}`));
  const publicKeys = new Set(all.map(({ key }) => bytesToHex(key.publicKey)));
  if (ids.size !== all.length || publicKeys.size !== all.length) {
    throw invalid(`${field} must not repeat a key name and id, or a public key`);
  }
  return all.map(({ verifier }) => verifier);
}

/**
 * Checks a TrustPolicy and decodes its keys: `logKey` an Ed25519 (0x01) verifier key;
 * `origin`, when given, equal to its name (c2sp.org/tlog-checkpoint: the log's key name is
 * the origin); `issuerKeys` distinct 0x01 keys (none at all with `requireIssuerSignature`
 * makes every issuer check fail, as no signature can be verified);
 * `witnesses.keys` distinct 0x04 keys (distinct public keys too: an Ed25519 cosignature does
 * not commit to the witness name) and `quorum` an integer from 1 to their number. Every key
 * must be a prime-order point. Throws VerificationError INVALID_POLICY (step 'bundle').
 */
export function resolvePolicy(policy: TrustPolicy): ResolvedPolicy {
  if (typeof policy !== 'object' || policy === null) throw invalid('must be an object');
  const log = load(policy.logKey, SIG_TYPE_ED25519, 'logKey').verifier;
  if (policy.origin !== undefined && policy.origin !== log.name) {
    throw invalid(`origin ${JSON.stringify(policy.origin)} is not the log key's name`);
  }
  const issuers = loadAll(policy.issuerKeys ?? [], SIG_TYPE_ED25519, 'issuerKeys');
  const { requireIssuerSignature = false, witnesses } = policy;
  if (typeof requireIssuerSignature !== 'boolean') {
    throw invalid('requireIssuerSignature must be a boolean');
  }
  const tsaRoots = resolveTsaRoots(policy.timestampAuthorities);
  const { requireTimestamp = false } = policy;
  if (typeof requireTimestamp !== 'boolean') throw invalid('requireTimestamp must be a boolean');
  if (requireTimestamp && tsaRoots === undefined) {
    throw invalid('requireTimestamp needs timestampAuthorities');
  }
  const resolved = {
    origin: log.name,
    log,
    issuers,
    requireIssuer: requireIssuerSignature,
    requireTimestamp,
    ...(tsaRoots === undefined ? {} : { tsaRoots }),
  };
  if (witnesses === undefined) return Object.freeze(resolved);
  if (typeof witnesses !== 'object' || witnesses === null) {
    throw invalid('witnesses must be an object');
  }
  const verifiers = loadAll(witnesses.keys, SIG_TYPE_COSIGNATURE, 'witnesses.keys');
  const { quorum } = witnesses;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > verifiers.length) {
    throw invalid('witnesses.quorum must be an integer from 1 to the number of witness keys');
  }
  return Object.freeze({ ...resolved, witnesses: Object.freeze({ verifiers, quorum }) });
}

/**
 * Decodes `timestampAuthorities.roots`: 1 to MAX_TSA_ROOTS distinct base64 DER certificates
 * (a DER SEQUENCE of at most 16 KiB; that each is a certificate is checked when a token is
 * verified against them).
 */
function resolveTsaRoots(
  tsa: TrustPolicy['timestampAuthorities'],
): readonly Uint8Array[] | undefined {
  if (tsa === undefined) return undefined;
  if (typeof tsa !== 'object' || tsa === null) {
    throw invalid('timestampAuthorities must be an object');
  }
  const { roots } = tsa;
  if (!Array.isArray(roots) || roots.length < 1 || roots.length > MAX_TSA_ROOTS) {
    throw invalid(
      `timestampAuthorities.roots must be an array of 1 to ${MAX_TSA_ROOTS} base64 DER certificates`,
    );
  }
  const decoded = roots.map((root: unknown, i) => {
    const field = `timestampAuthorities.roots[${i}]`;
    if (typeof root !== 'string' || root.length > Math.ceil(MAX_TSA_ROOT_SIZE / 3) * 4) {
      throw invalid(
        `${field} must be a base64 DER certificate of at most ${MAX_TSA_ROOT_SIZE} bytes`,
      );
    }
    let der: Uint8Array;
    try {
      der = base64Decode(root);
    } catch (cause) {
      throw invalid(`${field} is not canonical standard base64`, cause);
    }
    if (der.length < 2 || der[0] !== 0x30) throw invalid(`${field} is not a DER certificate`);
    return der;
  });
  if (new Set(roots).size !== roots.length) {
    throw invalid('timestampAuthorities.roots must not repeat a certificate');
  }
  return Object.freeze(decoded);
}
