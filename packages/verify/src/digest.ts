import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { saltedDigestPrefix } from '@proofline/records';
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
 * `subtle.digest` where the platform has it, else with noble. With `salt`, the salted digest
 * of @proofline/records (`saltedDigest`: context line ‖ salt ‖ content). Throws
 * VerificationError INVALID_ARGUMENT for a non-Uint8Array content, a salt that is not 32
 * bytes, or an unknown algorithm.
 */
export async function contentDigest(
  content: Uint8Array,
  algorithm: DigestAlgorithm,
  salt?: Uint8Array,
): Promise<string> {
  if (!(content instanceof Uint8Array)) {
    throw new VerificationError('INVALID_ARGUMENT', 'content', 'content must be a Uint8Array');
  }
  if (salt !== undefined) {
    let prefix: Uint8Array;
    try {
      prefix = saltedDigestPrefix(salt);
    } catch (cause) {
      throw new VerificationError('INVALID_ARGUMENT', 'content', 'salt must be 32 bytes', {
        cause,
      });
    }
    const input = new Uint8Array(prefix.length + content.length);
    input.set(prefix);
    input.set(content, prefix.length);
    return contentDigest(input, algorithm);
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
