/**
 * @proofline/note/node: Node-only fast paths of this package's formats and keys, for Node
 * processes (the server's hot paths, node:crypto signing in the sequencer and the witness).
 * Same bytes as the browser-safe functions of @proofline/note. The only module of this package
 * that uses Node built-ins: the main entry point never imports it.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { NoteError } from './errors.js';

/** DER prefix of a PKCS #8 Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * The PKCS #8 DER encoding of an Ed25519 seed (RFC 8410), as node:crypto imports it (also in
 * a worker thread). Throws NoteError INVALID_ARGUMENT unless the seed is 32 bytes.
 */
export function pkcs8Ed25519(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new NoteError('INVALID_ARGUMENT', 'an Ed25519 seed is 32 bytes');
  }
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return der;
}

/** The node:crypto private key of an Ed25519 seed (a signer key's `seed`). */
export function nodeEd25519PrivateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8Ed25519(seed)), format: 'der', type: 'pkcs8' });
}

/**
 * Standard padded base64 (RFC 4648 §4) with Node's native encoder: the same text as
 * base64Encode, an order of magnitude faster for entries of a few hundred bytes.
 */
export function nodeBase64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
