import { base64Decode } from '@proofline/note';
import { HASH_SIZE } from '@proofline/tlog';
import { RecordError, type RecordErrorCode } from './errors.js';

/** Length of the base64 encoding of a SHA-256 hash. */
export const HASH_BASE64_LENGTH = 44;

/**
 * Decodes strict, canonical, padded standard base64 (RFC 4648 §4; see @proofline/note
 * base64Decode), after checking `text` is a string of at most `maxChars` characters.
 * Throws RecordError `code` at `field`, with the NoteError as `cause`.
 */
export function decodeBase64(
  text: unknown,
  maxChars: number,
  code: RecordErrorCode,
  field: string,
): Uint8Array {
  if (typeof text !== 'string') throw new RecordError(code, 'must be a string', { field });
  if (text.length > maxChars) {
    throw new RecordError(code, `longer than ${maxChars} base64 characters`, { field });
  }
  try {
    return base64Decode(text);
  } catch (cause) {
    throw new RecordError(code, 'not canonical standard base64', { field, cause });
  }
}

/**
 * Decodes the base64 of a 32-byte hash (exactly 44 characters). Throws RecordError `code` at
 * `field`; given as a function, the field is built only for an error.
 */
export function decodeHash(
  text: unknown,
  code: RecordErrorCode,
  field: string | (() => string),
): Uint8Array {
  if (typeof field !== 'string') {
    try {
      return decodeHash(text, code, '');
    } catch {
      return decodeHash(text, code, field());
    }
  }
  const hash = decodeBase64(text, HASH_BASE64_LENGTH, code, field);
  if (hash.length !== HASH_SIZE) {
    throw new RecordError(code, `not a ${HASH_SIZE}-byte hash`, { field });
  }
  return hash;
}

/** Whether `value` is a Uint8Array of exactly 32 bytes. */
export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}
