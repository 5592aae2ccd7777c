/**
 * The independent Python verifier (test/interop/python, `--leaf-entry proofline-record`) on
 * Proofline transparent statements built here from @proofline/cose and @proofline/records
 * alone: signed statements made with signStatement (Ed25519 and ES256 issuers), each
 * registered as a record whose entry is a leaf of a two-leaf tree, a receipt per leaf carrying
 * its entry (-65537). Python must accept each with the log key and the issuer key, and refuse
 * swapped receipts, another issuer's key and every hostile variant of scitt_mutate.py.
 * The end-to-end test against `proofline serve` is test/scitt-register-e2e.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assembleReceipt,
  attachReceipts,
  extractReceipts,
  ed25519CoseSigner,
  ed25519Kid,
  es256CoseSigner,
  coseKeyThumbprint,
  signRootSignature,
  signStatement,
  type CoseKeySigner,
  type CosePublicKey,
} from '@proofline/cose';
import { buildRecord, scittRecordStatement } from '@proofline/records';
import { leafHash, nodeHash } from '@proofline/tlog';
import { tempDir } from './lib/proofline.js';
import {
  checkPythonScittDeps,
  pythonStatementMutations,
  runPythonScittVerifierBatch,
} from './lib/python-scitt.js';

/** PEM SubjectPublicKeyInfo of a COSE public key (what `issuer-key add --cose-key` reads). */
function publicKeyPem(key: CosePublicKey): string {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const jwk =
    key.kty === 'OKP'
      ? { kty: 'OKP', crv: 'Ed25519', x: b64(key.x) }
      : { kty: 'EC', crv: 'P-256', x: b64(key.x), y: b64(key.y) };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

describe('Python verifies Proofline transparent statements (proofline-record)', () => {
  let dir: string;
  const logSeed = new Uint8Array(32).fill(9);
  const log = ed25519CoseSigner(logSeed);
  const issuers: CoseKeySigner[] = [
    ed25519CoseSigner(new Uint8Array(32).fill(10)),
    es256CoseSigner(new Uint8Array(32).fill(11)),
  ];
  const files: { statement: string; transparent: string; issuerKey: string }[] = [];
  let logKey: string;

  before(async () => {
    checkPythonScittDeps();
    dir = tempDir('scitt-statement');
    logKey = join(dir, 'log.pem');
    writeFileSync(logKey, publicKeyPem(log.publicKey));
    const statements = await Promise.all(
      issuers.map((signer, i) =>
        signStatement({
          signer,
          kid: coseKeyThumbprint(signer.publicKey),
          issuer: 'https://builder.example',
          subject: `artefact-${i}.tar.gz`,
          envelope: {
            hash: createHash('sha256').update(`artefact ${i}`).digest(),
            hashAlg: -16,
            preimageContentType: 'application/gzip',
          },
        }),
      ),
    );
    const entries = statements.map(
      (s, i) =>
        buildRecord(scittRecordStatement(s).statement, 'acme', Date.UTC(2026, 11, 7, 0, i)).bytes,
    );
    const [l0, l1] = entries.map(leafHash) as [Uint8Array, Uint8Array];
    const rootSignature = await signRootSignature({
      signer: log,
      kid: ed25519Kid(log.publicKey.x),
      issuer: 'ledger.example/logs/scitt',
      root: nodeHash(l0, l1),
    });
    const paths = [[l1], [l0]];
    statements.forEach((statement, i) => {
      const receipt = assembleReceipt(
        rootSignature,
        { treeSize: 2, leafIndex: i, path: paths[i]! },
        entries[i],
      );
      const f = {
        statement: join(dir, `statement-${i}.cose`),
        transparent: join(dir, `transparent-${i}.cose`),
        issuerKey: join(dir, `issuer-${i}.pem`),
      };
      writeFileSync(f.statement, statement);
      writeFileSync(f.transparent, attachReceipts(statement, [receipt]));
      writeFileSync(f.issuerKey, publicKeyPem(issuers[i]!.publicKey));
      files.push(f);
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const args = (transparent: string, issuerKey?: string) => [
    '--transparent',
    transparent,
    '--key',
    logKey,
    '--leaf-entry',
    'proofline-record',
    ...(issuerKey === undefined ? [] : ['--issuer-key', issuerKey]),
  ];

  it('each verifies with the log key and its issuer key; the leaf is the embedded entry', async () => {
    const verdicts = await runPythonScittVerifierBatch([
      args(files[0]!.transparent, files[0]!.issuerKey),
      args(files[1]!.transparent, files[1]!.issuerKey),
      args(files[1]!.transparent),
    ]);
    for (const v of verdicts) assert.equal(v.ok, true, JSON.stringify(v));
    assert.deepEqual(
      verdicts.map((v) => [v.tree_size, v.leaf_index]),
      [
        [2, 0],
        [2, 1],
        [2, 1],
      ],
    );
  });

  it("swapped receipts, another issuer's key, the bare statement: refused", async () => {
    const swapped = join(dir, 'swapped.cose');
    const receiptOf1 = extractReceipts(readFileSync(files[1]!.transparent));
    writeFileSync(swapped, attachReceipts(readFileSync(files[0]!.statement), receiptOf1));
    const [swap, otherIssuer, bare] = await runPythonScittVerifierBatch([
      args(swapped, files[0]!.issuerKey),
      args(files[0]!.transparent, files[1]!.issuerKey),
      args(files[0]!.statement),
    ]);
    assert.equal(swap!.code, 'ENTRY_MISMATCH', swap!.error ?? '');
    // The receipt itself verifies (its entry is a leaf of the signed root): only what it
    // describes is not this statement.
    assert.equal(swap!.root !== null, true);
    assert.equal(otherIssuer!.code, 'KEY_ALG_MISMATCH', otherIssuer!.error ?? '');
    assert.equal(bare!.code, 'RECEIPT_MISSING');
  });

  it('every hostile variant (scitt_mutate.py statements) is refused for its reason', async () => {
    for (const [i, f] of files.entries()) {
      const mutations = await pythonStatementMutations(f.transparent, join(dir, `mutations-${i}`));
      assert.ok(mutations.length >= 7);
      const verdicts = await runPythonScittVerifierBatch(
        mutations.map((m) => args(m.file, f.issuerKey)),
      );
      mutations.forEach((m, k) => {
        const v = verdicts[k]!;
        assert.equal(v.ok, false, `${m.name} verified`);
        assert.ok(m.codes.includes(v.code!), `${m.name}: ${v.code} ${v.error}`);
      });
    }
  });
});
