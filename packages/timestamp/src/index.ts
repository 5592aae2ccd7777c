/**
 * @proofline/timestamp: RFC 3161 trusted timestamps for Proofline checkpoints. Builds
 * TimeStampReqs, talks to a TSA over HTTP, and verifies TimeStampResps / TimeStampTokens
 * (CMS signature, ESS signing certificate, id-kp-timeStamping EKU, certification path to
 * trusted roots at genTime, message imprint, nonce). Browser-safe: pkijs/asn1js over
 * WebCrypto, no Node built-ins.
 */
export { TimestampError, type TimestampErrorCode } from './errors.js';
export { HASH_ALGORITHMS, type HashAlgorithm } from './asn1.js';
export {
  MAX_NONCE_BYTES,
  MAX_REQUEST_SIZE,
  createRequest,
  parseRequest,
  type CreateRequestOptions,
  type ParsedRequest,
  type TimestampRequest,
} from './request.js';
export {
  DEFAULT_CLOCK_SKEW_MS,
  MAX_RESPONSE_SIZE,
  MAX_TOKEN_CERTIFICATES,
  MAX_TOKEN_SIZE,
  readTokenTime,
  verifyResponse,
  verifyToken,
  type VerifiedTimestamp,
  type VerifyResponseOptions,
  type VerifyTokenOptions,
} from './verify.js';
export { MAX_CERTIFICATE_SIZE, MAX_PATH_LENGTH } from './certs.js';
export { DEFAULT_TIMEOUT_MS, requestTimestamp, type RequestTimestampOptions } from './http.js';
