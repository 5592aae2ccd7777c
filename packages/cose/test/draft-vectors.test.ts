import assert from 'node:assert/strict';
import test from 'node:test';
import { inclusionRoot, leafHash, nodeHash, verifyConsistency, type Hash } from '@proofline/tlog';
import {
  CborMap,
  decodeCbor,
  decodeCoseKey,
  decodeInclusionProof,
  decodeReceipt,
  decodeSign1,
  encodeSign1,
  extractReceipts,
  verifyReceipt,
  type CborValue,
} from '../src/index.js';
import { fromHex, readTestdata, readTestdataText, throwsCode } from './helpers.js';
import { TestTree } from './tree.js';

// testdata/scitt/cose-wg-mtp: the COSE Merkle-tree-proofs draft's example receipts (ES256,
// signing key never published). Checked: structure, and that the two receipts' paths agree:
// PATH(3, D[5]) = [L2, MTH(D[0:2]), L4] and PROOF(3, D[5]) = [L2, L3, MTH(D[0:2]), L4]
// (RFC 9162 §2.1.3.1, §2.1.4.1), so the consistency proof yields leaf 3's hash, the inclusion
// proof from it the size-5 root, and the consistency proof must take MTH(D[0:3]) to that root.
test('cose-wg-mtp: inclusion and consistency receipts decode and their paths agree', () => {
  const inclusion = decodeReceipt(readTestdata('scitt/cose-wg-mtp/inclusion-receipt.cbor'));
  assert.deepEqual(inclusion.sign1.protected.get(1), -7);
  assert.deepEqual(
    (inclusion.sign1.protected.get(15) as CborMap).get(1),
    'https://transparency-service.example.com',
  );
  const { treeSize, leafIndex, path } = inclusion.proof;
  assert.deepEqual([treeSize, leafIndex, path.length], [5, 3, 3]);
  const consistencyBytes = readTestdata('scitt/cose-wg-mtp/consistency-receipt.cbor');
  const consistency = decodeSign1(consistencyBytes);
  const vdp = consistency.unprotected.get(396) as CborMap;
  const [oldSize, newSize, proof] = decodeCbor((vdp.get(-2) as Uint8Array[])[0]!) as [
    number,
    number,
    Hash[],
  ];
  assert.deepEqual([oldSize, newSize, proof.length], [3, 5, 4]);
  assert.deepEqual([proof[0], proof[2], proof[3]], [...path]);
  const newRoot = inclusionRoot(proof[1]!, 3, 5, path);
  const oldRoot = nodeHash(path[1]!, path[0]!);
  verifyConsistency(3, 5, proof, oldRoot, newRoot);
  // This package accepts inclusion proofs only: a consistency receipt is MALFORMED_RECEIPT.
  throwsCode(() => decodeReceipt(consistencyBytes), 'MALFORMED_RECEIPT');
});

// testdata/scitt/scitt-examples-2023: transparent statements of an early implementation with
// draft labels (receipts -333, vds -111, proofs -222 under -1), ES384 and P-384 keys (not
// supported here, so signatures are not checked). Checked: every file decodes; each receipt's
// leaf is leafHash(the statement, tagged, with its unprotected header emptied), at the proof's
// index in the published ledger of leaf hashes; the path reconstructs the ledger's root.
const EXAMPLES: [string, string | null][] = [
  ['proverif/artifacts/hello.txt.cbor', 'proverif/artifacts/ledger.json'],
  ['proverif/artifacts/hello.pv.cbor', 'proverif/artifacts/ledger.json'],
  [
    'w3c-verifiable-credentials/artifacts/credential.json.cbor',
    'w3c-verifiable-credentials/artifacts/ledger.json',
  ],
  [
    'w3c-verifiable-credentials/artifacts/presentation.json.cbor',
    'w3c-verifiable-credentials/artifacts/ledger.json',
  ],
  ['webbundle/artifacts/_manifest/proxx.wbn.cbor', 'webbundle/artifacts/_manifest/ledger.json'],
  [
    'nodejs/artifacts/_manifest/spdx_2.2/manifest.spdx.json.cbor',
    'nodejs/artifacts/_manifest/ledger.json',
  ],
  [
    'identity-documents/artifacts/notary-signed-device-public-key.cbor',
    'identity-documents/artifacts/notary-ledger.json',
  ],
  ['python/artifacts/_manifest/artifact.cdx.xml.cbor', null],
];
const DIR = 'scitt/scitt-examples-2023/';

test('scitt-examples-2023: statements, draft receipts and ledgers agree', () => {
  for (const [file, ledgerFile] of EXAMPLES) {
    const bytes = readTestdata(DIR + file);
    const statement = decodeSign1(bytes);
    assert.deepEqual(statement.protected.get(1), -35, file);
    assert.deepEqual(extractReceipts(bytes), [], file); // its receipts are under -333, not 394
    const receipts = statement.unprotected.get(-333) as Uint8Array[];
    assert.equal(receipts.length, 1, file);
    const receipt = decodeSign1(receipts[0]!);
    assert.deepEqual(receipt.protected.get(-111), 1, file);
    assert.equal(receipt.payload, null, file);
    const proofs = (receipt.unprotected.get(-222) as CborMap).get(-1) as CborValue[];
    const { treeSize, leafIndex, path } = decodeInclusionProof(proofs[0] as Uint8Array);
    const leaf = leafHash(encodeSign1({ ...statement, unprotected: new CborMap([]) }));
    const root = inclusionRoot(leaf, leafIndex, treeSize, path);
    // Draft labels are not RFC 9942: no vds in 395, so this package refuses the receipt.
    throwsCode(
      () => verifyReceipt(receipts[0]!, { leafHash: leaf }, []),
      'MALFORMED_RECEIPT',
      file,
    );
    if (ledgerFile === null) continue;
    const ledger = (JSON.parse(readTestdataText(DIR + ledgerFile)) as { leaves: string[] }).leaves;
    // A receipt may be older than the ledger: its tree is the ledger's first treeSize leaves.
    assert.ok(ledger.length >= treeSize, file);
    assert.equal(ledger[leafIndex], Buffer.from(leaf).toString('hex'), file);
    assert.deepEqual(root, new TestTree(ledger.map(fromHex), true).mth(0, treeSize), file);
  }
});

test('scitt-examples-2023: the P-384 service keys decode as CBOR and are refused as keys', () => {
  for (const dir of ['proverif', 'python', 'nodejs', 'webbundle', 'w3c-verifiable-credentials']) {
    const bytes = readTestdata(`${DIR}${dir}/public-key.cbor`);
    assert.ok(decodeCbor(bytes) instanceof CborMap);
    throwsCode(() => decodeCoseKey(bytes), 'MALFORMED_KEY', dir);
  }
  for (const file of ['notary-public-key.cbor', 'notary-signed-device-public-key.cbor']) {
    decodeCbor(readTestdata(`${DIR}identity-documents/artifacts/${file}`));
  }
});
