/** Why a PKCS#11 signer could not be opened or could not sign. */
export type Pkcs11ErrorCode =
  /** The PKCS#11 module (shared library) could not be loaded or initialized. */
  | 'MODULE_UNAVAILABLE'
  /** No token with the given label is present (or several are: the label must be unique). */
  | 'TOKEN_NOT_FOUND'
  /** The token refused the PIN, or the PIN is locked or missing. */
  | 'LOGIN_FAILED'
  /** No Ed25519 private key, or not exactly one, with the given label on the token. */
  | 'KEY_NOT_FOUND'
  /** The key with that label is not an Ed25519 key, or its public key is missing or unusable. */
  | 'UNSUPPORTED_KEY'
  /** A signature failed, or did not verify with the token's public key (a mismatched pair). */
  | 'SIGN_FAILED';

/** A PKCS#11 failure with a stable code; `cause` is the module's error (CKR_... in its message). */
export class Pkcs11KeyError extends Error {
  constructor(
    readonly code: Pkcs11ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'Pkcs11KeyError';
  }
}
