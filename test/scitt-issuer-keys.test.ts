/**
 * `proofline issuer-key add --cose-key FILE`: SCITT issuer keys from PEM (Ed25519, P-256) and
 * COSE_Key files, stored as `cose:` lines beside note verifier keys, listed and revoked by
 * that line; a careless operator's bad file or flag fails before anything is written.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { coseKeyThumbprint, encodeCoseKey, publicKeyFromPem } from '@proofline/cose';
import { parseCoseIssuerKey } from '@proofline/records';
import { runProofline, tempDir } from './lib/proofline.js';

function deployment(): string {
  const dir = join(tempDir('scitt-issuer-keys'), 'data');
  const r = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

function pem(type: 'ed25519' | 'p256'): string {
  const { publicKey } =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function file(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, '..', name);
  writeFileSync(path, content);
  return path;
}

const issuerKey = (dir: string, ...args: string[]) => {
  const [action, ...rest] = args;
  return runProofline(['issuer-key', action!, '--data', dir, '--tenant', 'default', ...rest]);
};

const list = (dir: string) => issuerKey(dir, 'list').stdout.split('\n').filter(Boolean);

describe('proofline issuer-key --cose-key', () => {
  it('adds Ed25519 and P-256 PEM keys and a COSE_Key file, lists and revokes them', () => {
    const dir = deployment();
    const edPem = pem('ed25519');
    const ed = issuerKey(dir, 'add', '--cose-key', file(dir, 'ed.pem', edPem));
    assert.equal(ed.status, 0, ed.stderr);
    const edLine = ed.stdout.trim();
    const edKey = parseCoseIssuerKey(edLine);
    assert.deepEqual(edKey.key.kid, coseKeyThumbprint(publicKeyFromPem(edPem)));
    assert.equal(edKey.key.alg, -8);
    assert.equal(edKey.issuer, undefined);

    const p256 = issuerKey(
      dir,
      'add',
      '--cose-key',
      file(dir, 'p256.pem', pem('p256')),
      '--kid',
      '0a0b0c',
      '--iss',
      'https://issuer.example',
    );
    assert.equal(p256.status, 0, p256.stderr);
    const p256Line = p256.stdout.trim();
    assert.match(p256Line, /^cose:[A-Za-z0-9_-]+;iss=https:\/\/issuer\.example$/);
    const p256Key = parseCoseIssuerKey(p256Line);
    assert.deepEqual(p256Key.key.kid, Uint8Array.of(10, 11, 12));
    assert.equal(p256Key.key.alg, -7);

    const cose = encodeCoseKey({ ...publicKeyFromPem(pem('ed25519')), kid: Uint8Array.of(7) });
    const fromCose = issuerKey(dir, 'add', '--cose-key', file(dir, 'key.cbor', cose));
    assert.equal(fromCose.status, 0, fromCose.stderr);
    assert.deepEqual(parseCoseIssuerKey(fromCose.stdout.trim()).key.kid, Uint8Array.of(7));

    // A note verifier key beside them.
    const noteKey = runProofline(['log-key', '--data', dir]).stdout.trim();
    assert.equal(issuerKey(dir, 'add', '--key', noteKey).status, 0);
    assert.deepEqual(list(dir).sort(), [edLine, p256Line, fromCose.stdout.trim(), noteKey].sort());

    const revoked = issuerKey(dir, 'revoke', '--key', p256Line);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.ok(!list(dir).includes(p256Line));
    const again = issuerKey(dir, 'revoke', '--key', p256Line);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no such active issuer key/);
  });

  it('refuses bad files and flags before anything is written', () => {
    const dir = deployment();
    const { privateKey } = generateKeyPairSync('ed25519');
    const bad: [string[], RegExp][] = [
      [['--cose-key', file(dir, 'garbage', 'not a key\n')], /not a PEM PUBLIC KEY or COSE_Key/],
      [['--cose-key', file(dir, 'empty', '')], /not a PEM PUBLIC KEY or COSE_Key/],
      [
        [
          '--cose-key',
          file(dir, 'private.pem', privateKey.export({ type: 'pkcs8', format: 'pem' })),
        ],
        /not a PEM PUBLIC KEY or COSE_Key/,
      ],
      [['--cose-key', file(dir, 'rsa.pem', rsaPem())], /not a PEM PUBLIC KEY or COSE_Key/],
      [['--cose-key', join(dir, 'missing.pem')], /ENOENT|no such file/],
      [['--cose-key', file(dir, 'ok.pem', pem('ed25519')), '--kid', 'XYZ'], /--kid must be/],
      [['--cose-key', file(dir, 'ok2.pem', pem('ed25519')), '--kid', ''], /--kid must be/],
      [['--cose-key', file(dir, 'ok3.pem', pem('ed25519')), '--iss', 'has space'], /issuer/],
      [['--kid', '0a'], /--kid and --iss go with --cose-key/],
      [['--key', 'cose:AAAA'], /COSE_Key|cose/],
      [[], /--key VERIFIER_KEY \(or, to add, --cose-key FILE\) is required/],
    ];
    for (const [args, message] of bad) {
      const r = issuerKey(dir, 'add', ...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.deepEqual(list(dir), [], `${args.join(' ')} wrote nothing`);
    }
  });
});

function rsaPem(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
