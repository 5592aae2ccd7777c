import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PackedRecords,
  buildRecord,
  canonicalJson,
  checkPacking,
  formatTime,
  packStatements,
  parseStatement,
  type PackedStatements,
  type Statement,
} from '../src/index.js';
import { COMMITMENT, DIGEST, assertRecordError, prng, utf8 } from './helpers.js';

const EPOCH = formatTime(0);

/** Statements whose parts are easy to split wrongly: subjects and labels that look like members. */
const TRICKY: Statement[] = [
  parseStatement({ digest: DIGEST, type: 't' }),
  parseStatement({ digest: DIGEST, type: 'subject', subject: ',"type":"x"' }),
  parseStatement({
    digest: DIGEST,
    type: 'x.time',
    subject: `","tenant":"evil","time":"${EPOCH}`,
    labels: { '10': 'a', '9': 'b', subject: ',"subject":"', type: '}', zz: '\u{1F600}' },
    commitments: { schema: COMMITMENT },
    controls: ['SOC2:PI1.4', 'type'],
  }),
  parseStatement({ digest: DIGEST, type: 'a', subject: '\u00e9\u{10FFFF}\u2028'.repeat(80) }),
  parseStatement({
    digest: `sha512:${'0f'.repeat(64)}`,
    type: 'signed',
    issuer: { key: 'issuer.example+01234567', sig: 'A'.repeat(86) + '==' },
  }),
];

function randomStatement(rand: (n: number) => number): Statement {
  const words = ['time', 'type', 'subject', '"', '\\', ',', '}', '\u00e9', '\u{1F600}', EPOCH];
  const text = (): string =>
    Array.from({ length: rand(6) + 1 }, () => words[rand(words.length)]!).join('');
  const name = (): string => ['time', 'type', 'a', 'Z9', '10', '9', 'subject'][rand(7)]!;
  return parseStatement({
    digest: DIGEST,
    type: ['t', 'time', 'type.z'][rand(3)]!,
    ...(rand(2) ? { subject: text() } : {}),
    ...(rand(2)
      ? { labels: Object.fromEntries(Array.from({ length: rand(4) }, () => [name(), text()])) }
      : {}),
    ...(rand(2) ? { controls: [...new Set(Array.from({ length: rand(3) + 1 }, name))] } : {}),
  });
}

const TIMES = [0, 1, 1_795_758_661_706, Date.UTC(9999, 11, 31, 23, 59, 59, 999)];

describe('packStatements', () => {
  it('is the UTF-8 of the statements canonical JSON, framed as checkPacking expects', () => {
    const rand = prng(11);
    const statements = [...TRICKY, ...Array.from({ length: 300 }, () => randomStatement(rand))];
    const packed = packStatements(statements);
    assert.deepEqual(packed.bytes, utf8(canonicalJson(statements)));
    assert.equal(checkPacking(packed, statements.length), undefined);
    for (const s of TRICKY) {
      const one = packStatements([s]);
      assert.deepEqual(one.bytes, utf8(`[${canonicalJson(s)}]`));
      assert.equal(checkPacking(one, 1), undefined);
    }
  });

  it('packs no statements as [] and refuses what is not a statement', () => {
    assert.deepEqual(packStatements([]).bytes, utf8('[]'));
    for (const bad of [{ digest: DIGEST }, { digest: DIGEST, type: 't', x: 1 }, null]) {
      assertRecordError(
        () => packStatements([TRICKY[0]!, bad as unknown as Statement]),
        'INVALID_ARGUMENT',
      );
    }
  });
});

describe('PackedRecords', () => {
  it('yields exactly buildRecord for every statement at any time', () => {
    const rand = prng(42);
    const statements = [...TRICKY, ...Array.from({ length: 300 }, () => randomStatement(rand))];
    for (const tenant of ['acme', 'a', 'z'.repeat(63)]) {
      const records = new PackedRecords(packStatements(statements), tenant);
      assert.equal(records.count, statements.length);
      for (const t of TIMES) {
        const entries = records.at(t);
        assert.equal(entries.length, statements.length);
        for (const [i, statement] of statements.entries()) {
          assert.deepEqual(
            entries[i],
            buildRecord(statement, tenant, t).bytes,
            `statement ${i}, ${tenant}, ${t}`,
          );
        }
      }
    }
  });

  it('returns new bytes at each call: an earlier result is never changed', () => {
    const records = new PackedRecords(packStatements(TRICKY), 'acme');
    const first = records.at(1000);
    const copy = first.map((e) => e.slice());
    const second = records.at(2000);
    assert.deepEqual(first, copy);
    assert.notDeepEqual(first[0], second[0]);
    second[0]![0] = 0x20; // a caller that writes into its entries touches only its own
    assert.deepEqual(records.at(1000), copy);
  });

  it('refuses a bad tenant or time (INVALID_ARGUMENT) and an oversized record', () => {
    const packed = packStatements(TRICKY);
    for (const tenant of ['', 'Acme', '-a', 'a'.repeat(64), 'a"b']) {
      assertRecordError(() => new PackedRecords(packed, tenant), 'INVALID_ARGUMENT', '/tenant');
    }
    const records = new PackedRecords(packed, 'acme');
    for (const t of [-1, 1.5, Number.NaN, Date.UTC(10000, 0, 1)]) {
      assertRecordError(() => records.at(t), 'INVALID_ARGUMENT', '/time');
    }
    // No valid statement makes a record above MAX_ENTRY_SIZE; a packing framed right can.
    const big = utf8(`[{"digest":"${'x'.repeat(65_500)}","type":"a"}]`);
    const type = big.length - 2 - ',"type":"a"'.length;
    const huge: PackedStatements = {
      bytes: big,
      offsets: Uint32Array.from([2, type, type, big.length - 2]),
    };
    assert.equal(checkPacking(huge, 1), undefined);
    assertRecordError(() => new PackedRecords(huge, 'acme'), 'INVALID_STATEMENT');
  });
});

describe('checkPacking', () => {
  const good = packStatements(TRICKY.slice(0, 3));

  /** The packing with its offsets changed by `edit`. */
  const offsets = (edit: (o: Uint32Array) => void): PackedStatements => {
    const o = good.offsets.slice();
    edit(o);
    return { bytes: good.bytes, offsets: o };
  };
  const bytes = (edit: (b: Uint8Array) => Uint8Array): PackedStatements => ({
    bytes: edit(good.bytes.slice()),
    offsets: good.offsets,
  });

  it('accepts what packStatements made, and nothing framed otherwise', () => {
    assert.equal(checkPacking(good, 3), undefined);
    const bad: [string, PackedStatements, number][] = [
      ['wrong count', good, 2],
      ['count 0', { bytes: utf8('[]'), offsets: new Uint32Array(0) }, 0],
      ['offsets not a Uint32Array', { bytes: good.bytes, offsets: [...good.offsets] as never }, 3],
      ['bytes not a Uint8Array', { bytes: [...good.bytes] as never, offsets: good.offsets }, 3],
      ['front shifted', offsets((o) => (o[4] = o[4]! + 1)), 3],
      ['subject after type', offsets((o) => (o[1] = o[2]! + 1)), 3],
      ['type shifted', offsets((o) => (o[6] = o[6]! - 1)), 3],
      ['end shifted', offsets((o) => (o[11] = o[11]! - 1)), 3],
      ['end past the bytes', offsets((o) => (o[11] = good.bytes.length + 5)), 3],
      ['no [', bytes((b) => ((b[0] = 0x20), b)), 3],
      ['no ]', bytes((b) => ((b[b.length - 1] = 0x20), b)), 3],
      ['no comma', bytes((b) => ((b[good.offsets[3]! + 1] = 0x20), b)), 3],
      [
        'bytes after the last',
        bytes((b) => Uint8Array.from([...b.subarray(0, -1), 0x20, 0x5d])),
        3,
      ],
      ['one statement dropped', { bytes: good.bytes, offsets: good.offsets.subarray(0, 8) }, 2],
    ];
    for (const [what, packed, count] of bad) {
      assert.notEqual(checkPacking(packed, count), undefined, what);
    }
  });
});
