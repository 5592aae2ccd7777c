import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { base64Encode, formatCheckpoint, signNote } from '@proofline/note';
import {
  BUNDLE_V2_MEDIA_TYPE,
  MAX_BUNDLE_SIZE,
  MAX_CONSISTENCY_PROOF_HASHES,
  bundleToTlogProof,
  formatBundle,
  parseBundle,
  type BundleV2,
} from '../src/index.js';
import { logKey, makeBundle } from './fixtures.js';
import { assertRecordError } from './helpers.js';

const hash = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const token = Uint8Array.from({ length: 301 }, (_, i) => (i * 7) % 256);
const v1 = await makeBundle(13, 9);
const latestNote = await signNote(
  formatCheckpoint({ origin: v1.origin, size: 40, rootHash: hash(9), extensions: [] }),
  [logKey.signer],
);
/** A v2 bundle with every optional member. */
const full: BundleV2 = {
  ...v1,
  mediaType: BUNDLE_V2_MEDIA_TYPE,
  receiptProof: [hash(1), hash(2)],
  timestamps: [{ tsa: 'tsa-a', token }],
  latest: {
    checkpoint: latestNote,
    consistencyProof: [hash(3), hash(4), hash(5)],
    timestamps: [{ tsa: 'tsa-b', token: token.subarray(1) }],
  },
};
const json = formatBundle(full);
const members = JSON.parse(json) as Record<string, unknown>;
const withMembers = (changes: Record<string, unknown>): string =>
  JSON.stringify({ ...members, ...changes });
const latestMembers = members.latest as Record<string, unknown>;
const withLatest = (changes: Record<string, unknown>): string =>
  withMembers({ latest: { ...latestMembers, ...changes } });

/** JSON.stringify of the members, indented by two: what formatBundle must write. */
function reference(b: BundleV2): string {
  const stamps = (ts: BundleV2['timestamps']) =>
    ts?.length ? ts.map((t) => ({ tsa: t.tsa, token: base64Encode(t.token) })) : undefined;
  return JSON.stringify(
    {
      mediaType: b.mediaType,
      id: b.id,
      log: b.log,
      origin: b.origin,
      index: b.index,
      entry: base64Encode(b.entry),
      receipt: b.receipt,
      receiptProof: b.receiptProof?.map(base64Encode),
      inclusionProof: b.inclusionProof.map(base64Encode),
      checkpoint: b.checkpoint,
      timestamps: stamps(b.timestamps),
      latest: b.latest && {
        checkpoint: b.latest.checkpoint,
        consistencyProof: b.latest.consistencyProof.map(base64Encode),
        timestamps: stamps(b.latest.timestamps),
      },
    },
    null,
    2,
  );
}

describe('v2 bundles: formatBundle and parseBundle', () => {
  it('round-trip, byte-stable, in the documented member order', () => {
    assert.deepEqual(parseBundle(json), full);
    assert.equal(formatBundle(parseBundle(json)), json);
    assert.deepEqual(Object.keys(members), [
      'mediaType',
      'id',
      'log',
      'origin',
      'index',
      'entry',
      'receipt',
      'receiptProof',
      'inclusionProof',
      'checkpoint',
      'timestamps',
      'latest',
    ]);
    assert.deepEqual(Object.keys(latestMembers), ['checkpoint', 'consistencyProof', 'timestamps']);
  });

  it('write exactly JSON.stringify of the members for every combination of optional ones', () => {
    const { receipt, receiptProof, timestamps, latest } = full;
    const { receipt: _r, receiptProof: _p, timestamps: _t, latest: _l, ...bare } = full;
    for (let mask = 0; mask < 64; mask++) {
      const b: BundleV2 = {
        ...bare,
        ...(mask & 1 ? { receipt } : {}),
        ...((mask & 3) === 3 ? { receiptProof } : {}),
        ...(mask & 4 ? { timestamps } : {}),
        ...(mask & 8
          ? {
              latest: {
                ...latest!,
                consistencyProof: mask & 16 ? latest!.consistencyProof : [],
                ...(mask & 32 ? {} : { timestamps: undefined }),
              },
            }
          : {}),
      };
      const text = formatBundle(b);
      assert.equal(text, reference(b), `mask ${mask}`);
      assert.equal(formatBundle(parseBundle(text)), text, `mask ${mask}`);
    }
  });

  it('keep parsing and formatting v1 bundles, which have none of the v2 members', () => {
    const text = formatBundle(v1);
    assert.deepEqual(parseBundle(text), v1);
    for (const [name, value] of [
      ['latest', latestMembers],
      ['receiptProof', members.receiptProof],
    ] as const) {
      assertRecordError(
        () => parseBundle(JSON.stringify({ ...JSON.parse(text), [name]: value })),
        'INVALID_BUNDLE',
        `/${name}`,
      );
    }
    assertRecordError(
      () => formatBundle({ ...v1, latest: full.latest } as unknown as BundleV2),
      'INVALID_ARGUMENT',
      '/latest',
    );
    const { receipt: _, ...noReceipt } = JSON.parse(text) as Record<string, unknown>;
    assertRecordError(() => parseBundle(JSON.stringify(noReceipt)), 'INVALID_BUNDLE', '/receipt');
  });

  it('reject unknown, missing and misplaced members, also inside latest', () => {
    assertRecordError(() => parseBundle(withMembers({ extra: 1 })), 'INVALID_BUNDLE', '/extra');
    assertRecordError(
      () => parseBundle(withLatest({ extra: 1 })),
      'INVALID_BUNDLE',
      '/latest/extra',
    );
    for (const name of ['checkpoint', 'consistencyProof']) {
      const rest = Object.fromEntries(Object.entries(latestMembers).filter(([k]) => k !== name));
      assertRecordError(
        () => parseBundle(withMembers({ latest: rest })),
        'INVALID_BUNDLE',
        `/latest/${name}`,
      );
    }
    for (const name of [
      'mediaType',
      'id',
      'log',
      'origin',
      'index',
      'entry',
      'inclusionProof',
      'checkpoint',
    ]) {
      const rest = Object.fromEntries(Object.entries(members).filter(([k]) => k !== name));
      assertRecordError(() => parseBundle(JSON.stringify(rest)), 'INVALID_BUNDLE', `/${name}`);
    }
    const { receipt: _, ...noReceipt } = members;
    assertRecordError(
      () => parseBundle(JSON.stringify(noReceipt)),
      'INVALID_BUNDLE',
      '/receiptProof',
      'a receiptProof without a receipt',
    );
    assertRecordError(
      () => parseBundle(withLatest({ checkpoint: members.checkpoint })),
      'INVALID_BUNDLE',
      '/latest',
      'latest is omitted when the anchor is the latest',
    );
    assertRecordError(
      () => parseBundle(withMembers({ latest: null })),
      'INVALID_BUNDLE',
      '/latest',
    );
    assertRecordError(() => parseBundle(withMembers({ latest: [] })), 'INVALID_BUNDLE', '/latest');
  });

  it('reject bad proofs and notes, and oversize input', () => {
    const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
    const cases: [string, string][] = [
      [withMembers({ receiptProof: 'x' }), '/receiptProof'],
      [withMembers({ receiptProof: [b64(1).slice(1)] }), '/receiptProof/0'],
      [withMembers({ receiptProof: Array.from({ length: 17 }, () => b64(1)) }), '/receiptProof'],
      [withLatest({ consistencyProof: {} }), '/latest/consistencyProof'],
      [withLatest({ consistencyProof: [b64(1), 'AAAA'] }), '/latest/consistencyProof/1'],
      [
        withLatest({ consistencyProof: [Buffer.alloc(33).toString('base64')] }),
        '/latest/consistencyProof/0',
      ],
      [
        withLatest({
          consistencyProof: Array.from({ length: MAX_CONSISTENCY_PROOF_HASHES + 1 }, () => b64(2)),
        }),
        '/latest/consistencyProof',
      ],
      [withLatest({ checkpoint: 'not a note' }), '/latest/checkpoint'],
      [withLatest({ checkpoint: 7 }), '/latest/checkpoint'],
      [withLatest({ timestamps: [{ tsa: 'a', token: '' }] }), '/latest/timestamps/0/token'],
      [withLatest({ timestamps: [{ tsa: 'a b', token: 'AAAA' }] }), '/latest/timestamps/0/tsa'],
      [withLatest({ timestamps: [{ tsa: 'a', token: 'AAAA', x: 1 }] }), '/latest/timestamps/0/x'],
      [
        withLatest({ timestamps: Array.from({ length: 9 }, () => ({ tsa: 'a', token: 'AAAA' })) }),
        '/latest/timestamps',
      ],
      [withMembers({ receipt: null }), '/receipt'],
    ];
    for (const [text, field] of cases)
      assertRecordError(() => parseBundle(text), 'INVALID_BUNDLE', field);
    const big = withMembers({ padding: 'x'.repeat(MAX_BUNDLE_SIZE) });
    assertRecordError(() => parseBundle(big), 'INVALID_BUNDLE');
    assert.throws(() => parseBundle(big), /exceeds/);
  });

  it('convert to a tlog-proof of the anchor, never the latest', () => {
    const proof = bundleToTlogProof(full);
    assert.equal(proof.checkpoint, full.checkpoint);
    assert.deepEqual(proof.inclusionProof, full.inclusionProof);
    assert.deepEqual(proof.extra, full.entry);
  });
});

describe('bundle.v2.json', () => {
  interface Schema {
    readonly $schema?: string;
    readonly required?: readonly string[];
    readonly additionalProperties?: boolean;
    readonly properties?: Readonly<Record<string, Schema>>;
    readonly items?: Schema;
    readonly const?: string;
    readonly maxItems?: number;
  }
  const schema = JSON.parse(
    readFileSync(new URL('../../schema/bundle.v2.json', import.meta.url), 'utf8'),
  ) as Schema;

  it('is a self-contained 2020-12 schema of exactly the implemented members and bounds', () => {
    assert.ok(!JSON.stringify(schema).includes('$ref'), 'embeddable in OpenAPI: no references');
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(Object.keys(schema.properties!), Object.keys(members));
    assert.deepEqual(schema.required, [
      'mediaType',
      'id',
      'log',
      'origin',
      'index',
      'entry',
      'inclusionProof',
      'checkpoint',
    ]);
    assert.equal(schema.properties!.mediaType!.const, BUNDLE_V2_MEDIA_TYPE);
    const latest = schema.properties!.latest!;
    assert.deepEqual(Object.keys(latest.properties!), Object.keys(latestMembers));
    assert.deepEqual(latest.required, ['checkpoint', 'consistencyProof']);
    assert.equal(latest.properties!.consistencyProof!.maxItems, MAX_CONSISTENCY_PROOF_HASHES);
    assert.equal(schema.properties!.receiptProof!.maxItems, 16);
    for (const object of [schema, latest, schema.properties!.timestamps!.items!]) {
      assert.equal(object.additionalProperties, false);
    }
  });
});
