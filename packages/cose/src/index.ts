export { CoseError, type CoseErrorCode, type CoseErrorDetails } from './errors.js';
export { CborMap, CborTag, isLabel, type CborValue, type Label } from './cbor.js';
export { DEFAULT_CBOR_LIMITS, decodeCbor, type CborLimits } from './cbor-decode.js';
export { compareBytes, encodeCbor } from './cbor-encode.js';
