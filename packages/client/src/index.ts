export {
  ProoflineClient,
  type BundleOptions,
  type ClientOptions,
  type VerifiedBundle,
  type VerifiedReceipt,
  type WaitForProofOptions,
} from './client.js';
export {
  LogTrustError,
  ProoflineError,
  type ProoflineErrorDetails,
  UnverifiedWriteError,
  UntrustedResponseError,
  type LogTrustErrorCode,
  type WrittenReceipt,
} from './errors.js';
export {
  prepareStatement,
  type DigestAlgorithm,
  type PreparedStatement,
  type StatementInput,
} from './statement.js';
export {
  ShareClient,
  type NewShareLink,
  type ShareClientOptions,
  type ShareLink,
} from './shares.js';
export {
  COSE_MEDIA_TYPE,
  SCITT_RECEIPT_MEDIA_TYPE,
  verifyRegistration,
  type RegisterStatementOptions,
  type RegisteredStatement,
} from './scitt.js';
export { readBounded, readBoundedBytes } from './http.js';
