import { NoteError, base64Decode, base64Encode } from '@proofline/note';
import {
  CoseError,
  checkPublicKey,
  coseKeyThumbprint,
  decodeCoseKey,
  encodeCoseKey,
  keyAlgorithm,
  type CosePublicKey,
} from '@proofline/cose';
import { RecordError } from './errors.js';

/**
 * The stored form of a tenant's SCITT issuer key (the registration policy's trust anchors,
 * docs/scitt.md), kept beside the Ed25519 note verifier keys in the same issuer-key list:
 *
 *     cose:<base64url COSE_Key>[;iss=<issuer>]
 *
 * - the COSE_Key is the deterministic encoding (encodeCoseKey) of an OKP/Ed25519 or
 *   EC2/P-256 public key WITH its kid (the kid signed statements name in their protected
 *   header) and alg (-8 / -7); base64url without padding, canonical (one text per key);
 * - `;iss=` binds the key to one CWT issuer: statements it signs must carry exactly that
 *   `iss`. The issuer is 1..256 visible ASCII characters (0x21..0x7e), so the line prints
 *   and compares as it is; it is everything after the first `;iss=` (the base64url before
 *   it holds no `;`). Without it, the key may sign for any issuer.
 *
 * Note verifier keys (`name+hash+key`) never start with `cose:`, so each reader takes its
 * own kind by the prefix (isCoseIssuerKey) and skips the other.
 */

export const COSE_ISSUER_KEY_PREFIX = 'cose:';

/** Longest kid (bytes) of an issuer key: a signed statement's kid bound (scitt.ts). */
const MAX_KID = 64;
const ISSUER = /^[\x21-\x7e]{1,256}$/;
/** Bound on the whole text before anything is decoded. */
const MAX_TEXT = 512;

/** A COSE issuer key: its public key (kid and alg set) and its CWT issuer binding, if any. */
export interface CoseIssuerKey {
  readonly key: CosePublicKey & { readonly kid: Uint8Array };
  readonly issuer?: string;
}

/** Whether an issuer-key line is a COSE one (else a note verifier key). */
export function isCoseIssuerKey(text: string): boolean {
  return text.startsWith(COSE_ISSUER_KEY_PREFIX);
}

function invalid(message: string, cause?: unknown): RecordError {
  return new RecordError('INVALID_ISSUER_KEY', message, cause === undefined ? {} : { cause });
}

/**
 * The COSE issuer key of `key` (kid: `kid`, default its RFC 9679 thumbprint; alg: the key's
 * one algorithm) bound to `issuer` when given, checked as parseCoseIssuerKey checks it.
 * Throws RecordError INVALID_ISSUER_KEY.
 */
export function coseIssuerKey(
  key: CosePublicKey,
  options: { readonly kid?: Uint8Array; readonly issuer?: string } = {},
): CoseIssuerKey {
  let kid: Uint8Array;
  try {
    checkPublicKey(key);
    kid = options.kid ?? coseKeyThumbprint(key);
  } catch (cause) {
    if (!(cause instanceof CoseError)) throw cause;
    throw invalid('not a valid Ed25519 or P-256 public key', cause);
  }
  if (kid.length === 0 || kid.length > MAX_KID) {
    throw invalid(`the kid must be 1..${MAX_KID} bytes`);
  }
  if (options.issuer !== undefined && !ISSUER.test(options.issuer)) {
    throw invalid('the issuer must be 1..256 visible ASCII characters');
  }
  const full = { ...key, kid, alg: keyAlgorithm(key) } as CoseIssuerKey['key'];
  return options.issuer === undefined ? { key: full } : { key: full, issuer: options.issuer };
}

/** The stored text of a COSE issuer key (see the module comment). */
export function formatCoseIssuerKey(issuerKey: CoseIssuerKey): string {
  const { key, issuer } = coseIssuerKey(issuerKey.key, {
    kid: issuerKey.key.kid,
    ...(issuerKey.issuer === undefined ? {} : { issuer: issuerKey.issuer }),
  });
  const encoded = base64Encode(encodeCoseKey(key))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
  return `${COSE_ISSUER_KEY_PREFIX}${encoded}${issuer === undefined ? '' : `;iss=${issuer}`}`;
}

/**
 * Parses a stored COSE issuer key strictly: the prefix, canonical unpadded base64url of a
 * public COSE_Key (decodeCoseKey: Ed25519 or P-256, no private part) that has a kid of
 * 1..64 bytes and the alg of its curve, nothing after it but an optional `;iss=<issuer>`,
 * and the text is exactly what formatCoseIssuerKey gives (a deterministic encoding).
 * Throws RecordError INVALID_ISSUER_KEY.
 */
export function parseCoseIssuerKey(text: string): CoseIssuerKey {
  if (typeof text !== 'string' || text.length > MAX_TEXT || !isCoseIssuerKey(text)) {
    throw invalid(`a COSE issuer key is ${COSE_ISSUER_KEY_PREFIX}<base64url COSE_Key>[;iss=...]`);
  }
  const body = text.slice(COSE_ISSUER_KEY_PREFIX.length);
  const semicolon = body.indexOf(';');
  const encoded = semicolon < 0 ? body : body.slice(0, semicolon);
  let issuer: string | undefined;
  if (semicolon >= 0) {
    const binding = body.slice(semicolon + 1);
    if (!binding.startsWith('iss=')) throw invalid('only ;iss=<issuer> may follow the key');
    issuer = binding.slice(4);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw invalid('the key is not base64url');
  let key: CosePublicKey;
  try {
    const standard = encoded.replace(/-/g, '+').replace(/_/g, '/');
    key = decodeCoseKey(base64Decode(standard.padEnd(Math.ceil(standard.length / 4) * 4, '=')));
  } catch (cause) {
    if (cause instanceof CoseError || cause instanceof NoteError) {
      throw invalid('the key is not a public COSE_Key', cause);
    }
    throw cause;
  }
  if (key.kid === undefined) throw invalid('the COSE_Key has no kid');
  if (key.alg === undefined) throw invalid('the COSE_Key has no alg');
  const parsed = coseIssuerKey(key, { kid: key.kid, ...(issuer === undefined ? {} : { issuer }) });
  if (formatCoseIssuerKey(parsed) !== text) throw invalid('the key is not in its canonical form');
  return parsed;
}
