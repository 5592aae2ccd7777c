import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCheckpoint, signNote } from '@proofline/note';
import {
  BUNDLE_V2_MEDIA_TYPE,
  bundleTail,
  checkedNote,
  formatBundle,
  formatBundleParts,
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

const decode = (utf8: Uint8Array): string => new TextDecoder().decode(utf8);

/** formatBundleParts of `b`, split into its parts, decoded. */
function spliced(b: BundleV2): string {
  const { id, log, origin, index, entry, receiptProof, inclusionProof } = b;
  return decode(
    formatBundleParts(
      { id, log, origin, index, entry, receiptProof, inclusionProof },
      b.receipt === undefined ? undefined : checkedNote(b.receipt),
      bundleTail(b),
    ),
  );
}

describe('bundle parts: formatBundleParts', () => {
  it('write formatBundle’s text byte for byte, for every combination of optional members', () => {
    const { receipt, receiptProof, timestamps, latest } = full;
    const { receipt: _r, receiptProof: _p, timestamps: _t, latest: _l, ...bare } = full;
    for (let mask = 0; mask < 128; mask++) {
      const b: BundleV2 = {
        ...bare,
        ...(mask & 1 ? { receipt } : {}),
        ...((mask & 3) === 3 ? { receiptProof } : {}),
        ...(mask & 4 ? { timestamps } : {}),
        ...(mask & 64 ? { timestamps: [] } : {}),
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
      const text = spliced(b);
      assert.equal(text, formatBundle(b), `mask ${mask}`);
      assert.equal(formatBundle(parseBundle(text)), text, `mask ${mask}`);
    }
  });

  it('encode a head that is not ASCII (its origin) as formatBundle’s text', () => {
    const b: BundleV2 = { ...full, origin: 'log.example/\u00e9t\u00e9\u2014\ud83d\ude00' };
    assert.equal(spliced(b), formatBundle(b));
  });

  it('write empty proofs as formatBundle does', () => {
    const b: BundleV2 = { ...full, receiptProof: [], inclusionProof: [] };
    assert.equal(spliced(b), formatBundle(b));
  });

  it('share one tail and one receipt among many bundles', () => {
    const tail = bundleTail(full);
    const receipt = checkedNote(full.receipt!);
    for (const index of [0, 1, 12, 2 ** 40]) {
      const b: BundleV2 = { ...full, index, id: `${full.log}-${index}` };
      const { id, log, origin, entry, receiptProof, inclusionProof } = b;
      const utf8 = formatBundleParts(
        { id, log, origin, index, entry, receiptProof, inclusionProof },
        receipt,
        tail,
      );
      // Exactly as long as the text's UTF-8: no spare bytes after it.
      assert.deepEqual(utf8, new TextEncoder().encode(formatBundle(b)));
    }
  });

  it('refuse parts not made by checkedNote and bundleTail', () => {
    const { id, log, origin, index, entry, receiptProof, inclusionProof } = full;
    const head = { id, log, origin, index, entry, receiptProof, inclusionProof };
    const tail = bundleTail(full);
    const receipt = checkedNote(full.receipt!);
    const forged = { ...tail, bytes: tail.bytes.slice(1) };
    assertRecordError(() => formatBundleParts(head, receipt, forged), 'INVALID_ARGUMENT');
    assertRecordError(
      () => formatBundleParts(head, { note: 'x', line: new Uint8Array(1) }, tail),
      'INVALID_ARGUMENT',
    );
    assert.throws(() => {
      (tail as { bytes: Uint8Array }).bytes = new Uint8Array(1);
    }, TypeError);
  });

  it('check every part as formatBundle does', () => {
    const { id, log, origin, index, entry, receiptProof, inclusionProof } = full;
    const head = { id, log, origin, index, entry, receiptProof, inclusionProof };
    const tail = bundleTail(full);
    const receipt = checkedNote(full.receipt!);
    assertRecordError(() => checkedNote('not a note'), 'INVALID_ARGUMENT', '/receipt');
    assertRecordError(
      () => bundleTail({ ...full, checkpoint: 'not a note' }),
      'INVALID_ARGUMENT',
      '/checkpoint',
    );
    assertRecordError(
      () => bundleTail({ ...full, latest: { ...full.latest!, checkpoint: full.checkpoint } }),
      'INVALID_ARGUMENT',
      '/latest',
    );
    assertRecordError(
      () => formatBundleParts({ ...head, id: 'other-1' }, receipt, tail),
      'INVALID_ARGUMENT',
      '/id',
    );
    assertRecordError(
      () => formatBundleParts({ ...head, inclusionProof: [hash(1).subarray(1)] }, receipt, tail),
      'INVALID_ARGUMENT',
      '/inclusionProof/0',
    );
    assertRecordError(
      () => formatBundleParts(head, undefined, tail),
      'INVALID_ARGUMENT',
      '/receiptProof',
    );
  });
});
