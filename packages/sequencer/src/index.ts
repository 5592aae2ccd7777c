export { SequencerError, type SequencerErrorCode, type SequencerErrorDetails } from './errors.js';
export {
  MAX_ENTRY_SIZE,
  Sequencer,
  type BuiltGroup,
  type Commit,
  type CommitReport,
  type GroupResult,
  type PendingGroup,
  type SequencerOptions,
} from './sequencer.js';
export {
  Publisher,
  TIMESTAMP_RETRY_MS,
  type CheckpointToken,
  type PublisherOptions,
  type TimestampAuthority,
  type TimestampReport,
  type TimestampingOptions,
} from './publisher.js';
export { nodeEd25519Signer, type SyncSigner } from './node-signer.js';
export { workerEd25519Signer } from './worker-signer.js';
export {
  EXEC_START_TIMEOUT_MS,
  EXEC_TIMEOUT_MS,
  ExecSignerError,
  openExecKey,
  type ExecKey,
  type ExecKeyOptions,
  type ExecSignerErrorCode,
} from './exec-signer.js';
export type {
  CheckpointCosignOutcome,
  CheckpointCosignRequest,
  CheckpointWitnesses,
  WitnessingReport,
} from './witnessing.js';
export { CommitCheck, type RetiredKey } from './commit-check.js';
export { CommittedLeaves, type SealedRun } from './committed-leaves.js';
export type { CommitTree, ReceiptCommit, ReceiptFormat, ReceiptText } from './receipt-format.js';
export {
  ReceiptSealer,
  SIGN_TIMEOUT_MS,
  type CommitToSeal,
  type ReceiptSealerOptions,
  type SealOutcome,
  type SealSession,
  type SealedCommit,
} from './receipt-sealer.js';
export { CheckpointGuard, type CheckpointGuardOptions } from './guard.js';
export {
  GuardError,
  type DatabaseState,
  type GuardErrorCode,
  type TreeHead,
} from './guard-error.js';
export { GUARD_FORMAT, type GuardState } from './guard-state.js';
