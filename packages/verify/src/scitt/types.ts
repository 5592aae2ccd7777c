import type { CosePublicKey } from '@proofline/cose';
import type { RecordV1 } from '@proofline/records';
import type { Check } from '../types.js';

/** What the caller trusts for COSE receipts and transparent statements; never the input. */
export interface ScittTrust {
  /**
   * The Transparency Service (log) keys: C2SP verifier keys of logs ("<origin>+<8 hex key
   * id>+<base64(0x01 || Ed25519 key)>", as TrustPolicy.logKey; their COSE kid is the RFC 9679
   * thumbprint, ed25519Kid) and/or COSE public keys (e.g. from /.well-known/scitt-keys; one
   * without a kid is matched by its thumbprint). At least one.
   */
  readonly serviceKeys: readonly (string | CosePublicKey)[];
  /**
   * The issuers of signed statements the caller trusts: Ed25519 or P-256 COSE public keys,
   * matched by the statement's protected kid against each key's kid or RFC 9679 thumbprint
   * (a statement without a kid is tried with every key).
   */
  readonly issuerKeys?: readonly CosePublicKey[];
  /**
   * A signed checkpoint of the log (C2SP note), opened with the verifier key (in
   * `serviceKeys`) of the key that signed the receipt: the receipt's root must be its root
   * for the same size. Only then are a receipt's tree size and leaf index confirmed.
   */
  readonly checkpoint?: string;
}

/**
 * The outcome for one receipt. 'verified': every check passed; 'failed': a check failed;
 * 'not-verified' (inside a transparent statement only): the receipt is not one this verifier
 * can check against the caller's anchors (no Proofline log entry, another vds, or a service
 * key that is not pinned): it proves nothing here, and is never counted as verified.
 */
export interface ReceiptVerification {
  readonly status: 'verified' | 'failed' | 'not-verified';
  /** 'cose', 'record' (Proofline receipts), 'service', 'registration' (statements), 'checkpoint'. */
  readonly checks: readonly Check[];
  /** The record the receipt proves (its embedded entry, once the signature covered it). */
  readonly record?: RecordV1;
  /** The receipt's protected CWT iss: the log's origin (signed). */
  readonly origin?: string;
  /** The root the service signed (base64), once the signature verified. */
  readonly root?: string;
  /** Unsigned unless `confirmed`. */
  readonly treeSize?: number;
  /** Unsigned unless `confirmed`. */
  readonly leafIndex?: number;
  /** Whether a signed checkpoint of that size has that root (size and index then confirmed). */
  readonly confirmed: boolean;
  /** The kid (hex) of the pinned service key whose signature verified. */
  readonly serviceKid?: string;
}

/** What a transparent statement's issuer signed (its protected header), once verified. */
export interface SignedStatementInfo {
  readonly alg: number;
  /** Protected kid, hex; absent when the statement has none. */
  readonly kid?: string;
  /** The RFC 9679 thumbprint (hex) of the pinned issuer key that verified the signature. */
  readonly issuerKey: string;
  readonly issuer?: string;
  readonly subject?: string;
}

/**
 * The verdict on a COSE receipt or a transparent statement. `checks` are the top-level
 * checks: a receipt's own (see ReceiptVerification), or 'statement' and 'receipts'.
 */
export interface ScittVerification {
  readonly ok: boolean;
  readonly kind: 'receipt' | 'transparent-statement';
  readonly checks: readonly Check[];
  /** One per receipt, in order (a receipt: exactly one). */
  readonly receipts: readonly ReceiptVerification[];
  readonly statement?: SignedStatementInfo;
}
