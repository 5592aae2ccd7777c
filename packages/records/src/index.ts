/**
 * @proofline/records: the Proofline formats. Statements (what clients submit), records (the
 * canonical log entries), signed receipts and batch receipts, proof bundles and
 * c2sp.org/tlog-proof@v1 files. Every parser takes untrusted input, checks bounds before doing
 * work, and throws only RecordError. Browser-safe: no Node built-ins.
 */
export { RecordError, type RecordErrorCode, type RecordErrorDetails } from './errors.js';
export { canonicalJson } from './canonical.js';
export { parseJson } from './json.js';
export {
  CONTROL_PATTERN,
  DIGEST_PATTERN,
  LABEL_NAME_PATTERN,
  MAX_STATEMENT_SIZE,
  STATEMENT_TYPE_PATTERN,
  isDigest,
  parseStatement,
  parseStatementJson,
  type Statement,
} from './statement.js';
export {
  MAX_ENTRY_SIZE,
  RECORD_SCHEMA,
  buildRecord,
  parseRecord,
  type RecordV1,
} from './record.js';
export { issuerMessage, signStatement, verifyIssuer } from './issuer.js';
export { receiptViewSchema, type ReceiptView } from './receipt-view.js';
export { formatTime, parseTime } from './time.js';
export {
  PackedRecords,
  checkPacking,
  packStatements,
  type PackedStatements,
} from './packed-statements.js';
export { StatementPacker } from './statement-packer.js';
export { entryTime, entryTimeFromEnd, recordTemplate, type RecordTemplate } from './template.js';
export { commitment, digestLookupKey } from './digest.js';
export {
  OUTPUT_SALT_SIZE,
  SALTED_DIGEST_CONTEXT,
  formatSalt,
  parseSalt,
  saltedDigest,
  saltedDigestPrefix,
} from './salted-digest.js';
export { isName, parseRecordId, recordId } from './record-id.js';
export { ERASURE_TYPE, erasureStatement, parseErasure, type Erasure } from './erasure.js';
export {
  formatReceiptText,
  openReceipt,
  parseReceiptText,
  signReceipt,
  type Receipt,
} from './receipt.js';
export {
  BATCH_RECEIPT_HEADER,
  MAX_BATCH_RECEIPT_SIZE,
  batchReceiptIncludes,
  batchTree,
  formatBatchReceiptText,
  openBatchReceipt,
  parseBatchReceiptText,
  parseReceiptProof,
  signBatchReceipt,
  type BatchReceipt,
  type BatchTree,
} from './batch-receipt.js';
export {
  MAX_RANGE_PROOF_HASHES,
  batchRangeProof,
  batchRangeTree,
  type BatchRangeTree,
} from './batch-range.js';
export {
  BATCH_V2_FORMAT,
  BATCH_V2_MEDIA_TYPE,
  compactBatchSchema,
  expandCompactBatch,
  type CompactBatchView,
} from './batch-view.js';
export { receiptFormat } from './receipt-format.js';
export {
  formatKeyHandoverText,
  keyForIndex,
  openKeyHandover,
  parseKeyHandoverText,
  signKeyHandover,
  verifyKeyHistory,
  type KeyHandover,
  type KeyHistory,
} from './key-handover.js';
export {
  BUNDLE_MEDIA_TYPE,
  BUNDLE_V2_MEDIA_TYPE,
  MAX_BUNDLE_SIZE,
  MAX_BUNDLE_TIMESTAMPS,
  MAX_CONSISTENCY_PROOF_HASHES,
  MAX_PROOF_HASHES,
  MAX_TIMESTAMP_TOKEN_SIZE,
  TSA_NAME_PATTERN,
  formatBundle,
  parseBundle,
  type Bundle,
  type BundleLatest,
  type BundleTimestamp,
  type BundleV1,
  type BundleV2,
} from './bundle.js';
export {
  bundleTail,
  checkedNote,
  formatBundleParts,
  type BundleHead,
  type BundleTail,
  type CheckedNote,
} from './bundle-parts.js';
export {
  MAX_TLOG_PROOF_SIZE,
  bundleToTlogProof,
  formatTlogProof,
  parseTlogProof,
  type TlogProof,
} from './tlog-proof.js';
export {
  CSV_HEADER,
  POPULATION_MEDIA_TYPE,
  PROOF_MEDIA_TYPE,
  csvField,
  csvRow,
  filterProblem,
  matchesFilter,
  populationErasedLine,
  populationExcludedLine,
  populationRecordLine,
  populationTrailer,
  type BoundaryEntry,
  type CheckpointRef,
  type PopulationFilter,
  type PopulationProofDocument,
} from './population.js';
export {
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION,
  HEADER_PREIMAGE_CONTENT_TYPE,
  SCITT_LABELS,
  SCITT_STATEMENT_TYPE,
  checkScittRecord,
  registeredStatementDigest,
  scittRecordStatement,
  signedStatementClaims,
  type SignedStatementClaims,
} from './scitt.js';
export {
  COSE_ISSUER_KEY_PREFIX,
  coseIssuerKey,
  formatCoseIssuerKey,
  isCoseIssuerKey,
  parseCoseIssuerKey,
  type CoseIssuerKey,
} from './scitt-issuer-key.js';
