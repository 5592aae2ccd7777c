/**
 * RFC 3161 end to end: `proofline serve --tsa NAME=URL --tsa-root FILE.pem` timestamps each
 * checkpoint with a local openssl TSA, proof bundles carry the tokens, GET /logs/<name>/
 * publishes the roots, and @proofline/verify turns a token into `existedBy`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseBundle } from '@proofline/records';
import { verifyBundle } from '@proofline/verify';
import { runProofline, startServer, stopServer, tempDir, waitForSize } from './lib/proofline.js';
import { LocalTsa, opensslSupportsTs } from '@proofline/timestamp/testing';

function statement(subject: string): string {
  const digest = createHash('sha256').update(subject).digest('hex');
  return JSON.stringify({ type: 'test.event', digest: `sha256:${digest}`, subject });
}

describe('proofline serve --tsa', () => {
  before(() => assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`'));
  let tsa: LocalTsa;
  before(() => {
    tsa = new LocalTsa('E2E');
  });
  after(() => tsa.cleanup());

  it('timestamps checkpoints; bundles carry the tokens and verify with the published roots', async () => {
    const dir = tempDir('tsa');
    const http = await tsa.serve();
    try {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      const appended = runProofline(
        ['append', '--data', dir],
        [statement('a'), statement('b')].join('\n') + '\n',
      );
      assert.equal(appended.status, 0, appended.stderr);
      const server = await startServer(dir, [
        '--checkpoint-interval',
        '50',
        '--tsa',
        `e2e=${http.url}`,
        '--tsa-root',
        tsa.rootPem,
      ]);
      try {
        await waitForSize(server.url, 2);
        const info = (await (await fetch(`${server.url}/logs/default/`)).json()) as {
          verifierKey: string;
          timestampAuthorities?: { roots: string[] };
        };
        assert.deepEqual(info.timestampAuthorities, {
          roots: [Buffer.from(tsa.rootDer).toString('base64')],
        });
        let text = '';
        for (let i = 0; i < 200; i++) {
          const res = await fetch(`${server.url}/v1/records/default-1/proof`);
          text = await res.text();
          if (res.ok && parseBundle(text).timestamps !== undefined) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const bundle = parseBundle(text);
        assert.equal(bundle.timestamps?.length, 1);
        assert.equal(bundle.timestamps[0]!.tsa, 'e2e');
        const v = await verifyBundle(text, {
          logKey: info.verifierKey,
          timestampAuthorities: info.timestampAuthorities!,
          requireTimestamp: true,
        });
        assert.equal(v.ok, true);
        assert.equal(v.checks.find((c) => c.name === 'timestamp')?.status, 'passed');
        assert.equal(v.existedBy?.source, 'tsa');
        assert.equal(v.existedBy?.by, 'O=Proofline Test, CN=E2E TSA');
        assert.ok(Math.abs(Date.parse(v.existedBy.time) - Date.now()) < 60_000);
      } finally {
        assert.equal(await stopServer(server), 0, 'SIGTERM is a clean shutdown');
      }
    } finally {
      http.server.closeAllConnections();
      http.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses incomplete or invalid --tsa options with usage errors', () => {
    const dir = tempDir('tsa-usage');
    try {
      for (const args of [
        ['--tsa', 'x=http://127.0.0.1:1/'],
        ['--tsa-root', tsa.rootPem],
        ['--tsa', 'bad name=http://127.0.0.1:1/', '--tsa-root', tsa.rootPem],
        ['--tsa', 'x=ftp://127.0.0.1/', '--tsa-root', tsa.rootPem],
        ['--tsa', 'x=http://127.0.0.1:1/', '--tsa-root', '/nonexistent.pem'],
      ]) {
        const r = runProofline(['serve', '--data', dir, '--port', '0', ...args]);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
