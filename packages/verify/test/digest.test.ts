import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { VerificationError, contentDigest } from '../src/index.js';
import { utf8 } from './helpers.js';

const inputs = [new Uint8Array(0), utf8('abc'), new Uint8Array(100_000).fill(7)];
const algorithms = ['sha256', 'sha384', 'sha512'] as const;

async function withoutWebCrypto<T>(fn: () => Promise<T>): Promise<T> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
  try {
    return await fn();
  } finally {
    Object.defineProperty(globalThis, 'crypto', descriptor);
  }
}

describe('contentDigest', () => {
  it('equals node:crypto, with WebCrypto and with noble', async () => {
    for (const algorithm of algorithms) {
      for (const input of inputs) {
        const expected = `${algorithm}:${createHash(algorithm).update(input).digest('hex')}`;
        assert.equal(await contentDigest(input, algorithm), expected);
        assert.equal(await withoutWebCrypto(() => contentDigest(input, algorithm)), expected);
      }
    }
  });

  it('throws INVALID_ARGUMENT for bad arguments', async () => {
    for (const [content, algorithm] of [
      ['abc', 'sha256'],
      [utf8('abc'), 'md5'],
      [utf8('abc'), 'toString'],
    ]) {
      await assert.rejects(
        contentDigest(content as Uint8Array, algorithm as 'sha256'),
        (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_ARGUMENT',
      );
    }
  });
});
