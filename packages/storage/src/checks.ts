/**
 * Argument checks every driver applies before touching its database, so a caller's mistake
 * is the same StorageError INVALID_ARGUMENT whichever driver runs.
 */
import {
  StorageError,
  type CommitRequest,
  type EntryErasure,
  type RetireKeyRequest,
} from './index.js';

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

/** How many rows a read may answer: a positive safe integer. */
export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new StorageError('INVALID_ARGUMENT', `invalid limit ${limit}`);
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

/** A reservation's size and time (Storage.reserve): 1 or more entries, a safe integer time. */
export function checkReserve(count: number, nowMs: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(nowMs)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid reservation of ${count} at ${nowMs}`);
  }
}

/** Largest entry a log stores (a tlog-tiles entry bundle's 16-bit length prefix). */
export const MAX_ENTRY_SIZE = 65535;
/** Lookup keys are integers below 2^48 (they index a digest prefix). */
const LOOKUP_KEY_LIMIT = 2 ** 48;

/** Whether `key` is a valid lookup key: an integer, 0 ≤ key < 2^48. */
export function isLookupKey(key: number): boolean {
  return Number.isSafeInteger(key) && key >= 0 && key < LOOKUP_KEY_LIMIT;
}

/**
 * A commit as `Storage.sequence` takes it: a safe non-negative first index, a safe integer
 * time (and epoch, if any), 1 or more groups of 1 or more entries of at most 65535 bytes, one valid lookup key per
 * entry when given, no idempotency key twice. Returns the number of entries.
 */
export function checkCommit(commit: CommitRequest): number {
  const { first, timeMs, groups, epoch } = commit;
  if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(timeMs)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid commit at ${first}, time ${timeMs}`);
  }
  if (epoch !== undefined && !Number.isSafeInteger(epoch)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid reservation epoch ${epoch}`);
  }
  if (groups.length === 0) throw new StorageError('INVALID_ARGUMENT', 'a commit has no groups');
  const keys = new Set<string>();
  let count = 0;
  for (const [g, { entries, lookupKeys, idempotency }] of groups.entries()) {
    if (entries.length === 0) throw new StorageError('INVALID_ARGUMENT', `group ${g} is empty`);
    for (const e of entries) {
      if (e.length > MAX_ENTRY_SIZE) {
        throw new StorageError('INVALID_ARGUMENT', `group ${g}: an entry of ${e.length} bytes`);
      }
    }
    if (lookupKeys && (lookupKeys.length !== entries.length || !lookupKeys.every(isLookupKey))) {
      throw new StorageError('INVALID_ARGUMENT', `group ${g}: one valid lookup key per entry`);
    }
    if (idempotency) {
      const key = `${idempotency.tenant}\u0000${idempotency.key}`;
      if (keys.has(key)) {
        throw new StorageError('INVALID_ARGUMENT', `group ${g} repeats an idempotency key`);
      }
      keys.add(key);
    }
    count += entries.length;
  }
  return count;
}

/** An `eraseEntry` call's arguments: an index, a safe integer time, a valid lookup key. */
export function checkErasure(index: number, erasure: EntryErasure): void {
  checkIndex(index);
  if (!Number.isSafeInteger(erasure.timeMs)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid erasure time ${erasure.timeMs}`);
  }
  if (erasure.lookupKey !== undefined && !isLookupKey(erasure.lookupKey)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid lookup key ${erasure.lookupKey}`);
  }
}

/** Rejects (INVALID_ARGUMENT) a retireKey request that no log state could accept. */
export function checkRetireKey(request: RetireKeyRequest): void {
  checkIndex(request.end);
  const strings = [request.retiredKey, request.successorKey, request.leaseOwner, request.note];
  if (!strings.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new StorageError('INVALID_ARGUMENT', 'retireKey: empty key, lease owner or note');
  }
  if (request.retiredKey === request.successorKey) {
    throw new StorageError('INVALID_ARGUMENT', 'retireKey: the successor is the retired key');
  }
}
