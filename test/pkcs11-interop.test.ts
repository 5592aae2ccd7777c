/**
 * A log whose key is in a PKCS#11 token (SoftHSM2, created in a temp folder): `create-log`,
 * `append` and `serve` sign receipts and checkpoints through the token, and the Go reference
 * implementation (golang.org/x/mod/sumdb/note, test/interop/go) verifies the served log with
 * the verifier key derived here from the public key read off the token with pkcs11-tool.
 * A wrong PIN, a missing key label, an absent token or a PIN in the URI stop the command
 * before anything is created; a successor key on the token (`--log-signer LOG.next=…`) co-signs
 * every checkpoint, which Go verifies pinned to either key. Skipped (saying why) only without softhsm2 and opensc, which
 * scripts/test-deps.sh installs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519Verifier, formatVerifierKey, openNote, parseVerifierKey } from '@proofline/note';
import { SoftHsmStore, softhsm } from '@proofline/pkcs11/testing';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { runGoVerifier } from './lib/go.js';
import {
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { statementLines } from './lib/statements.js';

const env = softhsm();
const skip = 'skip' in env ? env.skip : false;
const ORIGIN = 'ledger.example/logs/hsm';
const PIN = '4711';

const lines = (from: number, to: number) => statementLines('hsm', from, to);

describe('a log signed by a key in SoftHSM2, verified by Go sumdb/note', { skip }, () => {
  let dir: string;
  let store: SoftHsmStore;
  let uri: string;
  let server: Server | undefined;

  before(() => {
    dir = tempDir('pkcs11');
    store = new SoftHsmStore(join(dir, 'hsm'), (env as { module: string }).module);
    store.initToken('proofline', PIN);
    store.generateKey('proofline', PIN, 'hsm-log');
    uri = `pkcs11:token=proofline;object=hsm-log?module-path=${store.module}`;
    process.env.PROOFLINE_PKCS11_PIN = PIN; // inherited by the proofline processes
  });

  after(async () => {
    if (server) await stopServer(server);
    delete process.env.PROOFLINE_PKCS11_PIN;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The verifier key from the token's public key, read with pkcs11-tool (not Proofline). */
  function tokenVerifierKey(label = 'hsm-log'): string {
    const pem = execFileSync(
      'pkcs11-tool',
      [
        '--module',
        store.module,
        '--token-label',
        'proofline',
        '--read-object',
        '--type',
        'pubkey',
        '--label',
        label,
      ],
      { env: process.env },
    );
    const jwk = createPublicKey(pem).export({ format: 'jwk' });
    return formatVerifierKey(ORIGIN, new Uint8Array(Buffer.from(jwk.x!, 'base64url')));
  }

  const refusals: [string, (u: string) => string, Record<string, string>, RegExp][] = [
    [
      'a wrong PIN',
      (u) => u,
      { PROOFLINE_PKCS11_PIN: '0000' },
      /refused the login: CKR_PIN_INCORRECT/,
    ],
    [
      'a missing key label',
      (u) => u.replace('object=hsm-log', 'object=nope'),
      {},
      /no private key "nope"/,
    ],
    [
      'an absent token',
      (u) => u.replace('token=proofline', 'token=unplugged'),
      {},
      /no token labelled "unplugged"/,
    ],
    [
      'an unset PIN variable',
      (u) => `${u}&x-pin-env=UNSET_PIN`,
      {},
      /set the PKCS#11 user PIN in .*UNSET_PIN/,
    ],
    ['a PIN in the URI', (u) => `${u}&pin-value=${PIN}`, {}, /pin-value is refused/],
  ];
  for (const [what, change, extraEnv, message] of refusals) {
    it(`serve refuses ${what} before creating anything`, () => {
      const fresh = join(dir, `refused-${what.replace(/\W+/g, '-')}`);
      const saved = { ...process.env };
      Object.assign(process.env, extraEnv);
      try {
        const r = runProofline([
          'serve',
          '--data',
          fresh,
          '--port',
          '0',
          '--log-signer',
          change(uri),
        ]);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, message);
        assert.ok(!r.stderr.includes(PIN), 'the PIN is never echoed');
        assert.equal(existsSync(fresh), false, 'nothing was created');
      } finally {
        process.env = saved;
      }
    });
  }

  it('create-log, append and serve sign through the token; Go verifies the log', async () => {
    const created = runProofline([
      'create-log',
      '--visibility',
      'public',
      '--data',
      dir,
      '--log',
      'hsm',
      '--origin',
      ORIGIN,
      '--log-signer',
      `hsm=${uri}`,
    ]);
    assert.equal(created.status, 0, created.stderr);
    // No key file: the private key never left the token.
    assert.deepEqual(
      readdirSync(join(dir, 'keys')).filter((f) => f.endsWith('.key')),
      [],
    );
    const vkey = tokenVerifierKey();
    const listed = runProofline([
      'log-key',
      '--data',
      dir,
      '--log',
      'hsm',
      '--log-signer',
      `hsm=${uri}`,
    ]);
    assert.equal(listed.stdout.trim(), vkey);

    const appended = runProofline(
      ['append', '--data', dir, '--log', 'hsm', '--log-signer', uri],
      lines(0, 300),
    );
    assert.equal(appended.status, 0, appended.stderr);

    server = await startServer(dir, ['--log-signer', `hsm=${uri}`]);
    await waitForSize(server.url, 300, 30_000, 'hsm');
    const checkpoint = await fetchCheckpoint(server.url, 'hsm');
    assert.ok(checkpoint.startsWith(`${ORIGIN}\n300\n`));
    const result = await runGoVerifier([
      '-url',
      `${server.url}/logs/hsm/`,
      '-vkey',
      vkey,
      '-check-index',
      '0,255,299',
    ]);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^OK size=300 /m);
    await stopServer(server);
    server = undefined;
    // The creation receipts were sealed by the token key too (synchronously, C_Sign).
    const storage = new SqliteStorage(join(dir, 'proofline.db'));
    try {
      const { publicKey } = parseVerifierKey(vkey);
      for (const index of [0, 299]) {
        const { receipt } = await storage.commitRange('hsm', index);
        assert.ok(receipt, `entry ${index} has a creation receipt`);
        const opened = await openNote(receipt, [ed25519Verifier(ORIGIN, publicKey)]);
        assert.equal(opened.verified.length, 1);
      }
    } finally {
      await storage.close();
    }
  });

  it('an existing log refuses another token key as not its registered key', async () => {
    store.generateKey('proofline', PIN, 'other-key');
    const r = runProofline(
      [
        'append',
        '--data',
        dir,
        '--log',
        'hsm',
        '--log-signer',
        uri.replace('hsm-log', 'other-key'),
      ],
      lines(300, 301),
    );
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /the key of log hsm \(from pkcs11:.*object=other-key.*\) is not its registered key/,
    );
    const storage = new SqliteStorage(join(dir, 'proofline.db'));
    try {
      assert.equal(await storage.sequencedSize('hsm'), 300, 'nothing was appended');
    } finally {
      await storage.close();
    }
  });

  it('a rotation on the token: checkpoints signed by both token keys, Go verifies either', async () => {
    const next = uri.replace('hsm-log', 'other-key');
    const refused = runProofline([
      'rotate-key',
      '--data',
      dir,
      '--log',
      'hsm',
      '--log-signer',
      `hsm=${uri}`,
    ]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /in a PKCS#11 token: generate the successor on the token/);
    const signers = ['--log-signer', `hsm=${uri}`, '--log-signer', `hsm.next=${next}`];
    const appended = runProofline(
      ['append', '--data', dir, '--log', 'hsm', ...signers],
      lines(300, 310),
    );
    assert.equal(appended.status, 0, appended.stderr);
    server = await startServer(dir, signers);
    await waitForSize(server.url, 310, 30_000, 'hsm');
    const checkpoint = await fetchCheckpoint(server.url, 'hsm');
    assert.equal(checkpoint.split('\n').filter((l) => l.startsWith(`\u2014 ${ORIGIN} `)).length, 2);
    for (const vkey of [tokenVerifierKey(), tokenVerifierKey('other-key')]) {
      const go = await runGoVerifier(['-url', `${server.url}/logs/hsm/`, '-vkey', vkey]);
      assert.equal(go.status, 0, `${go.stdout}\n${go.stderr}`);
      assert.match(go.stdout, /^OK size=310 /m);
    }
  });

  it('retire-key on the token: the successor token key becomes the log key', async () => {
    await stopServer(server!);
    server = undefined;
    const next = uri.replace('hsm-log', 'other-key');
    const both = ['--log-signer', `hsm=${uri}`, '--log-signer', `hsm.next=${next}`];
    const retired = runProofline(['retire-key', '--data', dir, '--log', 'hsm', ...both]);
    assert.equal(retired.status, 0, retired.stderr);
    assert.equal(retired.stdout.trim(), tokenVerifierKey('other-key'));
    assert.match(retired.stderr, /Reconfigure the nodes to sign with the successor key/);
    const signer = ['--log-signer', `hsm=${next}`];
    const appended = runProofline(
      ['append', '--data', dir, '--log', 'hsm', ...signer],
      lines(310, 315),
    );
    assert.equal(appended.status, 0, appended.stderr);
    server = await startServer(dir, signer);
    await waitForSize(server.url, 315, 30_000, 'hsm');
    const checkpoint = await fetchCheckpoint(server.url, 'hsm');
    assert.equal(checkpoint.split('\n').filter((l) => l.startsWith(`\u2014 ${ORIGIN} `)).length, 1);
    const go = await runGoVerifier([
      '-url',
      `${server.url}/logs/hsm/`,
      '-vkey',
      tokenVerifierKey('other-key'),
    ]);
    assert.equal(go.status, 0, `${go.stdout}\n${go.stderr}`);
    assert.match(go.stdout, /^OK size=315 /m);
  });
});
