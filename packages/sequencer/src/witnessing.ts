/**
 * What the publisher needs to have its checkpoints witnessed (c2sp.org/tlog-witness): any
 * object with this `cosign` method, such as @proofline/witness's WitnessClient. The
 * sequencer does not depend on the witness package; the composition root (the CLI) plugs
 * one into the other.
 */

/** A checkpoint the log has just signed, to be cosigned before it is published. */
export interface CheckpointCosignRequest {
  /** The checkpoint note signed by the log. */
  readonly note: string;
  /** An RFC 6962 consistency proof from `oldSize` to the new tree, from the stored tiles. */
  readonly prove: (oldSize: number) => Promise<readonly Uint8Array[]>;
  /** The latest published checkpoint (cosigned by some witnesses), if any. */
  readonly previous?: string;
}

/** What the witnesses said. */
export interface CheckpointCosignOutcome {
  /** Whether the collected cosignatures satisfy the witness policy. */
  readonly satisfied: boolean;
  /** The checkpoint note with the log's signature and the collected cosignatures. */
  readonly note: string;
  /** Names of the witnesses that cosigned. */
  readonly cosigned: readonly string[];
  /** Per witness, what failed (for the operator). */
  readonly results: readonly {
    readonly witness: string;
    readonly ok: boolean;
    readonly error?: string;
  }[];
}

export interface CheckpointWitnesses {
  /** Never rejects because a witness failed: failures are in the outcome. */
  cosign(request: CheckpointCosignRequest): Promise<CheckpointCosignOutcome>;
}

/** Reported after every witnessing attempt of the publisher. */
export interface WitnessingReport {
  readonly size: number;
  /** Whether the quorum was met (and the checkpoint then published, unless a race lost). */
  readonly satisfied: boolean;
  readonly cosigned: readonly string[];
  /** Failures, "<witness>: <error>". */
  readonly failures: readonly string[];
  /** The names of the witnesses that failed. */
  readonly failed: readonly string[];
  /** Time spent waiting for the witnesses, in ms: the latency witnessing adds. */
  readonly ms: number;
}
