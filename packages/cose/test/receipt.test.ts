import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  CborTag,
  attachReceipts,
  buildReceipt,
  coseKeyThumbprint,
  decodeCbor,
  decodeReceipt,
  decodeSign1,
  detachReceipts,
  ed25519CoseSigner,
  encodeCbor,
  encodeSign1,
  es256CoseSigner,
  extractReceipts,
  sigStructure,
  signSign1,
  verifyReceipt,
  verifySign1,
  type CborValue,
} from '../src/index.js';
import { throwsCode } from './helpers.js';
import { TestTree, entries } from './tree.js';

const service = ed25519CoseSigner(new Uint8Array(32).fill(5));
const other = ed25519CoseSigner(new Uint8Array(32).fill(6));
const kid = coseKeyThumbprint(service.publicKey);
const serviceKey = { ...service.publicKey, kid };
const tree = new TestTree(entries(13));
const root = tree.mth();

function content(index: number) {
  return {
    signer: service,
    kid,
    issuer: 'https://log.example',
    leafHash: tree.leaves[index]!,
    root,
    treeSize: 13,
    leafIndex: index,
    path: tree.path(index),
  };
}

test('every leaf of a 13-leaf tree: build, verify, and the unsigned fields come back', async () => {
  for (let i = 0; i < 13; i++) {
    const receipt = await buildReceipt(content(i));
    const v = verifyReceipt(receipt, { leafHash: tree.leaves[i]! }, [serviceKey]);
    assert.deepEqual([v.root, v.treeSize, v.leafIndex], [root, 13, i]);
    verifyReceipt(receipt, { entry: entries(13)[i]! }, [serviceKey]);
    const other = tree.leaves[(i + 1) % 13]!;
    throwsCode(() => verifyReceipt(receipt, { leafHash: other }, [serviceKey]), 'INVALID_RECEIPT');
  }
});

test('the receipt has the RFC 9942 shape: protected vds, kid, iss; unprotected vdp; nil payload', async () => {
  const sign1 = decodeSign1(await buildReceipt(content(4)));
  assert.deepEqual(sign1.protected.get(395), 1);
  assert.deepEqual(sign1.protected.get(4), kid);
  assert.deepEqual(sign1.protected.get(1), -8);
  assert.deepEqual((sign1.protected.get(15) as CborMap).get(1), 'https://log.example');
  assert.equal(sign1.payload, null);
  const proofs = (sign1.unprotected.get(396) as CborMap).get(-1) as Uint8Array[];
  assert.deepEqual(decodeCbor(proofs[0]!), [13, 4, tree.path(4)]);
});

test('seed signers, ES256 service keys, and a wrong key or kid', async () => {
  const seeded = await buildReceipt({
    ...content(0),
    signer: new Uint8Array(32).fill(5),
    kid: undefined,
    issuer: undefined,
  });
  verifyReceipt(seeded, { leafHash: tree.leaves[0]! }, [service.publicKey]);
  const ec = es256CoseSigner(new Uint8Array(32).fill(7));
  const es = await buildReceipt({ ...content(2), signer: ec });
  verifyReceipt(es, { leafHash: tree.leaves[2]! }, [serviceKey, ec.publicKey]);
  throwsCode(
    () => verifyReceipt(seeded, { leafHash: tree.leaves[0]! }, [other.publicKey]),
    'INVALID_RECEIPT',
  );
  throwsCode(
    () => verifyReceipt(es, { leafHash: tree.leaves[2]! }, [serviceKey]),
    'ALGORITHM_MISMATCH',
  );
  const r = await buildReceipt(content(1));
  throwsCode(
    () =>
      verifyReceipt(r, { leafHash: tree.leaves[1]! }, [{ ...serviceKey, kid: Uint8Array.of(1) }]),
    'INVALID_RECEIPT',
  );
});

test('buildReceipt refuses a proof that does not reconstruct the root', async () => {
  await assert.rejects(buildReceipt({ ...content(3), leafIndex: 4 }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(buildReceipt({ ...content(3), path: tree.path(3).slice(1) }), {
    code: 'INVALID_ARGUMENT',
  });
  await assert.rejects(buildReceipt({ ...content(3), treeSize: 4 }), { code: 'INVALID_ARGUMENT' });
});

test('tree_size is unsigned: a receipt re-labelled 13 -> 14 still verifies with the same root', async () => {
  // Leaf 3's path is the same in trees of 13 and 14 leaves, so an attacker may rewrite the
  // unprotected size; only comparing the root with a checkpoint of that size catches it.
  const honest = decodeSign1(await buildReceipt(content(3)));
  const relabelled = encodeSign1({
    ...honest,
    unprotected: vdp(proofBytes(3, tree.path(3), 14)),
  });
  const v = verifyReceipt(relabelled, { leafHash: tree.leaves[3]! }, [serviceKey]);
  assert.equal(v.treeSize, 14);
  assert.deepEqual(v.root, root);
});

/** A receipt whose parts are given, signed by `service` over `payloadRoot`. */
function forge(
  protectedMap: CborMap,
  unprotected: CborMap,
  payload: Uint8Array | null = null,
  payloadRoot = root,
): Uint8Array {
  const protectedBytes = encodeCbor(protectedMap);
  const signature = service.sign(sigStructure(protectedBytes, payloadRoot)) as Uint8Array;
  return encodeCbor(new CborTag(18, [protectedBytes, unprotected, payload, signature]));
}
const proofBytes = (i: number, path: CborValue = tree.path(i), size: CborValue = 13): Uint8Array =>
  encodeCbor([size, i, path]);
const vdp = (...proofs: CborValue[]): CborMap => new CborMap([[396, new CborMap([[-1, proofs]])]]);
const prot = (vds: number | null = 1, ...more: [number, CborValue][]): CborMap =>
  new CborMap([[1, -8], ...(vds === null ? [] : [[395, vds] as [number, number]]), ...more]);

test('receipt structure: vds only protected, one proof, detached payload, crit', () => {
  const leaf = { leafHash: tree.leaves[6]! };
  const ok = forge(prot(), vdp(proofBytes(6)));
  verifyReceipt(ok, leaf, [service.publicKey]);
  const cases: [Uint8Array, string][] = [
    [forge(prot(2), vdp(proofBytes(6))), 'UNSUPPORTED_VDS'],
    [
      forge(
        prot(null),
        new CborMap([
          [395, 1],
          [396, vdp(proofBytes(6)).get(396) as CborMap],
        ]),
      ),
      'MALFORMED_RECEIPT',
    ],
    [forge(prot(null), vdp(proofBytes(6))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(6), proofBytes(6))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp()), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(decodeCbor(proofBytes(6)))), 'MALFORMED_RECEIPT'],
    [
      forge(
        prot(),
        new CborMap([
          [
            396,
            new CborMap([
              [-1, [proofBytes(6)]],
              [-2, []],
            ]),
          ],
        ]),
      ),
      'MALFORMED_RECEIPT',
    ],
    [forge(prot(), new CborMap([])), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(6)), root), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(6, tree.path(6).slice(1)))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(6, [...tree.path(6), root]))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(6, tree.path(6), 2n ** 60n))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(13, tree.path(6)))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(proofBytes(6, [Uint8Array.of(1)]))), 'MALFORMED_RECEIPT'],
    [forge(prot(), vdp(Uint8Array.of(0x9f))), 'MALFORMED_RECEIPT'],
    [forge(prot(1, [2, [99]], [99, 0]), vdp(proofBytes(6))), 'UNKNOWN_CRITICAL_HEADER'],
    [forge(prot(), vdp(proofBytes(6)), null, tree.leaves[0]!), 'INVALID_RECEIPT'],
  ];
  for (const [bytes, code] of cases)
    throwsCode(() => verifyReceipt(bytes, leaf, [service.publicKey]), code as never, code);
  // tree_size and leaf_index are unsigned: a receipt moved to another size still verifies
  // only if the path reconstructs the signed root; the caller must compare that root.
  verifyReceipt(forge(prot(1, [2, [395]]), vdp(proofBytes(6))), leaf, [service.publicKey]);
  assert.equal(decodeReceipt(ok).proof.treeSize, 13);
});

test('transparent statements: attach, extract, detach; the statement still verifies', async () => {
  const issuer = es256CoseSigner(new Uint8Array(32).fill(8));
  const statement = await signSign1(
    { payload: new TextEncoder().encode('{}'), protected: [[3, 'application/json']] },
    issuer,
  );
  const r1 = await buildReceipt(content(0));
  const r2 = await buildReceipt(content(1));
  assert.deepEqual(extractReceipts(statement), []);
  const once = attachReceipts(statement, [r1]);
  const twice = attachReceipts(once, [r2]);
  assert.deepEqual(extractReceipts(twice), [r1, r2]);
  verifySign1(twice, [issuer.publicKey]);
  assert.deepEqual(detachReceipts(twice), statement);
  assert.throws(() => attachReceipts(statement, [Uint8Array.of(1)]), { code: 'MALFORMED_COSE' });
  const badList = encodeCbor(
    new CborTag(18, [new Uint8Array(0), new CborMap([[394, r1]]), null, new Uint8Array(64)]),
  );
  throwsCode(() => extractReceipts(badList), 'MALFORMED_COSE');
  const prot394 = encodeCbor(
    new CborTag(18, [
      encodeCbor(new CborMap([[394, [r1]]])),
      new CborMap([]),
      null,
      new Uint8Array(64),
    ]),
  );
  throwsCode(() => extractReceipts(prot394), 'MALFORMED_COSE');
});
