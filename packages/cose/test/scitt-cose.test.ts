import assert from 'node:assert/strict';
import test from 'node:test';
import { sha256 } from '@proofline/tlog';
import {
  decodeSign1,
  publicKeyFromPem,
  verifyReceipt,
  verifySign1,
  type CosePublicKey,
} from '../src/index.js';
import { readTestdata, readTestdataText, throwsCode, toHex } from './helpers.js';

// testdata/scitt/scitt-cose/v1 (action-state-group/scitt-cose): the leaf entry is SHA-256 of
// the signed statement bytes; the receipt's tree leaf is RFC 9162 leafHash(entry).
interface Expected {
  leaf_entry: string;
  leaf_index: number;
  tree_size: number;
  reconstructed_root: string;
  payload_sha256: string;
}

function vector(id: string) {
  const dir = `scitt/scitt-cose/v1/${id}/`;
  return {
    statement: readTestdata(dir + 'statement.cose'),
    receipt: readTestdata(dir + 'receipt.cose'),
    payload: readTestdata(dir + 'payload.bin'),
    expected: JSON.parse(readTestdataText(dir + 'expected.json')) as Expected,
    issuerKey: (): CosePublicKey => publicKeyFromPem(readTestdataText(dir + 'issuer-key.pub')),
    logKey: (): CosePublicKey => publicKeyFromPem(readTestdataText(dir + 'log-key.pub')),
  };
}

for (const id of ['valid-eddsa', 'valid-es256']) {
  test(`scitt-cose ${id}: statement and receipt verify; root, size, index and leaf entry match`, () => {
    const v = vector(id);
    const statement = verifySign1(v.statement, [v.issuerKey()]);
    assert.deepEqual(statement.payload, v.payload);
    assert.equal(toHex(sha256(v.payload)), v.expected.payload_sha256);
    const entry = sha256(v.statement);
    assert.equal(toHex(entry), v.expected.leaf_entry);
    const receipt = verifyReceipt(v.receipt, { entry }, [v.logKey()]);
    assert.equal(toHex(receipt.root), v.expected.reconstructed_root);
    assert.equal(receipt.treeSize, v.expected.tree_size);
    assert.equal(receipt.leafIndex, v.expected.leaf_index);
    // The statement's key does not verify the receipt, nor the log key the statement.
    throwsCode(() => verifyReceipt(v.receipt, { entry }, [v.issuerKey()]), 'INVALID_RECEIPT');
    throwsCode(() => verifySign1(v.statement, [v.logKey()]), 'INVALID_SIGNATURE');
  });
}

test('scitt-cose fail-tampered-path: the statement verifies, the receipt is INVALID_RECEIPT', () => {
  const v = vector('fail-tampered-path');
  verifySign1(v.statement, [v.issuerKey()]);
  throwsCode(
    () => verifyReceipt(v.receipt, { entry: sha256(v.statement) }, [v.logKey()]),
    'INVALID_RECEIPT',
  );
});

test('scitt-cose fail-unsupported-vds: UNSUPPORTED_VDS from the protected header', () => {
  const v = vector('fail-unsupported-vds');
  verifySign1(v.statement, [v.issuerKey()]);
  assert.equal(decodeSign1(v.receipt).protected.get(395), 2);
  throwsCode(
    () => verifyReceipt(v.receipt, { entry: sha256(v.statement) }, [v.logKey()]),
    'UNSUPPORTED_VDS',
  );
});

test('scitt-cose fail-bad-statement-sig: INVALID_SIGNATURE; its receipt verifies', () => {
  const v = vector('fail-bad-statement-sig');
  throwsCode(() => verifySign1(v.statement, [v.issuerKey()]), 'INVALID_SIGNATURE');
  const receipt = verifyReceipt(v.receipt, { entry: sha256(v.statement) }, [v.logKey()]);
  assert.equal(toHex(receipt.root), v.expected.reconstructed_root);
});

test('scitt-cose valid-ccf-vds2: the CCF receipt is UNSUPPORTED_VDS (vds 2)', () => {
  const v = vector('valid-ccf-vds2');
  throwsCode(
    () => verifyReceipt(v.receipt, { entry: sha256(v.statement) }, [v.issuerKey()]),
    'UNSUPPORTED_VDS',
  );
  // The statement itself (pyscitt, did:x509, ES256) decodes and verifies with issuer-key.pub.
  verifySign1(v.statement, [v.issuerKey()]);
});
