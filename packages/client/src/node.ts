import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { DigestAlgorithm } from './statement.js';

/**
 * Digest of a file or stream, computed locally in constant memory (`sha256:<hex>`); the
 * content never leaves the machine.
 */
export async function digestStream(
  stream: AsyncIterable<Uint8Array>,
  algorithm: DigestAlgorithm = 'sha256',
): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of stream) hash.update(chunk);
  return `${algorithm}:${hash.digest('hex')}`;
}

export function digestFile(path: string, algorithm: DigestAlgorithm = 'sha256'): Promise<string> {
  return digestStream(createReadStream(path), algorithm);
}
