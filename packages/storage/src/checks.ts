/**
 * Argument checks every driver applies before touching its database, so a caller's mistake
 * is the same StorageError INVALID_ARGUMENT whichever driver runs.
 */
import { StorageError } from './index.js';

/** `[start, end)` of safe non-negative integers with start ≤ end. */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new StorageError('INVALID_ARGUMENT', `invalid range [${start}, ${end})`);
  }
}

/** An entry index: a safe non-negative integer. */
export function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new StorageError('INVALID_ARGUMENT', `invalid index ${index}`);
  }
}

/** A checkpoint timestamp as `addCheckpointTimestamp` takes it. */
export function checkTimestamp(size: number, token: Uint8Array, genTimeMs: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(genTimeMs)) {
    throw new StorageError('INVALID_ARGUMENT', 'invalid checkpoint timestamp');
  }
  if (token.length === 0) throw new StorageError('INVALID_ARGUMENT', 'empty timestamp token');
}

/** A lease's time to live, in ms. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) {
    throw new StorageError('INVALID_ARGUMENT', `invalid lease ttl ${ttlMs}`);
  }
}
