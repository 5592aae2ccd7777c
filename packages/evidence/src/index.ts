/**
 * @proofline/evidence: the auditor's workflow. Population listings of a period with a
 * completeness proof (checkpoints bounding the period, boundary entries, a Merkle range proof
 * and consistency proofs), reproducible samples (proofline.dev/sample/v1), evidence packages
 * (one ZIP with listings, bundles, checkpoints, key, reports) and their offline verification.
 * Formats and guarantees: docs/evidence.md.
 */
export { EvidenceError, type EvidenceErrorCode, type EvidenceErrorDetails } from './errors.js';
export {
  MAX_LINE_SIZE,
  MAX_PROOF_SIZE,
  checkFilter,
  parseJsonText,
  parseLine,
  parsePeriodTime,
  parseProof,
  proofJson,
  recordLine,
  type BoundaryEntry,
  type CheckpointRef,
  type PopulationLine,
  type PopulationProof,
} from './population.js';
export {
  MAX_SEED_SIZE,
  SAMPLE_ALGORITHM,
  SampleStream,
  drawSample,
  parseSeed,
  sampleSizeFor,
} from './sample.js';
export {
  checkTrust,
  cosignatureLines,
  tokenTimes,
  witnessesOf,
  type CosignatureLine,
  type EvidenceTrust,
  type TokenTime,
} from './trust.js';
export {
  PopulationChecker,
  checkProofCheckpoints,
  checkpointOf,
  type Item,
  type ItemStatus,
  type PopulationSummary,
} from './check.js';
export { scanPopulation, type ScanResult } from './scan.js';
export {
  checkPopulationProof,
  servedKeyHistory,
  type KeyHistorySource,
  type ProofCheck,
} from './proof-keys.js';
export { AuditClient, BUNDLES_PER_REQUEST, splitLines, type PopulationQuery } from './client.js';
export {
  catalogue,
  lookupControl,
  summarizeControls,
  type Catalogue,
  type CatalogueControl,
  type ControlSummary,
} from './controls.js';
export { catalogueFrom, controlView } from './control-view.js';
export {
  FILES,
  MANIFEST_MEDIA_TYPE,
  SAMPLE_MEDIA_TYPE,
  parseManifest,
  parseSampleDocument,
  type Manifest,
  type SampleDocument,
} from './package.js';
export {
  KEY_HISTORY_MEDIA_TYPE,
  keyHistoryJson,
  KeyHistoryProblem,
  parseKeyHistoryDocument,
  type KeyHistoryCode,
  type KeyHistoryDocument,
} from './key-history.js';
export {
  checkStatement,
  issuerKeysFromPem,
  memberRecordId,
  readTransparentStatement,
  statementMember,
  StatementProblem,
  STATEMENTS_DIR,
  type HeldStatement,
  type StatementCheck,
  type StatementCode,
  type StatementContext,
} from './statements.js';
export {
  MAX_REPORT_ROWS,
  REPORT_FORMAT,
  renderHtml,
  type ReportData,
  type StatementRow,
} from './report.js';
export { renderPdf } from './report-pdf.js';
export {
  exportEvidence,
  type ExportOptions,
  type ExportResult,
  type SampleSpec,
} from './export.js';
export {
  pageHash,
  readPage,
  verifyEvidence,
  type VerifyEvidenceOptions,
} from './verify-evidence.js';
export {
  PACKAGE_LIMITS,
  verifyPackage,
  type EvidenceVerification,
  type PackageFiles,
  type Sha256,
  type VerifyEnvironment,
  type VerifyPackageOptions,
} from './verify-package.js';
export { ZipReader, ZipWriter, isSafeName, type ZipLimits } from './zip.js';
