import { hash } from 'node:crypto';

/**
 * The RFC 6962 leaf hash SHA-256(0x00 || entry) with node:crypto (OpenSSL): the same bytes as
 * tlog's browser-safe leafHash, several times faster for the publisher's bulk integration.
 */
export function nodeLeafHash(entry: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + entry.length); // input[0] = 0x00, the leaf prefix
  input.set(entry, 1);
  return new Uint8Array(hash('sha256', input, 'buffer'));
}
