/**
 * `proofline monitor` keeps watching through an outage of its log: it retries with backoff,
 * reports the outage through its webhook (retrying a webhook that answers 500), says when the
 * log is back, and goes on verifying what is new, counting only what is new.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  PROOFLINE_BIN,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const lines = (from: number, to: number) => {
  let text = '';
  for (let i = from; i < to; i++) {
    const digest = createHash('sha256').update(`monitor/${i}`).digest('hex');
    text += `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }
  return text;
};

async function until(what: string, test: () => boolean, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it(
  'a monitor survives a 10 s outage of its log and reports it through a retried webhook',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir('monitor');
    const data = join(dir, 'data');
    const posts: { kind: string; state?: string; status: number }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const notice = JSON.parse(body) as { kind: string; state?: string };
        const status = posts.length === 0 ? 500 : 200; // the first delivery fails
        posts.push({ kind: notice.kind, ...(notice.state ? { state: notice.state } : {}), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
    let server: Server | undefined;
    let output = '';
    const monitor = { process: undefined as ReturnType<typeof spawn> | undefined };
    try {
      assert.equal(
        runProofline(['create-log', '--visibility', 'public', '--data', data]).status,
        0,
      );
      assert.equal(runProofline(['append', '--data', data], lines(0, 10)).status, 0);
      const vkey = runProofline(['log-key', '--data', data]).stdout.trim();
      server = await startServer(data, ['--checkpoint-interval', '50']);
      await waitForSize(server.url, 10);
      const port = new URL(server.url).port;
      const child = spawn(
        process.execPath,
        [
          PROOFLINE_BIN,
          'monitor',
          `${server.url}/logs/default/`,
          '--log-key',
          vkey,
          '--state',
          join(dir, 'monitor.state'),
          '--interval',
          '1',
          '--outage-alert',
          '3',
          '--webhook',
          hookUrl,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      monitor.process = child;
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      await until('the first round', () =>
        /checkpoint size 10: consistent, 10 new entries/.test(output),
      );

      // The log goes away for 10 s.
      await stopServer(server);
      server = undefined;
      await new Promise((r) => setTimeout(r, 10_000));
      assert.equal(child.exitCode, null, `the monitor is still running:\n${output}`);
      assert.match(output, /log unreachable for \d+ s .*retrying in \d+ s/);
      assert.match(output, /ALERT log unreachable for more than 3 s/);
      await until('the outage notice delivered', () => posts.some((p) => p.status === 200));
      assert.deepEqual(
        posts.slice(0, 2).map((p) => [p.kind, p.state, p.status]),
        [
          ['proofline.dev/monitor-outage/v1', 'unreachable', 500],
          ['proofline.dev/monitor-outage/v1', 'unreachable', 200],
        ],
        'the delivery answered 500 was retried',
      );

      // Back on the same address, with one more record: verified, counted as one.
      server = await startServer(data, ['--checkpoint-interval', '50', '--port', port]);
      assert.equal(runProofline(['append', '--data', data], lines(10, 11)).status, 0);
      await until('recovery', () =>
        /checkpoint size 11: consistent, 1 new entries verified/.test(output),
      );
      assert.match(output, /log reachable again after \d+ s/);
      await until('the recovery notice', () => posts.some((p) => p.state === 'recovered'));
      assert.equal(child.exitCode, null);
      assert.doesNotMatch(output, /evidence saved/);
    } finally {
      monitor.process?.kill('SIGTERM');
      if (server) await stopServer(server);
      hook.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
