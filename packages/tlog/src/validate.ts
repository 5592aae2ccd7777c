import { TlogError, type TlogErrorCode } from './errors.js';

/** Size in bytes of a SHA-256 hash, the only hash this package uses. */
export const HASH_SIZE = 32;

/**
 * Throws `INVALID_ARGUMENT` unless `value` is a safe integer in [min, max].
 * Every size, index, level and width in this package goes through here.
 */
export function checkInteger(
  name: string,
  value: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TlogError(
      'INVALID_ARGUMENT',
      `${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
}

/** True when `value` is a Uint8Array of exactly {@link HASH_SIZE} bytes. */
export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Throws a TlogError with `code` unless `value` is a 32-byte Uint8Array. */
export function checkHash(name: string, value: unknown, code: TlogErrorCode): void {
  if (!isHash(value)) {
    throw new TlogError(code, `${name} must be a ${HASH_SIZE}-byte Uint8Array`);
  }
}
