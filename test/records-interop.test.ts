/**
 * Receipts, batch receipts and tlog-proof files from a running `proofline serve` (and batch
 * receipts made here with @proofline/records) are verified by the Go reference packages
 * (golang.org/x/mod/sumdb/note and sumdb/tlog) in test/interop/goproof.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ed25519Signer,
  formatVerifierKey,
  parseNote,
  parseSignerKey,
  formatSignerKey,
} from '@proofline/note';
import { batchTree, buildRecord, signBatchReceipt } from '@proofline/records';
import { leafHash } from '@proofline/tlog';
import { verifyReceipt } from '@proofline/verify';
import { goTest, runGo } from './lib/go.js';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  type Server,
} from './lib/proofline.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The arguments of goproof that verify `leaf` at `index` with a batch receipt note file. */
function batchArgs(vkey: string, file: string, leaf: string, index: number, proof: string[]) {
  return [
    '-vkey',
    vkey,
    '-batch-receipt',
    file,
    '-leaf',
    leaf,
    '-index',
    String(index),
    '-proof',
    proof.join(','),
  ];
}

/** `proof` with byte 0 of hash `k` flipped (or, for an empty proof, one hash too many). */
function tamperedProof(proof: readonly string[], k: number): string[] {
  if (proof.length === 0) return [b64(new Uint8Array(32))];
  return proof.map((h, j) => {
    if (j !== k % proof.length) return h;
    const bytes = Buffer.from(h, 'base64');
    bytes[0]! ^= 1;
    return bytes.toString('base64');
  });
}

/** A receipt view of POST /v1/records/batch. */
interface BatchView {
  readonly id: string;
  readonly index: number;
  readonly leafHash: string;
  readonly entry: string;
  readonly receipt: string;
  readonly receiptProof?: string[];
}

describe('batch receipts made here verify with Go', () => {
  it("the Go verifier's strict batch-receipt parser passes its own unit tests", () => {
    const { status, output } = goTest('goproof');
    assert.equal(status, 0, output);
  });

  let dir: string;
  before(() => {
    dir = tempDir('batch-interop');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts every entry of batches of several sizes, and rejects tampering', async () => {
    const origin = 'proofline.example/interop';
    const seed = new Uint8Array(32).fill(7);
    const signer = ed25519Signer(origin, seed);
    const vkey = formatVerifierKey(origin, parseSignerKey(formatSignerKey(origin, seed)).publicKey);
    for (const size of [1, 2, 5, 13, 64, 65]) {
      const first = 1000 * size;
      const entries = Array.from(
        { length: size },
        (_, i) =>
          buildRecord(
            { digest: `sha256:${i.toString(16).padStart(64, '0')}`, type: 'test.event' },
            'acme',
            1_800_000_000_000,
          ).bytes,
      );
      const leaves = entries.map(leafHash);
      const tree = batchTree(leaves);
      const note = await signBatchReceipt(
        { origin, first, size, root: tree.root, time: '2027-01-15T08:00:00.000Z' },
        signer,
      );
      const file = join(dir, `batch-${size}.note`);
      writeFileSync(file, note);
      const picks = [...new Set([0, size >> 1, size - 1])];
      for (const i of picks) {
        const proof = tree.proof(i).map(b64);
        const leaf = b64(leaves[i]!);
        const ok = await runGo('goproof', batchArgs(vkey, file, leaf, first + i, proof));
        assert.equal(ok.status, 0, `size ${size}, leaf ${i}: ${ok.stdout}${ok.stderr}`);
        assert.match(
          ok.stdout,
          new RegExp(`^OK batch-receipt first=${first} size=${size} index=${first + i}\n`),
        );
        assert.ok(ok.stdout.endsWith(parseNote(note).text));
        const bad = [
          batchArgs(vkey, file, leaf, first + i + 1, proof),
          batchArgs(vkey, file, leaf, first + i - 1, proof),
          batchArgs(vkey, file, leaf, first + i, tamperedProof(proof, i)),
          batchArgs(vkey, file, b64(leafHash(new Uint8Array(1))), first + i, proof),
        ];
        for (const args of bad) {
          const res = await runGo('goproof', args);
          assert.equal(res.status, 1, `must not verify: ${args.join(' ')}\n${res.stdout}`);
        }
      }
    }
  });
});

describe('receipts and tlog-proofs verify with Go', () => {
  let dir: string;
  let server: Server;
  let apiKey: string;
  let vkey: string;

  before(async () => {
    dir = tempDir('records-interop');
    assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
    apiKey = createApiKey(dir);
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

  it('verifies batch receipts with sumdb/note and sumdb/tlog, and rejects tampering', async () => {
    const records = Array.from({ length: 20 }, (_, i) => {
      const subject = `batch record ${i}`;
      const digest = createHash('sha256').update(subject).digest('hex');
      return { type: 'ai.decision', digest: `sha256:${digest}`, subject };
    });
    const res = await fetch(`${server.url}/v1/records/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    assert.equal(res.status, 201);
    const { receipts } = (await res.json()) as { receipts: BatchView[] };
    assert.equal(receipts.length, 20);
    for (const k of [0, 10, 19]) {
      const view = receipts[k]!;
      assert.ok(view.receipt.startsWith('proofline.dev/batch-receipt/v1\n'), view.receipt);
      assert.ok(Array.isArray(view.receiptProof), 'a batch receipt comes with its receiptProof');
      const proof = view.receiptProof;
      const file = join(dir, `batch-${k}.note`);
      writeFileSync(file, view.receipt);
      const ok = await runGo('goproof', batchArgs(vkey, file, view.leafHash, view.index, proof));
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      const [, first, size] = /^OK batch-receipt first=(\d+) size=(\d+) index=(\d+)\n/
        .exec(ok.stdout)!
        .map(Number);
      assert.ok(first! <= view.index && view.index < first! + size!);
      assert.ok(size! >= 20, 'one batch receipt covers the whole request');
      // The same receipt through @proofline/verify, which also checks entry and leaf hash.
      const v = await verifyReceipt(
        view.receipt,
        Buffer.from(view.entry, 'base64'),
        {
          logKey: vkey,
        },
        { receiptProof: proof, index: view.index },
      );
      assert.equal(v.ok, true, JSON.stringify(v.checks));
      const other = receipts[k === 0 ? 1 : k - 1]!;
      const tampered = [
        batchArgs(vkey, file, view.leafHash, view.index + 1, proof),
        batchArgs(vkey, file, view.leafHash, view.index - 1, proof),
        batchArgs(vkey, file, view.leafHash, view.index, tamperedProof(proof, k)),
        batchArgs(vkey, file, view.leafHash, view.index, other.receiptProof!),
        batchArgs(vkey, file, other.leafHash, view.index, proof),
      ];
      for (const args of tampered) {
        const bad = await runGo('goproof', args);
        assert.equal(bad.status, 1, `must not verify: ${args.join(' ')}\n${bad.stdout}`);
      }
      writeFileSync(
        file,
        view.receipt.replace(/^first (\d+)$/m, (_, n: string) => `first ${Number(n) + 1}`),
      );
      const forged = await runGo(
        'goproof',
        batchArgs(vkey, file, view.leafHash, view.index, proof),
      );
      assert.equal(
        forged.status,
        1,
        'a batch receipt whose first index was changed must not verify',
      );
    }
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
