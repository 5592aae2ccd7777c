import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  CborTag,
  CoseError,
  decodeCbor,
  encodeCbor,
  type CborValue,
} from '../src/index.js';
import { fromHex, prng, throwsCode, toHex } from './helpers.js';

// RFC 8949 Appendix A examples inside this package's data model (no floats).
const APPENDIX_A: [string, CborValue][] = [
  ['00', 0],
  ['17', 23],
  ['1818', 24],
  ['1903e8', 1000],
  ['1a000f4240', 1000000],
  ['1b000000e8d4a51000', 1000000000000],
  ['1bffffffffffffffff', 18446744073709551615n],
  ['3bffffffffffffffff', -18446744073709551616n],
  ['20', -1],
  ['3903e7', -1000],
  ['f4', false],
  ['f5', true],
  ['f6', null],
  ['f7', undefined],
  ['40', new Uint8Array(0)],
  ['4401020304', Uint8Array.of(1, 2, 3, 4)],
  ['60', ''],
  ['6449455446', 'IETF'],
  ['62225c', '"\\'],
  ['63e6b0b4', '\u6c34'],
  ['80', []],
  ['83010203', [1, 2, 3]],
  ['8301820203820405', [1, [2, 3], [4, 5]]],
  ['a0', new CborMap([])],
  [
    'a201020304',
    new CborMap([
      [1, 2],
      [3, 4],
    ]),
  ],
  [
    'a26161016162820203',
    new CborMap([
      ['a', 1],
      ['b', [2, 3]],
    ]),
  ],
  ['c074323031332d30332d32315432303a30343a30305a', new CborTag(0, '2013-03-21T20:04:00Z')],
  ['d82076687474703a2f2f7777772e6578616d706c652e636f6d', new CborTag(32, 'http://www.example.com')],
];

test('RFC 8949 Appendix A items decode and re-encode byte for byte', () => {
  for (const [hex, value] of APPENDIX_A) {
    assert.deepEqual(decodeCbor(fromHex(hex)), value, hex);
    assert.equal(toHex(encodeCbor(value)), hex, hex);
  }
});

test('integers at the safe-integer edge switch to bigint, both ways', () => {
  assert.equal(decodeCbor(fromHex('1b001fffffffffffff')), Number.MAX_SAFE_INTEGER);
  assert.equal(decodeCbor(fromHex('1b0020000000000000')), 2n ** 53n);
  assert.equal(decodeCbor(fromHex('3b001ffffffffffffe')), -Number.MAX_SAFE_INTEGER);
  assert.equal(decodeCbor(fromHex('3b001fffffffffffff')), -(2n ** 53n));
  assert.equal(toHex(encodeCbor(2n ** 53n)), '1b0020000000000000');
  assert.equal(toHex(encodeCbor(5n)), '05');
});

test('the encoder sorts map keys bytewise (RFC 8949 §4.2.1) and refuses duplicates', () => {
  const map = new CborMap([
    ['aa', 1],
    [-1, 2],
    [100, 3],
    [10, 4],
    [Uint8Array.of(1), 5],
  ]);
  // 0a < 1864 < 20 < 4101 < 626161
  assert.equal(toHex(encodeCbor(map)), 'a50a0418640320024101056261610' + '1');
  throwsCode(
    () =>
      encodeCbor(
        new CborMap([
          [1, 1],
          [1, 2],
        ]),
      ),
    'INVALID_ARGUMENT',
  );
  throwsCode(
    () =>
      encodeCbor(
        new CborMap([
          [2n, 1],
          [2, 2],
        ]),
      ),
    'INVALID_ARGUMENT',
  );
});

test('the encoder refuses values outside the data model', () => {
  for (const bad of [1.5, NaN, Infinity, 2 ** 53, 2n ** 64n, -(2n ** 64n) - 1n]) {
    throwsCode(() => encodeCbor(bad), 'INVALID_ARGUMENT', String(bad));
  }
  throwsCode(() => encodeCbor({} as unknown as CborValue), 'INVALID_ARGUMENT');
  throwsCode(() => encodeCbor(new CborTag(-1, 0)), 'INVALID_ARGUMENT');
  const cyclic: CborValue[] = [];
  cyclic.push(cyclic);
  throwsCode(() => encodeCbor(cyclic), 'INVALID_ARGUMENT');
});

test('the strict profile refuses non-canonical and unsupported encodings', () => {
  const cases: [string, string][] = [
    ['1817', 'one-byte argument below 24'],
    ['190017', 'two-byte argument that fits one'],
    ['1a0000ffff', 'four-byte argument that fits two'],
    ['1b00000000ffffffff', 'eight-byte argument that fits four'],
    ['5801ff', 'byte-string length not shortest'],
    ['5fff', 'indefinite byte string'],
    ['9fff', 'indefinite array'],
    ['bfff', 'indefinite map'],
    ['ff', 'lone break'],
    ['1c', 'reserved additional information'],
    ['f93c00', 'half float'],
    ['fb3ff0000000000000', 'double'],
    ['f0', 'unassigned simple value'],
    ['f820', 'one-byte simple value'],
    ['62c328', 'invalid UTF-8'],
    ['a201020103', 'duplicate map key'],
    ['a2616101616102', 'duplicate text key'],
    ['0000', 'trailing byte'],
    ['', 'empty input'],
  ];
  for (const [hex, why] of cases) throwsCode(() => decodeCbor(fromHex(hex)), 'MALFORMED_CBOR', why);
});

test('huge lengths and counts fail at once, before any allocation', () => {
  for (const hex of [
    '5bffffffffffffffff',
    '7bffffffffffffffff',
    '9bffffffffffffffff',
    'bbffffffffffffffff',
    '5a7fffffff00',
    '9a0000ffff00',
    'b9800000',
  ]) {
    throwsCode(() => decodeCbor(fromHex(hex)), 'MALFORMED_CBOR', hex);
  }
});

test('limits: size, depth and item count', () => {
  throwsCode(() => decodeCbor(new Uint8Array(101).fill(0x40), { maxBytes: 100 }), 'CBOR_LIMIT');
  const deep = (n: number): Uint8Array =>
    new Uint8Array([...new Array<number>(n).fill(0x81), 0x00]);
  assert.ok(Array.isArray(decodeCbor(deep(16))));
  throwsCode(() => decodeCbor(deep(17)), 'CBOR_LIMIT');
  throwsCode(() => decodeCbor(deep(100_000), { maxBytes: 1 << 20 }), 'CBOR_LIMIT');
  const tags = new Uint8Array([...new Array<number>(50).fill(0xc1), 0x00]);
  throwsCode(() => decodeCbor(tags), 'CBOR_LIMIT');
  const wide = new Uint8Array([0x99, 0x01, 0x00, ...new Array<number>(256).fill(0)]);
  assert.equal((decodeCbor(wide) as CborValue[]).length, 256);
  throwsCode(() => decodeCbor(wide, { maxItems: 255 }), 'CBOR_LIMIT');
});

test('every truncation of valid items fails cleanly with MALFORMED_CBOR', () => {
  const items = APPENDIX_A.map(([hex]) => fromHex(hex));
  items.push(
    encodeCbor(
      new CborTag(18, [
        Uint8Array.of(0xa1, 0x01, 0x27),
        new CborMap([[4, Uint8Array.of(1, 2)]]),
        null,
        new Uint8Array(64),
      ]),
    ),
  );
  for (const item of items) {
    for (let n = 0; n < item.length; n++) {
      throwsCode(() => decodeCbor(item.subarray(0, n)), 'MALFORMED_CBOR', `${toHex(item)}[:${n}]`);
    }
  }
});

test('random and mutated bytes never throw anything but a CoseError', () => {
  const rand = prng(8949);
  const base = encodeCbor(
    new CborMap([
      [1, -8],
      [4, new Uint8Array(32)],
      ['x', [1, 'two', new CborTag(3, Uint8Array.of(1))]],
    ]),
  );
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = i % 2 ? new Uint8Array(1 + (rand() % 40)).map(() => rand() & 0xff) : base.slice();
    if (i % 2 === 0)
      for (let k = 0; k <= rand() % 3; k++) bytes[rand() % bytes.length] = rand() & 0xff;
    try {
      decodeCbor(bytes);
      decoded++;
    } catch (err) {
      assert.ok(err instanceof CoseError, `${toHex(bytes)}: ${String(err)}`);
      assert.ok(err.code === 'MALFORMED_CBOR' || err.code === 'CBOR_LIMIT');
    }
  }
  assert.ok(decoded > 0);
});

test('decoded byte strings do not alias the input', () => {
  const input = fromHex('43010203');
  const out = decodeCbor(input) as Uint8Array;
  input[1] = 9;
  assert.deepEqual(out, Uint8Array.of(1, 2, 3));
});
