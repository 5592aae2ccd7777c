import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ERASURE_TYPE,
  buildRecord,
  erasureStatement,
  parseErasure,
  parseRecord,
  type RecordV1,
} from '../src/index.js';
import { assertRecordError } from './helpers.js';

const LEAF = Uint8Array.from({ length: 32 }, (_, i) => i);
const erasure = { log: 'acme', index: 42, leafHash: LEAF, key: 'k1', reason: 'GDPR Art. 17' };
const T = Date.UTC(2026, 11, 6);

function record(statement: object): RecordV1 {
  return parseRecord(buildRecord(statement as never, 'acme', T).bytes);
}

describe('erasure records', () => {
  it('round-trip: which record, the leaf hash, the key and the reason', () => {
    const statement = erasureStatement(erasure);
    assert.equal(statement.type, ERASURE_TYPE);
    assert.equal(statement.subject, 'acme-42');
    assert.equal(statement.digest, `sha256:${Buffer.from(LEAF).toString('hex')}`);
    assert.deepEqual(parseErasure(record(statement), 'acme'), erasure);
    assert.equal(parseErasure(record({ ...statement, type: 'ai.decision' }), 'acme'), undefined);
  });

  it('refuse to state what the format does not allow', () => {
    assertRecordError(() => erasureStatement({ ...erasure, reason: '' }), 'INVALID_ARGUMENT');
    assertRecordError(() => erasureStatement({ ...erasure, reason: 'a\nb' }), 'INVALID_ARGUMENT');
    assertRecordError(
      () => erasureStatement({ ...erasure, leafHash: LEAF.subarray(1) }),
      'INVALID_ARGUMENT',
    );
  });

  it('a malformed erasure record is INVALID_RECORD, never an erasure', () => {
    const statement = erasureStatement(erasure);
    const bad: object[] = [
      { ...statement, subject: 'other-42' },
      { ...statement, subject: 'not an id' },
      { ...statement, labels: { key: 'k1' } },
      { ...statement, labels: { ...statement.labels, extra: 'x' } },
      { ...statement, controls: ['SOC2:CC1.1'] },
      { ...statement, digest: `sha512:${'0'.repeat(128)}` },
    ];
    for (const value of bad) {
      assertRecordError(() => parseErasure(record(value), 'acme'), 'INVALID_RECORD');
    }
  });
});
