import assert from 'node:assert/strict';
import test from 'node:test';
import { verifyConsistency, type Hash } from '@proofline/tlog';
import {
  CborMap,
  buildReceipt,
  decodeSign1,
  ed25519CoseSigner,
  encodeCbor,
  encodeSign1,
  verifyReceipt,
} from '../src/index.js';
import { fromHex, readTestdataText, throwsCode, toHex } from './helpers.js';
import { TestTree } from './tree.js';

// testdata/scitt/tradeverifyd-xmod-tlog: trees built with golang.org/x/mod/sumdb/tlog; leaves
// are raw entries (leaf hash = SHA-256(0x00 ‖ entry)), every inclusion proof, consistency proofs.
interface XmodTree {
  treeSize: number;
  leaves: string[];
  root: string;
  inclusionProofs: { leafIndex: number; auditPath: string[] }[];
  consistencyProofs: {
    oldSize: number;
    newSize: number;
    oldRoot: string;
    newRoot: string;
    proof: string[];
  }[];
}

const SIZES = [7, 8, 16, 31, 32, 63, 64, 127, 128];
const service = ed25519CoseSigner(new Uint8Array(32).fill(11));
const keys = [service.publicKey];

/** The receipt with its inclusion proof replaced (the signature left as it was). */
function withProof(receipt: Uint8Array, size: number, index: number, path: Hash[]): Uint8Array {
  const sign1 = decodeSign1(receipt);
  const proof = encodeCbor([size, index, path]);
  return encodeSign1({ ...sign1, unprotected: new CborMap([[396, new CborMap([[-1, [proof]]])]]) });
}

for (const size of SIZES) {
  test(`x/mod tree of ${size}: every inclusion proof as a receipt verifies; mutations fail`, async () => {
    const t = JSON.parse(
      readTestdataText(`scitt/tradeverifyd-xmod-tlog/tlog-size-${size}.json`),
    ) as XmodTree;
    assert.equal(t.leaves.length, size);
    const tree = new TestTree(t.leaves.map(fromHex));
    const root = fromHex(t.root);
    assert.equal(toHex(tree.mth()), t.root);
    assert.equal(t.inclusionProofs.length, size);
    for (const { leafIndex, auditPath } of t.inclusionProofs) {
      const path = auditPath.map(fromHex);
      const leafHash = tree.leaves[leafIndex]!;
      const receipt = await buildReceipt({
        signer: service,
        leafHash,
        root,
        treeSize: size,
        leafIndex,
        path,
      });
      const v = verifyReceipt(receipt, { entry: fromHex(t.leaves[leafIndex]!) }, keys);
      assert.deepEqual([toHex(v.root), v.treeSize, v.leafIndex], [t.root, size, leafIndex]);
      // Every proof: one path hash flipped (round robin over the positions) and a truncated
      // path. Every 8th leaf and the last: every position flipped, a neighbour's index, a
      // neighbour's leaf (CPU time: the 2 cores are shared).
      const thorough = leafIndex % 8 === 0 || leafIndex === size - 1;
      const flips = thorough
        ? path.map((_, i) => i)
        : path.length > 0
          ? [leafIndex % path.length]
          : [];
      for (const i of flips) {
        const bad = path.map((h, j) =>
          j === i ? Uint8Array.from(h, (b, k) => (k === 0 ? b ^ 1 : b)) : h,
        );
        throwsCode(
          () => verifyReceipt(withProof(receipt, size, leafIndex, bad), { leafHash }, keys),
          'INVALID_RECEIPT',
        );
      }
      throwsCode(
        () => verifyReceipt(withProof(receipt, size, leafIndex, path.slice(1)), { leafHash }, keys),
        'MALFORMED_RECEIPT',
      );
      if (!thorough) continue;
      const swapped = (leafIndex ^ 1) < size ? leafIndex ^ 1 : leafIndex - 1;
      assert.throws(
        () => verifyReceipt(withProof(receipt, size, swapped, path), { leafHash }, keys),
        {
          name: 'CoseError',
        },
      );
      throwsCode(
        () => verifyReceipt(receipt, { leafHash: tree.leaves[swapped]! }, keys),
        'INVALID_RECEIPT',
      );
    }
    for (const c of t.consistencyProofs) {
      verifyConsistency(
        c.oldSize,
        c.newSize,
        c.proof.map(fromHex),
        fromHex(c.oldRoot),
        fromHex(c.newRoot),
      );
      assert.equal(toHex(tree.mth(0, c.oldSize)), c.oldRoot);
    }
  });
}
