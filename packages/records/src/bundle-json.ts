import type { BundleTimestamp } from './bundle.js';

/**
 * The pieces of formatBundle's text, written out directly and exactly as JSON.stringify with
 * indentation 2 writes them (the tests compare the two).
 *
 * Base64 is standard and padded (RFC 4648 §4), the text of note's base64Encode, written as
 * ASCII codes into a byte array and decoded once: one flat string instead of a rope of
 * two-character pieces (about three times faster, flattening included).
 */
const BASE64_CODES = Uint8Array.from(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  (c) => c.charCodeAt(0),
);
const EQUALS = 0x3d;
const ascii = new TextDecoder();

/** Writes the base64 of `bytes` into `out` from `at`; returns where it ends. */
export function base64Into(bytes: Uint8Array, out: Uint8Array, at: number): number {
  const codes = BASE64_CODES;
  let o = at;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = codes[n >>> 18] as number;
    out[o++] = codes[(n >>> 12) & 63] as number;
    out[o++] = codes[(n >>> 6) & 63] as number;
    out[o++] = codes[n & 63] as number;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = codes[n >>> 18] as number;
    out[o++] = codes[(n >>> 12) & 63] as number;
    out[o++] = rest === 2 ? (codes[(n >>> 6) & 63] as number) : EQUALS;
    out[o++] = EQUALS;
  }
  return o;
}

export function base64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  base64Into(bytes, out, 0);
  return ascii.decode(out);
}

const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const COMMA = 0x2c;
const QUOTE = 0x22;

/** Per nesting depth of the array's member (1: a bundle member, 2: a member of `latest`). */
const LAYOUTS = [1, 2].map((depth) => {
  const pad = '  '.repeat(depth);
  const item = asciiBytes(`\n${pad}  "`);
  return {
    item,
    nullItem: asciiBytes(`\n${pad}  null`),
    close: asciiBytes(`\n${pad}]`),
    /** The most bytes one item takes: a comma, the item's start, 44 base64 characters, a quote. */
    maxItem: 1 + item.length + 44 + 1,
  };
});

/**
 * A JSON array of base64 hashes, the value of a member at `depth` (1 or 2), as JSON.stringify
 * indents it (a hole of a sparse array, which the bundle checks skip, is written null as
 * JSON.stringify writes it).
 */
export function formatHashes(hashes: readonly Uint8Array[], depth: 1 | 2): string {
  if (hashes.length === 0) return '[]';
  const { close, maxItem } = LAYOUTS[depth - 1]!;
  const out = new Uint8Array(1 + hashes.length * maxItem + close.length);
  return ascii.decode(out.subarray(0, hashesInto(hashes, depth, out, 0)));
}

/** formatHashes' text as ASCII codes, written into `out` from `at`; returns where it ends. */
export function hashesInto(
  hashes: readonly Uint8Array[],
  depth: 1 | 2,
  out: Uint8Array,
  at: number,
): number {
  out[at] = 0x5b; // [
  if (hashes.length === 0) {
    out[at + 1] = 0x5d; // ]
    return at + 2;
  }
  const { item, nullItem, close } = LAYOUTS[depth - 1]!;
  let o = at + 1;
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    if (i > 0) out[o++] = COMMA;
    if (h === undefined) {
      out.set(nullItem, o);
      o += nullItem.length;
    } else {
      out.set(item, o);
      o = base64Into(h, out, o + item.length);
      out[o++] = QUOTE;
    }
  }
  out.set(close, o);
  return o + close.length;
}

/** The length of formatHashes(hashes, depth) when every hash is 32 bytes (holes aside). */
export function hashesLength(hashes: readonly Uint8Array[], depth: 1 | 2): number {
  if (hashes.length === 0) return 2;
  const { item, nullItem, close } = LAYOUTS[depth - 1]!;
  let n = 1 + (hashes.length - 1) + close.length;
  for (let i = 0; i < hashes.length; i++) {
    n += hashes[i] === undefined ? nullItem.length : item.length + 44 + 1;
  }
  return n;
}

/** A non-empty JSON array of timestamps, the value of a member at `depth` (1 or 2). */
export function formatTimestamps(timestamps: readonly BundleTimestamp[], depth: 1 | 2): string {
  const pad = '  '.repeat(depth);
  let text = '[';
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    // A hole of a sparse array (the checks skip it) is what JSON.stringify makes of it.
    text +=
      t === undefined
        ? `${i === 0 ? '' : ','}\n${pad}  null`
        : `${i === 0 ? '' : ','}\n${pad}  {\n${pad}    "tsa": ${JSON.stringify(t.tsa)},\n` +
          `${pad}    "token": "${base64(t.token)}"\n${pad}  }`;
  }
  return `${text}\n${pad}]`;
}
