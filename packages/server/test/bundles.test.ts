import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  RecordError,
  buildRecord,
  entryTime,
  entryTimeFromEnd,
  parseRecord,
  parseStatement,
  recordId,
  recordTemplate,
  type Statement,
} from '@proofline/records';
import { readTilesAt } from '@proofline/storage';
import { proveInclusion, tileHashReader } from '@proofline/tlog';
import { ProofBundles } from '../src/records/bundles.js';
import { Fixture, bearer, request, type TestLog } from './helpers.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const EPOCH = '1970-01-01T00:00:00.000Z';
const LAST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Statements whose canonical records hold `time`, `type` and quotes in other places. */
const TRICKY: Record<string, unknown>[] = [
  { digest: DIGEST, type: 't' },
  { digest: DIGEST, type: 'time', subject: `","time":"${EPOCH}","type":"x"}` },
  {
    digest: DIGEST,
    type: 'x.time',
    labels: { time: EPOCH, type: 'y"}', timer: `,"time":"${EPOCH}"`, zz: '\u{1F600}' },
    commitments: { time: `sha256:${'cd'.repeat(32)}` },
    controls: ['time', 'type'],
  },
  { digest: DIGEST, type: 'a', subject: '\u00e9\u{10FFFF}\\"'.repeat(60) },
  { digest: `sha512:${'ef'.repeat(64)}`, type: `A${'._:/-z9'.repeat(18)}`.slice(0, 128) },
  { digest: DIGEST, type: 'type', labels: { a: '"}' }, subject: '}' },
  { digest: DIGEST, type: 'z', labels: { type: `","time":"${EPOCH}","type":"x"}` } },
];

function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

function randomStatement(rand: (n: number) => number): Record<string, unknown> {
  const words = ['time', 'type', 'tenant', 'schema', '"', '\\', '}', '\u00e9', '\u{1F600}', EPOCH];
  const text = (): string =>
    Array.from({ length: rand(6) + 1 }, () => words[rand(words.length)]!).join('');
  const name = (): string => ['time', 'type', 'a', 'Z9', 'time.x', 'tenant'][rand(6)]!;
  return {
    digest: DIGEST,
    type: ['t', 'time', 'type.z', 'a/b:c-d_e.f'][rand(4)]!,
    ...(rand(2) ? { subject: text() } : {}),
    ...(rand(2)
      ? { labels: Object.fromEntries(Array.from({ length: rand(4) }, () => [name(), text()])) }
      : {}),
    ...(rand(2) ? { controls: [...new Set(Array.from({ length: rand(3) + 1 }, name))] } : {}),
  };
}

// records' entryTime, tested here beside the bundles that rely on it.
describe('entryTime', () => {
  it('is parseRecord(entry).time for records of every shape, read from the end', () => {
    const rand = prng(8785);
    const statements: Statement[] = [
      ...TRICKY,
      ...Array.from({ length: 400 }, () => randomStatement(rand)),
    ].map((s) => parseStatement(s));
    const times = [0, 1, 999, 1_795_758_661_706, 4_102_444_800_000, LAST];
    for (const [i, statement] of statements.entries()) {
      for (const tenant of ['a', 'acme', 'tenant-with-a-long-name-0123456789']) {
        const template = recordTemplate(statement, tenant);
        for (const t of [...times, rand(2 ** 31) * 1000 + rand(1000)]) {
          const { bytes } = buildRecord(statement, tenant, t);
          const expected = parseRecord(bytes).time;
          assert.equal(entryTimeFromEnd(bytes), expected, `statement ${i} at ${t}: fast path`);
          assert.equal(entryTime(bytes), expected);
          assert.equal(entryTime(template.at(t).bytes), expected);
        }
      }
    }
  });

  it('parses what does not end like a record: parseRecord decides', () => {
    const { bytes } = buildRecord(parseStatement(TRICKY[2]!), 'acme', 1000);
    const text = new TextDecoder().decode(bytes);
    const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
    for (const entry of [
      new Uint8Array(0),
      encode('x'),
      encode('{}'),
      bytes.subarray(0, bytes.length - 1),
      encode(`${text} `),
      encode(text.replace('"type":"x.time"', '"type":""')),
      encode(text.replace('"type":"x.time"', '"type":"x time"')),
      encode(text.replace(',"time":"', ',"tim":"')),
      encode(text.replace('T00:00:01.000Z', 'T00:00:01.000z')),
      encode(text.replace('1970-01-01T00:00:01', '1970-01-0xT00:00:01')),
      encode(text.replace('1970-01-01T00:00:01', '1970-01-\u00e9T00:00:01')),
    ]) {
      assert.equal(entryTimeFromEnd(entry), undefined, new TextDecoder().decode(entry));
      assert.throws(() => entryTime(entry), RecordError);
    }
  });
});

describe('ProofBundles', () => {
  let fx: Fixture;
  let log: TestLog;
  let key: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'acme-log', tenant: 'acme', publish: false }]);
    log = fx.log('acme-log');
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
  });

  after(() => fx.close());

  it('every stored entry: the receipt gets parseRecord(entry).time, proofs are exact', async () => {
    const app = await fx.app();
    const rand = prng(6962);
    // Single statements and batches, across more than two full tiles of entries.
    for (const body of TRICKY) {
      const res = await request(app, {
        method: 'POST',
        url: '/v1/records',
        headers: bearer(key),
        payload: body,
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    for (const n of [1, 2, 250, 300]) {
      const records = Array.from({ length: n }, () => randomStatement(rand));
      const res = await request(app, {
        method: 'POST',
        url: '/v1/records/batch',
        headers: bearer(key),
        payload: { records },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    const checkpoint = await log.publisher.publish();
    const size = await fx.size(log.name);
    assert.equal(checkpoint?.size, size);
    assert.ok(size > 512);

    const entries = await fx.storage.readEntries(log.name, 0, size);
    const bundles = new ProofBundles(fx.storage);
    const plain = tileHashReader(size, (tiles) => readTilesAt(fx.storage, log.name, tiles));
    for (const [index, entry] of entries.entries()) {
      const expected = parseRecord(entry).time;
      assert.equal(entryTimeFromEnd(entry), expected, `entry ${index}`);
      const bundle = await bundles.build(
        log.config,
        recordId(log.name, index),
        index,
        async () => ({
          note: 'unused',
        }),
      );
      assert.equal(bundle.receipt, 'unused');
      // Expanded with node:crypto in the cache, the same as tlog's hashing without a cache.
      assert.deepEqual(bundle.inclusionProof, await proveInclusion(index, size, plain));
      assert.deepEqual(bundle.entry, entry);
    }
  });
});
