/**
 * UTF-8 and Unicode helpers for bounded, strict text handling: the one home of these for the
 * note and checkpoint parsers and for @proofline/records (c2sp.org/signed-note §Format).
 */

const encoder = new TextEncoder();
/** Fatal: invalid UTF-8 is rejected. ignoreBOM: a leading U+FEFF is kept as text. */
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
 * code unit encodes to fewer than one byte, so an over-long string is rejected before the scan;
 * none to more than three, so a short one is accepted without it.
 */
export function exceedsUtf8Size(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
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
 * Whether `text` may appear in a signed note, (c2sp.org/signed-note §Format): well-formed, and no C0 control character but newline.
 */
export function isNoteSafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
  }
  return isWellFormed(text);
}
