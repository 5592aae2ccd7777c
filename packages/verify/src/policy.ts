import { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519, type Verifier } from '@proofline/note';
import { bytesToHex } from '@noble/hashes/utils.js';
import { cosignatureVerifierFor } from './cosignature.js';
import { verifierFor } from './ed25519/verifier.js';
import { VerificationError } from './errors.js';
import { decodeVerifierKey, type VerifierKey } from './keys.js';
import type { TrustPolicy } from './types.js';

/** Bound on the number of issuer or witness keys in a policy. */
const MAX_KEYS = 256;

/** A TrustPolicy whose keys are decoded and checked. */
export interface ResolvedPolicy {
  /** The log origin: the log key's name. */
  readonly origin: string;
  readonly log: Verifier;
  readonly issuers: readonly Verifier[];
  readonly requireIssuer: boolean;
  readonly witnesses?: { readonly verifiers: readonly Verifier[]; readonly quorum: number };
}

function invalid(message: string, cause?: unknown): VerificationError {
  return new VerificationError('INVALID_POLICY', 'bundle', `invalid TrustPolicy: ${message}`, {
    cause,
  });
}

/** Decodes `vkey` of signature type `type`, reporting a bad key as INVALID_POLICY at `field`. */
function decode(vkey: unknown, type: number, field: string): VerifierKey {
  try {
    return decodeVerifierKey(vkey as string, type);
  } catch (cause) {
    throw invalid(`${field}: ${(cause as Error).message}`, cause);
  }
}

/** Builds a verifier, reporting a key that is not a prime-order point as INVALID_POLICY. */
function build(key: VerifierKey, field: string, make: (key: VerifierKey) => Verifier): Verifier {
  try {
    return make(key);
  } catch (cause) {
    throw invalid(`${field}: ${(cause as Error).message}`, cause);
  }
}

/** Decodes a list of keys of `type`, requiring distinct (name, key id) and public keys. */
function decodeAll(keys: unknown, type: number, field: string): VerifierKey[] {
  if (!Array.isArray(keys) || keys.length > MAX_KEYS) {
    throw invalid(`${field} must be an array of at most ${MAX_KEYS} verifier keys`);
  }
  const decoded = keys.map((vkey, i) => decode(vkey, type, `${field}[${i}]`));
  const ids = new Set(decoded.map((k) => `${k.name}\n${k.keyId}`));
  const publicKeys = new Set(decoded.map((k) => bytesToHex(k.publicKey)));
  if (ids.size !== decoded.length || publicKeys.size !== decoded.length) {
    throw invalid(`${field} must not repeat a key name and id, or a public key`);
  }
  return decoded;
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
  const logKey = decode(policy.logKey, SIG_TYPE_ED25519, 'logKey');
  const log = build(logKey, 'logKey', verifierFor);
  if (policy.origin !== undefined && policy.origin !== log.name) {
    throw invalid(`origin ${JSON.stringify(policy.origin)} is not the log key's name`);
  }
  const issuerKeys = decodeAll(policy.issuerKeys ?? [], SIG_TYPE_ED25519, 'issuerKeys');
  const issuers = issuerKeys.map((k, i) => build(k, `issuerKeys[${i}]`, verifierFor));
  const { requireIssuerSignature = false, witnesses } = policy;
  if (typeof requireIssuerSignature !== 'boolean') {
    throw invalid('requireIssuerSignature must be a boolean');
  }
  const resolved = { origin: log.name, log, issuers, requireIssuer: requireIssuerSignature };
  if (witnesses === undefined) return Object.freeze(resolved);
  if (typeof witnesses !== 'object' || witnesses === null) {
    throw invalid('witnesses must be an object');
  }
  const witnessKeys = decodeAll(witnesses.keys, SIG_TYPE_COSIGNATURE, 'witnesses.keys');
  const { quorum } = witnesses;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > witnessKeys.length) {
    throw invalid('witnesses.quorum must be an integer from 1 to the number of witness keys');
  }
  const verifiers = witnessKeys.map((k, i) =>
    build(k, `witnesses.keys[${i}]`, cosignatureVerifierFor),
  );
  return Object.freeze({ ...resolved, witnesses: Object.freeze({ verifiers, quorum }) });
}
