/**
 * `--log-signer LOG=exec:…` with a program path and an argument that hold spaces, given in
 * the JSON form `exec:["PROGRAM","ARG",…]` (docs/keys.md): the program (the reference
 * scripts/exec-signer-ed25519.mjs behind a wrapper) is started with exactly those words, and
 * signs appended records. A malformed JSON form is refused before any program starts. And
 * `rotate-key` of a log whose key the program holds says so (not "PKCS#11"), creating nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatVerifierKey, parseSignerKey } from '@proofline/note';
import { REPO_ROOT, runProofline, tempDir } from './lib/proofline.js';

const REFERENCE = join(REPO_ROOT, 'scripts/exec-signer-ed25519.mjs');

describe('an exec: signer whose program path and argument hold spaces', () => {
  let dir: string;
  let signerDir: string;
  let program: string;
  let keyFile: string;
  let vkey: string;
  let signer: string;
  const started = () => join(signerDir, 'started');

  before(() => {
    dir = tempDir('exec-args');
    signerDir = join(dir, 'signer dir');
    mkdirSync(signerDir, { mode: 0o700 });
    const created = runProofline(['create-log', '--data', dir]);
    assert.equal(created.status, 0, created.stderr);
    keyFile = join(signerDir, 'default key.key');
    renameSync(join(dir, 'keys', 'default.key'), keyFile);
    const key = parseSignerKey(readFileSync(keyFile, 'utf8').trim());
    vkey = formatVerifierKey(key.name, key.publicKey);
    // Records each start (its arguments, one a line), then becomes the reference signer.
    program = join(signerDir, 'kms signer.sh');
    writeFileSync(
      program,
      `#!/bin/sh\nprintf '%s\\n' "$@" >> "${started()}"\nexec "${process.execPath}" "${REFERENCE}" "$1"\n`,
      { mode: 0o755 },
    );
    signer = `default=exec:${JSON.stringify([program, keyFile])}`;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the program with those words, and it signs the log', () => {
    const listed = runProofline(['log-key', '--data', dir, '--log-signer', signer]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout.trim(), vkey);
    assert.equal(readFileSync(started(), 'utf8'), `${keyFile}\n`);
    const digest = 'sha256:' + 'ab'.repeat(32);
    const appended = runProofline(
      ['append', '--data', dir, '--log-signer', signer],
      `{"type":"test.event","digest":"${digest}"}\n`,
    );
    assert.equal(appended.status, 0, appended.stderr);
  });

  it('refuses a malformed JSON form (exit 2) before any program starts', () => {
    rmSync(started(), { force: true });
    for (const bad of [
      `default=exec:${JSON.stringify([program, keyFile]).slice(0, -1)}`,
      `default=exec:${JSON.stringify([program, 1])}`,
      `default=exec:${JSON.stringify(['kms signer.sh', keyFile])}`,
      `default=exec:${JSON.stringify([program, keyFile])} --more`,
    ]) {
      const r = runProofline(['log-key', '--data', dir, '--log-signer', bad]);
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /--log-signer .*expected exec:\/ABSOLUTE\/PROGRAM \[ARG…\] .*or exec:\["\/ABSOLUTE\/PROGRAM","ARG",…\]/,
      );
      assert.equal(existsSync(started()), false, `${bad}: the program was started`);
    }
    // The space-split form cannot name it: the program path is cut at its space.
    const split = runProofline([
      'log-key',
      '--data',
      dir,
      '--log-signer',
      `default=exec:${program} ${keyFile}`,
    ]);
    assert.notEqual(split.status, 0);
    assert.equal(existsSync(started()), false);
  });

  it('rotate-key names the external program, not a PKCS#11 token, and creates no key', () => {
    const r = runProofline(['rotate-key', '--data', dir, '--log-signer', signer]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /the key of log default is held by an external program \(exec:\): have it \(or its KMS\) make the successor key and give that as --log-signer default\.next=exec:…/,
    );
    assert.doesNotMatch(r.stderr, /PKCS#11/);
    assert.equal(existsSync(join(dir, 'keys', 'default.next.key')), false);
  });
});
