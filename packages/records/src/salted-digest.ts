import { utf8Encode } from '@proofline/note';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { RecordError } from './errors.js';
import { toHex } from './text.js';

/**
 * Salted output digests: a statement `digest` that nobody can confirm by hashing guesses of
 * a low-entropy output (`{"decision":"deny"}`), because it also covers a random salt that
 * only the client (and whoever it gives the proof files to) holds.
 *
 *   digest = "<alg>:" + lowercase hex of H( UTF-8("proofline.dev/salted-digest/v1\n")
 *                                            ‖ salt (exactly 32 bytes) ‖ content )
 *
 * H is SHA-256, SHA-384 or SHA-512 (the digest's algorithm). The context line separates the
 * domain from the plain digest H(content) and from commitments (H(salt ‖ value), no
 * context); the context and the salt have fixed lengths, so the encoding is injective. The
 * salt travels as 64 lowercase hex digits (`formatSalt`/`parseSalt`).
 */
export const SALTED_DIGEST_CONTEXT = 'proofline.dev/salted-digest/v1\n';

/** Size of an output salt: 32 bytes (256 bits, at least the 128 the threat model needs). */
export const OUTPUT_SALT_SIZE = 32;

const SALT_PATTERN = /^[0-9a-f]{64}$/;

const HASHES = { sha256, sha384, sha512 } as const;

/** Throws RecordError INVALID_ARGUMENT unless `salt` is 32 bytes. */
function checkSalt(salt: Uint8Array): void {
  if (!(salt instanceof Uint8Array) || salt.length !== OUTPUT_SALT_SIZE) {
    throw new RecordError('INVALID_ARGUMENT', `a salt must be ${OUTPUT_SALT_SIZE} bytes`);
  }
}

/**
 * The bytes hashed before the content: context line ‖ salt. Streaming hashers (Node
 * `createHash`, a browser's whole-buffer WebCrypto) feed this first, then the content.
 * Throws RecordError INVALID_ARGUMENT for a salt that is not 32 bytes.
 */
export function saltedDigestPrefix(salt: Uint8Array): Uint8Array {
  checkSalt(salt);
  const context = utf8Encode(SALTED_DIGEST_CONTEXT);
  const out = new Uint8Array(context.length + OUTPUT_SALT_SIZE);
  out.set(context);
  out.set(salt, context.length);
  return out;
}

/** The salted digest of `content` (see SALTED_DIGEST_CONTEXT), computed in memory. */
export function saltedDigest(
  salt: Uint8Array,
  content: Uint8Array,
  algorithm: keyof typeof HASHES = 'sha256',
): string {
  if (!(content instanceof Uint8Array)) {
    throw new RecordError('INVALID_ARGUMENT', 'content must be a Uint8Array');
  }
  if (!Object.hasOwn(HASHES, algorithm)) {
    throw new RecordError('INVALID_ARGUMENT', 'algorithm must be sha256, sha384 or sha512');
  }
  const hash = HASHES[algorithm].create();
  hash.update(saltedDigestPrefix(salt));
  hash.update(content);
  return `${algorithm}:${toHex(hash.digest())}`;
}

/** A salt as stored in proof files: 64 lowercase hex digits. */
export function formatSalt(salt: Uint8Array): string {
  checkSalt(salt);
  return toHex(salt);
}

/**
 * Strictly parses a stored salt: exactly 64 lowercase hex digits. Throws RecordError
 * INVALID_ARGUMENT (field `/salt`) otherwise.
 */
export function parseSalt(text: string): Uint8Array {
  if (typeof text !== 'string' || !SALT_PATTERN.test(text)) {
    throw new RecordError('INVALID_ARGUMENT', 'a salt is 64 lowercase hex digits', {
      field: '/salt',
    });
  }
  const out = new Uint8Array(OUTPUT_SALT_SIZE);
  for (let i = 0; i < OUTPUT_SALT_SIZE; i++)
    out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
