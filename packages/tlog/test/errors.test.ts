import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CodedError,
  TlogError,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js';

const root = new Uint8Array(32).fill(1);

test('an inclusion proof failure is a TlogError with the index and size it was checked for', () => {
  assert.throws(
    () => verifyInclusion(leafHash(new Uint8Array([1])), 2, 3, [root, root], root),
    (err: unknown) => {
      assert.ok(err instanceof TlogError && err instanceof CodedError && err instanceof Error);
      assert.equal(err.code, 'INCLUSION_PROOF_INVALID');
      assert.equal(err.name, 'TlogError');
      assert.deepEqual(err.details, { index: 2, size: 3 });
      return true;
    },
  );
});

test('a consistency proof failure carries both sizes', () => {
  assert.throws(
    () => verifyConsistency(2, 5, [], root, root),
    (err: unknown) =>
      err instanceof TlogError &&
      err.code === 'CONSISTENCY_PROOF_INVALID' &&
      err.details?.oldSize === 2 &&
      err.details.newSize === 5,
  );
});

test('CodedError keeps code, details and the standard cause', () => {
  const cause = new RangeError('underlying');
  const err = new CodedError<'X', { n: number }>('X', 'failed', { cause, details: { n: 1 } });
  assert.equal(err.code, 'X');
  assert.equal(err.message, 'failed');
  assert.equal(err.cause, cause);
  assert.deepEqual(err.details, { n: 1 });
  assert.equal(err.name, 'CodedError');
  const plain = new TlogError('BAD_TILE_DATA', 'short tile');
  assert.equal(Object.hasOwn(plain, 'cause'), false);
  assert.equal(Object.hasOwn(plain, 'details'), false);
});
