/**
 * A log whose key is held by an external program (`--log-signer LOG=exec:PROGRAM`, the
 * reference scripts/exec-signer-ed25519.mjs): `proofline serve` seals receipts and signs
 * checkpoints through it, and the Go reference implementation (golang.org/x/mod/sumdb/note
 * and sumdb/tlog, test/interop/go and goproof) verifies both. A program answering with a
 * signature by another key is refused (503, logged, nothing stored); killing the program
 * under load loses no acknowledged record, and the log goes on once it is restarted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatVerifierKey, parseSignerKey } from '@proofline/note';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { verifyReceipt } from '@proofline/verify';
import { runGo, runGoVerifier } from './lib/go.js';
import {
  createApiKey,
  REPO_ROOT,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const REFERENCE = join(REPO_ROOT, 'scripts/exec-signer-ed25519.mjs');

/** Announces the public key of KEY_FILE, but signs with another key. */
const ROGUE = `
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const text = readFileSync(process.argv[2], 'utf8').trim();
const seed = Buffer.from(text.slice(text.indexOf('+', 'PRIVATE+KEY+'.length + 1) + 10), 'base64').subarray(1);
const mine = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const pub = createPublicKey(mine).export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
const other = generateKeyPairSync('ed25519').privateKey;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'public-key') return void process.stdout.write('public-key ' + pub + '\\n');
  const [, id, msg] = line.split(' ');
  process.stdout.write('signature ' + id + ' ' + sign(null, Buffer.from(msg, 'base64'), other).toString('base64') + '\\n');
});
`;

interface View {
  readonly id: string;
  readonly index: number;
  readonly leafHash: string;
  readonly entry: string;
  readonly receipt: string;
  readonly receiptProof?: string[];
}

const statement = (subject: string) => ({
  type: 'ai.decision',
  digest: `sha256:${createHash('sha256').update(subject).digest('hex')}`,
  subject,
});

describe('a log signed by an external program (exec:), verified by Go sumdb/note', () => {
  let dir: string;
  let signerDir: string;
  let server: Server;
  let apiKey: string;
  let vkey: string;
  let output = '';

  /** A shell wrapper that records its pid, then becomes `program args`. */
  function wrapper(name: string, program: string, args: string[]): string {
    const path = join(signerDir, `${name}.sh`);
    const quoted = [process.execPath, program, ...args].join(' ');
    writeFileSync(path, `#!/bin/sh\necho $$ >> ${signerDir}/${name}.pids\nexec ${quoted}\n`, {
      mode: 0o755,
    });
    return path;
  }
  const pids = (name: string) =>
    readFileSync(join(signerDir, `${name}.pids`), 'utf8')
      .trim()
      .split('\n')
      .map(Number);

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  before(async () => {
    dir = tempDir('exec-signer');
    signerDir = join(dir, 'signer');
    mkdirSync(signerDir, { mode: 0o700 });
    for (const log of ['default', 'rogue']) {
      const created = runProofline([
        'create-log',
        '--visibility',
        'public',
        '--data',
        dir,
        '--log',
        log,
      ]);
      assert.equal(created.status, 0, created.stderr);
      // The key leaves Proofline's key folder: only the signer program holds it now.
      renameSync(join(dir, 'keys', `${log}.key`), join(signerDir, `${log}.key`));
    }
    const key = parseSignerKey(readFileSync(join(signerDir, 'default.key'), 'utf8').trim());
    vkey = formatVerifierKey(key.name, key.publicKey);
    apiKey = createApiKey(dir);
    const rogue = join(signerDir, 'rogue.mjs');
    writeFileSync(rogue, ROGUE);
    const signers = [
      '--log-signer',
      `default=exec:${wrapper('default', REFERENCE, [join(signerDir, 'default.key')])}`,
      '--log-signer',
      `rogue=exec:${wrapper('rogue', rogue, [join(signerDir, 'rogue.key')])}`,
    ];
    const listed = runProofline(['log-key', '--data', dir, ...signers]);
    assert.equal(listed.stdout.trim(), vkey, listed.stderr);
    server = await startServer(dir, [...signers, '--checkpoint-interval', '50']);
    server.process.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.process.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('receipts (single and batch) and checkpoints verify with Go', async () => {
    const res = await post('/v1/records?log=default', statement('exec single'));
    assert.equal(res.status, 201, await res.clone().text());
    const single = (await res.json()) as View;
    const file = join(dir, 'receipt.note');
    writeFileSync(file, single.receipt);
    const ok = await runGo('goproof', ['-vkey', vkey, '-receipt', file]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);

    const records = Array.from({ length: 12 }, (_, i) => statement(`exec batch ${i}`));
    const batch = await post('/v1/records/batch?log=default', { records });
    assert.equal(batch.status, 201, await batch.clone().text());
    const { receipts } = (await batch.json()) as { receipts: View[] };
    for (const view of [receipts[0]!, receipts[11]!]) {
      writeFileSync(file, view.receipt);
      const go = await runGo('goproof', [
        '-vkey',
        vkey,
        '-batch-receipt',
        file,
        '-leaf',
        view.leafHash,
        '-index',
        String(view.index),
        '-proof',
        view.receiptProof!.join(','),
      ]);
      assert.equal(go.status, 0, go.stdout + go.stderr);
    }
    await waitForSize(server.url, 13);
    const go = await runGoVerifier(['-url', `${server.url}/logs/default/`, '-vkey', vkey]);
    assert.equal(go.status, 0, `${go.stdout}\n${go.stderr}`);
    assert.match(go.stdout, /^OK size=13 /m);
  });

  it('a signature by another key is refused: 503, logged, nothing stored', async () => {
    const res = await post('/v1/records?log=rogue', statement('rogue'));
    assert.equal(res.status, 503, await res.clone().text());
    assert.equal(((await res.json()) as { code: string }).code, 'log-unavailable');
    assert.match(output, /does not verify against its public key: refused/);
    const storage = new SqliteStorage(join(dir, 'proofline.db'));
    try {
      assert.equal(await storage.sequencedSize('rogue'), 0, 'nothing was stored');
    } finally {
      await storage.close();
    }
  });

  it('killing or stopping the signer under load loses no acknowledged record; the log goes on', async (t) => {
    const acked: View[] = [];
    const statuses = new Map<number, number>();
    const attest = async (subject: string): Promise<number> => {
      const res = await post('/v1/records?log=default', statement(subject));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 201) acked.push((await res.json()) as View);
      else {
        // Refused while the signer was down: 503, nothing acknowledged.
        const problem = (await res.json()) as { code: string };
        assert.deepEqual([res.status, problem.code], [503, 'log-unavailable']);
      }
      return res.status;
    };
    // Phase 1: 8 clients; the program is killed (SIGKILL) at 80, 160 and 240 acknowledgements.
    const kills = [80, 160, 240];
    const killedPids: number[] = [];
    const worker = async (w: number) => {
      for (let i = 0; i < 45; i++) {
        await attest(`load ${w}.${i}`);
        if (kills.length > 0 && acked.length >= kills[0]!) {
          kills.shift();
          const pid = pids('default').at(-1)!;
          if (!killedPids.includes(pid)) {
            killedPids.push(pid);
            process.kill(pid, 'SIGKILL');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    assert.ok(killedPids.length >= 2, `the signer was killed (${killedPids})`);
    assert.ok(pids('default').length > killedPids.length, 'the program was started again');

    // Phase 2: the program hangs (SIGSTOP): the commit waiting for it fails after the exec
    // timeout (5 s) with 503, the program is killed and restarted, and the log goes on.
    const stopped = pids('default').at(-1)!;
    process.kill(stopped, 'SIGSTOP');
    const started = Date.now();
    const hung = await Promise.all(Array.from({ length: 4 }, (_, i) => attest(`hung ${i}`)));
    assert.ok(hung.includes(503), `a commit failed while the signer hung (${hung})`);
    assert.ok(Date.now() - started >= 4_500);
    const alive = () => {
      try {
        return process.kill(stopped, 0);
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(), false, 'Proofline killed the hung program');
    assert.equal(await attest('after the hang'), 201);
    t.diagnostic(`HTTP statuses: ${JSON.stringify([...statuses])}; kills ${killedPids.length}`);

    const size = Math.max(...acked.map((v) => v.index)) + 1;
    await waitForSize(server.url, size, 30_000);
    const go = await runGoVerifier([
      '-url',
      `${server.url}/logs/default/`,
      '-vkey',
      vkey,
      '-check-index',
      acked
        .slice(0, 3)
        .map((v) => v.index)
        .join(','),
    ]);
    assert.equal(go.status, 0, `${go.stdout}\n${go.stderr}`);
    await stopServer(server);
    const storage = new SqliteStorage(join(dir, 'proofline.db'));
    try {
      for (const view of acked) {
        const [entry] = await storage.readEntries('default', view.index, view.index + 1);
        assert.deepEqual(Buffer.from(entry!), Buffer.from(view.entry, 'base64'));
        const checked = await verifyReceipt(
          view.receipt,
          Buffer.from(view.entry, 'base64'),
          { logKey: vkey },
          { index: view.index, ...(view.receiptProof ? { receiptProof: view.receiptProof } : {}) },
        );
        assert.equal(checked.ok, true, JSON.stringify(checked.checks));
      }
    } finally {
      await storage.close();
    }
  });
});
