/** UTF-8 and Unicode helpers for bounded, strict text handling. */

const encoder = new TextEncoder();
/** Fatal: invalid UTF-8 is rejected. ignoreBOM: a leading U+FEFF is kept (and then rejected). */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding; undefined when the bytes are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whether `c` is a high (leading) surrogate code unit. */
function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Whether `c` is a low (trailing) surrogate code unit. */
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Whether the UTF-8 encoding of `text` is longer than `max` bytes, computed without encoding
 * (a surrogate pair counts 4 bytes, a lone surrogate 3 like its replacement character). No
 * code unit encodes to fewer than one byte, so an over-long string is rejected before the scan.
 */
export function exceedsUtf8Size(text: string, max: number): boolean {
  if (text.length > max) return true;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isHighSurrogate(c) && isLowSurrogate(text.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else {
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
  }
  return n > max;
}

/** Whether `text` is well-formed UTF-16 (has no lone surrogate), so it has a UTF-8 encoding. */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isLowSurrogate(c)) return false;
    if (isHighSurrogate(c)) {
      if (!isLowSurrogate(text.charCodeAt(i + 1))) return false;
      i++;
    }
  }
  return true;
}

/**
 * Why `text` is not a string of `min`..`max` Unicode code points free of control characters
 * (U+0000–U+001F, U+007F–U+009F) and lone surrogates; undefined when it is. Strings longer
 * than 2·max code units are rejected before the scan.
 */
export function textProblem(text: string, min: number, max: number): string | undefined {
  if (text.length > 2 * max) return `longer than ${max} code points`;
  let points = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) {
      return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    }
    if (isLowSurrogate(c) || (isHighSurrogate(c) && !isLowSurrogate(text.charCodeAt(i + 1)))) {
      return 'lone surrogate';
    }
    if (isHighSurrogate(c)) i++;
    points++;
  }
  if (points < min) return `shorter than ${min} code point${min === 1 ? '' : 's'}`;
  if (points > max) return `longer than ${max} code points`;
  return undefined;
}

/**
 * Whether `text` may appear in a signed note, by the rules of @proofline/note's parser
 * (c2sp.org/signed-note §Format): well-formed, and no C0 control character but newline.
 */
export function isNoteSafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
  }
  return isWellFormed(text);
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
