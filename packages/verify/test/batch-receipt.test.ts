import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { base64Encode, signNote, type Signer } from '@proofline/note';
import {
  batchTree,
  buildRecord,
  formatBatchReceiptText,
  formatBundle,
  signBatchReceipt,
  type BatchReceipt,
  type RecordV1,
} from '@proofline/records';
import { leafHash } from '@proofline/tlog';
import { VerificationError, verifyBundle, verifyReceipt } from '../src/index.js';
import {
  LOG_KEY,
  ORIGIN,
  POLICY,
  T0,
  TestLog,
  assertFails,
  check,
  sha256Hex,
  testKey,
  utf8,
  witness,
} from './helpers.js';

const FIRST = 100;
const SIZE = 20;
const TIME = '2027-01-15T08:00:00.000Z';
const TIME_MS = Date.parse(TIME);

/** A batch of SIZE records sequenced together at TIME from FIRST on, and its receipt. */
interface Batch {
  readonly entries: Uint8Array[];
  readonly records: RecordV1[];
  readonly receipt: BatchReceipt;
  readonly note: string;
  /** The API's receiptProof of entry `i` of the batch (index FIRST + i). */
  proof(i: number): string[];
}

async function makeBatch(
  options: { size?: number; time?: string; signer?: Signer; timeMs?: number } = {},
): Promise<Batch> {
  const size = options.size ?? SIZE;
  const built = Array.from({ length: size }, (_, i) =>
    buildRecord(
      { digest: `sha256:${sha256Hex(utf8(`batched ${i}`))}`, type: 'test.event' },
      'acme',
      options.timeMs ?? TIME_MS,
    ),
  );
  const entries = built.map((b) => b.bytes);
  const tree = batchTree(entries.map(leafHash));
  const signer = options.signer ?? LOG_KEY.signer;
  const receipt: BatchReceipt = {
    origin: signer.name,
    first: FIRST,
    size,
    root: tree.root,
    time: options.time ?? TIME,
  };
  return {
    entries,
    records: built.map((b) => b.record),
    receipt,
    note: await signBatchReceipt(receipt, signer),
    proof: (i) => tree.proof(i).map(base64Encode),
  };
}

/** A hash whose standard base64 has '+' and '/'. */
const PLUS_SLASH = new Uint8Array(32).fill(0xfb);
const urlSafe = (b64: string): string => Buffer.from(b64, 'base64').toString('base64url');

let batch: Batch;
before(async () => {
  batch = await makeBatch();
});

describe('verifyReceipt with a batch receipt', () => {
  it('passes for each entry with its receipt proof and index, and returns the index', async () => {
    for (const i of [0, 1, 9, 16, SIZE - 1]) {
      const v = await verifyReceipt(batch.note, batch.entries[i]!, POLICY, {
        receiptProof: batch.proof(i),
        index: FIRST + i,
      });
      assert.equal(v.ok, true, check(v, 'receipt').summary);
      assert.deepEqual(
        v.checks.map((c) => [c.name, c.status]),
        [
          ['record', 'passed'],
          ['issuer', 'not-applicable'],
          ['receipt', 'passed'],
        ],
      );
      assert.equal(v.index, FIRST + i);
      assert.equal(v.record?.time, TIME);
      const { evidence, summary } = check(v, 'receipt');
      assert.equal(evidence.first, String(FIRST));
      assert.equal(evidence.size, String(SIZE));
      assert.equal(evidence.root, base64Encode(batch.receipt.root));
      assert.equal(evidence.index, String(FIRST + i));
      assert.match(summary, /batch receipt for entries 100\.\.119/);
    }
  });

  it('passes for a batch of one, whose proof is empty', async () => {
    const one = await makeBatch({ size: 1 });
    assert.deepEqual(one.proof(0), []);
    const v = await verifyReceipt(one.note, one.entries[0]!, POLICY, {
      receiptProof: [],
      index: FIRST,
    });
    assert.equal(v.ok, true, check(v, 'receipt').summary);
    assert.equal(v.index, FIRST);
  });

  it('ignores other signatures on the note', async () => {
    const cosigned = await signNote(formatBatchReceiptText(batch.receipt), [
      witness('witness.example/w1', 41).signer,
      LOG_KEY.signer,
    ]);
    const v = await verifyReceipt(cosigned, batch.entries[3]!, POLICY, {
      receiptProof: batch.proof(3),
      index: FIRST + 3,
    });
    assert.equal(v.ok, true, check(v, 'receipt').summary);
  });

  it('fails RECEIPT_MISMATCH for a wrong proof, with batch and leaf as evidence', async () => {
    const i = 7;
    const entry = batch.entries[i]!;
    const proof = batch.proof(i);
    const flipped = proof.map((h, k) =>
      k === 2
        ? base64Encode(Uint8Array.from(Buffer.from(h, 'base64'), (b, m) => (m ? b : b ^ 1)))
        : h,
    );
    for (const receiptProof of [
      batch.proof(i + 1),
      flipped,
      proof.slice(0, -1),
      [...proof, proof[0]!],
      [...proof].reverse(),
      [],
    ]) {
      const v = await verifyReceipt(batch.note, entry, POLICY, { receiptProof, index: FIRST + i });
      assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
      const { evidence, summary } = check(v, 'receipt');
      assert.equal(evidence.first, String(FIRST));
      assert.equal(evidence.size, String(SIZE));
      assert.equal(evidence.root, base64Encode(batch.receipt.root));
      assert.equal(evidence.expectedLeafHash, base64Encode(leafHash(entry)));
      assert.equal(evidence.receiptProof, receiptProof.join(','));
      assert.match(summary, /receipt proof does not lead/);
      assert.equal(v.index, FIRST + i);
    }
  });

  it('fails RECEIPT_MISMATCH for a wrong index, or an index outside the batch', async () => {
    const i = 7;
    for (const index of [FIRST + i + 1, FIRST + i - 1, i, FIRST - 1, FIRST + SIZE, 2 ** 40]) {
      const v = await verifyReceipt(batch.note, batch.entries[i]!, POLICY, {
        receiptProof: batch.proof(i),
        index,
      });
      assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
      assert.equal(check(v, 'receipt').evidence.index, String(index));
    }
    const outside = await verifyReceipt(batch.note, batch.entries[i]!, POLICY, {
      receiptProof: batch.proof(i),
      index: FIRST + SIZE,
    });
    assert.match(check(outside, 'receipt').summary, /not among its entries 100\.\.119/);
  });

  it('fails RECEIPT_MISMATCH for an entry the batch does not hold', async () => {
    const other = await makeBatch({ timeMs: TIME_MS, size: 3 });
    const stranger = buildRecord(
      { digest: `sha256:${sha256Hex(utf8('stranger'))}`, type: 'test.event' },
      'acme',
      TIME_MS,
    ).bytes;
    const v = await verifyReceipt(batch.note, stranger, POLICY, {
      receiptProof: batch.proof(2),
      index: FIRST + 2,
    });
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    // A proof from another batch (another root) does not carry over either.
    const w = await verifyReceipt(batch.note, other.entries[2]!, POLICY, {
      receiptProof: other.proof(2),
      index: FIRST + 2,
    });
    assertFails(w, 'receipt', 'RECEIPT_MISMATCH');
  });

  it('fails RECEIPT_MISMATCH for another time', async () => {
    const late = await makeBatch({ timeMs: TIME_MS, time: '2027-01-15T08:00:00.001Z' });
    const v = await verifyReceipt(late.note, late.entries[4]!, POLICY, {
      receiptProof: late.proof(4),
      index: FIRST + 4,
    });
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    const { evidence, summary } = check(v, 'receipt');
    assert.equal(evidence.time, '2027-01-15T08:00:00.001Z');
    assert.equal(evidence.expectedTime, TIME);
    assert.match(summary, /another time/);
  });

  it('fails RECEIPT_MALFORMED without, or with a malformed, receipt proof or index', async () => {
    const i = 4;
    const entry = batch.entries[i]!;
    const proof = batch.proof(i);
    const getter = {};
    Object.defineProperty(getter, 'receiptProof', { get: () => proof, enumerable: true });
    const cases: [string, unknown][] = [
      ['no options', undefined],
      ['no proof', { index: FIRST + i }],
      ['no index', { receiptProof: proof }],
      ['proof null', { receiptProof: null, index: FIRST + i }],
      ['proof a string', { receiptProof: proof.join(','), index: FIRST + i }],
      ['proof of 17', { receiptProof: Array(17).fill(proof[0]), index: FIRST + i }],
      [
        'proof of bytes',
        { receiptProof: proof.map((h) => Buffer.from(h, 'base64')), index: FIRST + i },
      ],
      ['unpadded URL-safe proof', { receiptProof: proof.map(urlSafe), index: FIRST + i }],
      [
        'URL-safe hash',
        { receiptProof: [`${urlSafe(base64Encode(PLUS_SLASH))}=`], index: FIRST + i },
      ],
      ['proof of 31 bytes', { receiptProof: [base64Encode(new Uint8Array(31))], index: FIRST + i }],
      ['huge array-like', { receiptProof: { length: 1e9 }, index: FIRST + i }],
      ['index a string', { receiptProof: proof, index: String(FIRST + i) }],
      ['index negative', { receiptProof: proof, index: -1 }],
      ['index fractional', { receiptProof: proof, index: FIRST + 0.5 }],
      ['index unsafe', { receiptProof: proof, index: 2 ** 53 }],
      ['index NaN', { receiptProof: proof, index: Number.NaN }],
    ];
    for (const [what, options] of cases) {
      const v = await verifyReceipt(
        batch.note,
        entry,
        POLICY,
        options as { receiptProof?: string[]; index?: number },
      );
      assert.equal(check(v, 'receipt').error?.code, 'RECEIPT_MALFORMED', what);
      assertFails(v, 'receipt', 'RECEIPT_MALFORMED');
    }
  });

  it('fails RECEIPT_UNVERIFIED for another key of the log, an impostor or a witness', async () => {
    const i = 11;
    const options = { receiptProof: batch.proof(i), index: FIRST + i };
    assertFails(
      await verifyReceipt(
        batch.note,
        batch.entries[i]!,
        { logKey: testKey(ORIGIN, 5).vkey },
        options,
      ),
      'receipt',
      'RECEIPT_UNVERIFIED',
    );
    const forged = await makeBatch({ signer: testKey(ORIGIN, 97).signer });
    assertFails(
      await verifyReceipt(forged.note, forged.entries[i]!, POLICY, options),
      'receipt',
      'RECEIPT_UNVERIFIED',
    );
    const witnessed = await signNote(formatBatchReceiptText(batch.receipt), [
      witness('witness.example/w1', 41).signer,
    ]);
    assertFails(
      await verifyReceipt(witnessed, batch.entries[i]!, POLICY, options),
      'receipt',
      'RECEIPT_UNVERIFIED',
    );
  });

  it("fails RECEIPT_MISMATCH for another log's key and origin", async () => {
    const i = 11;
    const other = testKey('proofline.example/other-log', 23);
    const v = await verifyReceipt(
      batch.note,
      batch.entries[i]!,
      { logKey: other.vkey },
      {
        receiptProof: batch.proof(i),
        index: FIRST + i,
      },
    );
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assert.equal(check(v, 'receipt').evidence.expectedOrigin, 'proofline.example/other-log');
  });

  it('never passes a changed note, and never throws', async () => {
    const i = 5;
    const options = { receiptProof: batch.proof(i), index: FIRST + i };
    for (let k = 0; k < batch.note.length; k++) {
      const c = batch.note.charCodeAt(k);
      const changed = batch.note.slice(0, k) + String.fromCharCode(c ^ 1) + batch.note.slice(k + 1);
      const v = await verifyReceipt(changed, batch.entries[i]!, POLICY, options);
      assert.equal(v.ok, false, `changed at ${k}: ${JSON.stringify(changed)}`);
    }
  });
});

describe('verifyReceipt with a v1 receipt and options', () => {
  let log: TestLog;
  before(async () => {
    log = await TestLog.create({ size: 3 });
  });

  it('passes with the right index, and without options', async () => {
    const receipt = await log.receipt(2);
    for (const options of [{ index: 2 }, {}, undefined]) {
      const v = await verifyReceipt(receipt, log.entries[2]!, POLICY, options);
      assert.equal(v.ok, true);
      assert.equal(v.index, 2);
    }
  });

  it('fails RECEIPT_MISMATCH for another index', async () => {
    const v = await verifyReceipt(await log.receipt(2), log.entries[2]!, POLICY, { index: 1 });
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assert.equal(check(v, 'receipt').evidence.expectedIndex, '1');
    assert.match(check(v, 'receipt').summary, /another index/);
  });

  it('fails RECEIPT_MALFORMED with a receipt proof, or a malformed index', async () => {
    const receipt = await log.receipt(2);
    for (const options of [
      { receiptProof: [] },
      { receiptProof: batch.proof(0), index: 2 },
      { receiptProof: null as unknown as string[] },
      { index: '2' as unknown as number },
      { index: -2 },
    ]) {
      const v = await verifyReceipt(receipt, log.entries[2]!, POLICY, options);
      assertFails(v, 'receipt', 'RECEIPT_MALFORMED');
    }
  });

  it('throws INVALID_ARGUMENT for options that are not an object', async () => {
    const receipt = await log.receipt(2);
    for (const options of [null, 'index', 2]) {
      await assert.rejects(
        verifyReceipt(receipt, log.entries[2]!, POLICY, options as unknown as { index: number }),
        (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_ARGUMENT',
      );
    }
  });
});

describe('bundles and batch receipts', () => {
  it('fail RECEIPT_MALFORMED for a bundle that carries a batch receipt', async () => {
    const log = await TestLog.create({ size: 7 });
    const bundle = await log.bundle(5);
    // A batch of one covering the bundle's entry, validly signed: still not a v1 receipt.
    const leaf = leafHash(log.entries[5]!);
    const receipt = await signBatchReceipt(
      { origin: ORIGIN, first: 5, size: 1, root: leaf, time: log.records[5]!.time },
      LOG_KEY.signer,
    );
    assert.equal(log.records[5]!.time, new Date(T0 + 5).toISOString());
    for (const input of [{ ...bundle, receipt }, formatBundle({ ...bundle, receipt })]) {
      const v = await verifyBundle(input, POLICY);
      assertFails(v, 'receipt', 'RECEIPT_MALFORMED');
      assert.match(check(v, 'receipt').summary, /batch receipt/);
      assert.equal(check(v, 'inclusion').status, 'passed');
      assert.equal(check(v, 'checkpoint').status, 'passed');
    }
  });
});
