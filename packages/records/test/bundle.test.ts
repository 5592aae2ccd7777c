import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Encode, formatCheckpoint, openCheckpoint, signNote } from '@proofline/note';
import { leafHash, verifyInclusion } from '@proofline/tlog';
import {
  BUNDLE_MEDIA_TYPE,
  MAX_BUNDLE_SIZE,
  MAX_ENTRY_SIZE,
  RecordError,
  bundleToTlogProof,
  formatBundle,
  openReceipt,
  parseBundle,
  parseRecord,
  type Bundle,
} from '../src/index.js';
import { logKey, makeBundle } from './fixtures.js';
import { assertRecordError, plain, prng, testKey } from './helpers.js';

const bundle = await makeBundle(13, 9);
const json = formatBundle(bundle);
const members = JSON.parse(json) as Record<string, unknown>;
const withMembers = (changes: Record<string, unknown>): string =>
  JSON.stringify({ ...members, ...changes });

describe('formatBundle and parseBundle', () => {
  it('round-trip', async () => {
    assert.deepEqual(parseBundle(json), bundle);
    for (const [size, index] of [
      [1, 0],
      [2, 1],
      [256, 0],
      [257, 256],
    ] as const) {
      const b = await makeBundle(size, index);
      assert.deepEqual(parseBundle(formatBundle(b)), b);
    }
  });

  it('writes the documented members in order, indented by two spaces', () => {
    assert.deepEqual(Object.keys(members), [
      'mediaType',
      'id',
      'log',
      'origin',
      'index',
      'entry',
      'receipt',
      'inclusionProof',
      'checkpoint',
    ]);
    assert.ok(json.startsWith(`{\n  "mediaType": "${BUNDLE_MEDIA_TYPE}",\n  "id": "acme-prod-9",`));
    assert.equal(members.entry, Buffer.from(bundle.entry).toString('base64'));
  });

  it('carries everything needed to verify the record offline', async () => {
    const b = parseBundle(json);
    const receipt = await openReceipt(b.receipt!, logKey.verifier);
    const { checkpoint, note } = await openCheckpoint(b.checkpoint, b.origin, logKey.verifier);
    assert.equal(note.unverified.length, 1, 'the witness cosignature is kept');
    assert.deepEqual(receipt.leafHash, leafHash(b.entry));
    assert.equal(receipt.index, b.index);
    verifyInclusion(
      leafHash(b.entry),
      b.index,
      checkpoint.size,
      b.inclusionProof,
      checkpoint.rootHash,
    );
    assert.equal(parseRecord(b.entry).time, receipt.time);
  });

  it('accepts any JSON whitespace and reads -0 as index 0', async () => {
    assert.deepEqual(parseBundle(JSON.stringify(members)), bundle);
    assert.deepEqual(parseBundle(json.replaceAll('\n', '\r\n')), bundle);
    const zero = await makeBundle(3, 0);
    const text = formatBundle(zero).replace('"index": 0', '"index": -0');
    assert.ok(Object.is(parseBundle(text).index, 0));
  });

  it('rejects missing, unknown and repeated members', () => {
    for (const name of Object.keys(members)) {
      const rest = Object.fromEntries(Object.entries(members).filter(([k]) => k !== name));
      assertRecordError(() => parseBundle(JSON.stringify(rest)), 'INVALID_BUNDLE', `/${name}`);
    }
    assertRecordError(() => parseBundle(withMembers({ extra: 1 })), 'INVALID_BUNDLE', '/extra');
    assertRecordError(
      () => parseBundle(withMembers({ signature: null })),
      'INVALID_BUNDLE',
      '/signature',
    );
    assertRecordError(
      () => parseBundle(json.replace('{', '{"index": 9,')),
      'INVALID_BUNDLE',
      '/index',
    );
    assertRecordError(
      () => parseBundle(json.replace('{', '{"\\u0069ndex": 9,')),
      'INVALID_BUNDLE',
      '/index',
    );
  });

  it('rejects wrong types and values member by member', () => {
    const tooBig = Buffer.alloc(MAX_ENTRY_SIZE + 1).toString('base64');
    const hash = Buffer.alloc(32, 1).toString('base64');
    const cases: [Record<string, unknown>, string][] = [
      [{ mediaType: 'application/json' }, '/mediaType'],
      [{ mediaType: null }, '/mediaType'],
      [{ id: 'acme-prod-8' }, '/id'],
      [{ id: 'acme-prod-09' }, '/id'],
      [{ id: 9 }, '/id'],
      [{ log: 'Acme', id: 'Acme-9' }, '/log'],
      [{ log: '' }, '/log'],
      [{ log: ['acme-prod'] }, '/log'],
      [{ origin: '' }, '/origin'],
      [{ origin: 'has space' }, '/origin'],
      [{ origin: 'a+b' }, '/origin'],
      [{ origin: 5 }, '/origin'],
      [{ index: -1 }, '/index'],
      [{ index: 9.5 }, '/index'],
      [{ index: '9' }, '/index'],
      [{ index: 2 ** 53 }, '/index'],
      [{ index: null }, '/index'],
      [{ index: true }, '/index'],
      [{ entry: 'not base64!' }, '/entry'],
      [{ entry: 'QQ' }, '/entry'],
      [{ entry: 'QR==' }, '/entry'],
      [{ entry: `${members.entry as string}\n` }, '/entry'],
      [{ entry: tooBig }, '/entry'],
      [{ entry: Buffer.alloc(MAX_ENTRY_SIZE + 3).toString('base64') }, '/entry'],
      [{ entry: [1, 2, 3] }, '/entry'],
      [{ receipt: 'not a note' }, '/receipt'],
      [{ receipt: (members.receipt as string).replaceAll('\n', '\r\n') }, '/receipt'],
      [{ receipt: 7 }, '/receipt'],
      [{ receipt: 'x'.repeat(70_000) }, '/receipt'],
      [{ checkpoint: '' }, '/checkpoint'],
      [{ checkpoint: (members.checkpoint as string).replace('\n\n', '\n') }, '/checkpoint'],
      [{ checkpoint: { text: 'x' } }, '/checkpoint'],
      [{ inclusionProof: hash }, '/inclusionProof'],
      [{ inclusionProof: null }, '/inclusionProof'],
      [{ inclusionProof: Array(64).fill(hash) }, '/inclusionProof'],
      [{ inclusionProof: Array(50_000).fill('x') }, '/inclusionProof'],
      [{ inclusionProof: [hash, 'AAAA'] }, '/inclusionProof/1'],
      [{ inclusionProof: [Buffer.alloc(33).toString('base64')] }, '/inclusionProof/0'],
      [{ inclusionProof: [hash.replace('=', '')] }, '/inclusionProof/0'],
      [{ inclusionProof: [1] }, '/inclusionProof/0'],
      [{ inclusionProof: [[hash]] }, '/inclusionProof/0'],
    ];
    for (const [changes, field] of cases) {
      assertRecordError(
        () => parseBundle(withMembers(changes)),
        'INVALID_BUNDLE',
        field,
        JSON.stringify(changes).slice(0, 100),
      );
    }
    assertRecordError(
      () => parseBundle(json.replace('"index": 9', '"index": 09')),
      'INVALID_BUNDLE',
    );
    assertRecordError(
      () => parseBundle(json.replace('"index": 9', '"index": 1e400')),
      'INVALID_BUNDLE',
      '/index',
    );
  });

  it('is bounded and rejects texts that are not one JSON object', () => {
    for (const text of [
      '',
      'null',
      '[]',
      `[${json}]`,
      json.slice(0, -1),
      json.slice(0, json.length / 2),
      `${json}x`,
      `\ufeff${json}`,
      json + ' '.repeat(MAX_BUNDLE_SIZE),
      '['.repeat(200_000),
      '['.repeat(120_000) + ']'.repeat(120_000),
      `{"a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_001)}`,
      `{"inclusionProof":[${'"x",'.repeat(60_000)}"x"]}`,
    ]) {
      assertRecordError(() => parseBundle(text), 'INVALID_BUNDLE', undefined, text.slice(0, 50));
    }
    for (const value of [null, undefined, 42, members, new Uint8Array(3)]) {
      assertRecordError(() => parseBundle(value as unknown as string), 'INVALID_BUNDLE');
    }
  });

  it('formatBundle rejects bundles it could not parse back', () => {
    const bad: Partial<Record<keyof Bundle, unknown>>[] = [
      { mediaType: 'x' },
      { id: 'acme-prod-1' },
      { log: 'A' },
      { origin: 'a b' },
      { index: -1 },
      { entry: new Uint8Array(MAX_ENTRY_SIZE + 1) },
      { entry: 'x' },
      { receipt: 'x' },
      { checkpoint: 'x' },
      { inclusionProof: [new Uint8Array(31)] },
      { inclusionProof: Array(64).fill(new Uint8Array(32)) },
      { inclusionProof: 'x' },
    ];
    for (const changes of bad) {
      assertRecordError(
        () => formatBundle({ ...bundle, ...changes } as Bundle),
        'INVALID_ARGUMENT',
      );
      assertRecordError(
        () => bundleToTlogProof({ ...bundle, ...changes } as Bundle),
        'INVALID_ARGUMENT',
      );
    }
  });

  it('carries optional RFC 3161 timestamps (old bundles without them stay valid)', () => {
    const token = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    const stamped: Bundle = {
      ...bundle,
      timestamps: [
        { tsa: 'freetsa', token },
        { tsa: 'other.tsa_1', token: token.subarray(0, 10) },
      ],
    };
    const text = formatBundle(stamped);
    const obj = JSON.parse(text) as Record<string, unknown>;
    assert.equal(Object.keys(obj).at(-1), 'timestamps');
    assert.deepEqual(obj.timestamps, [
      { tsa: 'freetsa', token: Buffer.from(token).toString('base64') },
      { tsa: 'other.tsa_1', token: Buffer.from(token.subarray(0, 10)).toString('base64') },
    ]);
    const parsed = parseBundle(text);
    assert.deepEqual(
      parsed.timestamps?.map((t) => [t.tsa, [...t.token]]),
      stamped.timestamps!.map((t) => [t.tsa, [...t.token]]),
    );
    assert.equal(parseBundle(json).timestamps, undefined);
    assert.ok(!('timestamps' in JSON.parse(formatBundle({ ...bundle, timestamps: [] }))));
    assert.equal(parseBundle(withMembers({ timestamps: [] })).timestamps, undefined);

    const ok = { tsa: 'a', token: 'AAEC' };
    const big = Buffer.alloc(64 * 1024 + 1).toString('base64');
    const cases: [unknown, string][] = [
      [{}, '/timestamps'],
      ['AAEC', '/timestamps'],
      [Array(9).fill(ok), '/timestamps'],
      [[null], '/timestamps/0'],
      [[{ tsa: 'a' }], '/timestamps/0/token'],
      [[{ token: 'AAEC' }], '/timestamps/0/tsa'],
      [[{ ...ok, extra: 1 }], '/timestamps/0/extra'],
      [[ok, { ...ok, tsa: '' }], '/timestamps/1/tsa'],
      [[{ ...ok, tsa: 'bad name' }], '/timestamps/0/tsa'],
      [[{ ...ok, tsa: 7 }], '/timestamps/0/tsa'],
      [[{ ...ok, token: '' }], '/timestamps/0/token'],
      [[{ ...ok, token: 'AAF=' }], '/timestamps/0/token'],
      [[{ ...ok, token: big }], '/timestamps/0/token'],
    ];
    for (const [value, field] of cases) {
      assertRecordError(
        () => parseBundle(withMembers({ timestamps: value })),
        'INVALID_BUNDLE',
        field,
        JSON.stringify(value).slice(0, 80),
      );
    }
    assert.equal(parseBundle(withMembers({ timestamps: Array(8).fill(ok) })).timestamps?.length, 8);
    assertRecordError(
      () => formatBundle({ ...bundle, timestamps: [{ tsa: 'x y', token }] }),
      'INVALID_ARGUMENT',
      '/timestamps/0/tsa',
    );
  });

  it('formatBundle writes exactly JSON.stringify of the members, indented by two', async () => {
    // What formatBundle wrote before it was written out by hand: the reference.
    const reference = (b: Bundle): string =>
      JSON.stringify(
        {
          mediaType: b.mediaType,
          id: b.id,
          log: b.log,
          origin: b.origin,
          index: b.index,
          entry: base64Encode(b.entry),
          receipt: b.receipt,
          inclusionProof: b.inclusionProof.map(base64Encode),
          checkpoint: b.checkpoint,
          ...(b.timestamps?.length
            ? {
                timestamps: b.timestamps.map((t) => ({ tsa: t.tsa, token: base64Encode(t.token) })),
              }
            : {}),
        },
        null,
        2,
      );
    // Names and note texts that JSON escapes: quotes, backslashes, non-ASCII, a pair.
    const odd = testKey('odd"\\name/é—\u{1F600}', 31);
    const oddNote = await signNote(
      formatCheckpoint({
        origin: 'odd"\\name/é—\u{1F600}',
        size: 5,
        rootHash: new Uint8Array(32).fill(7),
        extensions: ['ext "quoted" \\ end é \u{1F600}'],
      }),
      [odd.signer, logKey.signer],
    );
    const token = Uint8Array.from({ length: 301 }, (_, i) => (i * 7) % 256);
    const variants: Bundle[] = [];
    for (const [size, index] of [
      [1, 0],
      [2, 0],
      [3, 2],
      [13, 9],
      [300, 0],
      [300, 299],
      [1000, 517],
    ] as const) {
      const b = await makeBundle(size, index);
      variants.push(
        b,
        { ...b, origin: 'odd"\\name/é—\u{1F600}', checkpoint: oddNote },
        { ...b, receipt: oddNote },
        { ...b, timestamps: [] },
        { ...b, timestamps: [{ tsa: 'freetsa', token }] },
        {
          ...b,
          timestamps: Array.from({ length: 8 }, (_, i) => ({
            tsa: `t${i}.a_b-c`,
            token: token.subarray(i, i + 1 + i * 3),
          })),
        },
        { ...b, entry: new Uint8Array(0) },
        { ...b, entry: token.subarray(0, 1) },
        { ...b, entry: token.subarray(0, 2) },
        { ...b, entry: new Uint8Array(MAX_ENTRY_SIZE).fill(0xff) },
      );
    }
    // Every padding case of the base64 of entries, tokens and hashes, all byte values.
    const rand = prng(0x64);
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rand(256));
    for (let n = 0; n <= 70; n++) {
      variants.push({
        ...bundle,
        entry: bytes(n),
        inclusionProof: Array.from({ length: n % 5 }, () => bytes(32)),
        ...(n > 0 ? { timestamps: [{ tsa: 'x', token: bytes(n) }] } : {}),
      });
    }
    variants.push({ ...bundle, inclusionProof: Array(63).fill(new Uint8Array(32).fill(0xff)) });
    const zero = await makeBundle(3, 0);
    variants.push({ ...zero, index: -0 });
    // Holes of sparse arrays (which checkBundle skips): JSON.stringify writes null.
    const holes = [...bundle.inclusionProof];
    delete holes[1];
    variants.push({ ...bundle, inclusionProof: holes });
    const stamps = [
      { tsa: 'a', token },
      { tsa: 'b', token },
    ];
    delete (stamps as unknown[])[0];
    variants.push({ ...bundle, timestamps: stamps });
    // Alternating checkpoints (formatBundle remembers the last one it checked).
    for (let round = 0; round < 3; round++) {
      for (const b of variants) {
        assert.equal(formatBundle(b), reference(b));
        // An equal checkpoint text in another string is the same checkpoint.
        const copy = { ...b, checkpoint: [...b.checkpoint].join('') };
        assert.equal(formatBundle(copy), reference(b));
      }
    }
    // A bad checkpoint right after a good one is still rejected, and a good one after it.
    assert.equal(formatBundle(bundle), json);
    for (const checkpoint of [
      'x',
      `${bundle.checkpoint}x`,
      bundle.checkpoint.replace('\n\n', '\n'),
      7,
    ]) {
      assertRecordError(
        () => formatBundle({ ...bundle, checkpoint } as Bundle),
        'INVALID_ARGUMENT',
        '/checkpoint',
      );
      assert.equal(formatBundle(bundle), json);
    }
  });

  it('survives random mutations: a RecordError, or a bundle that round-trips', () => {
    const rand = prng(0xb0b);
    const alphabet = '{}[]":,\\ 0123456789-+.eE/=AZaz\n\r\t\u2014\u00e9\ud800\udc00\u0000';
    let equal = 0;
    let changed = 0;
    for (let n = 0; n < 4000; n++) {
      const at = rand(json.length);
      const op = rand(4);
      const ch =
        rand(3) === 0 ? String.fromCharCode(rand(0x10000)) : alphabet[rand(alphabet.length)]!;
      const text =
        op === 0
          ? json.slice(0, at) + ch + json.slice(at + 1)
          : op === 1
            ? json.slice(0, at) + json.slice(at + 1)
            : op === 2
              ? json.slice(0, at) + ch + json.slice(at)
              : json.slice(0, at) +
                String.fromCharCode(json.charCodeAt(at) ^ (1 << rand(7))) +
                json.slice(at + 1);
      let parsed: Bundle;
      try {
        parsed = parseBundle(text);
      } catch (err) {
        assert.ok(err instanceof RecordError && err.code === 'INVALID_BUNDLE', String(err));
        continue;
      }
      assert.deepEqual(parseBundle(formatBundle(parsed)), parsed);
      if (JSON.stringify(plain(parsed)) === JSON.stringify(plain(bundle))) equal++;
      else changed++;
    }
    assert.ok(equal > 0, 'whitespace mutations parse to the same bundle');
    assert.ok(changed > 0, 'some mutations of hashes and signatures are still well-formed');
  });
});
