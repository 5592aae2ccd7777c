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
  /**
   * RFC 3161 time-stamping authorities the caller trusts to keep time: base64 DER root
   * certificates. A bundle's timestamp tokens (over its checkpoint's note text) are verified
   * against them; each verified token bounds when the record existed.
   */
  readonly timestampAuthorities?: { readonly roots: readonly string[] };
  /**
   * Whether a timestamp token that verifies with `timestampAuthorities` is required (needs
   * `timestampAuthorities`).
   */
  readonly requireTimestamp?: boolean;
  /**
   * The log's key history, after a key rotation was finished: the handover notes of its
   * retired keys, oldest first (`GET /logs/<name>/` `retiredKeys[].handover`). Untrusted: they
   * must form one chain, each signed by both its keys, that names `logKey`. Receipts are then
   * opened with the key that sealed their entries and checkpoints with any key of the chain
   * whose range reaches their size, so evidence sealed before or after the switch verifies
   * with either key pinned.
   */
  readonly keyHistory?: readonly string[];
}

/** The checks, in the order they are reported (bundles: 'bundle' … 'consistency'). */
export type CheckName =
  | 'bundle'
  | 'record'
  | 'content'
  | 'issuer'
  | 'receipt'
  | 'inclusion'
  | 'checkpoint'
  | 'witnesses'
  | 'timestamp'
  | 'latest'
  | 'consistency'
  // COSE receipts and transparent statements (scitt/): see README "SCITT".
  | 'statement'
  | 'receipts'
  | 'cose'
  | 'service'
  | 'registration';

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
  /**
   * The salt of a salted output digest (32 bytes, records `saltedDigest`): the content is
   * then compared through the salted digest. Without it a salted record never matches.
   */
  readonly salt?: Uint8Array;
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

/**
 * What verifyReceipt needs besides the receipt note, as the records API returns them with
 * it. Untrusted: wrong values fail the receipt check rather than throw.
 */
export interface ReceiptOptions {
  /**
   * The API's `receiptProof` (standard base64 32-byte hashes, at most 16): required with a
   * proofline.dev/batch-receipt/v1 receipt, and must be absent with a v1 receipt.
   */
  readonly receiptProof?: readonly string[];
  /**
   * The entry's index, as the API claims it: required with a batch receipt; with a v1
   * receipt, when given, it must be the receipt's index.
   */
  readonly index?: number;
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
 * cosigned at `time`, or whose checkpoint text a trusted time-stamping authority (RFC 3161)
 * timestamped no later than `time` (its genTime plus its stated accuracy), so it existed no
 * later than `time`.
 */
export interface ExistedBy {
  /** RFC 3339 UTC (with milliseconds when they are not zero). */
  readonly time: string;
  /** Where the bound comes from: a witness cosignature or an RFC 3161 timestamp token. */
  readonly source: 'witness' | 'tsa';
  /** The witness's key name, or the TSA certificate's subject ("O=..., CN=..."). */
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
  /**
   * A v2 bundle's `latest` checkpoint, once its signature verified (`checkpoint` is then the
   * anchor: the first checkpoint that covered the record).
   */
  readonly latest?: Checkpoint;
  readonly bundle?: Bundle;
  /**
   * Every cosignature line on the checkpoint, in note order, once the checkpoint's log
   * signature verified (an empty list when it has none); `verified` says which ones are
   * valid cosignatures by a witness of the policy (none without `policy.witnesses`).
   */
  readonly witnessed?: { readonly cosignatures: readonly Cosignature[] };
  /**
   * The earliest trusted time at which the record provably existed, from the bundle's
   * checkpoint only (a v2 bundle's anchor; never its `latest`): the earliest of the
   * verified cosignatures' timestamps (when the witnesses check passed) and the verified
   * timestamp tokens' latest times (when the timestamp check passed). Set only when the
   * checkpoint and inclusion checks passed, and one of those did.
   */
  readonly existedBy?: ExistedBy;
}
