import { CodedError } from '@proofline/tlog';

/**
 * Stable error codes of @proofline/timestamp. Callers branch on `code`, never on `message`.
 *
 * - `MALFORMED`: a request, response, token or certificate is not well-formed DER of the
 *   expected RFC 3161 / RFC 5652 / RFC 5280 structure, breaks a size bound, or violates a
 *   structural rule (e.g. more than one SignerInfo, missing signed attributes).
 * - `NOT_GRANTED`: the TimeStampResp's PKIStatus is neither granted (0) nor grantedWithMods (1).
 * - `BAD_SIGNATURE`: the token's CMS signature does not verify (signature, messageDigest or
 *   contentType signed attribute).
 * - `BAD_SIGNING_CERTIFICATE`: the ESS signing-certificate(-v2) attribute is missing or does
 *   not identify the certificate that verified the signature.
 * - `BAD_EKU`: the TSA certificate's extended key usage is not exactly id-kp-timeStamping,
 *   marked critical (RFC 3161 §2.3).
 * - `BAD_KEY_USAGE`: the TSA certificate has a keyUsage extension that forbids signing.
 * - `UNTRUSTED_TSA`: the signer certificate was not found, or no certification path from it to
 *   one of the trusted roots is valid at genTime.
 * - `HASH_ALGORITHM_NOT_ALLOWED`: the message imprint or the signer's digest uses a hash
 *   algorithm that is not allowed.
 * - `MESSAGE_IMPRINT_MISMATCH`: the token timestamps other data.
 * - `NONCE_MISMATCH`: a nonce was expected and the token carries none or another one.
 * - `POLICY_MISMATCH`: a TSA policy was required and the token names another one.
 * - `BAD_TIME`: genTime is later than the verifier's clock (plus the allowed skew).
 * - `HTTP_ERROR`: the TSA could not be reached or answered something other than a
 *   timestamp reply (non-2xx status, wrong content type).
 * - `TIMEOUT`: the TSA did not answer in time.
 * - `INVALID_ARGUMENT`: a programmer error (unknown hash algorithm, bad nonce, bad policy OID,
 *   a trusted root that is not a certificate, ...).
 */
export type TimestampErrorCode =
  | 'MALFORMED'
  | 'NOT_GRANTED'
  | 'BAD_SIGNATURE'
  | 'BAD_SIGNING_CERTIFICATE'
  | 'BAD_EKU'
  | 'BAD_KEY_USAGE'
  | 'UNTRUSTED_TSA'
  | 'HASH_ALGORITHM_NOT_ALLOWED'
  | 'MESSAGE_IMPRINT_MISMATCH'
  | 'NONCE_MISMATCH'
  | 'POLICY_MISMATCH'
  | 'BAD_TIME'
  | 'HTTP_ERROR'
  | 'TIMEOUT'
  | 'INVALID_ARGUMENT';

/** The only error type this package throws. */
export class TimestampError extends CodedError<TimestampErrorCode> {
  constructor(code: TimestampErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TimestampError';
  }
}
