import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { TlogError } from './errors.js';
import { interiorHash } from './interior-hash.js';
import { HASH_SIZE, checkHash } from './validate.js';

export { HASH_SIZE };

/** A SHA-256 digest: always exactly {@link HASH_SIZE} bytes. */
export type Hash = Uint8Array;

const LEAF_PREFIX = 0x00;
const EMPTY_TREE_HASH: Hash = nobleSha256(new Uint8Array(0));

/** SHA-256(data). */
export function sha256(data: Uint8Array): Hash {
  if (!(data instanceof Uint8Array)) {
    throw new TlogError('INVALID_ARGUMENT', 'data must be a Uint8Array');
  }
  return nobleSha256(data);
}

/** Leaf hash, RFC 9162 section 2.1.1: MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(entry: Uint8Array): Hash {
  if (!(entry instanceof Uint8Array)) {
    throw new TlogError('INVALID_ARGUMENT', 'entry must be a Uint8Array');
  }
  return nobleSha256.create().update(Uint8Array.of(LEAF_PREFIX)).update(entry).digest();
}

/** Interior node hash, RFC 9162 section 2.1.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  checkHash('left', left, 'INVALID_ARGUMENT');
  checkHash('right', right, 'INVALID_ARGUMENT');
  // The SHA-256 specialised to the 65-byte input (interior-hash.ts): a third of noble's cost.
  return interiorHash(left, right);
}

/** Hash of the empty tree, RFC 9162 section 2.1.1: MTH({}) = SHA-256(""). A fresh copy each call. */
export function emptyTreeHash(): Hash {
  return EMPTY_TREE_HASH.slice();
}

/** Byte equality of two arrays, examining every byte when the lengths match. */
export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    diff |= (a[i] as number) ^ (b[i] as number);
  }
  return diff === 0;
}
