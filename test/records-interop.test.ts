/**
 * Receipts and tlog-proof files from a running `proofline serve` are verified by the Go
 * reference packages (golang.org/x/mod/sumdb/note and sumdb/tlog) in test/interop/goproof.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGo } from './lib/go.js';
import { runProofline, startServer, stopServer, tempDir, type Server } from './lib/proofline.js';

describe('receipts and tlog-proofs verify with Go', () => {
  let dir: string;
  let server: Server;
  let apiKey: string;
  let vkey: string;

  before(async () => {
    dir = tempDir('records-interop');
    const created = runProofline([
      'api-key',
      'create',
      '--data',
      dir,
      '--tenant',
      'default',
      '--scope',
      'records:write',
    ]);
    assert.equal(created.status, 0, created.stderr);
    apiKey = created.stdout.trim();
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    server = await startServer(dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  async function attest(subject: string, wait: boolean) {
    const digest = createHash('sha256').update(subject).digest('hex');
    const res = await fetch(`${server.url}/v1/records${wait ? '?wait=proof' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ai.decision', digest: `sha256:${digest}`, subject }),
    });
    assert.equal(res.status, 201);
    return (await res.json()) as { id: string; receipt: string; index: number };
  }

  it('verifies receipt notes with sumdb/note, and rejects a tampered one', async () => {
    for (let i = 0; i < 5; i++) await attest(`record ${i}`, false);
    const { receipt, index } = await attest('receipt check', false);
    const file = join(dir, 'receipt.note');
    writeFileSync(file, receipt);
    const ok = await runGo('goproof', ['-vkey', vkey, '-receipt', file]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(
      ok.stdout,
      new RegExp(`^proofline.dev/receipt/v1\\norigin [^\\n]+\\nindex ${index}\\n`, 'm'),
    );
    writeFileSync(file, receipt.replace(`index ${index}`, `index ${index + 1}`));
    const bad = await runGo('goproof', ['-vkey', vkey, '-receipt', file]);
    assert.equal(bad.status, 1, 'a receipt whose index was changed must not verify');
  });

  it('verifies tlog-proof files with sumdb/tlog, and rejects a tampered entry', async () => {
    const { id } = await attest('tlog-proof check', true);
    for (let i = 0; i < 3; i++) await attest(`after ${i}`, true);
    const res = await fetch(`${server.url}/v1/records/${id}/proof?format=tlog-proof`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const file = join(dir, `${id}.tlog-proof`);
    writeFileSync(file, text);
    const ok = await runGo('goproof', ['-vkey', vkey, '-tlog-proof', file]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const extra = /^extra (.+)$/m.exec(text)![1]!;
    const entry = Buffer.from(extra, 'base64')
      .toString()
      .replace('tlog-proof check', 'tlog-proof chick');
    writeFileSync(file, text.replace(extra, Buffer.from(entry).toString('base64')));
    const bad = await runGo('goproof', ['-vkey', vkey, '-tlog-proof', file]);
    assert.equal(bad.status, 1, 'an altered entry must not verify');
  });
});
