import assert from 'node:assert/strict';
import test from 'node:test';
import { CodedError } from '@proofline/tlog';
import { RecordError, parseStatement } from '../src/index.js';

test('a RecordError keeps its field as details, its cause, and the field in the message', () => {
  const cause = new SyntaxError('below');
  const err = new RecordError('INVALID_STATEMENT', 'must be a string', { field: '/type', cause });
  assert.ok(err instanceof CodedError);
  assert.deepEqual(err.details, { field: '/type' });
  assert.equal(err.field, '/type');
  assert.equal(err.cause, cause);
  assert.equal(err.message, '/type: must be a string');
  const whole = new RecordError('INVALID_RECORD', 'not JSON');
  assert.equal(whole.field, undefined);
  assert.equal(whole.details, undefined);
  assert.equal(Object.hasOwn(whole, 'cause'), false);
});

test('a statement error names the offending field in details', () => {
  assert.throws(
    () => parseStatement({ digest: 'sha256:00', type: 'x' }),
    (err: unknown) =>
      err instanceof RecordError &&
      err.code === 'INVALID_STATEMENT' &&
      err.details?.field === '/digest',
  );
});
