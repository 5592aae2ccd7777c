import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import {
  CborMap,
  attachReceipts,
  decodeSign1,
  ed25519CoseSigner,
  encodeSign1,
  es256CoseSigner,
  registeredForm,
  signSign1,
  signStatement,
  type CborValue,
  type CoseSigner,
  type Label,
} from '@proofline/cose';
import {
  SCITT_STATEMENT_TYPE,
  buildRecord,
  checkScittRecord,
  parseRecord,
  registeredStatementDigest,
  scittRecordStatement,
  type Statement,
} from '../src/index.js';
import { assertRecordError } from './helpers.js';

const ed = ed25519CoseSigner(new Uint8Array(32).fill(1));
const es = es256CoseSigner(new Uint8Array(32).fill(2));
const KID = new Uint8Array([0xab, 0xcd, 0x01]);
const payload = createHash('sha256').update('the artefact').digest();

function claims(extra: [Label, CborValue][] = []): CborMap {
  return new CborMap([[1, 'https://issuer.example'], [2, 'pkg:npm/left-pad@1.3.0'], ...extra]);
}

async function statement(
  headers: [Label, CborValue][] = [
    [4, KID],
    [15, claims()],
  ],
  signer: CoseSigner = ed,
  detached = false,
): Promise<Uint8Array> {
  return signSign1({ protected: headers, payload, detached }, signer);
}

test('a signed statement becomes a record statement the statement alone rebuilds', async () => {
  const bytes = await statement([
    [4, KID],
    [15, claims()],
    [3, 'application/vnd.example+json'],
    [258, -16],
    [259, 'application/spdx+json'],
    [260, 'https://artefacts.example/sbom.json'],
  ]);
  const { statement: s, claims: c } = scittRecordStatement(bytes);
  const digest = createHash('sha256').update(registeredForm(bytes)).digest('hex');
  assert.deepEqual(
    { ...s, labels: { ...s.labels } },
    {
      digest: `sha256:${digest}`,
      type: SCITT_STATEMENT_TYPE,
      subject: 'pkg:npm/left-pad@1.3.0',
      labels: {
        'scitt.iss': 'https://issuer.example',
        'scitt.kid': 'abcd01',
        'scitt.alg': '-8',
        'scitt.content-type': 'application/vnd.example+json',
        'scitt.payload-hash-alg': '-16',
        'scitt.preimage-content-type': 'application/spdx+json',
        'scitt.payload-location': 'https://artefacts.example/sbom.json',
      },
    },
  );
  assert.equal(c.issuer, 'https://issuer.example');
  assert.deepEqual(c.kid, KID);
  // It is a valid record statement, and the record checks against the statement.
  const { bytes: entry } = buildRecord(s, 'acme', Date.UTC(2026, 11, 7));
  checkScittRecord(parseRecord(entry), bytes);
  // ES256, and a numeric content type.
  const es256 = await statement(
    [
      [4, KID],
      [15, claims()],
      [3, 50],
    ],
    es,
  );
  const r = scittRecordStatement(es256).statement;
  assert.equal(r.labels?.['scitt.alg'], '-7');
  assert.equal(r.labels?.['scitt.content-type'], '50');
});

test('receipts and other unprotected headers are no part of the registered statement', async () => {
  const bytes = await statement();
  const receipt = await signSign1({ protected: [[395, 1]], payload, detached: true }, ed);
  const transparent = attachReceipts(bytes, [receipt]);
  assert.equal(registeredStatementDigest(transparent), registeredStatementDigest(bytes));
  const sign1 = decodeSign1(bytes);
  const hinted = encodeSign1({ ...sign1, unprotected: new CborMap([[33, new Uint8Array(3)]]) });
  assert.deepEqual(scittRecordStatement(hinted).statement, scittRecordStatement(bytes).statement);
  // Anything signed changes it: the payload, the protected header, the signature.
  const other = encodeSign1({ ...sign1, signature: sign1.signature.map((b) => b ^ 1) });
  assert.notEqual(registeredStatementDigest(other), registeredStatementDigest(bytes));
});

test('registration refuses statements it cannot record, naming the header', async () => {
  const cases: [string, Promise<Uint8Array>][] = [
    ['/payload', statement(undefined, ed, true)],
    ['/protected/4', statement([[15, claims()]])],
    [
      '/protected/4',
      statement([
        [4, 'kid-as-text'],
        [15, claims()],
      ]),
    ],
    [
      '/protected/4',
      statement([
        [4, new Uint8Array(65)],
        [15, claims()],
      ]),
    ],
    ['/protected/15', statement([[4, KID]])],
    [
      '/protected/15/1',
      statement([
        [4, KID],
        [15, new CborMap([[2, 'sub']])],
      ]),
    ],
    [
      '/protected/15/2',
      statement([
        [4, KID],
        [15, new CborMap([[1, 'iss']])],
      ]),
    ],
    [
      '/protected/15/2',
      statement([
        [4, KID],
        [
          15,
          new CborMap([
            [1, 'iss'],
            [2, 'a\u0000b'],
          ]),
        ],
      ]),
    ],
    [
      '/protected/15/2',
      statement([
        [4, KID],
        [
          15,
          new CborMap([
            [1, 'iss'],
            [2, 'x'.repeat(257)],
          ]),
        ],
      ]),
    ],
    [
      '/protected/3',
      statement([
        [4, KID],
        [15, claims()],
        [3, -1],
      ]),
    ],
    [
      '/protected/258',
      statement([
        [4, KID],
        [15, claims()],
        [258, 'sha-256'],
      ]),
    ],
    [
      '/protected/260',
      statement([
        [4, KID],
        [15, claims()],
        [260, new Uint8Array(1)],
      ]),
    ],
  ];
  for (const [field, made] of cases) {
    const bytes = await made;
    assertRecordError(() => scittRecordStatement(bytes), 'INVALID_STATEMENT', field);
  }
  // kid in the unprotected header only is not enough: only protected claims are signed.
  const sign1 = decodeSign1(await statement([[15, claims()]]));
  const unprotectedKid = encodeSign1({ ...sign1, unprotected: new CborMap([[4, KID]]) });
  assertRecordError(
    () => scittRecordStatement(unprotectedKid),
    'INVALID_STATEMENT',
    '/protected/4',
  );
  // Not COSE at all: the COSE decoder's error.
  assert.throws(() => scittRecordStatement(new Uint8Array([0x01])), { name: 'CoseError' });
});

test("checkScittRecord names the first member that is not the signed statement's", async () => {
  const bytes = await statement();
  const good = scittRecordStatement(bytes).statement;
  const other = scittRecordStatement(
    await statement([
      [4, KID],
      [15, claims([[6, 1]])],
    ]),
  ).statement;
  const cases: [string, Statement][] = [
    ['/digest', { ...good, digest: other.digest }],
    ['/type', { ...good, type: 'ai.decision' }],
    ['/subject', { ...good, subject: 'another' }],
    ['/labels/scitt.iss', { ...good, labels: { ...good.labels, 'scitt.iss': 'someone' } }],
    ['/labels/extra', { ...good, labels: { ...good.labels, extra: 'x' } }],
    ['/controls', { ...good, controls: ['SOC2:CC1'] }],
  ];
  for (const [field, record] of cases) {
    assertRecordError(() => checkScittRecord(record, bytes), 'STATEMENT_MISMATCH', field);
  }
  checkScittRecord(good, bytes);
});

test('signStatement (@proofline/cose) makes statements registration accepts, as given', async () => {
  for (const signer of [ed, es]) {
    const bytes = await signStatement({
      signer,
      kid: KID,
      issuer: 'https://builder.example',
      subject: 'app.tar.gz',
      envelope: { hash: payload, hashAlg: -16, preimageContentType: 'application/gzip' },
    });
    const { statement: s } = scittRecordStatement(bytes);
    assert.equal(s.subject, 'app.tar.gz');
    assert.deepEqual(
      { ...s.labels },
      {
        'scitt.iss': 'https://builder.example',
        'scitt.kid': 'abcd01',
        'scitt.alg': String(signer.alg),
        'scitt.payload-hash-alg': '-16',
        'scitt.preimage-content-type': 'application/gzip',
      },
    );
  }
});
