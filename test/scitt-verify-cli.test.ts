/**
 * `proofline verify FILE.cose` end to end: a real `proofline serve` serves the COSE receipt
 * of an ordinary record (GET /entries/{id}); the CLI verifies it with the log key, confirms
 * its size and index with the bundle's signed checkpoint, and refuses tampered bytes (exit 1)
 * and mistyped key or checkpoint paths (exit 2, before anything is verified). A transparent
 * statement, built in-process as registration will build it, verifies with --statement-key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CborMap,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  assembleReceipt,
  attachReceipts,
  coseKeyThumbprint,
  ed25519CoseSigner,
  ed25519Kid,
  encodeCoseKeySet,
  signRootSignature,
  signSign1,
} from '@proofline/cose';
import { formatCheckpoint, formatVerifierKey, signNote, ed25519Signer } from '@proofline/note';
import { buildRecord, parseBundle, scittRecordStatement, type BundleV2 } from '@proofline/records';
import { leafHash, nodeHash } from '@proofline/tlog';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

describe('proofline verify of COSE receipts from a running server', () => {
  let work: string;
  let server: Server;
  let vkey: string;
  let id: string;

  before(async () => {
    work = tempDir('scitt-verify');
    const dir = join(work, 'data');
    const made = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
    assert.equal(made.status, 0, made.stderr);
    const apiKey = createApiKey(dir);
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    const res = await fetch(`${server.url}/v1/records/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [0, 1, 2].map((i) => ({
          digest: `sha256:${createHash('sha256').update(`cli ${i}`).digest('hex')}`,
          type: 'scitt.cli',
        })),
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    id = ((await res.json()) as { receipts: { id: string }[] }).receipts[1]!.id;
    await waitForSize(server.url, 3);
  });

  after(async () => {
    await stopServer(server);
    rmSync(work, { recursive: true, force: true });
  });

  async function get(path: string): Promise<Buffer> {
    const res = await fetch(`${server.url}${path}`);
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  it('verifies, is confirmed by the bundle checkpoint, and refuses a flipped byte', async () => {
    const receipt = join(work, 'receipt.cose');
    const bytes = await get(`/entries/${id}`);
    writeFileSync(receipt, bytes);
    const plain = runProofline(['verify', receipt, '--log-key', vkey]);
    assert.equal(plain.status, 0, plain.stdout + plain.stderr);
    assert.match(plain.stdout, /^PASS service /m);
    assert.match(plain.stdout, /VERIFIED receipt: record 1 of .*not confirmed: give --checkpoint/);

    const bundle = parseBundle((await get(`/v1/records/${id}/proof`)).toString('utf8')) as BundleV2;
    const checkpoint = join(work, 'checkpoint');
    writeFileSync(checkpoint, bundle.latest?.checkpoint ?? bundle.checkpoint);
    const confirmed = runProofline([
      'verify',
      receipt,
      '--log-key',
      vkey,
      '--checkpoint',
      checkpoint,
      '--json',
    ]);
    assert.equal(confirmed.status, 0, confirmed.stdout + confirmed.stderr);
    const json = JSON.parse(confirmed.stdout) as {
      ok: boolean;
      kind: string;
      receipts: { confirmed: boolean; leafIndex: number; record: { type: string } }[];
    };
    assert.deepEqual([json.ok, json.kind], [true, 'receipt']);
    assert.deepEqual(
      [json.receipts[0]!.confirmed, json.receipts[0]!.leafIndex, json.receipts[0]!.record.type],
      [true, 1, 'scitt.cli'],
    );

    // The signature's last byte flipped: exit 1, the service check fails.
    const tampered = join(work, 'tampered.cose');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1]! ^= 1;
    writeFileSync(tampered, flipped);
    const bad = runProofline(['verify', tampered, '--log-key', vkey]);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /\[RECEIPT_UNVERIFIED\]/);
    assert.match(bad.stdout, /NOT VERIFIED/);
  });

  it('mistyped paths, a bad key or inapplicable flags are usage errors (exit 2)', async () => {
    const receipt = join(work, 'receipt2.cose');
    writeFileSync(receipt, await get(`/entries/${id}`));
    for (const args of [
      ['--checkpoint', join(work, 'no-such-checkpoint')],
      ['--statement-key', join(work, 'no-such-key.pem')],
      ['--statement-key', receipt], // not a key
      ['--salt', '00'.repeat(32)],
    ]) {
      const r = runProofline(['verify', receipt, '--log-key', vkey, ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
    }
    const badKey = runProofline(['verify', receipt, '--log-key', 'nope+00000000+AAAA']);
    assert.equal(badKey.status, 2, badKey.stderr);
    assert.match(badKey.stderr, /--log-key/);
  });
});

describe('proofline verify of a transparent statement', () => {
  let work: string;

  before(() => {
    work = tempDir('scitt-statement');
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('verifies with --statement-key (PEM or COSE_KeySet); another issuer key fails', async () => {
    const issuer = ed25519CoseSigner(new Uint8Array(32).fill(7));
    const kid = coseKeyThumbprint(issuer.publicKey);
    const statement = await signSign1(
      {
        protected: [
          [HEADER_KID, kid],
          [
            HEADER_CWT_CLAIMS,
            new CborMap([
              [1, 'https://issuer.example'],
              [2, 'urn:cli'],
            ]),
          ],
          [258, -16],
        ],
        payload: createHash('sha256').update('cli statement').digest(),
      },
      issuer,
    );
    // A log of one ordinary record and the statement's registration, as the server keeps it.
    const origin = 'proofline.example/cli';
    const seed = new Uint8Array(32).fill(9);
    const signer = ed25519CoseSigner(seed);
    const publicKey = (signer.publicKey as { x: Uint8Array }).x;
    const entries = [
      buildRecord({ digest: `sha256:${'ab'.repeat(32)}`, type: 'test.event' }, 'default', 1).bytes,
      buildRecord(scittRecordStatement(statement).statement, 'default', 2).bytes,
    ];
    const [left, right] = entries.map(leafHash) as [Uint8Array, Uint8Array];
    const root = nodeHash(left, right); // a tree of two: leaf 1's path is [leaf 0]
    const rootSignature = await signRootSignature({
      signer,
      kid: ed25519Kid(publicKey),
      issuer: origin,
      root,
    });
    const receipt = assembleReceipt(
      rootSignature,
      { treeSize: 2, leafIndex: 1, path: [left] },
      entries[1],
    );
    const file = join(work, 'statement.cose');
    writeFileSync(file, attachReceipts(statement, [receipt]));
    const logKey = formatVerifierKey(origin, publicKey);
    const checkpoint = join(work, 'checkpoint');
    writeFileSync(
      checkpoint,
      await signNote(formatCheckpoint({ origin, size: 2, rootHash: root, extensions: [] }), [
        ed25519Signer(origin, seed),
      ]),
    );
    const pem = join(work, 'issuer.pem');
    const jwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from((issuer.publicKey as { x: Uint8Array }).x).toString('base64url'),
    };
    writeFileSync(
      pem,
      createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }),
    );
    const keySet = join(work, 'issuers.cbor');
    writeFileSync(keySet, encodeCoseKeySet([issuer.publicKey]));

    for (const key of [pem, keySet]) {
      const r = runProofline([
        'verify',
        file,
        '--log-key',
        logKey,
        '--statement-key',
        key,
        '--checkpoint',
        checkpoint,
      ]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS statement /m);
      assert.match(r.stdout, /^ {5}PASS registration /m);
      assert.match(
        r.stdout,
        /VERIFIED transparent statement of https:\/\/issuer.example: record 1 of proofline.example\/cli.*confirmed by the signed checkpoint/,
      );
    }
    const other = join(work, 'other.cbor');
    writeFileSync(
      other,
      encodeCoseKeySet([ed25519CoseSigner(new Uint8Array(32).fill(8)).publicKey]),
    );
    const r = runProofline(['verify', file, '--log-key', logKey, '--statement-key', other]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /\[ISSUER_UNTRUSTED\]/);
    // Without --statement-key the issuer is not trusted either.
    assert.equal(runProofline(['verify', file, '--log-key', logKey]).status, 1);
  });
});
