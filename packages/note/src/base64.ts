import { NoteError, type NoteErrorCode } from './errors.js';

/** The RFC 4648 §4 standard alphabet (c2sp.org/signed-note §Conventions). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** ASCII code -> 6-bit value, or -1 for characters outside the alphabet. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648 §4) with `=` padding. */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
    out += ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict standard base64 (RFC 4648 §4): only the canonical padded encoding is accepted, so
 * every byte string has exactly one textual form. Rejected: a length that is not a multiple
 * of 4, missing or misplaced `=`, whitespace, the URL-safe alphabet, and non-zero bits after
 * the last full byte (RFC 4648 §3.5). The empty string decodes to no bytes.
 *
 * Throws NoteError with `code` (the caller's context).
 */
export function base64Decode(text: string, code: NoteErrorCode = 'MALFORMED_NOTE'): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0) {
    throw new NoteError(code, 'base64: length is not a multiple of 4');
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const chars = text.length - pad;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < chars; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) throw new NoteError(code, `base64: invalid character at offset ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new NoteError(code, 'base64: non-zero trailing bits (non-canonical encoding)');
  }
  return out;
}
