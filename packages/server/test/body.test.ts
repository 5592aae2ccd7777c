import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BODY_LIMITS,
  JsonBodyError,
  parseBoundedJson,
  type JsonBodyErrorCode,
  type JsonLimits,
} from '../src/bounded-json.js';
import { parseBody } from '../src/body-parse.js';
import { BodyParserPool, BodyPoolError } from '../src/body-pool.js';

/** A deterministic PRNG (mulberry32), so that a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['a', 'b', '__proto__', 'constructor', '1', '0', '10', 'a/b', 'x~y', '', 'é', '😀'];

/** A random JSON value of depth ≤ `depth` with unique member names. */
function randomValue(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 0 ? 9 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.floor((rand() - 0.5) * 2 ** Math.floor(rand() * 60));
    case 3:
      return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    case 4:
      return [-0, 0, 1e308, 5e-324, 0.1, 2 ** 53 + 1][Math.floor(rand() * 6)];
    case 5:
    case 6: {
      const length = Math.floor(rand() * 8);
      let s = '';
      for (let i = 0; i < length; i++) {
        const r = rand();
        // ASCII, escapes, controls, BMP, lone surrogates and pairs.
        s +=
          r < 0.5
            ? String.fromCharCode(0x20 + Math.floor(rand() * 95))
            : r < 0.6
              ? '"\\/\b\f\n\r\t'[Math.floor(rand() * 8)]!
              : r < 0.7
                ? String.fromCharCode(Math.floor(rand() * 0x20))
                : r < 0.85
                  ? String.fromCharCode(0xa0 + Math.floor(rand() * 0xd700))
                  : r < 0.92
                    ? String.fromCharCode(0xd800 + Math.floor(rand() * 0x800))
                    : '😀';
      }
      return s;
    }
    case 7:
      return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth - 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) {
        const name = NAMES[Math.floor(rand() * NAMES.length)]!;
        Object.defineProperty(object, name, {
          value: randomValue(rand, depth - 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
  }
}

/** JSON text of `value` with random whitespace and random \u escapes in strings. */
function randomText(rand: () => number, value: unknown): string {
  const ws = () => ['', '', ' ', '\n', '\t', '\r\n  '][Math.floor(rand() * 6)]!;
  const str = (s: string) =>
    JSON.stringify(s).replace(/[a-z_]/g, (c) =>
      rand() < 0.2
        ? `\\u00${c.charCodeAt(0).toString(16)[rand() < 0.5 ? 'toUpperCase' : 'toLowerCase']()}`
        : c,
    );
  const text = (v: unknown): string => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => text(x)).join(`${ws()},${ws()}`)}${ws()}]`;
    if (v !== null && typeof v === 'object') {
      const members = Object.keys(v).map(
        (k) => `${str(k)}${ws()}:${ws()}${text((v as Record<string, unknown>)[k])}`,
      );
      return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
    }
    if (Object.is(v, -0)) return '-0';
    const n = JSON.stringify(v);
    return rand() < 0.2 && typeof v === 'number' ? n.replace('e', 'E') : n;
  };
  return `${ws()}${text(value)}${ws()}`;
}

/** Parses with both and asserts the same outcome: equal values, or both refuse. */
function sameAsJsonParse(text: string): void {
  let expected: unknown;
  let expectedError: unknown;
  try {
    expected = JSON.parse(text);
  } catch (err) {
    expectedError = err;
  }
  let actual: unknown;
  try {
    actual = parseBoundedJson(text);
  } catch (err) {
    assert.ok(err instanceof JsonBodyError, `${JSON.stringify(text)}: ${String(err)}`);
    if (expectedError === undefined) {
      // Only a repeated member name may be refused where JSON.parse succeeds.
      assert.equal(err.code, 'DUPLICATE', `${JSON.stringify(text)}: ${err.message}`);
    }
    return;
  }
  assert.equal(expectedError, undefined, `${JSON.stringify(text)} must be refused`);
  // deepStrictEqual compares -0 and 0 apart, and prototypes.
  assert.deepStrictEqual(actual, expected, JSON.stringify(text));
  assert.deepStrictEqual(Object.keys(Object(actual)), Object.keys(Object(expected)));
}

function refuses(
  text: string,
  code: JsonBodyErrorCode,
  limits: JsonLimits = BODY_LIMITS,
): JsonBodyError {
  try {
    parseBoundedJson(text, limits);
  } catch (err) {
    assert.ok(err instanceof JsonBodyError);
    assert.equal(err.code, code, `${text.slice(0, 80)}: ${err.message}`);
    return err;
  }
  assert.fail(`${text.slice(0, 80)} must be refused with ${code}`);
}

describe('bounded JSON parser', () => {
  it('returns exactly what JSON.parse returns on random valid documents', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const rand = prng(seed);
      const text = randomText(rand, randomValue(rand, 6));
      sameAsJsonParse(text);
    }
  });

  it('agrees with JSON.parse on random corruptions of valid documents', () => {
    const alphabet = '{}[]",:\\ 0123456789.eE+-tfnulasr\u0000\u001f\u00a0\ufeff/u';
    for (let seed = 1; seed <= 3000; seed++) {
      const rand = prng(seed);
      let text = randomText(rand, randomValue(rand, 4));
      for (let edits = 1 + Math.floor(rand() * 3); edits > 0; edits--) {
        const at = Math.floor(rand() * (text.length + 1));
        const c = alphabet[Math.floor(rand() * alphabet.length)]!;
        const kind = rand();
        text =
          kind < 0.33
            ? text.slice(0, at) + c + text.slice(at)
            : kind < 0.66
              ? text.slice(0, at) + text.slice(at + 1)
              : text.slice(0, at) + c + text.slice(at + 1);
      }
      sameAsJsonParse(text);
    }
  });

  it('converts numbers, escapes and names exactly as JSON.parse', () => {
    for (const text of [
      '-0',
      '[0, -0, 0.0, -0.0, 0e5, -0E-5]',
      '1e400',
      '-1e400',
      '1e-400',
      '123456789012345678901234567890',
      '0.1',
      '9007199254740993',
      '2.2250738585072011e-308',
      '1E+2',
      '-1.5e-3',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
      '"\\u0000\\u001F\\u00e9\\uFFFF"',
      '"\\ud83d\\ude00 😀"',
      '"\\ud800"',
      '"\\udc00\\ud800"',
      '{"__proto__": {"polluted": true}, "b": 1}',
      '{"b": 1, "1": 2, "a": 3, "0": 4}',
      '{"constructor": {"prototype": 1}, "toString": 2}',
      ' \t\r\n[ \t\r\n] \t\r\n',
      '{"":""}',
    ]) {
      sameAsJsonParse(text);
    }
    const proto = parseBoundedJson('{"__proto__": {"polluted": true}}') as object;
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses what RFC 8259 does not allow', () => {
    for (const text of [
      '',
      ' ',
      '01',
      '-01',
      '1.',
      '.5',
      '+1',
      '-',
      '1e',
      '1e+',
      '0x10',
      'NaN',
      'Infinity',
      '-Infinity',
      'tru',
      'nul',
      'True',
      '"\u0001"',
      '"a\nb"',
      '"\\x41"',
      '"\\u12"',
      '"\\u12G4"',
      '"\\U0041"',
      '"abc',
      '"abc\\',
      '[1,]',
      '[,1]',
      '[1 2]',
      '{"a":1,}',
      '{,}',
      '{"a" 1}',
      '{"a":1 "b":2}',
      '{a:1}',
      "{'a':1}",
      '\u00a01',
      '\ufeff1',
      '1 // comment',
      '[',
      '{"a":',
      '[1]]',
      '{}}',
      '1 2',
    ]) {
      assert.throws(() => JSON.parse(text), SyntaxError, JSON.stringify(text));
      const err = refuses(text, 'SYNTAX');
      assert.match(err.message, /^not valid JSON: .* at character \d+$/);
    }
  });

  it('refuses repeated member names, after unescaping, with their JSON Pointer', () => {
    assert.equal(refuses('{"a":1,"a":2}', 'DUPLICATE').field, '/a');
    assert.equal(refuses('{"a":1,"\\u0061":2}', 'DUPLICATE').field, '/a');
    assert.equal(refuses('{"a":{"b":[0,{"c":1,"c":2}]}}', 'DUPLICATE').field, '/a/b/1/c');
    assert.equal(refuses('[{}, {"x":[], "x":[]}]', 'DUPLICATE').field, '/1/x');
    assert.equal(refuses('{"a/b":1,"a/b":2}', 'DUPLICATE').field, '/a~1b');
    assert.equal(refuses('{"~":1,"~":2}', 'DUPLICATE').field, '/~0');
    assert.equal(refuses('{"__proto__":1,"__proto__":2}', 'DUPLICATE').field, '/__proto__');
    assert.equal(refuses('{"":1,"":2}', 'DUPLICATE').field, '/');
    // The same name in different objects is not a repetition.
    assert.deepEqual(parseBoundedJson('{"a":{"a":1},"b":{"a":2}}'), { a: { a: 1 }, b: { a: 2 } });
  });

  it('refuses nesting, members, elements and values beyond the limits', () => {
    const limits: JsonLimits = { maxDepth: 3, maxMembers: 2, maxElements: 3, maxValues: 10 };
    assert.deepEqual(parseBoundedJson('[[[]]]', limits), [[[]]]);
    assert.deepEqual(parseBoundedJson('{"a":{"b":{}}}', limits), { a: { b: {} } });
    refuses('[[[[]]]]', 'DEPTH', limits);
    refuses('[[[{}]]]', 'DEPTH', limits);
    assert.deepEqual(parseBoundedJson('{"a":1,"b":2}', limits), { a: 1, b: 2 });
    refuses('{"a":1,"b":2,"c":3}', 'MEMBERS', limits);
    assert.deepEqual(parseBoundedJson('[1,2,3]', limits), [1, 2, 3]);
    refuses('[1,2,3,4]', 'ELEMENTS', limits);
    assert.equal((parseBoundedJson('[[1,2,3],[1,2,3],1]', limits) as unknown[]).length, 3); // 10 values
    refuses('[[1,2,3],[1,2,3],[1]]', 'VALUES', limits);
    // The body limits: depth 8, 64 members, 1024 elements, 131072 values.
    const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    parseBoundedJson(nest(8));
    assert.equal(refuses(nest(9), 'DEPTH').offset, 8);
    parseBoundedJson(`[${'0,'.repeat(1023)}0]`);
    refuses(`[${'0,'.repeat(1024)}0]`, 'ELEMENTS');
    const members = (n: number) =>
      `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`;
    parseBoundedJson(members(64));
    refuses(members(65), 'MEMBERS');
    // 1 + 1023 × (1 + 127) + (1 + n) values.
    const values = (n: number) =>
      `[${`[${'0,'.repeat(126)}0],`.repeat(1023)}[${Array(n).fill(0).join(',')}]]`;
    parseBoundedJson(values(126)); // 131072
    refuses(values(127), 'VALUES');
  });

  it('stops at the limit: hostile bodies cost what is read up to it', () => {
    // As the server has them: decoded from bytes (flat strings).
    const decode = (text: string) => new TextDecoder().decode(new TextEncoder().encode(text));
    const nested = decode('['.repeat(8_000_000));
    const flat = decode(`{${Array.from({ length: 700_000 }, (_, i) => `"k${i}":0`).join(',')}}`);
    const started = performance.now();
    assert.equal(refuses(nested, 'DEPTH').offset, 8);
    refuses(flat, 'MEMBERS');
    const ms = performance.now() - started;
    assert.ok(ms < 50, `refused in ${ms} ms`);
  });
});

describe('request bodies', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('decodes strict UTF-8 and refuses empty bodies', () => {
    assert.deepEqual(parseBody(bytes('{"a":"é😀"}')), { ok: true, value: { a: 'é😀' } });
    assert.deepEqual(parseBody(Uint8Array.of(0xef, 0xbb, 0xbf, 0x31)), { ok: true, value: 1 });
    for (const invalid of [
      [0x22, 0xff, 0x22],
      [0x22, 0xed, 0xa0, 0x80, 0x22], // a UTF-8-encoded lone surrogate
      [0x22, 0xc0, 0xaf, 0x22], // an over-long "/"
      [0x22, 0xe2, 0x82, 0x22], // truncated
    ]) {
      const outcome = parseBody(Uint8Array.from(invalid));
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.code, 'UTF8');
    }
    for (const empty of ['', ' ', '\r\n\t ']) {
      const outcome = parseBody(bytes(empty));
      assert.equal(!outcome.ok && outcome.code, 'EMPTY');
    }
    const dup = parseBody(bytes('{"a":1,"a":2}'));
    assert.deepEqual(dup, {
      ok: false,
      code: 'DUPLICATE',
      message: 'duplicate member name',
      field: '/a',
    });
  });

  /** `data` in chunks of 1000 bytes, each owning its memory (as the pool takes them). */
  const split = (data: Uint8Array) =>
    Array.from({ length: Math.ceil(data.length / 1000) }, (_, i) =>
      data.slice(i * 1000, (i + 1) * 1000),
    );

  it('parses on the pool as here (chunks split anywhere, even inside a character), and refuses beyond its queue', async () => {
    const pool = new BodyParserPool(1, 1);
    try {
      const text = `{"records":[${'{"a":[1,2,{"b":"é😀"}]},'.repeat(1000)}{}]}`;
      const [here, there] = [parseBody(bytes(text)), await pool.parse(split(bytes(text)))];
      assert.deepStrictEqual(there, here);
      assert.deepEqual(await pool.parse([bytes('[1,2')]), parseBody(bytes('[1,2')));
      // One parsing, one queued: a third is refused at once.
      const big = () => bytes(`[${'"xxxxxxxxxxxxxxxxxxxxxxxx",'.repeat(200_000)}0]`); // ELEMENTS
      const first = pool.parse([big()]);
      const second = pool.parse([big()]);
      await assert.rejects(
        pool.parse([big()]),
        (err) => err instanceof BodyPoolError && err.code === 'BUSY',
      );
      assert.equal((await first).ok, false);
      assert.equal((await second).ok, false);
    } finally {
      await pool.close();
    }
    await assert.rejects(
      pool.parse([bytes('1')]),
      (err) => err instanceof BodyPoolError && err.code === 'CLOSED',
    );
  });

  it('fails the bodies in flight when closed', async () => {
    const pool = new BodyParserPool(1, 4);
    const big = () => bytes(`[${'1,'.repeat(4000)}1]`.padEnd(8_000_000, ' '));
    const pending = [pool.parse([big()]), pool.parse([big()])].map((p) =>
      p.then(
        () => 'parsed',
        (e) => e,
      ),
    );
    await pool.close();
    for (const err of await Promise.all(pending)) {
      assert.ok(err instanceof BodyPoolError && err.code === 'CLOSED', String(err));
    }
  });
});
