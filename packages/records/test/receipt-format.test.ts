import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signNote } from '@proofline/note';
import { nodeHash } from '@proofline/tlog';
import { nodeHashInto } from '@proofline/tlog/node';
import {
  RecordError,
  formatBatchReceiptText,
  formatReceiptText,
  formatTime,
  receiptFormat,
} from '../src/index.js';
import { assertRecordError, merkleRoot, prng, testKey } from './helpers.js';

const ORIGIN = 'proofline.example/acme-prod';
const log = testKey(ORIGIN, 9);
const TIME_MS = 1_700_000_000_000;
const FIRST = 4096;

function leaves(n: number, seed = n): Uint8Array[] {
  const next = prng(seed + 7);
  return Array.from({ length: n }, () => Uint8Array.from({ length: 32 }, () => next(256)));
}

async function sealed(first: number, hashes: readonly Uint8Array[], signer = log.signer) {
  const { text } = receiptFormat.text(
    { origin: ORIGIN, first, timeMs: TIME_MS, leaves: hashes },
    nodeHash,
  );
  return signNote(text, [signer]);
}

const check = (note: string, first: number, hashes: readonly Uint8Array[]) =>
  receiptFormat.check(note, { first, leaves: hashes }, log.verifier, nodeHash);

describe('receiptFormat (the sequencer receipt port)', () => {
  it('states one entry as receipt/v1 and more as batch-receipt/v1 over their RFC 6962 root', () => {
    const time = formatTime(TIME_MS);
    const [leaf] = leaves(1);
    const one = receiptFormat.text(
      { origin: ORIGIN, first: FIRST, timeMs: TIME_MS, leaves: [leaf!] },
      nodeHash,
    );
    assert.equal(
      one.text,
      formatReceiptText({ origin: ORIGIN, index: FIRST, leafHash: leaf!, time }),
    );
    assert.equal(one.tree, undefined);
    const five = leaves(5);
    const batch = receiptFormat.text(
      { origin: ORIGIN, first: FIRST, timeMs: TIME_MS, leaves: five },
      nodeHash,
    );
    const root = merkleRoot(five);
    assert.deepEqual(batch.tree?.root, root);
    assert.equal(
      batch.text,
      formatBatchReceiptText({ origin: ORIGIN, first: FIRST, size: 5, root, time }),
    );
  });

  it('builds the same text and tree with hashChildrenInto, which it then uses alone', () => {
    for (const n of [2, 5, 1000]) {
      const commit = { origin: ORIGIN, first: FIRST, timeMs: TIME_MS, leaves: leaves(n) };
      const expected = receiptFormat.text(commit, nodeHash);
      let calls = 0;
      const got = receiptFormat.text(
        commit,
        () => assert.fail('hashChildren must not be called when hashChildrenInto is given'),
        (src, at, dst, to) => {
          calls++;
          nodeHashInto(src, at, dst, to);
        },
      );
      assert.equal(calls, n - 1, `one call per interior node of ${n} leaves`);
      assert.equal(got.text, expected.text);
      assert.deepEqual(got.tree?.root, merkleRoot(commit.leaves));
      for (const i of [0, n - 1, n >> 1])
        assert.deepEqual(got.tree?.proof(i), expected.tree?.proof(i));
    }
  });

  it('refuses a commit it cannot state: no leaves, a bad origin', () => {
    const commit = { origin: ORIGIN, first: 0, timeMs: TIME_MS, leaves: [] };
    assertRecordError(() => receiptFormat.text(commit, nodeHash), 'INVALID_ARGUMENT');
    const bad = { ...commit, origin: 'bad origin', leaves: leaves(2) };
    assertRecordError(() => receiptFormat.text(bad, nodeHash), 'INVALID_ARGUMENT');
  });

  it('accepts exactly the commit a stored note signs', async () => {
    for (const n of [1, 2, 7]) {
      const hashes = leaves(n);
      assert.equal(await check(await sealed(FIRST, hashes), FIRST, hashes), undefined);
    }
  });

  it('names what an insider changed: index, range, leaf, batch member', async () => {
    const one = leaves(1);
    const note = await sealed(FIRST, one);
    assert.equal(await check(note, FIRST + 1, one), 'other index');
    assert.equal(await check(note, FIRST, [...one, ...leaves(1, 99)]), 'other index');
    assert.equal(await check(note, FIRST, leaves(1, 99)), 'other leaf hash');
    const many = leaves(4);
    const batch = await sealed(FIRST, many);
    assert.equal(await check(batch, FIRST - 1, many), 'other index range');
    assert.equal(await check(batch, FIRST, many.slice(1)), 'other index range');
    const edited = [...many];
    edited[2] = leaves(1, 42)[0]!;
    assert.equal(await check(batch, FIRST, edited), 'the leaf hashes do not give the signed root');
  });

  it('rejects a note that does not open with the log key', async () => {
    const hashes = leaves(3);
    const forged = await sealed(FIRST, hashes, testKey(ORIGIN, 10).signer);
    await assert.rejects(check(forged, FIRST, hashes), RecordError);
    await assert.rejects(check('not a note', FIRST, hashes), RecordError);
  });
});
