import { base64Decode } from './base64.js';
import { NoteError } from './errors.js';
import { isValidKeyName, parseKeyIdHex } from './key-id.js';

/**
 * Bound on the length of a verifier or signer key string, checked before any decoding. An
 * Ed25519 key's base64 part is 44 characters, so this leaves room for names of ~900 characters.
 */
const MAX_KEY_LENGTH = 1024;

/** The parts of "<name>+<8 lowercase hex key id>+<base64 key data>". */
export interface KeyParts {
  readonly name: string;
  readonly id: number;
  /** Type byte followed by the key material; never empty. */
  readonly data: Uint8Array;
}

/** Rejects non-strings and over-long key strings (MALFORMED_KEY). */
export function checkKeyInput(key: string): void {
  if (typeof key !== 'string') throw new NoteError('MALFORMED_KEY', 'key must be a string');
  if (key.length > MAX_KEY_LENGTH) {
    throw new NoteError('MALFORMED_KEY', `key longer than ${MAX_KEY_LENGTH} characters`);
  }
}

/**
 * Splits "<name>+<hex id>+<base64>" (golang.org/x/mod/sumdb/note key encoding). The name ends
 * at the first '+' (names cannot contain one); the base64 part may contain '+'.
 */
export function splitKey(key: string): KeyParts {
  const first = key.indexOf('+');
  const second = first < 0 ? -1 : key.indexOf('+', first + 1);
  if (second < 0) throw new NoteError('MALFORMED_KEY', 'key is not <name>+<id>+<data>');
  const name = key.slice(0, first);
  if (!isValidKeyName(name)) throw new NoteError('MALFORMED_KEY', 'invalid key name');
  const id = parseKeyIdHex(key.slice(first + 1, second));
  if (id === undefined) {
    throw new NoteError('MALFORMED_KEY', 'key id is not 8 lowercase hex digits');
  }
  const data = base64Decode(key.slice(second + 1), 'MALFORMED_KEY');
  if (data.length === 0) throw new NoteError('MALFORMED_KEY', 'empty key data');
  return { name, id, data };
}
