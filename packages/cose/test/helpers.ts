import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CoseError, type CoseErrorCode } from '../src/index.js';

/** Runs from dist/test: the shared data lives in <repo>/testdata. */
const repoTestdata = new URL('../../../../testdata/', import.meta.url);

export function readTestdata(path: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(path, repoTestdata))));
}

export function readTestdataText(path: string): string {
  return readFileSync(fileURLToPath(new URL(path, repoTestdata)), 'utf8');
}

export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Asserts that `fn` throws a CoseError with `code` (and nothing else). */
export function throwsCode(fn: () => unknown, code: CoseErrorCode, message?: string): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof CoseError, `${message ?? ''}: not a CoseError: ${String(err)}`);
      assert.equal(err.code, code, `${message ?? ''}: ${err.message}`);
      return true;
    },
    message,
  );
}

/** Deterministic xorshift PRNG (tests must be reproducible). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
