/** UTF-8 helpers shared by the note and checkpoint parsers (c2sp.org/signed-note §Format). */

const encoder = new TextEncoder();
/** Fatal: invalid UTF-8 throws. ignoreBOM: a leading U+FEFF is note text and is kept. */
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

/**
 * Whether `text` may appear in a signed note: it is well-formed UTF-16 (so it has a UTF-8
 * encoding; no lone surrogates) and contains no ASCII control character other than newline.
 */
export function isNoteSafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/**
 * Whether the UTF-8 encoding of `text` is longer than `max` bytes, without encoding it.
 * (A lone surrogate counts as 2 bytes; such text is rejected by `isNoteSafe` anyway.)
 */
export function exceedsUtf8Size(text: string, max: number): boolean {
  if (text.length > max) return true;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return n > max;
}
