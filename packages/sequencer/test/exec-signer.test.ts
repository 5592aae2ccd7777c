import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSignerKey, keyId, SIG_TYPE_ED25519 } from '@proofline/note';
import { openReceipt, receiptFormat } from '@proofline/records';
import { parseVerifierKey } from '@proofline/note';
import {
  ExecSignerError,
  ReceiptSealer,
  Sequencer,
  nodeEd25519Signer,
  openExecKey,
  type ExecKey,
  type ExecSignerErrorCode,
} from '../src/index.js';
import { ORIGIN, PUBLIC_KEY, SEED, VERIFIER_KEY, openStore, sleep, utf8 } from './helpers.js';

/** The reference program (scripts/), as operators run it. */
const REFERENCE = fileURLToPath(
  new URL('../../../../scripts/exec-signer-ed25519.mjs', import.meta.url),
);

/**
 * A misbehaving signer: announces the log key, then as `mode` says: `other-key` signs with
 * another key, `garbage` answers a short signature, `silent` never answers `sign`, `long`
 * answers an endless line, `flip` announces another key from its second start on (a state
 * file counts starts). It writes its pid to `pid` on start.
 */
const ROGUE = `
import { createPrivateKey, sign } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const [mode, dir] = process.argv.slice(2);
writeFileSync(dir + '/pid', String(process.pid));
let starts = 0;
try { starts = Number(readFileSync(dir + '/starts', 'utf8')); } catch {}
writeFileSync(dir + '/starts', String(starts + 1));
const key = (seed) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const other = key(Buffer.alloc(32, 9));
const pub = ${JSON.stringify(Buffer.from(PUBLIC_KEY).toString('base64'))};
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'public-key') {
    const announced = mode === 'flip' && starts > 0 ? Buffer.alloc(32, 1).toString('base64') : pub;
    return void process.stdout.write('public-key ' + announced + '\\n');
  }
  const [, id, msg] = line.split(' ');
  if (mode === 'silent') return;
  if (mode === 'long') return void process.stdout.write('signature ' + id + ' ' + 'A'.repeat(5000));
  if (mode === 'garbage') return void process.stdout.write('signature ' + id + ' AAAA\\n');
  appendFileSync(dir + '/signed', id + '\\n');
  process.stdout.write('signature ' + id + ' ' + sign(null, Buffer.from(msg, 'base64'), other).toString('base64') + '\\n');
});
`;

function setup(t: TestContext): { dir: string; keyFile: string; rogue: string } {
  const dir = mkdtempSync(join(tmpdir(), 'exec-signer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'log.key');
  writeFileSync(keyFile, `${formatSignerKey(ORIGIN, SEED)}\n`, { mode: 0o600 });
  const rogue = join(dir, 'rogue.mjs');
  writeFileSync(rogue, ROGUE);
  return { dir, keyFile, rogue };
}

async function open(
  t: TestContext,
  command: [string, ...string[]],
  timeoutMs = 2_000,
): Promise<{ key: ExecKey; events: string[] }> {
  const events: string[] = [];
  const key = await openExecKey({ command, timeoutMs, onEvent: (m) => events.push(m) });
  t.after(() => key.close());
  return { key, events };
}

const isCode = (code: ExecSignerErrorCode) => (err: unknown) =>
  err instanceof ExecSignerError && err.code === code;

describe('external-program signer (exec:)', () => {
  test('the reference program: its public key, and signatures identical to node:crypto', async (t) => {
    const { keyFile } = setup(t);
    const { key, events } = await open(t, [REFERENCE, keyFile]);
    assert.deepEqual(key.publicKey, PUBLIC_KEY);
    const local = nodeEd25519Signer(ORIGIN, SEED);
    const messages = Array.from({ length: 64 }, (_, i) => utf8(`message ${i}\n`));
    const signatures = await Promise.all(messages.map((m) => key.sign(m)));
    signatures.forEach((s, i) => assert.deepEqual(s, local.signSync(messages[i]!)));
    assert.deepEqual(events, []);
  });

  test('a signature by another key, or garbage, is refused and reported', async (t) => {
    const { rogue, dir } = setup(t);
    for (const mode of ['other-key', 'garbage']) {
      const { key, events } = await open(t, [process.execPath, rogue, mode, dir]);
      await assert.rejects(key.sign(utf8('note text\n')), isCode('BAD_SIGNATURE'));
      assert.match(events.join('\n'), /does not verify against its public key/);
      key.close();
      await assert.rejects(key.sign(utf8('after close\n')), isCode('CLOSED'));
    }
  });

  test('a killed program fails what it owed and is started again', async (t) => {
    const { keyFile, dir } = setup(t);
    const wrapper = join(dir, 'wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh\necho $$ > ${dir}/pid\nexec ${REFERENCE} ${keyFile}\n`, {
      mode: 0o755,
    });
    const { key, events } = await open(t, [wrapper]);
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    await key.sign(utf8('first\n'));
    const owed = key.sign(utf8('owed\n'));
    process.kill(pid, 'SIGKILL');
    // Whether it answered before dying is a race: either a good signature or EXITED.
    await owed.then(
      (s) => assert.equal(s.length, 64),
      (err: unknown) => assert.ok(isCode('EXITED')(err), String(err)),
    );
    await sleep(50);
    assert.deepEqual(
      await key.sign(utf8('later\n')),
      nodeEd25519Signer(ORIGIN, SEED).signSync(utf8('later\n')),
    );
    assert.notEqual(Number(readFileSync(join(dir, 'pid'), 'utf8')), pid, 'a new process');
    assert.match(events.join('\n'), /exited \(SIGKILL\)/);
  });

  test('a program that does not answer in time is killed; one that answers too long a line too', async (t) => {
    const { rogue, dir } = setup(t);
    const silent = await open(t, [process.execPath, rogue, 'silent', dir], 1_000);
    const started = Date.now();
    await assert.rejects(silent.key.sign(utf8('x\n')), isCode('TIMEOUT'));
    assert.ok(Date.now() - started >= 990);
    assert.match(silent.events.join('\n'), /no answer within 1000 ms: killed/);

    const long = await open(t, [process.execPath, rogue, 'long', dir]);
    await assert.rejects(long.key.sign(utf8('x\n')), isCode('PROTOCOL'));
    assert.match(long.events.join('\n'), /too long/);
  });

  test('a restarted program announcing another key is refused; a missing one does not start', async (t) => {
    const { rogue, dir } = setup(t);
    const { key } = await open(t, [process.execPath, rogue, 'flip', dir]);
    process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')), 'SIGKILL');
    await sleep(50);
    await assert.rejects(key.sign(utf8('x\n')), isCode('KEY_CHANGED'));
    assert.equal(existsSync(join(dir, 'signed')), false, 'nothing was signed by it');
    await assert.rejects(
      openExecKey({ command: [join(dir, 'nope')], onEvent: () => {} }),
      isCode('START'),
    );
  });

  test('a Sequencer seals receipts through it', async (t) => {
    const { keyFile } = setup(t);
    const { key } = await open(t, [REFERENCE, keyFile]);
    const { storage, config } = await openStore(t);
    const signer = {
      name: ORIGIN,
      keyId: keyId(ORIGIN, SIG_TYPE_ED25519, key.publicKey),
      sign: (m: Uint8Array) => key.sign(m),
    };
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat);
    const seq = new Sequencer(storage, config.name, { sealer, maxInFlight: 2 });
    const indices = await Promise.all(
      Array.from({ length: 20 }, (_, i) => seq.append(utf8(`entry ${i}`))),
    );
    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i),
    );
    const { receipt } = await storage.commitRange(config.name, 19);
    assert.ok(receipt);
    if (!receipt.includes('batch-receipt')) {
      assert.equal((await openReceipt(receipt, parseVerifierKey(VERIFIER_KEY))).index, 19);
    }
  });
});
