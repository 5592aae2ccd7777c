/**
 * @proofline/verify: the independent verifier of Proofline proof bundles and
 * c2sp.org/tlog-proof files. It trusts only the TrustPolicy (log key, issuer keys, witness
 * keys) and checks everything else: the record, the issuer signature, the receipt, the
 * inclusion proof, the checkpoint signature, witness cosignatures and consistency with a
 * checkpoint the caller already trusts. It also verifies SCITT COSE receipts of records and
 * transparent statements (scitt/) against pinned log and issuer keys. Browser-safe: no Node
 * built-ins, no Buffer.
 */
export {
  VerificationError,
  type VerificationErrorCode,
  type VerificationErrorDetails,
} from './errors.js';
export type {
  Check,
  CheckName,
  CheckStatus,
  Cosignature,
  ExistedBy,
  ReceiptOptions,
  TrustPolicy,
  Verification,
  VerifyOptions,
} from './types.js';
export { verifyBundle, verifyReceipt, verifyReceipts, verifyTlogProof } from './verify.js';
export { contentDigest, type DigestAlgorithm } from './digest.js';
export { ed25519Verifier } from './ed25519/verifier.js';
export { cosignatureVerifier } from './cosignature.js';
export { verifyKeyChain, type ChainKey, type KeyChainLink } from './key-chain.js';
export { openChainCheckpoint } from './steps/checkpoint.js';
export {
  verifyCoseReceipt,
  verifyCoseReceiptForLeaf,
  verifyScitt,
  verifyTransparentStatement,
} from './scitt/verify.js';
export type {
  ReceiptVerification,
  ScittTrust,
  ScittVerification,
  SignedStatementInfo,
} from './scitt/types.js';
