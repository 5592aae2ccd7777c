/**
 * @proofline/note: C2SP signed notes (https://c2sp.org/signed-note) with Ed25519, the
 * golang.org/x/mod/sumdb/note verifier and signer key encodings, and tlog-checkpoint bodies
 * (https://c2sp.org/tlog-checkpoint). Browser-safe: no Node built-ins.
 */
export { NoteError, type NoteErrorCode, type NoteErrorDetails } from './errors.js';
export { base64Decode, base64Encode } from './base64.js';
export { exceedsUtf8Size, isNoteSafe, isWellFormed, utf8Decode, utf8Encode } from './text.js';
export { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519, isValidKeyName, keyId } from './key-id.js';
export {
  ed25519Verifier,
  formatVerifierKey,
  parseVerifierKey,
  type Ed25519Verifier,
  type Verifier,
} from './verifier.js';
export {
  ed25519Signer,
  formatSignerKey,
  generateSignerKey,
  parseSignerKey,
  type Signer,
  type SignerKey,
} from './signer.js';
export {
  MAX_NOTE_SIZE,
  MAX_SIGNATURES,
  formatNote,
  isParsedNote,
  parseNote,
  type Note,
  type NoteSignature,
} from './note.js';
export { signNote } from './sign.js';
export {
  COSIGNATURE_SIZE,
  COSIGNATURE_V1_HEADER,
  MAX_COSIGNATURE_TIMESTAMP,
  cosignatureKeyId,
  cosignatureTimestamp,
  cosignedMessage,
  formatCosignature,
  verifyCosignature,
  type Ed25519Check,
} from './cosignature.js';
export { openNote, type OpenedNote } from './open.js';
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  type Checkpoint,
} from './checkpoint.js';
