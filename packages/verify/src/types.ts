import type { Checkpoint } from '@proofline/note';
import type { Bundle, RecordV1 } from '@proofline/records';
import type { TileId } from '@proofline/tlog';
import type { VerificationError } from './errors.js';

/** What the caller trusts. Everything else comes from the bundle and is checked. */
export interface TrustPolicy {
  /**
   * The log's C2SP Ed25519 verifier key, "<name>+<8 hex key id>+<base64(0x01 || key)>".
   * Its name is the log origin.
   */
  readonly logKey: string;
  /** The expected checkpoint origin; default and only allowed value: the log key's name. */
  readonly origin?: string;
  /** Ed25519 verifier keys of the issuers the caller trusts. */
  readonly issuerKeys?: readonly string[];
  /** Whether a valid issuer signature by one of `issuerKeys` is required. */
  readonly requireIssuerSignature?: boolean;
  /**
   * c2sp.org/tlog-cosignature Ed25519 witnesses: verifier keys of signature type 0x04,
   * "<name>+<8 hex key id>+<base64(0x04 || key)>", and how many of them (distinct public
   * keys) must have cosigned the checkpoint.
   */
  readonly witnesses?: { readonly keys: readonly string[]; readonly quorum: number };
}

/** The checks, in the order they are reported. */
export type CheckName =
  | 'bundle'
  | 'record'
  | 'content'
  | 'issuer'
  | 'receipt'
  | 'inclusion'
  | 'checkpoint'
  | 'witnesses'
  | 'consistency';

export type CheckStatus = 'passed' | 'failed' | 'not-applicable';

/** The outcome of one check. */
export interface Check {
  readonly name: CheckName;
  readonly status: CheckStatus;
  /** One plain-language line: what the check proved, why it failed, or why it did not run. */
  readonly summary: string;
  /** Set when status is 'failed'. */
  readonly error?: VerificationError;
  /** What was compared: hashes (base64), key ids, sizes, checkpoint texts, ... */
  readonly evidence: Readonly<Record<string, string>>;
}

export interface VerifyOptions {
  /** The original output: its digest must equal the record's `digest`. */
  readonly content?: Uint8Array;
  /** A signed checkpoint of the same log that the caller already trusts. */
  readonly trustedCheckpoint?: string;
  /**
   * RFC 9162 consistency proof between the trusted and the bundle's checkpoint, from the
   * smaller tree to the larger (either may be the larger).
   */
  readonly consistencyProof?: readonly Uint8Array[];
  /**
   * Alternatively, fetches hash tiles (C2SP tlog-tiles) of the larger tree to build that
   * proof. Tiles are untrusted: the proof is verified against both signed roots.
   */
  readonly readTiles?: (tiles: readonly TileId[]) => Promise<readonly Uint8Array[]>;
}

/** A cosignature line of the checkpoint (c2sp.org/tlog-cosignature/v1). */
export interface Cosignature {
  /** The witness's key name, as written on the line. */
  readonly name: string;
  /** The line's key id, 8 lowercase hex digits. */
  readonly keyId: string;
  /** The cosignature's timestamp, RFC 3339 UTC ("2027-01-15T08:00:00Z"). */
  readonly time: string;
  /** Whether the line is a valid cosignature by a witness key in `policy.witnesses`. */
  readonly verified: boolean;
}

/**
 * A trusted upper bound on when the record existed: it was in a tree that a trusted witness
 * cosigned at `time`, so it existed no later than `time`.
 */
export interface ExistedBy {
  /** RFC 3339 UTC. */
  readonly time: string;
  /** Where the bound comes from (RFC 3161 timestamp tokens will be a second source). */
  readonly source: 'witness';
  /** The witness's key name. */
  readonly by: string;
}

/**
 * The result of a verification. `record`, `index`, `checkpoint` and `bundle` are what the
 * checks parsed (`checkpoint` only once its signature verified); rely on them only when `ok`.
 */
export interface Verification {
  /** No check failed, and every mandatory check passed. */
  readonly ok: boolean;
  readonly checks: readonly Check[];
  readonly record?: RecordV1;
  readonly index?: number;
  readonly checkpoint?: Checkpoint;
  readonly bundle?: Bundle;
  /**
   * Every cosignature line on the checkpoint, in note order, once the checkpoint's log
   * signature verified (an empty list when it has none); `verified` says which ones are
   * valid cosignatures by a witness of the policy (none without `policy.witnesses`).
   */
  readonly witnessed?: { readonly cosignatures: readonly Cosignature[] };
  /**
   * The earliest trusted time at which the record provably existed: the earliest timestamp
   * among the verified cosignatures. Set only when the checkpoint, inclusion and witnesses
   * checks passed.
   */
  readonly existedBy?: ExistedBy;
}
