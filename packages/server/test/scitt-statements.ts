import { randomBytes } from 'node:crypto';
import {
  CWT_ISS,
  CWT_SUB,
  CborMap,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  coseKeyThumbprint,
  ed25519CoseSigner,
  encodeCbor,
  encodeSign1,
  es256CoseSigner,
  sigStructure,
  signSign1,
  type CborValue,
  type CoseKeySigner,
  type Label,
} from '@proofline/cose';
import { HEADER_PAYLOAD_HASH_ALG, HEADER_PREIMAGE_CONTENT_TYPE } from '@proofline/records';

/** An issuer's key for signed statements in tests: its signer and its kid. */
export interface TestIssuer {
  readonly signer: CoseKeySigner;
  readonly kid: Uint8Array;
}

/** A fresh Ed25519 or ES256 issuer, kid = its RFC 9679 thumbprint. */
export function testIssuer(alg: 'EdDSA' | 'ES256'): TestIssuer {
  const signer =
    alg === 'EdDSA' ? ed25519CoseSigner(randomBytes(32)) : es256CoseSigner(randomBytes(32));
  return { signer, kid: coseKeyThumbprint(signer.publicKey) };
}

export interface StatementOptions {
  readonly iss?: string;
  readonly sub?: string;
  /** Protected header entries replacing the defaults (kid, CWT claims, hash envelope). */
  readonly protected?: readonly (readonly [Label, CborValue])[];
  readonly unprotected?: readonly (readonly [Label, CborValue])[];
  readonly detached?: boolean;
  readonly payload?: Uint8Array;
}

/**
 * A signed statement as registration takes it: protected kid, CWT claims (iss, sub) and a
 * SHA-256 hash envelope over a random payload hash, attached.
 */
export function signedStatement(
  issuer: TestIssuer,
  options: StatementOptions = {},
): Promise<Uint8Array> {
  const headers = options.protected ?? [
    [HEADER_KID, issuer.kid],
    [
      HEADER_CWT_CLAIMS,
      new CborMap([
        [CWT_ISS, options.iss ?? 'issuer.example'],
        [CWT_SUB, options.sub ?? 'pkg:npm/example@1.0.0'],
      ]),
    ],
    [HEADER_PAYLOAD_HASH_ALG, -16],
    [HEADER_PREIMAGE_CONTENT_TYPE, 'application/spdx+json'],
  ];
  return signSign1(
    {
      protected: headers,
      unprotected: options.unprotected ?? [],
      payload: options.payload ?? new Uint8Array(randomBytes(32)),
      detached: options.detached ?? false,
    },
    issuer.signer,
  );
}

/**
 * A COSE_Sign1 with exactly the protected header `entries` (no alg added or checked), signed
 * by `issuer` over the payload: for statements signSign1 would refuse to make.
 */
export async function forgedStatement(
  issuer: TestIssuer,
  entries: readonly (readonly [Label, CborValue])[],
  payload: Uint8Array = new Uint8Array(randomBytes(32)),
): Promise<Uint8Array> {
  const protectedBytes = encodeCbor(new CborMap(entries));
  const signature = await issuer.signer.sign(sigStructure(protectedBytes, payload));
  return encodeSign1({ protectedBytes, unprotected: new CborMap([]), payload, signature });
}

/** The default CWT claims map of signedStatement, or one with `members` instead. */
export function claims(members?: readonly (readonly [Label, CborValue])[]): CborMap {
  return new CborMap(
    members ?? [
      [CWT_ISS, 'issuer.example'],
      [CWT_SUB, 'pkg:npm/example@1.0.0'],
    ],
  );
}
