/**
 * @proofline/note/node: Node-only fast paths of this package's formats, for Node processes
 * (the server's hot paths). Same text as the browser-safe functions of @proofline/note. The
 * only module of this package that uses Node built-ins: the main entry point never imports it.
 */

/**
 * Standard padded base64 (RFC 4648 §4) with Node's native encoder: the same text as
 * base64Encode, an order of magnitude faster for entries of a few hundred bytes.
 */
export function nodeBase64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
