/** Text grammar of record fields; the UTF-8 helpers themselves live in @proofline/note. */

/** Whether `c` is a high (leading) surrogate code unit. */
function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Whether `c` is a low (trailing) surrogate code unit. */
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
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

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
