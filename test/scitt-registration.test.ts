/**
 * SCITT registration end to end: `proofline issuer-key add --cose-key` trusts a P-256 issuer,
 * a running `proofline serve` registers its signed statement at POST /entries, and the
 * independent Python verifier accepts the receipt of the transparent statement it answers
 * (leaf: the record's entry the receipt carries), and refuses every hostile variant of it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CWT_ISS,
  CWT_SUB,
  CborMap,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  HEADER_LOG_ENTRY,
  decodeSign1,
  es256CoseSigner,
  extractReceipts,
  registeredForm,
  signSign1,
} from '@proofline/cose';
import {
  HEADER_PAYLOAD_HASH_ALG,
  checkScittRecord,
  parseCoseIssuerKey,
  parseRecord,
} from '@proofline/records';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  type Server,
} from './lib/proofline.js';
import {
  checkPythonScittDeps,
  pythonScittMutations,
  runPythonScittVerifierBatch,
} from './lib/python-scitt.js';

describe('SCITT registration on a running server, receipts checked in Python', () => {
  let work: string;
  let dir: string;
  let server: Server;
  let apiKey: string;
  const issuer = es256CoseSigner(new Uint8Array(randomBytes(32)));
  let kid: Uint8Array;

  before(async () => {
    checkPythonScittDeps();
    work = tempDir('scitt-registration');
    dir = join(work, 'data');
    const made = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
    assert.equal(made.status, 0, made.stderr);
    apiKey = createApiKey(dir, ['records:write', 'records:read']);
    const { x, y } = issuer.publicKey as { x: Uint8Array; y: Uint8Array };
    const pem = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(x).toString('base64url'),
        y: Buffer.from(y).toString('base64url'),
      },
      format: 'jwk',
    }).export({ type: 'spki', format: 'pem' });
    writeFileSync(join(work, 'issuer.pem'), pem);
    const added = runProofline([
      ...['issuer-key', 'add', '--data', dir, '--tenant', 'default'],
      ...['--cose-key', join(work, 'issuer.pem'), '--iss', 'https://issuer.example'],
    ]);
    assert.equal(added.status, 0, added.stderr);
    kid = parseCoseIssuerKey(added.stdout.trim()).key.kid;
    server = await startServer(dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
    rmSync(work, { recursive: true, force: true });
  });

  const statement = () =>
    signSign1(
      {
        protected: [
          [HEADER_KID, kid],
          [
            HEADER_CWT_CLAIMS,
            new CborMap([
              [CWT_ISS, 'https://issuer.example'],
              [CWT_SUB, 'pkg:oci/app@sha256:abc'],
            ]),
          ],
          [HEADER_PAYLOAD_HASH_ALG, -16],
        ],
        payload: new Uint8Array(createHash('sha256').update('the artefact').digest()),
      },
      issuer,
    );

  const register = (bytes: Uint8Array, accept: string) =>
    fetch(`${server.url}/entries`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/cose',
        accept,
      },
      body: Buffer.from(bytes),
    });

  it('registers a statement; its receipt verifies in Python, its mutants do not', async () => {
    const signed = await statement();
    const res = await register(signed, 'application/scitt-statement+cose');
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/scitt-statement+cose');
    const location = res.headers.get('location')!;
    assert.match(location, /^\/entries\/default-\d+$/);
    const transparent = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual(registeredForm(transparent), registeredForm(signed));
    const [receipt] = extractReceipts(transparent);
    const entry = decodeSign1(receipt!).unprotected.get(HEADER_LOG_ENTRY) as Uint8Array;
    checkScittRecord(parseRecord(entry), signed);

    const keySet = join(work, 'keys.cbor');
    const keys = await fetch(`${server.url}/.well-known/scitt-keys`);
    writeFileSync(keySet, Buffer.from(await keys.arrayBuffer()));
    const receiptFile = join(work, 'receipt.cose');
    writeFileSync(receiptFile, receipt!);
    const entryFile = join(work, 'entry.json');
    writeFileSync(entryFile, entry);
    const leaf = createHash('sha256')
      .update(Buffer.concat([Buffer.of(0), entry]))
      .digest('hex');
    const [verdict] = await runPythonScittVerifierBatch([
      ['--receipt', receiptFile, '--key', keySet, '--entry', entryFile],
    ]);
    assert.equal(verdict!.ok, true, JSON.stringify(verdict));
    assert.equal(verdict!.leaf_hash, leaf);

    const mutations = await pythonScittMutations(receiptFile, join(work, 'mutants'));
    assert.ok(mutations.length >= 10, `${mutations.length} mutations`);
    const results = await runPythonScittVerifierBatch(
      mutations.map((m) => [
        ...['--receipt', m.file, '--key', m.key ?? keySet, '--leaf-hash', leaf],
        ...m.args,
      ]),
    );
    results.forEach((v, i) => assert.equal(v.ok, false, `${mutations[i]!.name}`));

    // Registered again: the same entry, nothing appended.
    const again = await register(signed, 'application/cose');
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('location'), location);
  });

  it('refuses a statement of an issuer the key is not bound to, as concise problem details', async () => {
    const other = await signSign1(
      {
        protected: [
          [HEADER_KID, kid],
          [
            HEADER_CWT_CLAIMS,
            new CborMap([
              [CWT_ISS, 'https://evil.example'],
              [CWT_SUB, 's'],
            ]),
          ],
        ],
        payload: new Uint8Array(32),
      },
      issuer,
    );
    const res = await register(other, 'application/cose');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/concise-problem-details+cbor');
  });
});
