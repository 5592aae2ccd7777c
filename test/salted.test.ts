/**
 * Salted output digests end to end: `attest --salted` logs a digest nobody can confirm by
 * hashing the output, keeps the salt in the receipt file, and `verify --file` matches the
 * output with that salt (read beside the bundle, or given with --salt) and never without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProofline, startServer, stopServer, tempDir, type Server } from './lib/proofline.js';

describe('attest --salted and verify --file', () => {
  let dir: string;
  let server: Server;
  let vkey: string;
  let apiKey: string;

  before(async () => {
    dir = join(tempDir('salted'), 'data');
    assert.equal(runProofline(['create-log', '--data', dir]).status, 0);
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    apiKey = runProofline([
      ...['api-key', 'create', '--data', dir, '--tenant', 'default'],
      ...['--scope', 'records:write'],
    ]).stdout.trim();
    server = await startServer(dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
  });

  it('a salted digest verifies with its salt and not without', () => {
    const work = tempDir('salted-out');
    const original = join(work, 'decision.json');
    writeFileSync(original, '{"decision":"deny"}');
    const out = join(work, 'proofs');
    const attest = (...extra: string[]) =>
      runProofline([
        ...['attest', original, '--url', server.url, '--api-key', apiKey, '--log-key', vkey],
        ...['--type', 'ai.decision', ...extra],
      ]);
    assert.equal(attest('--salted').status, 2, 'no salt without a place to keep it');
    const r = attest('--salted', '--out', out, '--wait=30');
    assert.equal(r.status, 0, r.stderr);
    const [, id, digest] = r.stdout.trim().split('\t');
    const plain = `sha256:${createHash('sha256').update('{"decision":"deny"}').digest('hex')}`;
    assert.notEqual(digest, plain, 'the log never holds the guessable digest');

    const receiptFile = join(out, `${id}.receipt.json`);
    const { salt } = JSON.parse(readFileSync(receiptFile, 'utf8')) as { salt: string };
    assert.match(salt, /^[0-9a-f]{64}$/);
    assert.equal(statSync(receiptFile).mode & 0o777, 0o600);

    const verify = (file: string, ...extra: string[]) =>
      runProofline(['verify', file, '--log-key', vkey, '--file', original, ...extra]);
    const bundle = join(out, `${id}.bundle.json`);
    const beside = verify(bundle);
    assert.equal(beside.status, 0, beside.stdout + beside.stderr);
    assert.match(beside.stdout, /PASS content .*salted sha256/);
    assert.equal(verify(join(out, `${id}.tlog-proof`)).status, 0);
    assert.equal(verify(receiptFile).status, 3, 'a receipt file: logged, salt from the file');

    // Away from its receipt file the bundle has no salt: the output does not match.
    const alone = join(tempDir('salted-alone'), 'b.bundle.json');
    copyFileSync(bundle, alone);
    const without = verify(alone);
    assert.equal(without.status, 1);
    assert.match(without.stdout, /FAIL content/);
    assert.equal(verify(alone, '--salt', salt).status, 0);
    const wrong = `${salt.slice(0, 63)}${salt.endsWith('0') ? '1' : '0'}`;
    assert.equal(verify(alone, '--salt', wrong).status, 1);
    assert.notEqual(verify(alone, '--salt', 'not-hex').status, 0);
  });
});
