import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STATEMENT_SIZE, parseStatement, parseStatementJson } from '../src/index.js';
import { COMMITMENT, DIGEST, assertRecordError, plain } from './helpers.js';

const BASE = { digest: DIGEST, type: 'ai.decision' } as const;
const SIG = Buffer.alloc(64, 7).toString('base64');
const ISSUER = { key: 'issuer.example/key+0123abcd', sig: SIG };
const EMOJI = '\u{1F600}';
/** n distinct valid map keys. */
const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);
const mapOf = (n: number, value: string): Record<string, string> =>
  Object.fromEntries(keys(n).map((k) => [k, value]));

describe('parseStatement: valid statements', () => {
  const valid: [string, Record<string, unknown>][] = [
    ['minimal', { ...BASE }],
    ['the issue example', JSON.parse(`{"type":"test.event","digest":"${DIGEST}"}`)],
    ['sha384', { ...BASE, digest: `sha384:${'0f'.repeat(48)}` }],
    ['sha512', { ...BASE, digest: `sha512:${'9e'.repeat(64)}` }],
    ['type of 128 characters', { ...BASE, type: `a${'._:/-'.repeat(25)}xy` }],
    ['type with every allowed character', { ...BASE, type: 'Az09._:/-' }],
    ['subject of 1 code point', { ...BASE, subject: 'x' }],
    ['subject of 256 ASCII', { ...BASE, subject: 'x'.repeat(256) }],
    ['subject of 256 emoji (512 code units)', { ...BASE, subject: EMOJI.repeat(256) }],
    ['subject with combining marks', { ...BASE, subject: 'e\u0301\u0302\u0303 Z\u0351\u0352' }],
    ['subject with U+2028 and U+2029', { ...BASE, subject: 'a\u2028b\u2029c' }],
    ['subject with U+00A0, U+FEFF and U+FFFF', { ...BASE, subject: '\u00a0\ufeff\uffff' }],
    ['empty labels', { ...BASE, labels: {} }],
    ['empty commitments', { ...BASE, commitments: {} }],
    ['32 labels', { ...BASE, labels: mapOf(32, 'v') }],
    ['empty label value', { ...BASE, labels: { env: '' } }],
    ['label value of 256 emoji', { ...BASE, labels: { env: EMOJI.repeat(256) } }],
    ['label key of 64 characters', { ...BASE, labels: { [`a${'b'.repeat(63)}`]: 'v' } }],
    ['label key with every allowed character', { ...BASE, labels: { 'Az09._:/-': 'v' } }],
    [
      'prototype-like label keys',
      { ...BASE, labels: { constructor: 'a', toString: 'b', hasOwnProperty: 'c', prototype: 'd' } },
    ],
    ['32 commitments', { ...BASE, commitments: mapOf(32, COMMITMENT) }],
    ['one control', { ...BASE, controls: ['SOC2:PI1.4'] }],
    [
      'controls from several frameworks',
      {
        ...BASE,
        controls: ['SOC2:PI1.4', 'ISO27001:A.8.15', 'HIPAA:164.312(b)', 'ISO42001:A.6.2.8'],
      },
    ],
    ['32 controls', { ...BASE, controls: keys(32) }],
    ['control of 64 characters', { ...BASE, controls: [`A${'()'.repeat(31)}b`] }],
    ['issuer', { ...BASE, issuer: ISSUER }],
    [
      'every member',
      {
        ...BASE,
        subject: 'case 4711',
        labels: { env: 'prod', model: 'gpt-x' },
        commitments: { patient: COMMITMENT },
        controls: ['SOC2:PI1.4'],
        issuer: ISSUER,
      },
    ],
    ['undefined optional members count as absent', { ...BASE, subject: undefined }],
  ];
  for (const [name, value] of valid) {
    it(name, () => {
      const s = parseStatement(value);
      const expected = JSON.parse(JSON.stringify(value)) as unknown;
      assert.deepEqual(plain(s), expected);
      assert.deepEqual(plain(parseStatementJson(JSON.stringify(value))), expected);
    });
  }

  it('returns a frozen copy with null-prototype maps', () => {
    const input = { ...BASE, labels: { env: 'prod' }, commitments: {}, controls: ['A'] };
    const s = parseStatement(input);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.labels) && Object.isFrozen(s.controls));
    assert.equal(Object.getPrototypeOf(s.labels), null);
    assert.equal(Object.getPrototypeOf(s.commitments), null);
    input.labels.env = 'changed';
    input.controls.push('B');
    assert.equal(s.labels?.env, 'prod');
    assert.deepEqual(s.controls, ['A']);
  });

  it('returns a statement it made itself unchanged (it is immutable), and copies lookalikes', () => {
    const s = parseStatement({ ...BASE, labels: { env: 'prod' } });
    assert.equal(parseStatement(s), s);
    const lookalike = { ...s, labels: { env: 'prod' } };
    assert.notEqual(parseStatement(lookalike), lookalike);
    assert.throws(() => parseStatement({ ...s, labels: { 'bad key': 'x' } }), /must match/);
  });

  it('accepts a null-prototype input object', () => {
    const input = Object.assign(Object.create(null) as object, BASE);
    assert.equal(parseStatement(input).type, 'ai.decision');
  });

  it('treats prototype-like names as plain data, without pollution', () => {
    const s = parseStatementJson(
      `{"digest":"${DIGEST}","type":"t","labels":{"constructor":"x","toString":"y"}}`,
    );
    assert.equal(s.labels?.constructor, 'x');
    assert.equal(s.labels?.toString, 'y');
    assert.equal(s.labels?.valueOf, undefined, 'no inherited members');
    for (const text of [
      `{"digest":"${DIGEST}","type":"t","__proto__":{"polluted":"yes"}}`,
      `{"digest":"${DIGEST}","type":"t","labels":{"__proto__":"x"}}`,
      `{"digest":"${DIGEST}","type":"t","issuer":{"__proto__":{"key":"x"}}}`,
    ]) {
      assert.throws(() => parseStatementJson(text));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).key, undefined);
  });
});

describe('parseStatement: every constraint violated once', () => {
  const cases: [string, unknown, string][] = [
    ['missing digest', { type: 't' }, '/digest'],
    ['missing type', { digest: DIGEST }, '/type'],
    ['digest not a string', { ...BASE, digest: 42 }, '/digest'],
    ['digest null', { ...BASE, digest: null }, '/digest'],
    ['digest with 63 hex', { ...BASE, digest: `sha256:${'a'.repeat(63)}` }, '/digest'],
    ['digest with 65 hex', { ...BASE, digest: `sha256:${'a'.repeat(65)}` }, '/digest'],
    ['digest uppercase hex', { ...BASE, digest: `sha256:${'A'.repeat(64)}` }, '/digest'],
    ['digest uppercase algorithm', { ...BASE, digest: `SHA256:${'a'.repeat(64)}` }, '/digest'],
    ['digest sha1', { ...BASE, digest: `sha1:${'a'.repeat(40)}` }, '/digest'],
    ['digest sha384 length for sha256', { ...BASE, digest: `sha256:${'a'.repeat(96)}` }, '/digest'],
    ['digest sha512 with 64 hex', { ...BASE, digest: `sha512:${'a'.repeat(64)}` }, '/digest'],
    ['digest with trailing newline', { ...BASE, digest: `${DIGEST}\n` }, '/digest'],
    ['digest with leading space', { ...BASE, digest: ` ${DIGEST}` }, '/digest'],
    ['digest huge', { ...BASE, digest: `sha256:${'a'.repeat(1e6)}` }, '/digest'],
    ['type empty', { ...BASE, type: '' }, '/type'],
    ['type starting with a dot', { ...BASE, type: '.x' }, '/type'],
    ['type of 129 characters', { ...BASE, type: 'a'.repeat(129) }, '/type'],
    ['type with a space', { ...BASE, type: 'a b' }, '/type'],
    ['type with a newline', { ...BASE, type: 'ab\n' }, '/type'],
    ['type with non-ASCII', { ...BASE, type: 'caf\u00e9' }, '/type'],
    ['type a number', { ...BASE, type: 5 }, '/type'],
    ['type an array', { ...BASE, type: ['t'] }, '/type'],
    ['subject empty', { ...BASE, subject: '' }, '/subject'],
    ['subject of 257 code points', { ...BASE, subject: 'x'.repeat(257) }, '/subject'],
    ['subject of 257 emoji', { ...BASE, subject: EMOJI.repeat(257) }, '/subject'],
    ['subject huge', { ...BASE, subject: 'x'.repeat(1e6) }, '/subject'],
    ['subject with NUL', { ...BASE, subject: 'a\u0000b' }, '/subject'],
    ['subject with a newline', { ...BASE, subject: 'a\nb' }, '/subject'],
    ['subject with a tab', { ...BASE, subject: 'a\tb' }, '/subject'],
    ['subject with U+001F', { ...BASE, subject: '\u001f' }, '/subject'],
    ['subject with DEL', { ...BASE, subject: 'a\u007f' }, '/subject'],
    ['subject with U+0085', { ...BASE, subject: 'a\u0085' }, '/subject'],
    ['subject with U+009F', { ...BASE, subject: '\u009f' }, '/subject'],
    ['subject with a lone high surrogate', { ...BASE, subject: 'a\ud800b' }, '/subject'],
    ['subject ending in a high surrogate', { ...BASE, subject: 'a\udbff' }, '/subject'],
    ['subject with a lone low surrogate', { ...BASE, subject: '\udc00a' }, '/subject'],
    ['subject with reversed surrogates', { ...BASE, subject: '\ude00\ud83d' }, '/subject'],
    ['subject null', { ...BASE, subject: null }, '/subject'],
    ['subject a number', { ...BASE, subject: 1 }, '/subject'],
    ['subject an object', { ...BASE, subject: { a: 'b' } }, '/subject'],
    ['labels null', { ...BASE, labels: null }, '/labels'],
    ['labels an array', { ...BASE, labels: [['a', 'b']] }, '/labels'],
    ['labels a string', { ...BASE, labels: 'env=prod' }, '/labels'],
    ['labels a Map', { ...BASE, labels: new Map([['a', 'b']]) }, '/labels'],
    ['33 labels', { ...BASE, labels: mapOf(33, 'v') }, '/labels'],
    ['100000 labels', { ...BASE, labels: mapOf(100000, 'v') }, '/labels'],
    ['label key empty', { ...BASE, labels: { '': 'v' } }, '/labels/'],
    ['label key starting with -', { ...BASE, labels: { '-a': 'v' } }, '/labels/-a'],
    ['label key starting with _', { ...BASE, labels: { _a: 'v' } }, '/labels/_a'],
    [
      'label key of 65 characters',
      { ...BASE, labels: { ['a'.repeat(65)]: 'v' } },
      `/labels/${'a'.repeat(65)}`,
    ],
    ['label key with a space', { ...BASE, labels: { 'a b': 'v' } }, '/labels/a b'],
    ['label key with ~ and /', { ...BASE, labels: { 'a/~': 'v' } }, '/labels/a~1~0'],
    ['label key non-ASCII', { ...BASE, labels: { 'caf\u00e9': 'v' } }, '/labels/caf\u00e9'],
    ['label key with parentheses', { ...BASE, labels: { 'a(b)': 'v' } }, '/labels/a(b)'],
    ['label value a number', { ...BASE, labels: { env: 1 } }, '/labels/env'],
    ['label value null', { ...BASE, labels: { env: null } }, '/labels/env'],
    ['label value true', { ...BASE, labels: { env: true } }, '/labels/env'],
    ['label value an object', { ...BASE, labels: { env: { a: 'b' } } }, '/labels/env'],
    ['label value an array', { ...BASE, labels: { env: ['prod'] } }, '/labels/env'],
    [
      'label value of 257 code points',
      { ...BASE, labels: { env: 'v'.repeat(257) } },
      '/labels/env',
    ],
    ['label value with NUL', { ...BASE, labels: { env: '\u0000' } }, '/labels/env'],
    ['label value with U+0085', { ...BASE, labels: { env: 'a\u0085' } }, '/labels/env'],
    ['label value with a lone surrogate', { ...BASE, labels: { env: '\ud800' } }, '/labels/env'],
    ['commitments null', { ...BASE, commitments: null }, '/commitments'],
    ['commitments an array', { ...BASE, commitments: [COMMITMENT] }, '/commitments'],
    ['33 commitments', { ...BASE, commitments: mapOf(33, COMMITMENT) }, '/commitments'],
    ['commitment key invalid', { ...BASE, commitments: { ' x': COMMITMENT } }, '/commitments/ x'],
    [
      'commitment sha384',
      { ...BASE, commitments: { a: `sha384:${'a'.repeat(96)}` } },
      '/commitments/a',
    ],
    [
      'commitment uppercase',
      { ...BASE, commitments: { a: COMMITMENT.toUpperCase() } },
      '/commitments/a',
    ],
    [
      'commitment short',
      { ...BASE, commitments: { a: COMMITMENT.slice(0, -1) } },
      '/commitments/a',
    ],
    ['commitment a plain value', { ...BASE, commitments: { a: 'secret' } }, '/commitments/a'],
    ['commitment a number', { ...BASE, commitments: { a: 7 } }, '/commitments/a'],
    ['controls null', { ...BASE, controls: null }, '/controls'],
    ['controls empty', { ...BASE, controls: [] }, '/controls'],
    ['controls a string', { ...BASE, controls: 'SOC2:PI1.4' }, '/controls'],
    ['controls an object', { ...BASE, controls: { 0: 'SOC2:PI1.4' } }, '/controls'],
    ['33 controls', { ...BASE, controls: keys(33) }, '/controls'],
    ['10^6 controls', { ...BASE, controls: new Array(1e6).fill('a') }, '/controls'],
    ['duplicate control', { ...BASE, controls: ['A', 'B', 'A'] }, '/controls/2'],
    ['control empty', { ...BASE, controls: [''] }, '/controls/0'],
    ['control with a space', { ...BASE, controls: ['SOC2 PI1.4'] }, '/controls/0'],
    ['control starting with (', { ...BASE, controls: ['(a)'] }, '/controls/0'],
    ['control of 65 characters', { ...BASE, controls: ['a'.repeat(65)] }, '/controls/0'],
    ['control a number', { ...BASE, controls: ['a', 1] }, '/controls/1'],
    ['control null', { ...BASE, controls: [null] }, '/controls/0'],
    ['control a nested array', { ...BASE, controls: [['a']] }, '/controls/0'],
    ['controls with a hole', { ...BASE, controls: ['a', , 'b'] }, '/controls/1'], // eslint-disable-line no-sparse-arrays
    ['issuer null', { ...BASE, issuer: null }, '/issuer'],
    ['issuer a string', { ...BASE, issuer: 'issuer+0123abcd' }, '/issuer'],
    ['issuer an array', { ...BASE, issuer: [ISSUER.key, ISSUER.sig] }, '/issuer'],
    ['issuer without key', { ...BASE, issuer: { sig: SIG } }, '/issuer/key'],
    ['issuer without sig', { ...BASE, issuer: { key: ISSUER.key } }, '/issuer/sig'],
    [
      'issuer with an extra member',
      { ...BASE, issuer: { ...ISSUER, alg: 'ed25519' } },
      '/issuer/alg',
    ],
    [
      'issuer key without id',
      { ...BASE, issuer: { ...ISSUER, key: 'issuer.example' } },
      '/issuer/key',
    ],
    ['issuer key with 7 hex', { ...BASE, issuer: { ...ISSUER, key: 'i+0123abc' } }, '/issuer/key'],
    [
      'issuer key uppercase hex',
      { ...BASE, issuer: { ...ISSUER, key: 'i+0123ABCD' } },
      '/issuer/key',
    ],
    [
      'issuer key with empty name',
      { ...BASE, issuer: { ...ISSUER, key: '+0123abcd' } },
      '/issuer/key',
    ],
    [
      'issuer key with a space',
      { ...BASE, issuer: { ...ISSUER, key: 'a b+0123abcd' } },
      '/issuer/key',
    ],
    [
      'issuer key with two +',
      { ...BASE, issuer: { ...ISSUER, key: 'a+b+0123abcd' } },
      '/issuer/key',
    ],
    [
      'issuer key too long',
      { ...BASE, issuer: { ...ISSUER, key: `${'a'.repeat(248)}+0123abcd` } },
      '/issuer/key',
    ],
    ['issuer key a number', { ...BASE, issuer: { ...ISSUER, key: 1 } }, '/issuer/key'],
    [
      'issuer sig of 63 bytes',
      { ...BASE, issuer: { ...ISSUER, sig: Buffer.alloc(63).toString('base64') } },
      '/issuer/sig',
    ],
    [
      'issuer sig of 65 bytes',
      { ...BASE, issuer: { ...ISSUER, sig: Buffer.alloc(65).toString('base64') } },
      '/issuer/sig',
    ],
    [
      'issuer sig unpadded',
      { ...BASE, issuer: { ...ISSUER, sig: SIG.replace(/=+$/, '') } },
      '/issuer/sig',
    ],
    [
      'issuer sig base64url',
      { ...BASE, issuer: { ...ISSUER, sig: Buffer.alloc(64, 0xfb).toString('base64url') + '==' } },
      '/issuer/sig',
    ],
    [
      'issuer sig with non-zero padding bits',
      { ...BASE, issuer: { ...ISSUER, sig: SIG.replace(/w==$/, 'x==') } },
      '/issuer/sig',
    ],
    ['issuer sig hex', { ...BASE, issuer: { ...ISSUER, sig: '07'.repeat(64) } }, '/issuer/sig'],
    ['issuer sig null', { ...BASE, issuer: { ...ISSUER, sig: null } }, '/issuer/sig'],
    ['unknown member schema', { ...BASE, schema: 'proofline.dev/record/v1' }, '/schema'],
    ['unknown member tenant', { ...BASE, tenant: 'acme' }, '/tenant'],
    ['unknown member time', { ...BASE, time: '2026-11-27T03:05:00.123Z' }, '/time'],
    ['unknown member', { ...BASE, foo: 'bar' }, '/foo'],
    ['unknown member with an empty name', { ...BASE, '': 'x' }, '/'],
    ['unknown member with ~ and /', { ...BASE, 'a/b~c': 1 }, '/a~1b~0c'],
    ['unknown member among many', { ...BASE, ...mapOf(1000, 'v') }, '/k0'],
  ];
  for (const [name, value, field] of cases) {
    it(`${name} → ${field}`, () =>
      assertRecordError(() => parseStatement(value), 'INVALID_STATEMENT', field));
  }

  it('rejects a getter without running it', () => {
    let ran = false;
    const value = {
      type: 't',
      get digest(): string {
        ran = true;
        throw new Error('boom');
      },
    };
    assertRecordError(() => parseStatement(value), 'INVALID_STATEMENT', '/digest');
    const labels = Object.defineProperty({}, 'env', { enumerable: true, get: () => 'x' });
    assertRecordError(
      () => parseStatement({ ...BASE, labels }),
      'INVALID_STATEMENT',
      '/labels/env',
    );
    const controls = ['a'];
    Object.defineProperty(controls, 0, { get: () => 'x' });
    assertRecordError(
      () => parseStatement({ ...BASE, controls }),
      'INVALID_STATEMENT',
      '/controls/0',
    );
    assert.equal(ran, false);
  });

  it('rejects values that are not JSON objects', () => {
    class Statementish {
      digest = DIGEST;
      type = 't';
    }
    for (const value of [
      null,
      undefined,
      0,
      1,
      'statement',
      true,
      [],
      [BASE],
      new Date(0),
      new Map(Object.entries(BASE)),
      new Statementish(),
      () => BASE,
    ]) {
      assertRecordError(() => parseStatement(value), 'INVALID_STATEMENT', undefined, String(value));
    }
  });
});

describe('parseStatementJson', () => {
  const json = (members: string): string => `{"digest":"${DIGEST}","type":"t"${members}}`;

  it('rejects lone surrogates written as JSON escapes', () => {
    for (const [text, field] of [
      [json(',"subject":"\\ud800"'), '/subject'],
      [json(',"subject":"a\\udc00"'), '/subject'],
      [json(',"labels":{"env":"\\udbff"}'), '/labels/env'],
      [json(',"labels":{"env":"\\ud83d\\u0041"}'), '/labels/env'],
    ] as const) {
      assertRecordError(() => parseStatementJson(text), 'INVALID_STATEMENT', field);
    }
    assert.equal(parseStatementJson(json(',"subject":"\\ud83d\\ude00"')).subject, EMOJI);
  });

  it('rejects control characters written as JSON escapes', () => {
    for (const escape of ['\\u0000', '\\n', '\\r', '\\t', '\\u007f', '\\u0085', '\\u009f']) {
      assertRecordError(
        () => parseStatementJson(json(`,"subject":"a${escape}"`)),
        'INVALID_STATEMENT',
        '/subject',
        escape,
      );
    }
    assert.equal(parseStatementJson(json(',"subject":"\\u2028"')).subject, '\u2028');
    assert.equal(parseStatementJson(json(',"subject":"\\u00a0"')).subject, '\u00a0');
  });

  it('rejects duplicate member names, also when escaped differently', () => {
    for (const [text, field] of [
      [`{"digest":"${DIGEST}","type":"t","type":"u"}`, '/type'],
      [`{"digest":"${DIGEST}","type":"t","\\u0074ype":"u"}`, '/type'],
      [json(',"labels":{"a":"1","b":"2","a":"3"}'), '/labels/a'],
      [json(',"labels":{"a/b":"1","a\\/b":"2"}'), '/labels/a~1b'],
      [json(',"issuer":{"key":"k","key":"k"}'), '/issuer/key'],
    ] as const) {
      assertRecordError(() => parseStatementJson(text), 'INVALID_STATEMENT', field);
    }
    // Equal names in different objects, and equal strings as values, are fine.
    const s = parseStatementJson(
      json(',"labels":{"type":"type"},"commitments":{"type":"' + COMMITMENT + '"}'),
    );
    assert.equal(s.labels?.type, 'type');
  });

  it('is bounded: at most MAX_STATEMENT_SIZE bytes of UTF-8', () => {
    const pad = (n: number): string => json(`,"subject":"x"${' '.repeat(n)}`);
    const fits = pad(MAX_STATEMENT_SIZE - pad(0).length);
    assert.equal(Buffer.byteLength(fits), MAX_STATEMENT_SIZE);
    assert.equal(parseStatementJson(fits).subject, 'x');
    assertRecordError(() => parseStatementJson(`${fits} `), 'INVALID_STATEMENT', undefined);
    // Multi-byte characters count by their UTF-8 size.
    const wide = json(`,"subject":"${'\u20ac'.repeat(200)}"`);
    const padded = `${wide}${' '.repeat(MAX_STATEMENT_SIZE - Buffer.byteLength(wide) + 1)}`;
    assert.ok(padded.length < MAX_STATEMENT_SIZE);
    assertRecordError(() => parseStatementJson(padded), 'INVALID_STATEMENT');
    assertRecordError(() => parseStatementJson(' '.repeat(10 * 1024 * 1024)), 'INVALID_STATEMENT');
  });

  it('rejects deeply nested values without recursion', () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    assertRecordError(
      () => parseStatementJson(json(`,"labels":{"a":${deep(7000)}}`)),
      'INVALID_STATEMENT',
      '/labels/a',
    );
    assertRecordError(() => parseStatementJson(deep(8000)), 'INVALID_STATEMENT');
    const objects = '{"a":'.repeat(2000) + '1' + '}'.repeat(2000);
    assertRecordError(
      () => parseStatementJson(json(`,"issuer":${objects}`)),
      'INVALID_STATEMENT',
      '/issuer/a',
    );
  });

  it('rejects text that is not one JSON object', () => {
    for (const text of [
      '',
      ' ',
      'null',
      '[]',
      '"statement"',
      '42',
      `\ufeff${json('')}`,
      `${json('')},`,
      `${json('')}{}`,
      json('').slice(0, -1),
      json(','),
      `{'digest':'${DIGEST}','type':'t'}`,
      json(',"subject":NaN'),
      json(',"subject":"a\\x41"'),
      json(',"subject":"a\\u00"'),
    ]) {
      assertRecordError(() => parseStatementJson(text), 'INVALID_STATEMENT', undefined, text);
    }
    for (const value of [undefined, null, 42, {}, new Uint8Array(2)]) {
      assertRecordError(() => parseStatementJson(value as unknown as string), 'INVALID_STATEMENT');
    }
  });

  it('reports numbers where strings are expected', () => {
    assertRecordError(
      () => parseStatementJson(json(',"subject":1e400')),
      'INVALID_STATEMENT',
      '/subject',
    );
    assertRecordError(
      () => parseStatementJson(`{"digest":0,"type":"t"}`),
      'INVALID_STATEMENT',
      '/digest',
    );
    assertRecordError(
      () => parseStatementJson(json(',"controls":[1]')),
      'INVALID_STATEMENT',
      '/controls/0',
    );
  });
});
