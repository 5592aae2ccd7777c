/**
 * Event-driven publishing with the real CLI: `proofline serve` with a `proofline witness`
 * (quorum 1) and a 10 s --checkpoint-interval. Each commit starts a publishing round, so a
 * record's proof bundle, anchored to a checkpoint the witness cosigned, is served within
 * --checkpoint-min-interval plus one round: far sooner than the interval.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROOFLINE_BIN, runProofline, startServer, stopServer, tempDir } from './lib/proofline.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `proofline witness` for the log key `logKey`; resolves with its URL and vkey. */
async function startWitness(dir: string, logKey: string) {
  const config = join(dir, 'witness.json');
  writeFileSync(config, JSON.stringify({ name: 'w.example/w', logs: [{ key: logKey }] }));
  const child: ChildProcess = spawn(
    process.execPath,
    [PROOFLINE_BIN, 'witness', '--data', join(dir, 'witness'), '--config', config, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const url = /listening on (http:\/\/\S+)/.exec(output);
    const vkey = /verifier key (\S+)/.exec(output);
    if (url && vkey) return { child, url: url[1]!, vkey: vkey[1]! };
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the witness did not start:\n${output}`);
    }
    await sleep(50);
  }
}

function statement(subject: string): string {
  const digest = createHash('sha256').update(subject).digest('hex');
  return JSON.stringify({ type: 'test.event', digest: `sha256:${digest}`, subject });
}

describe('serve publishes on commit, with a witness', () => {
  it('serves a witnessed proof bundle within a fraction of the 10 s interval', async () => {
    const dir = tempDir('serve-publish');
    const data = join(dir, 'data');
    let witness: Awaited<ReturnType<typeof startWitness>> | undefined;
    try {
      // Public: the proof bundles below are fetched without an API key.
      const made = runProofline([
        ...['create-log', '--data', data, '--origin', 'pub.example/log'],
        ...['--visibility', 'public'],
      ]);
      assert.equal(made.status, 0, made.stderr);
      witness = await startWitness(dir, made.stdout.trim().split('\n').at(-1)!);
      const apiKey = runProofline([
        ...['api-key', 'create', '--data', data, '--tenant', 'default'],
        ...['--scope', 'records:write'],
      ]).stdout.trim();
      const server = await startServer(data, [
        ...['--checkpoint-interval', '10000', '--checkpoint-min-interval', '100'],
        ...['--witness', `${witness.url}=${witness.vkey}`, '--witness-quorum', '1'],
      ]);
      try {
        // The first round (the empty log's checkpoint) has ended before serve listens; each
        // record below is committed when no round is due, so only its commit can start one.
        for (let i = 0; i < 3; i++) {
          const sent = performance.now();
          const res = await fetch(`${server.url}/v1/records`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
            body: statement(`record ${i}`),
          });
          assert.equal(res.status, 201, await res.clone().text());
          const { id } = (await res.json()) as { id: string };
          let bundle: { checkpoint: string } | undefined;
          while (!bundle && performance.now() - sent < 8000) {
            const proof = await fetch(`${server.url}/v1/records/${id}/proof`);
            if (proof.status === 200) bundle = (await proof.json()) as { checkpoint: string };
            else await sleep(20);
          }
          const ms = performance.now() - sent;
          assert.ok(bundle, `no bundle for ${id} within 8 s`);
          // Generous for a loaded machine; the idle tick alone would take 10 s.
          assert.ok(ms < 2000, `bundle of ${id} after ${ms.toFixed(0)} ms`);
          assert.match(bundle.checkpoint, /\n\u2014 w\.example\/w /, 'cosigned by the witness');
        }
      } finally {
        assert.equal(await stopServer(server), 0);
      }
    } finally {
      witness?.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
