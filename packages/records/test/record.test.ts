import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import {
  MAX_ENTRY_SIZE,
  RECORD_SCHEMA,
  RecordError,
  buildRecord,
  parseRecord,
  parseStatement,
  type RecordV1,
  type Statement,
} from '../src/index.js';
import { COMMITMENT, DIGEST, assertRecordError, fromUtf8, plain, prng, utf8 } from './helpers.js';

/** The statement members of a record. */
function statementOf(record: RecordV1): Statement {
  const recordOnly = ['schema', 'tenant', 'time'];
  return Object.fromEntries(
    Object.entries(record).filter(([name]) => !recordOnly.includes(name)),
  ) as unknown as Statement;
}

const TIME_MS = Date.UTC(2026, 10, 27, 3, 5, 0, 123);
const TIME = '2026-11-27T03:05:00.123Z';
const ISSUE_EXAMPLE = `{"type":"test.event","digest":"${DIGEST}"}`;

const FULL: Statement = parseStatement({
  digest: `sha512:${'ab'.repeat(64)}`,
  type: 'ai.decision',
  subject: 'loan application 4711 \u2014 "quoted" \\ backslash \u{1F600} e\u0301 \u2028',
  labels: { env: 'prod', model: 'm\u00f6del', empty: '', Zeta: 'z', 'a/b': 'c' },
  commitments: { patient: COMMITMENT },
  controls: ['SOC2:PI1.4', 'HIPAA:164.312(b)'],
  issuer: { key: 'issuer.example+0123abcd', sig: Buffer.alloc(64, 1).toString('base64') },
});

/** A statement at every bound, with the widest characters. */
const LARGEST: Statement = parseStatement({
  digest: `sha512:${'f'.repeat(128)}`,
  type: `T${'x'.repeat(127)}`,
  subject: '\u{10FFFF}'.repeat(256),
  labels: Object.fromEntries(
    Array.from({ length: 32 }, (_, i) => [`L${i}`.padEnd(64, 'l'), '\u{1F600}'.repeat(256)]),
  ),
  commitments: Object.fromEntries(
    Array.from({ length: 32 }, (_, i) => [`C${i}`.padEnd(64, 'c'), COMMITMENT]),
  ),
  controls: Array.from({ length: 32 }, (_, i) => `K${i}`.padEnd(64, '(')),
  issuer: { key: `${'n'.repeat(247)}+ffffffff`, sig: Buffer.alloc(64, 0xff).toString('base64') },
});

describe('buildRecord', () => {
  it('builds the canonical record of the issue example', () => {
    const { record, bytes } = buildRecord(JSON.parse(ISSUE_EXAMPLE) as Statement, 'acme', TIME_MS);
    assert.equal(
      fromUtf8(bytes),
      `{"digest":"${DIGEST}","schema":"${RECORD_SCHEMA}","tenant":"acme","time":"${TIME}","type":"test.event"}`,
    );
    assert.deepEqual(plain(record), {
      digest: DIGEST,
      type: 'test.event',
      schema: RECORD_SCHEMA,
      tenant: 'acme',
      time: TIME,
    });
    assert.ok(Object.isFrozen(record));
  });

  it('round-trips through parseRecord', () => {
    for (const statement of [parseStatement(JSON.parse(ISSUE_EXAMPLE)), FULL, LARGEST]) {
      const { record, bytes } = buildRecord(statement, 'tenant-1', TIME_MS);
      assert.ok(bytes.length <= MAX_ENTRY_SIZE);
      assert.equal(fromUtf8(bytes), canonicalize(JSON.parse(fromUtf8(bytes))));
      const parsed = parseRecord(bytes);
      assert.deepEqual(plain(parsed), plain(record));
      assert.deepEqual(buildRecord(statementOf(parsed), 'tenant-1', TIME_MS).bytes, bytes);
    }
  });

  it('fits the largest statement well within MAX_ENTRY_SIZE', () => {
    const { bytes } = buildRecord(LARGEST, 'a'.repeat(63), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    assert.ok(bytes.length > 40_000 && bytes.length < MAX_ENTRY_SIZE, String(bytes.length));
  });

  it('escapes only what RFC 8785 escapes', () => {
    const { bytes } = buildRecord(FULL, 'acme', TIME_MS);
    const text = fromUtf8(bytes);
    assert.ok(text.includes('\\"quoted\\" \\\\ backslash \u{1F600} e\u0301 \u2028'), text);
    assert.ok(text.includes('"a/b":"c"'));
    assert.ok(text.indexOf('"Zeta"') < text.indexOf('"a/b"'), 'members sorted by code unit');
  });

  it('validates its arguments', () => {
    assertRecordError(
      () => buildRecord({ digest: 'x', type: 't' }, 'acme', 0),
      'INVALID_STATEMENT',
      '/digest',
    );
    const withSchema = { digest: DIGEST, type: 't', schema: RECORD_SCHEMA } as Statement;
    assertRecordError(() => buildRecord(withSchema, 'acme', 0), 'INVALID_STATEMENT', '/schema');
    for (const tenant of ['', 'Acme', '-acme', 'a'.repeat(64), 'ac me', 'acme\n', 7]) {
      assertRecordError(
        () => buildRecord(FULL, tenant as string, 0),
        'INVALID_ARGUMENT',
        '/tenant',
        String(tenant),
      );
    }
    for (const ms of [-1, 1.5, NaN, Infinity, 2 ** 53, Date.UTC(10000, 0, 1), '0']) {
      assertRecordError(
        () => buildRecord(FULL, 'acme', ms as number),
        'INVALID_ARGUMENT',
        '/time',
        String(ms),
      );
    }
    assert.equal(buildRecord(FULL, '0', 0).record.time, '1970-01-01T00:00:00.000Z');
  });
});

describe('parseRecord', () => {
  const canonical = fromUtf8(buildRecord(FULL, 'acme', TIME_MS).bytes);
  const simple = `{"digest":"${DIGEST}","schema":"${RECORD_SCHEMA}","tenant":"acme","time":"${TIME}","type":"a"}`;

  it('accepts the canonical form', () => {
    assert.equal(parseRecord(utf8(simple)).type, 'a');
    assert.equal(parseRecord(utf8(canonical)).subject, FULL.subject);
  });

  it('rejects every non-canonical form of the same value', () => {
    for (const text of [
      simple.replace('{"digest"', '{ "digest"'),
      `${simple}\n`,
      ` ${simple}`,
      simple.replace(':"a"}', ': "a"}'),
      `{"schema":"${RECORD_SCHEMA}","digest":"${DIGEST}","tenant":"acme","time":"${TIME}","type":"a"}`,
      simple.replace('"type":"a"', '"type":"\\u0061"'),
      simple.replace('"tenant"', '"\\u0074enant"'),
      simple.replace('proofline.dev/record/v1', 'proofline.dev\\/record\\/v1'),
      simple.replace('}', ',"type":"a"}'),
      canonical.replace('m\u00f6del', 'm\\u00f6del'),
      canonical.replace('\u2028', '\\u2028'),
      canonical.replace('\u{1F600}', '\\ud83d\\ude00'),
    ]) {
      assert.ok(text !== simple && text !== canonical);
      assertRecordError(() => parseRecord(utf8(text)), 'INVALID_RECORD', undefined, text);
    }
  });

  it('names the offending member', () => {
    const cases: [string, string][] = [
      [simple.replace('}', ',"zzz":"x"}'), '/zzz'],
      [simple.replace(`"schema":"${RECORD_SCHEMA}",`, ''), '/schema'],
      [simple.replace(RECORD_SCHEMA, 'proofline.dev/record/v2'), '/schema'],
      // An unknown schema is reported before members the reader does not know.
      [
        simple.replace(RECORD_SCHEMA, 'proofline.dev/record/v2').replace('}', ',"zzz":"x"}'),
        '/schema',
      ],
      [simple.replace(`"${RECORD_SCHEMA}"`, 'null'), '/schema'],
      [simple.replace('"tenant":"acme",', ''), '/tenant'],
      [simple.replace('"acme"', '"Acme"'), '/tenant'],
      [simple.replace('"acme"', '7'), '/tenant'],
      [simple.replace(`"time":"${TIME}",`, ''), '/time'],
      [simple.replace(TIME, '2026-11-27T03:05:00Z'), '/time'],
      [simple.replace(TIME, '2026-11-27T03:05:00.123+00:00'), '/time'],
      [simple.replace(TIME, '2026-11-27T03:05:00.123z'), '/time'],
      [simple.replace(TIME, '2026-02-30T03:05:00.123Z'), '/time'],
      [simple.replace('"type":"a"', '"type":""'), '/type'],
      [simple.replace(`"digest":"${DIGEST}",`, ''), '/digest'],
      [simple.replace('}', ',"subject":null}'), '/subject'],
    ];
    for (const [text, field] of cases) {
      assertRecordError(() => parseRecord(utf8(text)), 'INVALID_RECORD', field, text);
    }
  });

  it('rejects bytes that are not a UTF-8 JSON object', () => {
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      utf8('null'),
      utf8('[]'),
      utf8(`[${simple}]`),
      utf8('"x"'),
      Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8(simple)),
      Uint8Array.from([...utf8(simple.slice(0, -2)), 0x80, ...utf8('"}')]),
      utf8(simple.replace('"a"', '"\u00e9"')).map((b) => (b === 0xc3 ? 0xc0 : b)),
      Uint8Array.from([...utf8(simple.replace('"a"}', '"')), 0xed, 0xa0, 0x80, ...utf8('"}')]),
      Uint8Array.from([...utf8(simple.replace('"a"}', '"')), 0xc0, 0xaf, ...utf8('"}')]),
      utf8(simple.slice(0, -1)),
      new Uint8Array(MAX_ENTRY_SIZE + 1).fill(0x20),
      new Uint8Array(10_000_000),
    ];
    for (const bytes of bad) {
      assertRecordError(
        () => parseRecord(bytes),
        'INVALID_RECORD',
        undefined,
        fromUtf8(bytes.slice(0, 80)),
      );
    }
    for (const value of [simple, null, undefined, [1, 2], new Uint16Array(4), new ArrayBuffer(4)]) {
      assertRecordError(() => parseRecord(value as unknown as Uint8Array), 'INVALID_RECORD');
    }
  });

  it('survives random byte mutations with RecordError or an equal-or-valid record', () => {
    const bytes = buildRecord(FULL, 'acme', TIME_MS).bytes;
    const rand = prng(0x5eed);
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const mutated = bytes.slice();
      mutated[rand(mutated.length)] = rand(256);
      try {
        const record = parseRecord(mutated);
        accepted++;
        const rebuilt = buildRecord(statementOf(record), record.tenant, Date.parse(record.time));
        assert.deepEqual(rebuilt.bytes, mutated);
      } catch (err) {
        assert.ok(err instanceof RecordError && err.code === 'INVALID_RECORD', String(err));
      }
    }
    assert.ok(accepted > 0, 'some mutations (hex digits, letters) keep the record valid');
  });
});

describe('RFC 8785 cross-check of the canonicalize package', () => {
  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as object;
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\u{1F600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    assert.equal(canonicalize(input), expected);
    // The property names' UTF-8, in order, as listed by the RFC.
    const names = [...expected.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) =>
      Buffer.from(JSON.parse(`"${m[1]}"`) as string).toString('hex'),
    );
    assert.deepEqual(names, ['0d', '31', 'c280', 'c3b6', 'e282ac', 'f09f9880', 'efacb3']);
  });

  it('escapes strings as RFC 8785 §3.2.2.2 (the string part of the §3.2.2 example)', () => {
    const input = JSON.parse(
      '{"escaping":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}',
    ) as object;
    const hex =
      '7b 22 65 73 63 61 70 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 30 66 5c 6e 41 27 42 5c 22' +
      ' 5c 5c 5c 5c 5c 22 2f 22 7d';
    assert.equal(
      Buffer.from(canonicalize(input) as string).toString('hex'),
      hex.replaceAll(' ', ''),
    );
  });

  it('orders nested objects and keeps array order', () => {
    const input = JSON.parse('{"b":["z","a"],"a":{"d":"1","c":{"f":"","e":"\\u001f"}}}') as object;
    assert.equal(canonicalize(input), '{"a":{"c":{"e":"\\u001f","f":""},"d":"1"},"b":["z","a"]}');
  });
});
