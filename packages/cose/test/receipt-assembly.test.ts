import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  assembleReceipt,
  decodeSign1,
  ed25519CoseKey,
  ed25519CoseSigner,
  ed25519Kid,
  encodeSign1,
  es256CoseSigner,
  signRootSignature,
  signSign1,
  verifyReceipt,
  verifySign1,
} from '../src/index.js';
import { TestTree, entries } from './tree.js';
import { throwsCode } from './helpers.js';

const seed = new Uint8Array(32).fill(7);
const signer = ed25519CoseSigner(seed);
const key = ed25519CoseKey(signer.publicKey.x);
const tree = new TestTree(entries(13));
const root = tree.mth();
const issuer = 'log.example/test';

async function rootSignature(r = root): Promise<Uint8Array> {
  return signRootSignature({ signer, kid: ed25519Kid(signer.publicKey.x), issuer, root: r });
}

test('a root signature: protected {alg -8, kid, vds 1, 15: {1: iss}}, nil payload, verifies over the root', async () => {
  const bytes = await rootSignature();
  const sign1 = decodeSign1(bytes);
  assert.equal(bytes[0], 0xd2); // tag 18
  assert.equal(sign1.payload, null);
  assert.equal(sign1.unprotected.entries.length, 0);
  assert.deepEqual(
    sign1.protected.entries.map(([k]) => k),
    [1, 4, 15, 395],
  );
  assert.equal(sign1.protected.get(1), -8);
  assert.deepEqual(sign1.protected.get(4), ed25519Kid(signer.publicKey.x));
  assert.equal((sign1.protected.get(15) as CborMap).get(1), issuer);
  assert.equal(sign1.protected.get(395), 1);
  verifySign1(bytes, [key], { payload: root, understoodCritical: [395, 15] });
  assert.throws(() => verifySign1(bytes, [key], { payload: tree.mth(0, 12) }));
});

test('every leaf: the assembled receipt keeps the protected bytes and signature, and verifies', async () => {
  const stored = await rootSignature();
  const original = decodeSign1(stored);
  for (let i = 0; i < 13; i++) {
    const receipt = assembleReceipt(stored, { treeSize: 13, leafIndex: i, path: tree.path(i) });
    const sign1 = decodeSign1(receipt);
    assert.deepEqual(sign1.protectedBytes, original.protectedBytes);
    assert.deepEqual(sign1.signature, original.signature);
    const verified = verifyReceipt(receipt, { leafHash: tree.leaves[i]! }, [key]);
    assert.deepEqual(verified.root, root);
    assert.equal(verified.treeSize, 13);
    assert.equal(verified.leafIndex, i);
    // Another leaf, or a proof of another tree, does not verify with this signature.
    const other = tree.leaves[(i + 1) % 13]!;
    throwsCode(() => verifyReceipt(receipt, { leafHash: other }, [key]), 'INVALID_RECEIPT');
  }
  const smaller = new TestTree(entries(12));
  const wrong = assembleReceipt(stored, { treeSize: 12, leafIndex: 3, path: smaller.path(3) });
  throwsCode(
    () => verifyReceipt(wrong, { leafHash: smaller.leaves[3]! }, [key]),
    'INVALID_RECEIPT',
  );
});

test('assembleReceipt refuses what is no root signature, and proofs no verifier accepts', async () => {
  const stored = await rootSignature();
  const proof = { treeSize: 13, leafIndex: 2, path: tree.path(2) };
  const sign1 = decodeSign1(stored);
  const attached = encodeSign1({ ...sign1, payload: root });
  throwsCode(() => assembleReceipt(attached, proof), 'MALFORMED_RECEIPT');
  const withProof = assembleReceipt(stored, proof);
  throwsCode(() => assembleReceipt(withProof, proof), 'MALFORMED_RECEIPT');
  const noVds = await signSign1({ payload: root, detached: true }, signer);
  throwsCode(() => assembleReceipt(noVds, proof), 'MALFORMED_RECEIPT');
  const vds2 = await signSign1({ protected: [[395, 2]], payload: root, detached: true }, signer);
  throwsCode(() => assembleReceipt(vds2, proof), 'MALFORMED_RECEIPT');
  throwsCode(() => assembleReceipt(stored, { ...proof, leafIndex: 13 }), 'MALFORMED_RECEIPT');
  throwsCode(
    () => assembleReceipt(stored, { ...proof, path: [new Uint8Array(31)] }),
    'MALFORMED_RECEIPT',
  );
  throwsCode(() => assembleReceipt(stored.subarray(0, 20), proof), 'MALFORMED_CBOR');
  throwsCode(() => assembleReceipt(new Uint8Array([0xd1, 0x80]), proof), 'MALFORMED_COSE');
});

test('signRootSignature refuses a non-EdDSA signer and a root that is not 32 bytes', async () => {
  const es = es256CoseSigner(new Uint8Array(32).fill(3));
  const kid = ed25519Kid(signer.publicKey.x);
  await assert.rejects(signRootSignature({ signer: es, kid, issuer, root }), {
    code: 'INVALID_ARGUMENT',
  });
  await assert.rejects(signRootSignature({ signer, kid, issuer, root: root.subarray(1) }), {
    code: 'INVALID_ARGUMENT',
  });
});
