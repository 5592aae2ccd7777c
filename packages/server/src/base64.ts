/**
 * Standard padded base64 (RFC 4648 §4) with Node's native encoder: the same text as note's
 * browser-safe base64Encode, an order of magnitude faster for entries on the hot paths.
 */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
