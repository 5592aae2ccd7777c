/**
 * Published SCITT vectors (testdata/scitt) through the SCITT verifier. They carry no Proofline
 * log entry: verifyCoseReceiptForLeaf checks them for the leaf their publishers define, and
 * verifyCoseReceipt / verifyTransparentStatement refuse them as Proofline receipts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { attachReceipts, buildReceipt, ed25519CoseSigner, publicKeyFromPem } from '@proofline/cose';
import { leafHash } from '@proofline/tlog';
import {
  verifyCoseReceipt,
  verifyCoseReceiptForLeaf,
  verifyTransparentStatement,
  type ScittVerification,
} from '../src/index.js';

const testdata = new URL('../../../../testdata/scitt/', import.meta.url);
const read = (path: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(path, testdata))));
const text = (path: string): string => readFileSync(fileURLToPath(new URL(path, testdata)), 'utf8');

function code(v: ScittVerification): string | undefined {
  return v.checks.find((c) => c.status === 'failed')?.error?.code;
}

function vector(id: string) {
  const dir = `scitt-cose/v1/${id}/`;
  const statement = read(`${dir}statement.cose`);
  return {
    statement,
    receipt: read(`${dir}receipt.cose`),
    // scitt-cose: the log entry is SHA-256 of the statement bytes.
    leaf: leafHash(sha256(statement)),
    expected: JSON.parse(text(`${dir}expected.json`)) as {
      tree_size: number;
      leaf_index: number;
      reconstructed_root: string;
    },
    // Not every vector's keys are Ed25519 or P-256 (valid-ccf-vds2: P-384): read when used.
    issuerKey: () => publicKeyFromPem(text(`${dir}issuer-key.pub`)),
    logKey: () => publicKeyFromPem(text(`${dir}log-key.pub`)),
  };
}

describe('scitt-cose v1 vectors', () => {
  for (const id of ['valid-eddsa', 'valid-es256']) {
    it(`${id}: verifies for its leaf; refused as a Proofline receipt`, async () => {
      const v = vector(id);
      const trust = { serviceKeys: [v.logKey()], issuerKeys: [v.issuerKey()] };
      const ok = await verifyCoseReceiptForLeaf(v.receipt, v.leaf, trust);
      assert.equal(ok.ok, true, JSON.stringify(ok.checks));
      const [r] = ok.receipts;
      assert.equal(Buffer.from(r!.root!, 'base64').toString('hex'), v.expected.reconstructed_root);
      assert.deepEqual(
        [r!.treeSize, r!.leafIndex, r!.confirmed],
        [v.expected.tree_size, v.expected.leaf_index, false],
      );
      assert.deepEqual(
        ok.checks.map((c) => [c.name, c.status]),
        [
          ['cose', 'passed'],
          ['service', 'passed'],
          ['checkpoint', 'not-applicable'],
        ],
      );
      // The issuer key does not verify the receipt; the receipt has no Proofline entry.
      const wrong = await verifyCoseReceiptForLeaf(v.receipt, v.leaf, {
        serviceKeys: [v.issuerKey()],
      });
      assert.equal(code(wrong), 'RECEIPT_UNVERIFIED');
      assert.equal(code(await verifyCoseReceipt(v.receipt, trust)), 'RECEIPT_ENTRY_MISSING');
      // As a transparent statement: the issuer signature verifies, the receipt is not ours.
      const ts = await verifyTransparentStatement(attachReceipts(v.statement, [v.receipt]), trust);
      assert.equal(ts.checks[0]!.status, 'passed');
      assert.equal(ts.receipts[0]!.status, 'not-verified');
      assert.equal(code(ts), 'RECEIPTS_UNVERIFIED');
    });
  }

  it('fail-tampered-path, fail-unsupported-vds, valid-ccf-vds2, fail-bad-statement-sig', async () => {
    const tampered = vector('fail-tampered-path');
    const trust = (v: ReturnType<typeof vector>) => ({
      serviceKeys: [v.logKey()],
      issuerKeys: [v.issuerKey()],
    });
    assert.equal(
      code(await verifyCoseReceiptForLeaf(tampered.receipt, tampered.leaf, trust(tampered))),
      'RECEIPT_UNVERIFIED',
    );
    for (const id of ['fail-unsupported-vds', 'valid-ccf-vds2']) {
      const v = vector(id);
      const pinned = { serviceKeys: [tampered.logKey()] }; // the vds is refused before any key
      assert.equal(
        code(await verifyCoseReceiptForLeaf(v.receipt, v.leaf, pinned)),
        'UNSUPPORTED_VDS',
        id,
      );
    }
    const badSig = vector('fail-bad-statement-sig');
    const ts = await verifyTransparentStatement(
      attachReceipts(badSig.statement, [badSig.receipt]),
      trust(badSig),
    );
    assert.equal(ts.checks[0]!.error?.code, 'ISSUER_SIGNATURE_INVALID');
    assert.equal(
      (await verifyCoseReceiptForLeaf(badSig.receipt, badSig.leaf, trust(badSig))).ok,
      true,
    );
  });
});

describe('tradeverifyd x/mod tlog vectors', () => {
  it('every inclusion proof of the tree of 31, as a receipt, verifies for its leaf only', async () => {
    const t = JSON.parse(text('tradeverifyd-xmod-tlog/tlog-size-31.json')) as {
      treeSize: number;
      leaves: string[];
      root: string;
      inclusionProofs: { leafIndex: number; auditPath: string[] }[];
    };
    const signer = ed25519CoseSigner(new Uint8Array(32).fill(11));
    const trust = { serviceKeys: [signer.publicKey] };
    const leaves = t.leaves.map((h) => leafHash(Buffer.from(h, 'hex')));
    for (const { leafIndex, auditPath } of t.inclusionProofs) {
      const receipt = await buildReceipt({
        signer,
        leafHash: leaves[leafIndex]!,
        root: Buffer.from(t.root, 'hex'),
        treeSize: t.treeSize,
        leafIndex,
        path: auditPath.map((h) => Buffer.from(h, 'hex')),
      });
      const v = await verifyCoseReceiptForLeaf(receipt, leaves[leafIndex]!, trust);
      assert.equal(v.ok, true);
      assert.equal(Buffer.from(v.receipts[0]!.root!, 'base64').toString('hex'), t.root);
      const other = leaves[(leafIndex + 1) % leaves.length]!;
      assert.equal(
        code(await verifyCoseReceiptForLeaf(receipt, other, trust)),
        'RECEIPT_UNVERIFIED',
      );
      assert.equal(code(await verifyCoseReceipt(receipt, trust)), 'RECEIPT_ENTRY_MISSING');
    }
  });
});
