import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  commitment,
  digestLookupKey,
  formatTime,
  parseRecordId,
  parseStatement,
  parseTime,
  recordId,
} from '../src/index.js';
import { assertRecordError, utf8 } from './helpers.js';

describe('formatTime and parseTime', () => {
  it('round-trip the whole range', () => {
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    for (const [ms, text] of [
      [0, '1970-01-01T00:00:00.000Z'],
      [Date.UTC(2026, 10, 27, 3, 5, 0, 123), '2026-11-27T03:05:00.123Z'],
      [Date.UTC(2024, 1, 29, 23, 59, 59, 999), '2024-02-29T23:59:59.999Z'],
      [Date.UTC(2000, 1, 29), '2000-02-29T00:00:00.000Z'],
      [max, '9999-12-31T23:59:59.999Z'],
    ] as const) {
      assert.equal(formatTime(ms), text);
      assert.equal(parseTime(text), ms);
    }
  });

  it('rejects anything but the one RFC 3339 form', () => {
    for (const text of [
      '',
      '2026-11-27T03:05:00Z',
      '2026-11-27T03:05:00.1Z',
      '2026-11-27T03:05:00.1234Z',
      '2026-11-27T03:05:00.123+00:00',
      '2026-11-27T03:05:00.123',
      '2026-11-27t03:05:00.123Z',
      '2026-11-27T03:05:00.123z',
      '2026-11-27 03:05:00.123Z',
      '2026-11-27T03:05:00,123Z',
      ' 2026-11-27T03:05:00.123Z',
      '2026-11-27T03:05:00.123Z\n',
      '+002026-11-27T03:05:00.123Z',
      '1969-12-31T23:59:59.999Z',
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-01T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:60:00.000Z',
      '2016-12-31T23:59:60.000Z',
      '２０２６-11-27T03:05:00.123Z',
      '2026-11-27T03:05:00.123Z'.repeat(1000),
    ]) {
      assertRecordError(() => parseTime(text), 'INVALID_ARGUMENT', undefined, text);
    }
    for (const value of [null, undefined, 0, new Date(0)]) {
      assertRecordError(() => parseTime(value as unknown as string), 'INVALID_ARGUMENT');
    }
  });

  it('formats only integer milliseconds in years 1970..9999', () => {
    for (const ms of [
      -1,
      0.5,
      NaN,
      Infinity,
      -Infinity,
      Date.UTC(10000, 0, 1),
      2 ** 53,
      '0',
      null,
    ]) {
      assertRecordError(() => formatTime(ms as number), 'INVALID_ARGUMENT', undefined, String(ms));
    }
  });
});

describe('recordId and parseRecordId', () => {
  it('round-trip, splitting at the last dash', () => {
    for (const [log, index] of [
      ['acme', 0],
      ['acme-prod', 42],
      ['a', Number.MAX_SAFE_INTEGER],
      ['0', 7],
      ['a-', 5],
      ['a--b', 10],
      ['x'.repeat(63), 123],
    ] as const) {
      const id = recordId(log, index);
      assert.equal(id, `${log}-${index}`);
      assert.deepEqual(parseRecordId(id), { log, index });
    }
    assert.deepEqual(parseRecordId('acme-prod-42'), { log: 'acme-prod', index: 42 });
  });

  it('rejects malformed ids', () => {
    for (const id of [
      '',
      'acme',
      'acme-',
      '-42',
      'acme-042',
      'acme-00',
      'acme-+1',
      'acme-1x',
      'acme-1.0',
      'acme-1e3',
      'acme-9007199254740992',
      'acme-99999999999999999',
      'Acme-1',
      'ac me-1',
      '-acme-1',
      'acme-1\n',
      'acme-\u0661',
      `${'a'.repeat(64)}-1`,
      `${'a'.repeat(100000)}-1`,
    ]) {
      assertRecordError(() => parseRecordId(id), 'INVALID_ARGUMENT', undefined, id);
    }
    assertRecordError(() => parseRecordId(42 as unknown as string), 'INVALID_ARGUMENT');
  });

  it('rejects bad log names and indexes', () => {
    for (const [log, index] of [
      ['', 1],
      ['-a', 1],
      ['A', 1],
      ['a'.repeat(64), 1],
      ['a', -1],
      ['a', 1.5],
      ['a', 2 ** 53],
      ['a', NaN],
    ] as const) {
      assertRecordError(
        () => recordId(log, index),
        'INVALID_ARGUMENT',
        undefined,
        `${log} ${index}`,
      );
    }
  });
});

describe('digestLookupKey', () => {
  it('is the first six bytes of the digest value', () => {
    assert.equal(digestLookupKey(`sha256:${'0'.repeat(64)}`), 0);
    assert.equal(digestLookupKey(`sha256:0123456789ab${'f'.repeat(52)}`), 0x0123456789ab);
    assert.equal(digestLookupKey(`sha384:ffffffffffff${'0'.repeat(84)}`), 2 ** 48 - 1);
    assert.equal(digestLookupKey(`sha512:000000000001${'e'.repeat(116)}`), 1);
  });

  it('rejects invalid digests', () => {
    for (const digest of ['', 'sha256:', `sha256:${'A'.repeat(64)}`, `md5:${'0'.repeat(32)}`, 7]) {
      assertRecordError(() => digestLookupKey(digest as string), 'INVALID_ARGUMENT');
    }
  });
});

describe('commitment', () => {
  const salt = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('is sha256:hex(SHA-256(salt || UTF-8(value)))', () => {
    for (const value of ['', 'Jane Doe', 'M\u00fcller \u{1F600}', '\u0000']) {
      const expected = createHash('sha256').update(salt).update(utf8(value)).digest('hex');
      assert.equal(commitment(salt, value), `sha256:${expected}`);
    }
    // Known answer: SHA-256 of 32 zero bytes (empty value).
    assert.equal(
      commitment(new Uint8Array(32), ''),
      'sha256:66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925',
    );
  });

  it('is a valid statement commitment', () => {
    const s = parseStatement({
      digest: `sha256:${'1'.repeat(64)}`,
      type: 't',
      commitments: { name: commitment(salt, 'Jane Doe') },
    });
    assert.match(s.commitments?.name ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  it('rejects bad salts and values', () => {
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), 'salt', [1, 2]]) {
      assertRecordError(() => commitment(bad as Uint8Array, 'v'), 'INVALID_ARGUMENT');
    }
    for (const bad of ['\ud800', 'a\udc00', 7, null]) {
      assertRecordError(() => commitment(salt, bad as string), 'INVALID_ARGUMENT');
    }
  });
});
