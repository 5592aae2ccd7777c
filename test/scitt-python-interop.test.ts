/**
 * The independent Python RFC 9942 receipt verifier (test/interop/python, written from the RFC
 * texts with cbor2 and cryptography) against published vectors: scitt-cose v1 (receipts and
 * signed statements, expected roots), scitt-examples-2023 (leaf hashes of another
 * implementation), tradeverifyd-xmod-tlog (Go x/mod tlog trees), transparency-dev/merkle
 * inclusion cases, the COSE WG draft's example receipts; and against hostile variants
 * of the valid receipts, every one of which must be refused for its own reason. Later tests run
 * the same verifier on receipts Proofline issues (test/lib/python-scitt.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './lib/proofline.js';
import {
  checkPythonScittDeps,
  makeTransparentStatement,
  pythonScittMutations,
  resignReceipt,
  runPythonScittVerifier,
  runPythonScittVerifierBatch,
  runRfc9162Vectors,
} from './lib/python-scitt.js';

const VECTORS = join(REPO_ROOT, 'testdata/scitt/scitt-cose/v1');
const EXAMPLES = join(REPO_ROOT, 'testdata/scitt/scitt-examples-2023');
const XMOD = join(REPO_ROOT, 'testdata/scitt/tradeverifyd-xmod-tlog');
const MERKLE = join(REPO_ROOT, 'testdata/rfc6962-merkle/inclusion');
const VALID = ['valid-eddsa', 'valid-es256'] as const;

interface Expected {
  readonly result: 'VALID' | 'INVALID';
  readonly failure_code?: string;
  readonly leaf_entry: string;
  readonly leaf_index: number | null;
  readonly tree_size: number | null;
  readonly reconstructed_root: string | null;
}

const file = (vector: string, name: string) => join(VECTORS, vector, name);
const expected = (vector: string) =>
  JSON.parse(readFileSync(file(vector, 'expected.json'), 'utf8')) as Expected;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const leafHash = (entry: Buffer) => sha256(Buffer.concat([Buffer.of(0), entry])).toString('hex');

/** The receipt check of a vector: its receipt, statement (leaf = SHA-256 of it) and log key,
 * each replaceable, then `extra` arguments. */
const receiptArgs = (
  vector: string,
  use: { receipt?: string; statement?: string; key?: string } = {},
  ...extra: string[]
) => [
  '--receipt',
  use.receipt ?? file(vector, 'receipt.cose'),
  '--statement',
  use.statement ?? file(vector, 'statement.cose'),
  '--key',
  use.key ?? file(vector, 'log-key.pub'),
  ...extra,
];

/** The verifier's code for each failing (or unsupported) vector, and why it is the right one. */
const REFUSED: Record<string, { code: string; receiptAlone?: true }> = {
  // the flipped path byte leads to another root, over which the log's signature fails
  'fail-tampered-path': { code: 'SIGNATURE_INVALID' },
  // vds 2 in the protected header: refused before the proof or signature is looked at
  'fail-unsupported-vds': { code: 'UNSUPPORTED_VDS' },
  // the receipt itself is honest; only the statement's own signature is bad
  'fail-bad-statement-sig': { code: 'STATEMENT_SIGNATURE_INVALID', receiptAlone: true },
  // CCF's vds 2 profile (ES384): valid there, a structure this verifier does not support
  'valid-ccf-vds2': { code: 'UNSUPPORTED_VDS' },
};

/** A COSE_Key (RFC 9052 §7) of a PEM public key, CBOR written out byte by byte. */
function coseKey(pem: string, kid?: Buffer): Buffer {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  const bstr32 = (b64: string) =>
    Buffer.concat([Buffer.of(0x58, 32), Buffer.from(b64, 'base64url')]);
  const kidPart = kid ? [Buffer.of(0x02, 0x40 + kid.length), kid] : [];
  const entries =
    jwk.kty === 'OKP'
      ? [Buffer.of(0x01, 0x01, 0x20, 0x06, 0x21), bstr32(jwk.x!)] // kty OKP, crv Ed25519, x
      : [Buffer.of(0x01, 0x02, 0x20, 0x01, 0x21), bstr32(jwk.x!), Buffer.of(0x22), bstr32(jwk.y!)];
  const count = (jwk.kty === 'OKP' ? 3 : 4) + (kid ? 1 : 0);
  return Buffer.concat([Buffer.of(0xa0 + count), ...entries, ...kidPart]);
}

describe('the independent Python RFC 9942 verifier', () => {
  let dir: string;

  before(() => {
    checkPythonScittDeps();
    dir = tempDir('scitt-python');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('covers every scitt-cose vector the manifest lists', () => {
    const manifest = JSON.parse(readFileSync(join(VECTORS, '..', 'manifest.json'), 'utf8')) as {
      vectors: { id: string }[];
    };
    assert.deepEqual(
      manifest.vectors.map((v) => v.id).sort(),
      [...VALID, ...Object.keys(REFUSED)].sort(),
    );
    assert.deepEqual(readdirSync(VECTORS).sort(), [...VALID, ...Object.keys(REFUSED)].sort());
  });

  for (const vector of VALID) {
    it(`${vector}: verifies with the expected root, tree size and leaf index`, async () => {
      const want = expected(vector);
      assert.equal(want.result, 'VALID');
      const entry = Buffer.from(want.leaf_entry, 'hex');
      assert.deepEqual(sha256(readFileSync(file(vector, 'statement.cose'))), entry);
      const entryFile = join(dir, `${vector}.entry`);
      writeFileSync(entryFile, entry);
      const receipt = [
        '--receipt',
        file(vector, 'receipt.cose'),
        '--key',
        file(vector, 'log-key.pub'),
      ];
      const verdicts = await runPythonScittVerifierBatch([
        receiptArgs(vector),
        receiptArgs(vector, {}, '--issuer-key', file(vector, 'issuer-key.pub')),
        receiptArgs(
          vector,
          {},
          '--expect-root',
          want.reconstructed_root!,
          '--expect-tree-size',
          '8',
        ),
        [...receipt, '--entry', entryFile],
        [...receipt, '--leaf-hash', leafHash(entry)],
      ]);
      for (const verdict of verdicts) {
        assert.deepEqual(verdict, {
          ok: true,
          code: null,
          error: null,
          tree_size: want.tree_size,
          leaf_index: want.leaf_index,
          root: want.reconstructed_root,
          leaf_hash: leafHash(entry),
        });
      }
    });

    it(`${vector}: the log key as a COSE_Key or a one-key COSE_KeySet verifies; a key set of two without a kid does not choose`, async () => {
      const pem = readFileSync(file(vector, 'log-key.pub'), 'utf8');
      const single = join(dir, `${vector}.cosekey`);
      const set = join(dir, `${vector}.coseset1`);
      const two = join(dir, `${vector}.coseset2`);
      writeFileSync(single, coseKey(pem));
      writeFileSync(set, Buffer.concat([Buffer.of(0x81), coseKey(pem, Buffer.from('k1'))]));
      const other = generateKeyPairSync('ed25519')
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      writeFileSync(
        two,
        Buffer.concat([
          Buffer.of(0x82),
          coseKey(pem, Buffer.from('k1')),
          coseKey(other, Buffer.from('k2')),
        ]),
      );
      const [a, b, c] = await runPythonScittVerifierBatch([
        receiptArgs(vector, { key: single }),
        receiptArgs(vector, { key: set }),
        receiptArgs(vector, { key: two }),
      ]);
      assert.equal(a!.root, expected(vector).reconstructed_root);
      assert.equal(b!.root, expected(vector).reconstructed_root);
      assert.equal(c!.code, 'KEY_INVALID');
    });
  }

  for (const vector of VALID) {
    it(`${vector}: the key is chosen by the receipt's kid from a key set; another signer's receipt with the same proof fails under the log's key`, async () => {
      const root = expected(vector).reconstructed_root!;
      const resigned = join(dir, `${vector}.resigned.cose`);
      const freshPem = join(dir, `${vector}.fresh.pem`);
      await resignReceipt(file(vector, 'receipt.cose'), root, resigned, freshPem, 'k2');
      const logPem = readFileSync(file(vector, 'log-key.pub'), 'utf8');
      const fresh = readFileSync(freshPem, 'utf8');
      const set = (kid: string) => {
        const path = join(dir, `${vector}.set-${kid}`);
        const keys = [coseKey(logPem, Buffer.from('k1')), coseKey(fresh, Buffer.from(kid))];
        writeFileSync(path, Buffer.concat([Buffer.of(0x82), ...keys]));
        return path;
      };
      const [byKid, noSuchKid, alone, logKey] = await runPythonScittVerifierBatch([
        receiptArgs(vector, { receipt: resigned, key: set('k2') }),
        receiptArgs(vector, { receipt: resigned, key: set('k3') }),
        receiptArgs(vector, { receipt: resigned, key: freshPem }),
        receiptArgs(vector, { receipt: resigned }),
      ]);
      assert.equal(byKid!.ok, true, JSON.stringify(byKid));
      assert.equal(byKid!.root, root);
      assert.equal(noSuchKid!.code, 'KEY_INVALID');
      assert.equal(alone!.ok, true);
      assert.equal(logKey!.code, 'SIGNATURE_INVALID');
    });
  }

  for (const [vector, { code, receiptAlone }] of Object.entries(REFUSED)) {
    it(`${vector}: refused with ${code}`, async () => {
      const want = expected(vector);
      if (vector.startsWith('fail-')) assert.ok(want.failure_code);
      const [alone, withIssuer] = await runPythonScittVerifierBatch([
        receiptArgs(vector),
        receiptArgs(vector, {}, '--issuer-key', file(vector, 'issuer-key.pub')),
      ]);
      if (receiptAlone) {
        assert.equal(alone!.ok, true, JSON.stringify(alone));
        assert.equal(alone!.root, want.reconstructed_root);
      } else {
        assert.equal(alone!.code, code, JSON.stringify(alone));
      }
      assert.equal(withIssuer!.code, code, JSON.stringify(withIssuer));
    });
  }

  for (const vector of VALID) {
    it(`${vector}: every hostile variant of the receipt is refused for its reason`, async () => {
      const mutations = await pythonScittMutations(file(vector, 'receipt.cose'), join(dir, vector));
      assert.ok(mutations.length >= 40, `only ${mutations.length} mutations`);
      const verdicts = await runPythonScittVerifierBatch(
        mutations.map((m) => [
          '--receipt',
          m.file,
          '--statement',
          file(vector, 'statement.cose'),
          '--key',
          m.key ?? file(vector, 'log-key.pub'),
          ...m.args,
        ]),
      );
      mutations.forEach((m, i) => {
        const verdict = verdicts[i]!;
        assert.equal(verdict.ok, false, `${m.name} verified`);
        assert.ok(m.codes.includes(verdict.code!), `${m.name}: ${JSON.stringify(verdict)}`);
      });
      for (const name of ['path-byte-flipped', 'vds-2', 'alg-swapped', 'signature-truncated']) {
        assert.ok(
          mutations.some((m) => m.name === name),
          `no ${name} mutation`,
        );
      }
      assert.ok(
        mutations.some((m) => m.name === 'crit-unknown' && m.codes[0] === 'UNKNOWN_CRITICAL'),
      );
      assert.ok(mutations.some((m) => m.name === 'wrong-key' && m.key !== null));
    });

    it(`${vector}: tree_size is not signed, so only a pinned size (from a signed checkpoint) catches a changed one`, async () => {
      const mutations = await pythonScittMutations(
        file(vector, 'receipt.cose'),
        join(dir, `${vector}-u`),
      );
      const unsigned = mutations.find((m) => m.unsigned);
      assert.ok(unsigned, 'no tree size with the same root was found');
      assert.notEqual(unsigned.tree_size, unsigned.original_tree_size);
      const args = ['--receipt', unsigned.file, '--statement', file(vector, 'statement.cose')];
      const [loose, pinned, rootPinned] = await runPythonScittVerifierBatch([
        [...args, '--key', file(vector, 'log-key.pub')],
        [...args, '--key', file(vector, 'log-key.pub'), ...unsigned.args],
        [
          ...args,
          '--key',
          file(vector, 'log-key.pub'),
          '--expect-root',
          expected(vector).reconstructed_root!,
        ],
      ]);
      assert.equal(loose!.ok, true);
      assert.equal(loose!.tree_size, unsigned.tree_size);
      assert.equal(loose!.root, expected(vector).reconstructed_root);
      assert.equal(pinned!.code, 'TREE_SIZE_MISMATCH');
      assert.equal(rootPinned!.ok, true, 'the root alone cannot tell the sizes apart');
    });

    it(`${vector}: every single-bit change of the receipt is refused, none crashes the verifier`, async () => {
      const receipt = readFileSync(file(vector, 'receipt.cose'));
      const jobs: string[][] = [];
      for (let i = 0; i < receipt.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const changed = Buffer.from(receipt);
          changed[i]! ^= bit;
          const path = join(dir, `${vector}-bit-${i}-${bit}.cose`);
          writeFileSync(path, changed);
          jobs.push([
            '--receipt',
            path,
            '--statement',
            file(vector, 'statement.cose'),
            '--key',
            file(vector, 'log-key.pub'),
          ]);
        }
      }
      for (let length = 0; length < receipt.length; length++) {
        const path = join(dir, `${vector}-prefix-${length}.cose`);
        writeFileSync(path, receipt.subarray(0, length));
        jobs.push([
          '--receipt',
          path,
          '--statement',
          file(vector, 'statement.cose'),
          '--key',
          file(vector, 'log-key.pub'),
        ]);
      }
      const large = join(dir, `${vector}-large.cose`);
      writeFileSync(large, Buffer.concat([receipt, Buffer.alloc(64 * 1024)]));
      jobs.push(receiptArgs(vector, { receipt: large }));
      const verdicts = await runPythonScittVerifierBatch(jobs);
      const accepted = verdicts.flatMap((v, i) => (v.ok ? [jobs[i]![1]] : []));
      assert.deepEqual(accepted, []);
      assert.equal(verdicts.at(-1)!.code, 'INPUT_TOO_LARGE');
    });
  }

  it('a receipt does not verify for another leaf or another leaf definition', async () => {
    const [otherStatement, emptied, unprefixed] = await runPythonScittVerifierBatch([
      receiptArgs('valid-eddsa', { statement: file('valid-es256', 'statement.cose') }),
      receiptArgs('valid-eddsa', {}, '--leaf-entry', 'emptied-unprotected'),
      [
        '--receipt',
        file('valid-eddsa', 'receipt.cose'),
        '--key',
        file('valid-eddsa', 'log-key.pub'),
        '--leaf-hash',
        expected('valid-eddsa').leaf_entry, // the entry itself, not SHA-256(0x00 || entry)
      ],
    ]);
    for (const verdict of [otherStatement, emptied, unprefixed]) {
      assert.equal(verdict!.code, 'SIGNATURE_INVALID', JSON.stringify(verdict));
    }
  });

  it('usage errors and missing files make the harness throw; they never count as refusals', async () => {
    const receipt = file('valid-eddsa', 'receipt.cose');
    const key = file('valid-eddsa', 'log-key.pub');
    await assert.rejects(runPythonScittVerifier(['--receipt', receipt, '--key', key]), /the leaf/);
    await assert.rejects(
      runPythonScittVerifier(receiptArgs('valid-eddsa', { key: join(dir, 'no-such-key.pem') })),
      /cannot read/,
    );
    await assert.rejects(
      runPythonScittVerifierBatch([
        [
          '--receipt',
          receipt,
          '--key',
          key,
          '--leaf-hash',
          '00'.repeat(32),
          '--leaf-entry',
          'emptied-unprotected',
        ],
      ]),
      /--leaf-entry defines the entry of a statement/,
    );
    await assert.rejects(
      runPythonScittVerifier([
        ...receiptArgs('valid-eddsa'),
        '--key',
        file('valid-es256', 'log-key.pub'),
      ]),
      /options given more than once: --key/,
    );
  });

  it('a key of the other algorithm, or a key that is not Ed25519 or P-256, is refused', async () => {
    const p384 = join(dir, 'p384.pem');
    writeFileSync(
      p384,
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }),
    );
    const [mismatch, unsupported] = await runPythonScittVerifierBatch([
      receiptArgs('valid-eddsa', { key: file('valid-es256', 'log-key.pub') }),
      receiptArgs('valid-es256', { key: p384 }),
    ]);
    assert.equal(mismatch!.code, 'KEY_ALG_MISMATCH');
    assert.equal(unsupported!.code, 'KEY_INVALID');
  });

  it('transparent statements: the receipt in header 394 verifies; a foreign receipt, another leaf definition or a bad statement signature do not', async () => {
    const ts = (name: string) => join(dir, `${name}.transparent.cose`);
    await makeTransparentStatement(file('valid-eddsa', 'statement.cose'), ts('eddsa'), [
      file('valid-eddsa', 'receipt.cose'),
    ]);
    await makeTransparentStatement(file('valid-eddsa', 'statement.cose'), ts('two'), [
      file('valid-es256', 'receipt.cose'),
      file('valid-eddsa', 'receipt.cose'),
    ]);
    await makeTransparentStatement(file('valid-es256', 'statement.cose'), ts('foreign'), [
      file('valid-eddsa', 'receipt.cose'),
    ]);
    await makeTransparentStatement(file('fail-bad-statement-sig', 'statement.cose'), ts('badsig'), [
      file('fail-bad-statement-sig', 'receipt.cose'),
    ]);
    const key = file('valid-eddsa', 'log-key.pub');
    const issuer = file('valid-eddsa', 'issuer-key.pub');
    const [plain, issued, second, first, foreign, emptied, badsig] =
      await runPythonScittVerifierBatch([
        ['--transparent', ts('eddsa'), '--key', key],
        ['--transparent', ts('eddsa'), '--key', key, '--issuer-key', issuer],
        ['--transparent', ts('two'), '--key', key, '--receipt-index', '1'],
        ['--transparent', ts('two'), '--key', key, '--receipt-index', '0'],
        ['--transparent', ts('foreign'), '--key', key],
        ['--transparent', ts('eddsa'), '--key', key, '--leaf-entry', 'emptied-unprotected'],
        [
          '--transparent',
          ts('badsig'),
          '--key',
          file('fail-bad-statement-sig', 'log-key.pub'),
          '--issuer-key',
          file('fail-bad-statement-sig', 'issuer-key.pub'),
        ],
      ]);
    const want = expected('valid-eddsa');
    for (const verdict of [plain, issued, second]) {
      assert.equal(verdict!.ok, true, JSON.stringify(verdict));
      assert.equal(verdict!.root, want.reconstructed_root);
      assert.equal(verdict!.leaf_hash, leafHash(Buffer.from(want.leaf_entry, 'hex')));
    }
    assert.equal(first!.code, 'KEY_ALG_MISMATCH'); // the ES256 receipt under the EdDSA key
    assert.equal(foreign!.code, 'SIGNATURE_INVALID');
    assert.equal(emptied!.code, 'SIGNATURE_INVALID');
    assert.equal(badsig!.code, 'STATEMENT_SIGNATURE_INVALID');
    await assert.rejects(
      runPythonScittVerifier(['--transparent', ts('two'), '--key', key]),
      /choose one with --receipt-index/,
    );
  });

  it('scitt-examples-2023: the leaf of a statement with its unprotected header emptied is the other implementation’s leaf hash; its draft-label receipts are not RFC 9942 receipts', async () => {
    const cases: [string, string][] = [
      ['proverif/artifacts/ledger.json', 'proverif/artifacts/hello.txt.cbor'],
      ['proverif/artifacts/ledger.json', 'proverif/artifacts/hello.pv.cbor'],
      [
        'nodejs/artifacts/_manifest/ledger.json',
        'nodejs/artifacts/_manifest/spdx_2.2/manifest.spdx.json.cbor',
      ],
      ['webbundle/artifacts/_manifest/ledger.json', 'webbundle/artifacts/_manifest/proxx.wbn.cbor'],
      [
        'w3c-verifiable-credentials/artifacts/ledger.json',
        'w3c-verifiable-credentials/artifacts/credential.json.cbor',
      ],
      [
        'w3c-verifiable-credentials/artifacts/ledger.json',
        'w3c-verifiable-credentials/artifacts/presentation.json.cbor',
      ],
      [
        'identity-documents/artifacts/notary-ledger.json',
        'identity-documents/artifacts/notary-signed-device-public-key.cbor',
      ],
    ];
    const verdicts = await runPythonScittVerifierBatch(
      cases.map(([, statement]) => [
        '--transparent',
        join(EXAMPLES, statement),
        '--key',
        file('valid-eddsa', 'log-key.pub'),
        '--leaf-entry',
        'emptied-unprotected',
      ]),
    );
    cases.forEach(([ledger, statement], i) => {
      const leaves = (
        JSON.parse(readFileSync(join(EXAMPLES, ledger), 'utf8')) as { leaves: string[] }
      ).leaves;
      assert.ok(
        leaves.includes(verdicts[i]!.leaf_hash!),
        `${statement}: ${verdicts[i]!.leaf_hash}`,
      );
      assert.equal(verdicts[i]!.code, 'RECEIPT_MISSING'); // receipts under the draft label -333
    });
  });

  it("cose-wg-mtp: the COSE WG draft's example inclusion receipt parses as RFC 9942 (size 5, index 3); its consistency receipt is refused", async () => {
    // the example's signing key was never published: only the structure can be checked
    const p256 = join(dir, 'p256.pem');
    writeFileSync(
      p256,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }),
    );
    const mtp = (name: string) => join(REPO_ROOT, 'testdata/scitt/cose-wg-mtp', name);
    const anyLeaf = ['--leaf-hash', '00'.repeat(32), '--key', p256];
    const [inclusion, consistency] = await runPythonScittVerifierBatch([
      ['--receipt', mtp('inclusion-receipt.cbor'), ...anyLeaf],
      ['--receipt', mtp('consistency-receipt.cbor'), ...anyLeaf],
    ]);
    assert.equal(inclusion!.code, 'SIGNATURE_INVALID', JSON.stringify(inclusion));
    assert.equal(inclusion!.tree_size, 5);
    assert.equal(inclusion!.leaf_index, 3);
    assert.equal(consistency!.code, 'PROOF_MALFORMED', JSON.stringify(consistency));
  });

  it('RFC 9162 maths: every inclusion proof of the Go x/mod tlog trees leads to their root; tampered ones do not', async () => {
    const files = readdirSync(XMOD)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(XMOD, f));
    assert.equal(files.length, 9);
    const report = await runRfc9162Vectors(files);
    assert.deepEqual(
      report.files.flatMap((f) => f.failures),
      [],
    );
    assert.equal(report.ok, true);
    const proofs = report.files.reduce((n, f) => n + f.proofs, 0);
    const leaves = report.files.reduce((n, f) => n + f.tree_size!, 0);
    assert.equal(proofs, leaves);
    assert.equal(proofs, 476);
  });

  it('RFC 9162 maths: the transparency-dev/merkle inclusion cases (one-leaf trees, wrong sizes, indexes, roots, garbage) give the wanted answer', async () => {
    const files = readdirSync(MERKLE, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(MERKLE, f));
    const wantErr = files.filter(
      (f) => (JSON.parse(readFileSync(f, 'utf8')) as { wantErr: boolean }).wantErr,
    );
    assert.equal(files.length, 98);
    assert.equal(wantErr.length, 92);
    const report = await runRfc9162Vectors(files);
    assert.deepEqual(
      report.files.flatMap((f) => f.failures),
      [],
    );
    assert.equal(report.ok, true);
    assert.ok(report.files.some((f) => f.tree_size === 1 && f.file.endsWith('happy-path.json')));
  });

  it('a wrong root in a tree file is reported, so the maths check can fail', async () => {
    const doc = JSON.parse(readFileSync(join(XMOD, 'tlog-size-7.json'), 'utf8')) as {
      root: string;
    };
    doc.root = doc.root.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const broken = join(dir, 'tlog-broken.json');
    writeFileSync(broken, JSON.stringify(doc));
    const report = await runRfc9162Vectors([broken]);
    assert.equal(report.ok, false);
    assert.equal(report.files[0]!.failures.length, 8); // the tree hash and all 7 proofs
  });
});
