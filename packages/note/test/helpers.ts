import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NoteError, type NoteErrorCode } from '../src/index.js';

/** Runs from dist/test: vectors live in test/vectors, the shared data in <repo>/testdata. */
const vectorsDir = new URL('../../test/vectors/', import.meta.url);
const repoTestdata = new URL('../../../../testdata/', import.meta.url);

export function readVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, vectorsDir), 'utf8')) as T;
}

export function readTestdata(path: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(path, repoTestdata))));
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Inserts `insert` at UTF-8 byte offset `at` (Go string slicing is by byte). */
export function insertAtByte(text: string, at: number, insert: string): string {
  const b = Buffer.from(text);
  return Buffer.concat([b.subarray(0, at), Buffer.from(insert), b.subarray(at)]).toString();
}

/** Asserts that `fn` throws a NoteError with `code`. */
export function assertNoteError(fn: () => unknown, code: NoteErrorCode, what?: string): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof NoteError && err.code === code,
    what ?? `expected NoteError ${code}`,
  );
}

/** Asserts that `promise` rejects with a NoteError with `code`. */
export async function assertRejectsNote(
  promise: Promise<unknown>,
  code: NoteErrorCode,
  what?: string,
): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => err instanceof NoteError && err.code === code,
    what ?? `expected NoteError ${code}`,
  );
}

/** A deterministic xorshift32 generator, so random tests are reproducible. */
export function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}
