import { isWellFormed, utf8Encode } from '@proofline/note';
import { sha256 } from '@noble/hashes/sha2.js';
import { RecordError } from './errors.js';
import { isDigest } from './statement.js';
import { toHex } from './text.js';

/** Size of a commitment salt: 32 random bytes. */
const SALT_SIZE = 32;

/**
 * A statement commitment to a private `value`: "sha256:" + lowercase hex of
 * SHA-256(salt || UTF-8(value)), with `salt` 32 bytes from a CSPRNG that the client keeps
 * (with the value) to open the commitment later. The log sees neither. `value` must be
 * well-formed Unicode (no lone surrogates), so its UTF-8 encoding is unambiguous.
 * Throws RecordError INVALID_ARGUMENT.
 */
export function commitment(salt: Uint8Array, value: string): string {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_SIZE) {
    throw new RecordError('INVALID_ARGUMENT', `salt must be ${SALT_SIZE} bytes`);
  }
  if (typeof value !== 'string' || !isWellFormed(value)) {
    throw new RecordError('INVALID_ARGUMENT', 'value must be a well-formed string');
  }
  const data = utf8Encode(value);
  const input = new Uint8Array(SALT_SIZE + data.length);
  input.set(salt);
  input.set(data, SALT_SIZE);
  return `sha256:${toHex(sha256(input))}`;
}

/**
 * An index key for a statement digest: its first 6 bytes (12 hex digits after the algorithm
 * prefix) as an unsigned 48-bit integer, a safe integer. Throws RecordError INVALID_ARGUMENT
 * unless `digest` is a valid statement digest.
 */
export function digestLookupKey(digest: string): number {
  const key = lookupKeyOf(digest);
  if (key === undefined) throw new RecordError('INVALID_ARGUMENT', 'not a valid digest');
  return key;
}

/** digestLookupKey of `digest`, or undefined unless it is a valid statement digest. */
export function lookupKeyOf(digest: unknown): number | undefined {
  if (!isDigest(digest)) return undefined;
  const value = digest.slice(digest.indexOf(':') + 1);
  return Number.parseInt(value.slice(0, 12), 16);
}
