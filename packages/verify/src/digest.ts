import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { VerificationError } from './errors.js';
import { webCryptoSubtle } from './webcrypto.js';

/** The statement digest algorithms (records `digest`: "sha256:", "sha384:" or "sha512:"). */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

const ALGORITHMS = {
  sha256: { webCrypto: 'SHA-256', noble: sha256 },
  sha384: { webCrypto: 'SHA-384', noble: sha384 },
  sha512: { webCrypto: 'SHA-512', noble: sha512 },
} as const;

/**
 * The statement digest of `content`: "<algorithm>:<lowercase hex>", computed with WebCrypto
 * `subtle.digest` where the platform has it, else with noble. Throws VerificationError
 * INVALID_ARGUMENT for a non-Uint8Array content or an unknown algorithm.
 */
export async function contentDigest(
  content: Uint8Array,
  algorithm: DigestAlgorithm,
): Promise<string> {
  if (!(content instanceof Uint8Array)) {
    throw new VerificationError('INVALID_ARGUMENT', 'content', 'content must be a Uint8Array');
  }
  if (!Object.hasOwn(ALGORITHMS, algorithm)) {
    throw new VerificationError(
      'INVALID_ARGUMENT',
      'content',
      'algorithm must be sha256, sha384 or sha512',
    );
  }
  const { webCrypto, noble } = ALGORITHMS[algorithm];
  const subtle = webCryptoSubtle();
  const digest =
    subtle === undefined ? noble(content) : new Uint8Array(await subtle.digest(webCrypto, content));
  return `${algorithm}:${bytesToHex(digest)}`;
}
