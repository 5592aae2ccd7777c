import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { saltedDigestPrefix } from '@proofline/records';
import type { DigestAlgorithm } from './statement.js';

/**
 * Digest of a file or stream, computed locally in constant memory (`sha256:<hex>`); the
 * content never leaves the machine. With `salt` (32 bytes), the salted digest of
 * @proofline/records (`saltedDigest`), streamed the same way.
 */
export async function digestStream(
  stream: AsyncIterable<Uint8Array>,
  algorithm: DigestAlgorithm = 'sha256',
  salt?: Uint8Array,
): Promise<string> {
  const hash = createHash(algorithm);
  if (salt !== undefined) hash.update(saltedDigestPrefix(salt));
  for await (const chunk of stream) hash.update(chunk);
  return `${algorithm}:${hash.digest('hex')}`;
}

export function digestFile(
  path: string,
  algorithm: DigestAlgorithm = 'sha256',
  salt?: Uint8Array,
): Promise<string> {
  return digestStream(createReadStream(path), algorithm, salt);
}
