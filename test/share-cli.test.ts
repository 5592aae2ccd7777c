/**
 * Share links from the command line, against `proofline serve` with a private log: attest
 * prints each record's share link; `proof` needs a key of the tenant; `share` makes, lists
 * and revokes links, and a revoked link opens nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

describe('proofline share and a private log', () => {
  let dir: string;
  let server: Server;
  let apiKey: string;
  let vkey: string;
  /** The record id and share link that attest printed. */
  let id: string;
  let link: string;

  before(async () => {
    dir = tempDir('share-cli');
    assert.equal(runProofline(['create-log', '--data', dir]).status, 0);
    apiKey = runProofline([
      ...['api-key', 'create', '--data', dir, '--tenant', 'default'],
      ...['--scope', 'records:write', '--scope', 'records:read'],
    ]).stdout.trim();
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    const attested = runProofline(
      ['attest', '-', '--url', server.url, '--api-key', apiKey, '--log-key', vkey, '--type', 't'],
      'a private output\n',
    );
    assert.equal(attested.status, 0, attested.stderr);
    [, id, , link] = attested.stdout.trim().split('\t') as [string, string, string, string];
    await waitForSize(server.url, 1);
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const proofBy = (token: string) =>
    fetch(`${server.url}/v1/records/${id}/proof`, { headers: { 'proofline-share': token } });
  const tokenOf = (url: string) => url.split('#t=')[1]!;

  it("attest prints the record's share link, which opens its proof", async () => {
    // The host is serve's --public-url (here its default, made from the flags).
    assert.match(link, new RegExp(`^http://[^/]+/r/${id}#t=pls_[0-9a-f]{16}_[\\w-]{43}$`));
    assert.equal((await proofBy(tokenOf(link))).status, 200);
    assert.equal((await fetch(`${server.url}/v1/records/${id}/proof`)).status, 401);
  });

  it('attest --wait gets the proofs of a private log with a write-only key, by the share links', () => {
    const writer = runProofline([
      ...['api-key', 'create', '--data', dir, '--tenant', 'default', '--scope', 'records:write'],
    ]).stdout.trim();
    const r = runProofline(
      [
        ...['attest', '-', '--url', server.url, '--api-key', writer, '--log-key', vkey],
        ...['--type', 't', '--wait=30'],
      ],
      'another private output\n',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /default-1: proof bundle verified/);
  });

  it('proof fetches a private record only with a key of its tenant', () => {
    const out = join(dir, 'proofs');
    const base = ['proof', id, '--url', server.url, '--log-key', vkey, '--out', out];
    const anonymous = runProofline(base);
    assert.equal(anonymous.status, 1, anonymous.stdout);
    assert.match(anonymous.stderr, /private/);
    const keyed = runProofline([...base, '--api-key', apiKey]);
    assert.equal(keyed.status, 0, keyed.stderr);
    assert.match(keyed.stdout, /^VERIFIED record 0 /);
  });

  it('makes, lists and revokes links', async () => {
    const args = ['share', id, '--url', server.url, '--api-key', apiKey];
    const made = runProofline([...args, '--expires', '30d']);
    assert.equal(made.status, 0, made.stderr);
    const url = made.stdout.trim();
    assert.match(url, /#t=pls_/);
    assert.match(made.stderr, /until 20\d\d-.*--revoke [0-9a-f]{16}/);
    assert.equal((await proofBy(tokenOf(url))).status, 200);

    const listed = runProofline([...args, '--list'])
      .stdout.trim()
      .split('\n');
    assert.equal(listed.length, 2, "attest's link and this one");
    assert.ok(!listed.join('\n').includes(tokenOf(url).slice(21)), 'no secret is listed');
    const linkId = tokenOf(url).slice(4, 20);
    assert.match(listed[1]!, new RegExp(`^${linkId}\\tactive\\t.*\\t20\\d\\d-.*\\t-$`));

    assert.match(runProofline([...args, '--revoke', linkId]).stdout, /^revoked share link/);
    assert.match(runProofline([...args, '--revoke', linkId]).stdout, /already revoked/);
    assert.equal((await proofBy(tokenOf(url))).status, 401);
    assert.equal((await proofBy(tokenOf(link))).status, 200, 'the other link still opens it');
    assert.match(runProofline([...args, '--revoke-all']).stdout, /^revoked 1 share link/);
    assert.equal((await proofBy(tokenOf(link))).status, 401);

    assert.equal(runProofline([...args, '--expires', '30 days']).status, 2);
    assert.equal(runProofline([...args, '--list', '--revoke-all']).status, 2);
    const other = runProofline(['share', `${id.replace(/\d+$/, '')}999`, ...args.slice(2)]);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /record-not-found/);
  });
});
