/**
 * @proofline/pkcs11: log signing keys in a PKCS#11 token (HSM, SoftHSM2). Node only; the
 * native module (pkcs11js) is loaded on first use.
 */
export { Pkcs11KeyError, type Pkcs11ErrorCode } from './errors.js';
export {
  openPkcs11Key,
  type Pkcs11Key,
  type Pkcs11KeyLocation,
  type Pkcs11KeyOptions,
} from './pkcs11-key.js';
export { DEFAULT_PIN_ENV, parsePkcs11Uri, readPin, type PinSource, type Pkcs11Uri } from './uri.js';
