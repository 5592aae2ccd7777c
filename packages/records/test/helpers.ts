import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ed25519Signer,
  ed25519Verifier,
  formatSignerKey,
  parseSignerKey,
  type Signer,
  type Verifier,
} from '@proofline/note';
import { nodeHash } from '@proofline/tlog';
import { RecordError, type RecordErrorCode } from '../src/index.js';

export const DIGEST = `sha256:${'a1'.repeat(32)}`;
export const COMMITMENT = `sha256:${'c3'.repeat(32)}`;

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** Whether `err` is a RecordError with `code` and, when given, `field`. */
export function isRecordError(err: unknown, code: RecordErrorCode, field?: string): boolean {
  return (
    err instanceof RecordError && err.code === code && (field === undefined || err.field === field)
  );
}

/** Asserts that `fn` throws a RecordError with `code` (and `field`, when given). */
export function assertRecordError(
  fn: () => unknown,
  code: RecordErrorCode,
  field?: string,
  what?: string,
): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof RecordError, `expected a RecordError, got ${String(err)}`);
      assert.equal(err.code, code, what);
      if (field !== undefined) assert.equal(err.field, field, what);
      return true;
    },
    what,
  );
}

/** Asserts that `promise` rejects with a RecordError with `code` (and `field`, when given). */
export async function assertRejectsRecord(
  promise: Promise<unknown>,
  code: RecordErrorCode,
  field?: string,
  what?: string,
): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => {
      assert.ok(err instanceof RecordError, `expected a RecordError, got ${String(err)}`);
      assert.equal(err.code, code, what);
      if (field !== undefined) assert.equal(err.field, field, what);
      return true;
    },
    what,
  );
}

/** Plain-object copy through JSON, for comparing parsed values (null-prototype maps). */
export function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)),
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

/** A deterministic Ed25519 key for `name` (seed bytes all `fill`): its signer and verifier. */
export function testKey(name: string, fill: number): { signer: Signer; verifier: Verifier } {
  const seed = new Uint8Array(32).fill(fill);
  const { publicKey } = parseSignerKey(formatSignerKey(name, seed));
  return { signer: ed25519Signer(name, seed), verifier: ed25519Verifier(name, publicKey) };
}

/** MTH of `leaves` (RFC 6962 §2.1), recursively: small test trees only. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** The RFC 6962 inclusion proof of leaf `index` among `leaves`, from the leaf up. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return index < k
    ? [...inclusionProof(leaves.slice(0, k), index), merkleRoot(leaves.slice(k))]
    : [...inclusionProof(leaves.slice(k), index - k), merkleRoot(leaves.slice(0, k))];
}
