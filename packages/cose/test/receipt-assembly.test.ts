import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  CborTag,
  HEADER_LOG_ENTRY,
  assembleReceipt,
  attachReceipts,
  decodeCbor,
  decodeReceipt,
  encodeCbor,
  registeredForm,
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

test('a receipt can carry its log entry (private header -65537): verified as the leaf, refused when it is another', async () => {
  const stored = await rootSignature();
  const all = entries(13);
  const receipt = assembleReceipt(
    stored,
    { treeSize: 13, leafIndex: 5, path: tree.path(5) },
    all[5],
  );
  const decoded = decodeReceipt(receipt);
  assert.deepEqual(decoded.entry, all[5]);
  assert.deepEqual(decodeSign1(receipt).signature, decodeSign1(stored).signature);
  const verified = verifyReceipt(receipt, 'embedded', [key]);
  assert.deepEqual(verified.root, root);
  assert.deepEqual(verified.entry, all[5]);
  // The same leaf given explicitly agrees; another leaf is refused before any signature check.
  assert.deepEqual(verifyReceipt(receipt, { entry: all[5]! }, [key]).root, root);
  throwsCode(() => verifyReceipt(receipt, { entry: all[6]! }, [key]), 'MALFORMED_RECEIPT');
  // A receipt without an entry cannot be verified for 'embedded'.
  const bare = assembleReceipt(stored, { treeSize: 13, leafIndex: 5, path: tree.path(5) });
  throwsCode(() => verifyReceipt(bare, 'embedded', [key]), 'MALFORMED_RECEIPT');
  // An insider (or proxy) who swaps the embedded entry gets a receipt that does not verify.
  const sign1 = decodeSign1(receipt);
  const swapped = encodeSign1({
    ...sign1,
    unprotected: new CborMap(
      sign1.unprotected.entries.map(([k, v]) => [k, k === HEADER_LOG_ENTRY ? all[6]! : v]),
    ),
  });
  throwsCode(() => verifyReceipt(swapped, 'embedded', [key]), 'INVALID_RECEIPT');
  // The embedded entry must be a non-empty bstr of at most 65535 bytes.
  for (const bad of [new Uint8Array(0), 'entry 5', 5, new Uint8Array(65536)]) {
    const forged = encodeSign1({
      ...sign1,
      unprotected: new CborMap(
        sign1.unprotected.entries.map(([k, v]) => [k, k === HEADER_LOG_ENTRY ? bad : v]),
      ),
    });
    throwsCode(() => decodeReceipt(forged), 'MALFORMED_RECEIPT');
  }
  const proof = { treeSize: 13, leafIndex: 5, path: tree.path(5) };
  throwsCode(() => assembleReceipt(stored, proof, new Uint8Array(0)), 'INVALID_ARGUMENT');
});

test('registeredForm: the statement with an empty unprotected header, whatever receipts it carries', async () => {
  const es = es256CoseSigner(new Uint8Array(32).fill(9));
  const statement = await signSign1(
    { protected: [[4, new Uint8Array([1, 2])]], unprotected: [[99, 'hint']], payload: root },
    es,
  );
  const form = registeredForm(statement);
  const sign1 = decodeSign1(form);
  assert.equal(form[0], 0xd2);
  assert.equal(sign1.unprotected.entries.length, 0);
  assert.deepEqual(sign1.protectedBytes, decodeSign1(statement).protectedBytes);
  assert.deepEqual(sign1.payload, root);
  const transparent = attachReceipts(statement, [await rootSignature()]);
  assert.deepEqual(registeredForm(transparent), form);
  // Untagged input gets the tag: the form is one encoding.
  const untagged = decodeCbor(statement) as CborTag;
  assert.deepEqual(registeredForm(encodeCbor(untagged.value)), form);
});
