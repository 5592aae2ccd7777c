/**
 * @proofline/witness: C2SP transparency-log witnessing.
 *
 * - c2sp.org/tlog-cosignature (Ed25519, cosignature/v1): cosigner keys and signing (the
 *   format, verifier keys and verification are @proofline/note's);
 * - c2sp.org/tlog-witness: the add-checkpoint wire format, the witness (with its durable
 *   SQLite state and fastify app) and the log-side client;
 * - c2sp.org/tlog-policy: quorum policies (log, witness, group and quorum lines) and k-of-n.
 */
export { WitnessError, type WitnessErrorCode } from './errors.js';
export {
  cosigner,
  formatCosignerKey,
  generateCosignerKey,
  parseCosignerKey,
  type Cosigner,
  type CosignerKey,
} from './cosignature.js';
export {
  MAX_PROOF_LINES,
  MAX_REQUEST_SIZE,
  TLOG_SIZE_CONTENT_TYPE,
  formatAddCheckpoint,
  parseAddCheckpoint,
  parseSizeBody,
  type AddCheckpointRequest,
} from './protocol.js';
export {
  parsePolicy,
  thresholdPolicy,
  type PolicyLog,
  type PolicyWitness,
  type QuorumRule,
  type WitnessEndpoint,
  type WitnessPolicy,
} from './policy.js';
export { WitnessStore, type Evidence, type WitnessedCheckpoint } from './store.js';
export {
  Witness,
  type WitnessEvent,
  type WitnessOptions,
  type WitnessResponse,
  type WitnessedLog,
} from './witness.js';
export { buildWitnessApp, type WitnessAppOptions } from './app.js';
export {
  WitnessClient,
  type CosignOutcome,
  type CosignRequest,
  type WitnessClientOptions,
  type WitnessResult,
} from './client.js';
export {
  loadOrCreateWitnessKey,
  loadWitnessKey,
  parseWitnessConfig,
  readWitnessConfig,
  runWitness,
  witnessKeyPath,
  witnessVerifierKey,
  type RunWitnessOptions,
  type RunningWitness,
  type WitnessConfig,
} from './config.js';
