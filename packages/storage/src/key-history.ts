/**
 * A log's key history (see Storage.keyHistory and Storage.retireKey): the handovers from each
 * retired key to its successor. Storage keeps them as data it neither signs nor checks: the
 * caller signs each handover note with both keys and every reader verifies those signatures
 * (an insider can edit these rows).
 */

/** One stored handover: the key `retiredKey` sealed the receipts of the entries before `end`. */
export interface StoredKeyHandover {
  /** The first index the successor sealed; the retired key sealed none at or after it. */
  readonly end: number;
  /** The retired key's C2SP verifier key. */
  readonly retiredKey: string;
  /** The handover note, verbatim (signed by both keys; the caller's format). */
  readonly note: string;
}

/** What `retireKey` is asked to do: every condition is checked in its one transaction. */
export interface RetireKeyRequest {
  /** Must be the log's registered verifier key. */
  readonly retiredKey: string;
  /** The log's registered key from now on. */
  readonly successorKey: string;
  /** Must be the log's sequenced size: the retired key sealed exactly the entries before it. */
  readonly end: number;
  /** Must hold the log's lease (acquireLease): no publisher of another process is running. */
  readonly leaseOwner: string;
  /** The signed handover note, stored verbatim. */
  readonly note: string;
}

/**
 * `retired`: the handover was stored and the successor registered, atomically. `stale`
 * (nothing written): the registered key, the sequenced size or the lease was not what the
 * request says; the answer carries what the log holds.
 */
export type RetireKeyAnswer =
  | { readonly status: 'retired' }
  | {
      readonly status: 'stale';
      readonly verifierKey: string;
      readonly sequencedSize: number;
      readonly leaseHeld: boolean;
    };
