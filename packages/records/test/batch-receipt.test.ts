import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  NoteError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  signNote,
} from '@proofline/note';
import { leafHash, nodeHash, proveInclusion, treeHash, type HashReader } from '@proofline/tlog';
import {
  MAX_BATCH_RECEIPT_SIZE,
  RecordError,
  batchReceiptIncludes,
  batchTree,
  buildRecord,
  formatBatchReceiptText,
  openBatchReceipt,
  openReceipt,
  parseBatchReceiptText,
  parseReceiptProof,
  parseReceiptText,
  signBatchReceipt,
  signReceipt,
  type BatchReceipt,
} from '../src/index.js';
import {
  assertRecordError,
  assertRejectsRecord,
  inclusionProof,
  merkleRoot,
  prng,
  testKey,
} from './helpers.js';

const ORIGIN = 'proofline.example/acme-prod';
const log = testKey(ORIGIN, 9);
const witness = testKey('witness.example', 10);
const TIME_MS = 1_700_000_000_000;
const FIRST = 4096;

/** `n` canonical records sequenced together (one time), as the log would batch them. */
function batchEntries(n: number): Uint8Array[] {
  return Array.from(
    { length: n },
    (_, i) =>
      buildRecord(
        { digest: `sha256:${i.toString(16).padStart(64, '0')}`, type: 'test.event' },
        'acme',
        TIME_MS,
      ).bytes,
  );
}

/** `n` distinct pseudo-random 32-byte leaf hashes. */
function randomLeaves(n: number, seed = n): Uint8Array[] {
  const next = prng(seed + 1);
  return Array.from({ length: n }, () => Uint8Array.from({ length: 32 }, () => next(256)));
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const ENTRIES = batchEntries(13);
const LEAVES = ENTRIES.map(leafHash);
const TREE = batchTree(LEAVES);
const RECEIPT: BatchReceipt = {
  origin: ORIGIN,
  first: FIRST,
  size: 13,
  root: TREE.root,
  time: '2023-11-14T22:13:20.000Z',
};
const TEXT =
  'proofline.dev/batch-receipt/v1\n' +
  `origin ${ORIGIN}\n` +
  'first 4096\n' +
  'size 13\n' +
  `root ${b64(merkleRoot(LEAVES))}\n` +
  'time 2023-11-14T22:13:20.000Z\n';

/**
 * A tlog HashReader over `leaves`: each complete node (level, index) is computed from the
 * leaves by pairwise hashing, independently of batchTree's level arrays.
 */
function leavesReader(leaves: readonly Uint8Array[]): HashReader {
  return async (nodes) =>
    nodes.map(({ level, index }) => {
      let hashes = leaves.slice(index * 2 ** level, (index + 1) * 2 ** level);
      assert.equal(hashes.length, 2 ** level, 'tlog asked for an incomplete node');
      while (hashes.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i < hashes.length; i += 2) next.push(nodeHash(hashes[i]!, hashes[i + 1]!));
        hashes = next;
      }
      return hashes[0]!;
    });
}

describe('batch receipt text', () => {
  it('has the exact documented form and round-trips', () => {
    assert.equal(formatBatchReceiptText(RECEIPT), TEXT);
    assert.deepEqual(parseBatchReceiptText(TEXT), RECEIPT);
    assert.ok(Object.isFrozen(parseBatchReceiptText(TEXT)));
    for (const r of [
      { ...RECEIPT, first: 0, size: 1 },
      { ...RECEIPT, size: MAX_BATCH_RECEIPT_SIZE },
      { ...RECEIPT, first: Number.MAX_SAFE_INTEGER, size: 1 },
      { ...RECEIPT, first: Number.MAX_SAFE_INTEGER - 65535, size: 65536 },
      { ...RECEIPT, first: Number.MAX_SAFE_INTEGER - 2, size: 3 },
      { ...RECEIPT, time: '9999-12-31T23:59:59.999Z' },
    ]) {
      assert.deepEqual(parseBatchReceiptText(formatBatchReceiptText(r)), r);
    }
  });

  it('is neither a checkpoint nor a v1 receipt, and neither of those is one', async () => {
    assert.throws(
      () => parseCheckpoint(TEXT),
      (err: unknown) => err instanceof NoteError && err.code === 'MALFORMED_CHECKPOINT',
    );
    assertRecordError(() => parseReceiptText(TEXT), 'INVALID_RECEIPT');
    const checkpoint = formatCheckpoint({
      origin: ORIGIN,
      size: 13,
      rootHash: TREE.root,
      extensions: [],
    });
    assertRecordError(() => parseBatchReceiptText(checkpoint), 'INVALID_RECEIPT');
    const v1 = parseNote(
      await signReceipt(
        { origin: ORIGIN, index: FIRST, leafHash: LEAVES[0]!, time: RECEIPT.time },
        log.signer,
      ),
    ).text;
    assertRecordError(() => parseBatchReceiptText(v1), 'INVALID_RECEIPT');
  });

  it('rejects mangled texts', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const root = b64(RECEIPT.root);
    const cases: [string, string | undefined][] = [
      ['', undefined],
      [TEXT.slice(0, -1), undefined],
      [`${TEXT}\n`, undefined],
      [`${TEXT}extra line\n`, undefined],
      [`\n${TEXT}`, undefined],
      [TEXT.replace('\n', '\r\n'), undefined],
      [TEXT.replaceAll('\n', '\r\n'), undefined],
      [TEXT.replace('batch-receipt/v1', 'batch-receipt/v2'), undefined],
      [TEXT.replace('batch-receipt/v1', 'receipt/v1'), undefined],
      [TEXT.replace('proofline.dev/batch-receipt/v1', ORIGIN), undefined],
      [TEXT.replace('first 4096\n', ''), undefined],
      [TEXT.replace('size 13\n', ''), undefined],
      [TEXT.replace(/root .*\n/, ''), undefined],
      [TEXT.replace(/time .*\n/, ''), undefined],
      [TEXT.replace('first 4096\nsize 13\n', 'size 13\nfirst 4096\n'), '/first'],
      [TEXT.replace('origin ', 'origin  '), '/origin'],
      [TEXT.replace('origin ', 'Origin '), '/origin'],
      [TEXT.replace(ORIGIN, 'proofline.example/acme prod'), '/origin'],
      [TEXT.replace(ORIGIN, 'a+b'), '/origin'],
      [TEXT.replace(`origin ${ORIGIN}`, 'origin '), '/origin'],
      [TEXT.replace('first 4096', 'first 04096'), '/first'],
      [TEXT.replace('first 4096', 'first -1'), '/first'],
      [TEXT.replace('first 4096', 'first +4096'), '/first'],
      [TEXT.replace('first 4096', 'first 4096.0'), '/first'],
      [TEXT.replace('first 4096', 'first 0x1000'), '/first'],
      [TEXT.replace('first 4096', 'first 9007199254740992'), '/first'],
      [TEXT.replace('first 4096', 'first  4096'), '/first'],
      [TEXT.replace('first 4096', 'first 4096 '), '/first'],
      [TEXT.replace('first 4096', 'first 4096\r'), '/first'],
      [TEXT.replace('first 4096', 'first'), '/first'],
      [TEXT.replace('first 4096', 'index 4096'), '/first'],
      [TEXT.replace('size 13', 'size 013'), '/size'],
      [TEXT.replace('size 13', 'size 0'), '/size'],
      [TEXT.replace('size 13', 'size 00'), '/size'],
      [TEXT.replace('size 13', 'size -1'), '/size'],
      [TEXT.replace('size 13', 'size 65537'), '/size'],
      [TEXT.replace('size 13', 'size 99999'), '/size'],
      [TEXT.replace('size 13', 'size 100000'), '/size'],
      [TEXT.replace('size 13', 'size 1e3'), '/size'],
      [TEXT.replace('size 13', 'size 13.0'), '/size'],
      [TEXT.replace('size 13', 'size ١٣'), '/size'],
      [TEXT.replace('size 13', 'size  13'), '/size'],
      [TEXT.replace('first 4096', `first ${max}`).replace('size 13', 'size 2'), '/size'],
      // max - 1 + 3 - 1 = 2^53 + 1 is not a safe integer, though it rounds to 2^53 - 1 + 1.
      [TEXT.replace('first 4096', `first ${max - 1}`).replace('size 13', 'size 3'), '/size'],
      [
        TEXT.replace('first 4096', `first ${max - 65534}`).replace('size 13', 'size 65536'),
        '/size',
      ],
      [TEXT.replace(root, 'AAAA'), '/root'],
      [TEXT.replace(root, Buffer.alloc(31).toString('base64')), '/root'],
      [TEXT.replace(root, Buffer.alloc(33).toString('base64')), '/root'],
      [TEXT.replace(root, root.slice(0, -1)), '/root'],
      [TEXT.replace(root, `${root.slice(0, -2)}B=`), '/root'],
      [TEXT.replace(root, `${Buffer.alloc(32, 0xff).toString('base64url')}=`), '/root'],
      [TEXT.replace(root, `${root} `), '/root'],
      [TEXT.replace(root, toHexString(RECEIPT.root)), '/root'],
      [TEXT.replace('root ', 'root  '), '/root'],
      [TEXT.replace('root ', 'leaf '), '/root'],
      [TEXT.replace('time 2023-11-14T22:13:20.000Z', 'time 2023-11-14T22:13:20Z'), '/time'],
      [TEXT.replace('time 2023-11-14T22:13:20.000Z', 'time 2023-02-30T22:13:20.000Z'), '/time'],
      [TEXT.replace('time ', 'time  '), '/time'],
      [`${TEXT.slice(0, -1)} \n`, '/time'],
      [`${TEXT.slice(0, TEXT.indexOf('origin'))}origin ${'a'.repeat(70_000)}\n`, undefined],
      ['x'.repeat(70_000), undefined],
      ['\n'.repeat(70_000), undefined],
      ['\n'.repeat(6), undefined],
    ];
    for (const [text, field] of cases) {
      assertRecordError(
        () => parseBatchReceiptText(text),
        'INVALID_RECEIPT',
        field,
        JSON.stringify(text.slice(0, 200)),
      );
    }
    for (const value of [
      null,
      undefined,
      42,
      new Uint8Array(4),
      [TEXT],
      { toString: () => TEXT },
    ]) {
      assertRecordError(() => parseBatchReceiptText(value as unknown as string), 'INVALID_RECEIPT');
    }
  });

  it('rejects unencodable batch receipts', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const cases: [BatchReceipt, string | undefined][] = [
      [null as unknown as BatchReceipt, undefined],
      ['receipt' as unknown as BatchReceipt, undefined],
      [{ ...RECEIPT, origin: '' }, '/origin'],
      [{ ...RECEIPT, origin: 'a b' }, '/origin'],
      [{ ...RECEIPT, origin: 'a\nfirst 1' }, '/origin'],
      [{ ...RECEIPT, first: -1 }, '/first'],
      [{ ...RECEIPT, first: 1.5 }, '/first'],
      [{ ...RECEIPT, first: max + 1 }, '/first'],
      [{ ...RECEIPT, first: '1' as unknown as number }, '/first'],
      [{ ...RECEIPT, size: 0 }, '/size'],
      [{ ...RECEIPT, size: MAX_BATCH_RECEIPT_SIZE + 1 }, '/size'],
      [{ ...RECEIPT, size: 2.5 }, '/size'],
      [{ ...RECEIPT, size: Number.NaN }, '/size'],
      [{ ...RECEIPT, first: max - 1, size: 3 }, '/size'],
      [{ ...RECEIPT, first: max, size: 2 }, '/size'],
      [{ ...RECEIPT, root: new Uint8Array(31) }, '/root'],
      [{ ...RECEIPT, root: 'root' as unknown as Uint8Array }, '/root'],
      [{ ...RECEIPT, time: '2023-11-14T22:13:20Z' }, '/time'],
    ];
    for (const [r, field] of cases) {
      assertRecordError(() => formatBatchReceiptText(r), 'INVALID_ARGUMENT', field, String(field));
    }
  });
});

describe('batchTree', () => {
  it('matches tlog treeHash and proveInclusion for every leaf of every size 1..70', async () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = randomLeaves(n);
      const tree = batchTree(leaves);
      const read = leavesReader(leaves);
      assert.deepEqual(tree.root, await treeHash(n, read), `root of ${n}`);
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        assert.deepEqual(proof, await proveInclusion(i, n, read), `proof ${i} of ${n}`);
        assert.ok(proof.length <= Math.ceil(Math.log2(n)));
      }
    }
  });

  it('matches an RFC 6962 recursion, and tlog, at n = 1000', async () => {
    const leaves = randomLeaves(1000);
    const tree = batchTree(leaves);
    const read = leavesReader(leaves);
    assert.deepEqual(tree.root, merkleRoot(leaves));
    assert.deepEqual(tree.root, await treeHash(1000, read));
    for (const i of [0, 1, 511, 512, 767, 999]) {
      assert.deepEqual(tree.proof(i), inclusionProof(leaves, i), `proof ${i}`);
      assert.deepEqual(tree.proof(i), await proveInclusion(i, 1000, read), `proof ${i}`);
    }
  });

  it('has the largest size with 16-hash proofs, and hashes each interior node once', () => {
    let calls = 0;
    const counting = (l: Uint8Array, r: Uint8Array): Uint8Array => {
      calls++;
      return nodeHash(l, r);
    };
    const leaves = randomLeaves(MAX_BATCH_RECEIPT_SIZE, 7);
    const tree = batchTree(leaves, counting);
    assert.equal(calls, MAX_BATCH_RECEIPT_SIZE - 1);
    for (const i of [0, 12345, MAX_BATCH_RECEIPT_SIZE - 1]) {
      const proof = tree.proof(i);
      assert.equal(proof.length, 16);
      assert.equal(
        batchReceiptIncludes(
          { ...RECEIPT, size: MAX_BATCH_RECEIPT_SIZE, root: tree.root },
          FIRST + i,
          leaves[i]!,
          proof,
        ),
        true,
      );
    }
    calls = 0;
    batchTree(randomLeaves(1000), counting);
    assert.equal(calls, 999);
  });

  it('takes a hashChildren function, such as a node:crypto one', () => {
    const nodeCrypto = (l: Uint8Array, r: Uint8Array): Uint8Array =>
      new Uint8Array(createHash('sha256').update(Uint8Array.of(1)).update(l).update(r).digest());
    for (const n of [1, 2, 3, 13, 100]) {
      const leaves = randomLeaves(n);
      const a = batchTree(leaves);
      const b = batchTree(leaves, nodeCrypto);
      assert.deepEqual(b.root, a.root);
      for (let i = 0; i < n; i++) assert.deepEqual(b.proof(i), a.proof(i));
    }
    assertRecordError(
      () => batchTree(randomLeaves(3), () => new Uint8Array(31)),
      'INVALID_ARGUMENT',
    );
    assertRecordError(
      () => batchTree(randomLeaves(3), 'sha256' as unknown as () => Uint8Array),
      'INVALID_ARGUMENT',
    );
  });

  it('takes a hashChildrenInto, hashing each pair where it lies: the same tree', () => {
    const nodeCrypto = (l: Uint8Array, r: Uint8Array): Uint8Array =>
      new Uint8Array(createHash('sha256').update(Uint8Array.of(1)).update(l).update(r).digest());
    let calls = 0;
    const into = (src: Uint8Array, at: number, dst: Uint8Array, to: number): void => {
      calls++;
      dst.set(nodeCrypto(src.subarray(at, at + 32), src.subarray(at + 32, at + 64)), to);
    };
    const unused = (): Uint8Array => {
      throw new Error('hashChildren is not used when hashChildrenInto is given');
    };
    for (const n of [1, 2, 3, 13, 100, 1000]) {
      const leaves = randomLeaves(n);
      const a = batchTree(leaves);
      calls = 0;
      const b = batchTree(leaves, unused, into);
      assert.equal(calls, n - 1);
      assert.deepEqual(b.root, a.root);
      for (let i = 0; i < n; i++) assert.deepEqual(b.proof(i), a.proof(i));
    }
    assertRecordError(
      () => batchTree(randomLeaves(3), nodeCrypto, 'x' as unknown as typeof into),
      'INVALID_ARGUMENT',
    );
  });

  it('of one leaf is that leaf, with an empty proof', () => {
    const tree = batchTree([LEAVES[0]!]);
    assert.deepEqual(tree.root, LEAVES[0]);
    assert.deepEqual(tree.proof(0), []);
  });

  it('is not altered through its inputs or outputs', () => {
    const leaves = randomLeaves(5);
    const tree = batchTree(leaves);
    const root = tree.root.slice();
    const proof = tree.proof(2);
    const expected = proof.map((h) => h.slice());
    leaves[0]!.fill(0);
    leaves[4]!.fill(0);
    proof[0]!.fill(0);
    tree.root.fill(0);
    assert.deepEqual(batchTree(randomLeaves(5)).root, root);
    assert.deepEqual(tree.proof(2), expected);
    assert.ok(Object.isFrozen(tree));
  });

  it('encodes proofs like proof(i), calling the encoder once per node for all of them', () => {
    for (const n of [1, 2, 3, 7, 64, 65, 1000]) {
      const tree = batchTree(randomLeaves(n));
      const encoded: Uint8Array[] = [];
      const encode = (h: Uint8Array) => (encoded.push(h), Buffer.from(h).toString('hex'));
      for (let i = 0; i < n; i++) {
        assert.deepEqual(
          tree.encodedProof(i, encode),
          tree.proof(i).map((h) => Buffer.from(h).toString('hex')),
          `n ${n}, leaf ${i}`,
        );
      }
      // Every node but the root is in some proof (n = 1: none), and is encoded exactly once.
      assert.equal(encoded.length, n === 1 ? 0 : 2 * n - 2, `n ${n}`);
      assert.equal(new Set(encoded).size, encoded.length);
      assert.throws(() => tree.encodedProof(n, encode), /leaf index/);
    }
  });

  it('rejects bad leaves and proof indexes', () => {
    const leaves = randomLeaves(3);
    for (const bad of [
      [],
      'leaves',
      null,
      new Uint8Array(32),
      [new Uint8Array(31)],
      [leaves[0], 'x'],
      [leaves[0], new Uint16Array(16)],
      randomLeaves(MAX_BATCH_RECEIPT_SIZE + 1, 3),
    ]) {
      assertRecordError(
        () => batchTree(bad as unknown as Uint8Array[]),
        'INVALID_ARGUMENT',
        undefined,
        String(bad),
      );
    }
    const tree = batchTree(leaves);
    for (const i of [-1, 3, 1.5, Number.NaN, '1', undefined]) {
      assertRecordError(() => tree.proof(i as number), 'INVALID_ARGUMENT', undefined, String(i));
    }
  });
});

describe('batchReceiptIncludes', () => {
  it('is true for every entry of the batch with its proof', () => {
    for (let i = 0; i < 13; i++) {
      assert.equal(batchReceiptIncludes(RECEIPT, FIRST + i, LEAVES[i]!, TREE.proof(i)), true);
    }
    const single = { ...RECEIPT, first: 0, size: 1, root: LEAVES[3]! };
    assert.equal(batchReceiptIncludes(single, 0, LEAVES[3]!, []), true);
  });

  it('is false for a wrong index, leaf, proof, size or root', () => {
    const i = 5;
    const index = FIRST + i;
    const leaf = LEAVES[i]!;
    const proof = TREE.proof(i);
    const flipped = (k: number): Uint8Array[] =>
      proof.map((h, j) => (j === k ? Uint8Array.from(h, (b, m) => (m === 0 ? b ^ 1 : b)) : h));
    const falses: [string, BatchReceipt, number, Uint8Array, readonly Uint8Array[]][] = [
      ['index + 1', RECEIPT, index + 1, leaf, proof],
      ['index - 1', RECEIPT, index - 1, leaf, proof],
      ['index as if 0-based', RECEIPT, i, leaf, proof],
      ['before first', RECEIPT, FIRST - 1, leaf, proof],
      ['at first + size', RECEIPT, FIRST + 13, leaf, proof],
      ['far beyond', RECEIPT, FIRST + 13 + 1024, leaf, proof],
      ['negative', RECEIPT, -1, leaf, proof],
      ['fraction', RECEIPT, index + 0.5, leaf, proof],
      ['NaN', RECEIPT, Number.NaN, leaf, proof],
      ['infinite', RECEIPT, Infinity, leaf, proof],
      ['another leaf', RECEIPT, index, LEAVES[i + 1]!, proof],
      ['another proof', RECEIPT, index, leaf, TREE.proof(i + 1)],
      ['no proof', RECEIPT, index, leaf, []],
      ['short proof', RECEIPT, index, leaf, proof.slice(0, -1)],
      ['long proof', RECEIPT, index, leaf, [...proof, proof[0]!]],
      ['17 hashes', RECEIPT, index, leaf, Array.from({ length: 17 }, () => proof[0]!)],
      ['reversed proof', RECEIPT, index, leaf, [...proof].reverse()],
      ['31-byte hash', RECEIPT, index, leaf, [proof[0]!.subarray(1), ...proof.slice(1)]],
      ['non-hash item', RECEIPT, index, leaf, ['x' as unknown as Uint8Array, ...proof.slice(1)]],
      // Sizes whose path to leaf i has another shape. (Sizes 9..16 have the same shape as 13
      // for i = 5, so the same hashes lead to the same root: the signature binds the size.)
      ['size 8', { ...RECEIPT, size: 8 }, index, leaf, proof],
      ['size 6', { ...RECEIPT, size: 6 }, index, leaf, proof],
      ['size 32', { ...RECEIPT, size: 32 }, index, leaf, proof],
      ['last leaf, size + 1', { ...RECEIPT, size: 14 }, FIRST + 12, LEAVES[12]!, TREE.proof(12)],
      ['last leaf, size - 1', { ...RECEIPT, size: 12 }, FIRST + 12, LEAVES[12]!, TREE.proof(12)],
      ['leaf 8, size 12', { ...RECEIPT, size: 12 }, FIRST + 8, LEAVES[8]!, TREE.proof(8)],
      ['another root', { ...RECEIPT, root: LEAVES[0]! }, index, leaf, proof],
      ['another first', { ...RECEIPT, first: FIRST + 1 }, index, leaf, proof],
    ];
    for (let k = 0; k < proof.length; k++) {
      falses.push([`hash ${k} flipped`, RECEIPT, index, leaf, flipped(k)]);
    }
    for (const [what, r, idx, l, p] of falses) {
      assert.equal(batchReceiptIncludes(r, idx, l, p), false, what);
    }
  });

  it('throws INVALID_ARGUMENT for arguments of the wrong type', () => {
    const proof = TREE.proof(0);
    const calls: [string, () => unknown][] = [
      [
        'receipt null',
        () => batchReceiptIncludes(null as unknown as BatchReceipt, FIRST, LEAVES[0]!, proof),
      ],
      [
        'receipt size 0',
        () => batchReceiptIncludes({ ...RECEIPT, size: 0 }, FIRST, LEAVES[0]!, proof),
      ],
      [
        'receipt root',
        () =>
          batchReceiptIncludes({ ...RECEIPT, root: new Uint8Array(3) }, FIRST, LEAVES[0]!, proof),
      ],
      [
        'index string',
        () => batchReceiptIncludes(RECEIPT, String(FIRST) as unknown as number, LEAVES[0]!, proof),
      ],
      [
        'index bigint',
        () => batchReceiptIncludes(RECEIPT, BigInt(FIRST) as unknown as number, LEAVES[0]!, proof),
      ],
      ['leaf 31 bytes', () => batchReceiptIncludes(RECEIPT, FIRST, new Uint8Array(31), proof)],
      [
        'leaf string',
        () => batchReceiptIncludes(RECEIPT, FIRST, b64(LEAVES[0]!) as unknown as Uint8Array, proof),
      ],
      [
        'proof string',
        () => batchReceiptIncludes(RECEIPT, FIRST, LEAVES[0]!, 'p' as unknown as Uint8Array[]),
      ],
      [
        'proof undefined',
        () =>
          batchReceiptIncludes(RECEIPT, FIRST, LEAVES[0]!, undefined as unknown as Uint8Array[]),
      ],
    ];
    for (const [what, call] of calls) assertRecordError(call, 'INVALID_ARGUMENT', undefined, what);
  });
});

describe('signBatchReceipt and openBatchReceipt', () => {
  it('signs with the log key and opens with its verifier', async () => {
    const note = await signBatchReceipt(RECEIPT, log.signer);
    assert.equal(parseNote(note).text, TEXT);
    assert.deepEqual(await openBatchReceipt(note, log.verifier), RECEIPT);
    // Extra signatures (e.g. a witness's) are ignored.
    const cosigned = await signNote(TEXT, [log.signer, witness.signer]);
    assert.deepEqual(await openBatchReceipt(cosigned, log.verifier), RECEIPT);
  });

  it('refuses a key not named after the origin, or an unencodable receipt', async () => {
    await assertRejectsRecord(signBatchReceipt(RECEIPT, witness.signer), 'INVALID_ARGUMENT');
    await assertRejectsRecord(
      signBatchReceipt({ ...RECEIPT, size: 0 }, log.signer),
      'INVALID_ARGUMENT',
      '/size',
    );
  });

  it('rejects a witness key, an impostor key and a forged receipt', async () => {
    const note = await signBatchReceipt(RECEIPT, log.signer);
    await assertRejectsRecord(
      openBatchReceipt(note, witness.verifier),
      'INVALID_RECEIPT',
      '/origin',
    );
    // Only the witness signed it: not the log.
    const witnessOnly = await signNote(TEXT, [witness.signer]);
    await assertRejectsRecord(openBatchReceipt(witnessOnly, log.verifier), 'INVALID_RECEIPT');
    // A different key under the log's name: the signature is from an unknown key.
    const impostor = testKey(ORIGIN, 11);
    await assert.rejects(openBatchReceipt(note, impostor.verifier), (err: unknown) => {
      assert.ok(err instanceof RecordError && err.code === 'INVALID_RECEIPT');
      assert.ok(err.cause instanceof NoteError && err.cause.code === 'UNVERIFIED_NOTE');
      return true;
    });
    const forged = await signBatchReceipt(RECEIPT, impostor.signer);
    await assertRejectsRecord(openBatchReceipt(forged, log.verifier), 'INVALID_RECEIPT');
  });

  it('rejects a mangled note', async () => {
    const note = await signBatchReceipt(RECEIPT, log.signer);
    const mangled = [
      note.replace('first 4096', 'first 4097'),
      note.replace('size 13', 'size 14'),
      note.replace('size 13', 'size 013'),
      note.replace('batch-receipt/v1', 'batch-receipt/v2'),
      note.replace('\n\n', '\n'),
      note.replaceAll('\n', '\r\n'),
      note.slice(0, -2),
      note.slice(0, note.indexOf('\u2014')),
      `${note}garbage\n`,
      '',
    ];
    for (const text of mangled) {
      await assertRejectsRecord(
        openBatchReceipt(text, log.verifier),
        'INVALID_RECEIPT',
        undefined,
        text,
      );
    }
    const sigStart = note.length - 20; // inside the signature, past the key id
    const flipped =
      note.slice(0, sigStart) + (note[sigStart] === 'A' ? 'B' : 'A') + note.slice(sigStart + 1);
    await assert.rejects(openBatchReceipt(flipped, log.verifier), (err: unknown) => {
      assert.ok(err instanceof RecordError && err.code === 'INVALID_RECEIPT');
      assert.ok(err.cause instanceof NoteError && err.cause.code === 'INVALID_SIGNATURE');
      return true;
    });
    for (const value of [null, 42, new Uint8Array(3)]) {
      await assertRejectsRecord(
        openBatchReceipt(value as unknown as string, log.verifier),
        'INVALID_RECEIPT',
      );
    }
  });

  it('rejects a checkpoint or a v1 receipt as a batch receipt, and vice versa', async () => {
    const checkpoint = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: 13, rootHash: TREE.root, extensions: [] }),
      [log.signer],
    );
    await assertRejectsRecord(openBatchReceipt(checkpoint, log.verifier), 'INVALID_RECEIPT');
    const v1 = await signReceipt(
      { origin: ORIGIN, index: FIRST, leafHash: LEAVES[0]!, time: RECEIPT.time },
      log.signer,
    );
    await assertRejectsRecord(openBatchReceipt(v1, log.verifier), 'INVALID_RECEIPT');
    const batch = await signBatchReceipt(RECEIPT, log.signer);
    await assertRejectsRecord(openReceipt(batch, log.verifier), 'INVALID_RECEIPT');
    await assert.rejects(
      openCheckpoint(batch, ORIGIN, log.verifier),
      (err: unknown) => err instanceof NoteError && err.code === 'MALFORMED_CHECKPOINT',
    );
  });
});

describe('parseReceiptProof', () => {
  const proof = TREE.proof(5);
  const encoded = proof.map(b64);

  it('decodes 0 to 16 base64 hashes', () => {
    assert.deepEqual(parseReceiptProof(encoded), proof);
    assert.deepEqual(parseReceiptProof([]), []);
    const sixteen = Array.from({ length: 16 }, (_, i) => b64(randomLeaves(16)[i]!));
    assert.deepEqual(parseReceiptProof(sixteen).map(b64), sixteen);
  });

  it('rejects hostile values', () => {
    // A 32-byte hash whose standard base64 has '+' and '/', for the URL-safe alphabet.
    const plusSlash = new Uint8Array(32).fill(0xfb);
    assert.match(b64(plusSlash), /[+/]/);
    const sparse = [encoded[0]];
    sparse[2] = encoded[1];
    const getter = [encoded[0]];
    Object.defineProperty(getter, 0, { get: () => encoded[0], enumerable: true });
    const cases: [unknown, string][] = [
      [undefined, '/receiptProof'],
      [null, '/receiptProof'],
      [encoded.join(','), '/receiptProof'],
      [{ 0: encoded[0], length: 1 }, '/receiptProof'],
      [new Uint8Array(32), '/receiptProof'],
      [Array.from({ length: 17 }, () => encoded[0]), '/receiptProof'],
      [new Array(1_000_000), '/receiptProof'],
      [[b64(new Uint8Array(31))], '/receiptProof/0'],
      [[b64(new Uint8Array(33))], '/receiptProof/0'],
      [[encoded[0], ''], '/receiptProof/1'],
      [[encoded[0], '!'.repeat(44)], '/receiptProof/1'],
      [[encoded[0]!.slice(0, -1)], '/receiptProof/0'],
      [[`${encoded[0]} `], '/receiptProof/0'],
      [[` ${encoded[0]}`], '/receiptProof/0'],
      [[`${encoded[0]}\n`], '/receiptProof/0'],
      [[Buffer.from(plusSlash).toString('base64url')], '/receiptProof/0'],
      [[`${Buffer.from(plusSlash).toString('base64url')}=`], '/receiptProof/0'],
      [[`${encoded[0]!.slice(0, -2)}B=`], '/receiptProof/0'],
      [[Buffer.from(proof[0]!).toString('hex')], '/receiptProof/0'],
      [['A'.repeat(1_000_000)], '/receiptProof/0'],
      [[42], '/receiptProof/0'],
      [[null], '/receiptProof/0'],
      [[proof[0]], '/receiptProof/0'],
      [[[encoded[0]]], '/receiptProof/0'],
      [sparse, '/receiptProof/1'],
      [getter, '/receiptProof/0'],
    ];
    for (const [value, field] of cases) {
      assertRecordError(
        () => parseReceiptProof(value),
        'INVALID_RECEIPT',
        field,
        String(value).slice(0, 100),
      );
    }
    assert.deepEqual(parseReceiptProof([b64(plusSlash)]), [plusSlash]);
  });
});

describe('a batch end to end', () => {
  it('covers each of its records, sequenced at one time', async () => {
    const note = await signBatchReceipt(RECEIPT, log.signer);
    const opened = await openBatchReceipt(note, log.verifier);
    // As a verifier does it: the record, its claimed index and its proof from the API.
    const wire = ENTRIES.map((entry, i) => ({
      entry,
      index: FIRST + i,
      receiptProof: JSON.parse(JSON.stringify(TREE.proof(i).map(b64))) as unknown,
    }));
    for (const { entry, index, receiptProof } of wire) {
      const proof = parseReceiptProof(receiptProof);
      assert.equal(batchReceiptIncludes(opened, index, leafHash(entry), proof), true);
      assert.equal(batchReceiptIncludes(opened, index ^ 1, leafHash(entry), proof), false);
    }
  });
});

function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
