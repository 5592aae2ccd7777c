export { CoseError, type CoseErrorCode, type CoseErrorDetails } from './errors.js';
export { CborMap, CborTag, isLabel, type CborValue, type Label } from './cbor.js';
export { DEFAULT_CBOR_LIMITS, decodeCbor, type CborLimits } from './cbor-decode.js';
export { compareBytes, encodeCbor } from './cbor-encode.js';
export {
  ALG_EDDSA,
  ALG_ES256,
  checkPublicKey,
  coseKeyFromMap,
  coseKeyMap,
  coseKeyThumbprint,
  decodeCoseKey,
  decodeCoseKeySet,
  encodeCoseKey,
  encodeCoseKeySet,
  keyAlgorithm,
  sec1,
  type CoseAlgorithm,
  type CosePublicKey,
} from './key.js';
export { publicKeyFromPem, publicKeyFromSpki } from './spki.js';
export {
  ed25519CoseSigner,
  es256CoseSigner,
  verifySignature,
  type CoseKeySigner,
  type CoseSigner,
} from './signer.js';
export {
  HEADER_ALG,
  HEADER_CONTENT_TYPE,
  HEADER_CRIT,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  checkCritical,
  headerValue,
} from './headers.js';
export {
  COSE_SIGN1_TAG,
  decodeSign1,
  encodeSign1,
  sigStructure,
  signSign1,
  verifySign1,
  type Sign1,
  type Sign1Content,
  type VerifiedSign1,
  type VerifySign1Options,
} from './sign1.js';
export {
  CWT_ISS,
  CWT_SUB,
  HEADER_LOG_ENTRY,
  HEADER_RECEIPTS,
  HEADER_VDP,
  HEADER_VDS,
  VDP_INCLUSION,
  VDS_RFC9162_SHA256,
  buildReceipt,
  decodeInclusionProof,
  decodeReceipt,
  verifyReceipt,
  type DecodedReceipt,
  type InclusionProof,
  type ReceiptContent,
  type ReceiptLeaf,
  type VerifiedReceipt,
} from './receipt.js';
export {
  HASH_ALG_SHA256,
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION,
  HEADER_PREIMAGE_CONTENT_TYPE,
  signStatement,
  type HashEnvelope,
  type SignedStatementContent,
} from './signed-statement.js';
export { attachReceipts, detachReceipts, extractReceipts, registeredForm } from './statement.js';
export {
  assembleReceipt,
  ed25519CoseKey,
  ed25519Kid,
  signRootSignature,
  type RootSignatureContent,
} from './receipt-assembly.js';
export {
  CONCISE_PROBLEM_MEDIA_TYPE,
  PROOFLINE_PROBLEM_KEY,
  decodeConciseProblem,
  encodeConciseProblem,
  type ConciseProblem,
} from './concise-problem.js';
