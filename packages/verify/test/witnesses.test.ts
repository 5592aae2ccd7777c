import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { base64Decode, base64Encode, parseNote } from '@proofline/note';
import { cosignatureVerifier, verifyBundle, VerificationError } from '../src/index.js';
import { LOG_KEY, TestLog, assertFails, check, testKey, utf8, witness } from './helpers.js';

const W1 = witness('witness.example/w1', 41, 1_700_000_001n);
const W2 = witness('witness.example/w2', 42, 1_700_000_002n);
const W3 = witness('witness.example/w3', 43, 1_700_000_003n);
const policy = (quorum: number) => ({
  logKey: LOG_KEY.vkey,
  witnesses: { keys: [W1.vkey, W2.vkey, W3.vkey], quorum },
});

let log: TestLog;
before(async () => {
  log = await TestLog.create({ size: 4 });
});

/** Replaces the signature bytes of the signature line of `name` using `change`. */
function changeCosignature(note: string, name: string, change: (sig: Uint8Array) => void): string {
  return note
    .split('\n')
    .map((line) => {
      if (!line.startsWith(`\u2014 ${name} `)) return line;
      const bytes = base64Decode(line.slice(line.lastIndexOf(' ') + 1));
      change(bytes.subarray(4));
      return `\u2014 ${name} ${base64Encode(bytes)}`;
    })
    .join('\n');
}

describe('witnesses', () => {
  it('pass with a quorum of valid cosignatures, reporting their timestamps', async () => {
    const bundle = await log.bundle(1, 4, { witnesses: [W1, W3] });
    const v = await verifyBundle(bundle, policy(2));
    assert.equal(v.ok, true);
    const c = check(v, 'witnesses');
    assert.equal(c.status, 'passed');
    assert.equal(c.evidence.validCosignatures, '2');
    const label = (w: typeof W1) => w.vkey.slice(0, w.vkey.indexOf('+', w.vkey.indexOf('+') + 1));
    assert.equal(c.evidence[`witness ${label(W1)}`], 'cosigned, time 1700000001');
    assert.equal(c.evidence[`witness ${label(W2)}`], 'no cosignature');
  });

  it('fail when the quorum is not met', async () => {
    const bundle = await log.bundle(1, 4, { witnesses: [W2] });
    const v = await verifyBundle(bundle, policy(2));
    assertFails(v, 'witnesses', 'WITNESS_QUORUM_NOT_MET');
    assert.equal(check(v, 'checkpoint').status, 'passed');
    assert.equal(check(v, 'inclusion').status, 'passed');
  });

  it('count unlisted witnesses, duplicates and invalid cosignatures as nothing', async () => {
    const stranger = witness('witness.example/w4', 44);
    const b = await log.bundle(1, 4, { witnesses: [W1, stranger] });
    assertFails(await verifyBundle(b, policy(2)), 'witnesses', 'WITNESS_QUORUM_NOT_MET');
    // A second line by W1 (same signature, another spelling is impossible: base64 is canonical).
    const lines = b.checkpoint.split('\n');
    const w1Line = lines.find((l) => l.startsWith('\u2014 witness.example/w1 '))!;
    const doubled = `${b.checkpoint}${w1Line}\n`;
    assertFails(
      await verifyBundle({ ...b, checkpoint: doubled }, policy(2)),
      'witnesses',
      'WITNESS_QUORUM_NOT_MET',
    );
    // W1 and W3, but W3's cosignature is broken: its timestamp changed after signing.
    const both = await log.bundle(1, 4, { witnesses: [W1, W3] });
    const broken = changeCosignature(both.checkpoint, 'witness.example/w3', (sig) => {
      sig[7] = sig[7]! ^ 1;
    });
    const v = await verifyBundle({ ...both, checkpoint: broken }, policy(2));
    assertFails(v, 'witnesses', 'WITNESS_QUORUM_NOT_MET');
    assert.equal(
      Object.values(check(v, 'witnesses').evidence).includes('invalid cosignature'),
      true,
    );
  });

  it('reject a cosignature of another checkpoint of the log', async () => {
    const other = await log.checkpoint(3, { witnesses: [W1, W2] });
    const mine = await log.checkpoint(4);
    const sigs = other
      .slice(other.indexOf('\n\n') + 2)
      .split('\n')
      .slice(1)
      .join('\n');
    const spliced = `${mine}${sigs}`;
    assert.equal(parseNote(spliced).signatures.length, 3);
    const b = await log.bundle(1, 4);
    assertFails(
      await verifyBundle({ ...b, checkpoint: spliced }, policy(1)),
      'witnesses',
      'WITNESS_QUORUM_NOT_MET',
    );
  });
});

describe('cosignatureVerifier', () => {
  it('verifies tlog-cosignature/v1 signatures over the checkpoint text', async () => {
    const text = utf8('example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
    const sig = await W1.signer.sign(text);
    const v = cosignatureVerifier(W1.vkey);
    assert.equal(v.name, 'witness.example/w1');
    assert.equal(v.keyId, W1.signer.keyId);
    assert.equal(await v.verify(text, sig), true);
    assert.equal(await v.verify(utf8('other\n'), sig), false);
    assert.equal(await v.verify(text, sig.subarray(8)), false);
    assert.equal(await v.verify(text, new Uint8Array(73)), false);
  });

  it('rejects timestamps above 2^63 - 1, even when signed', async () => {
    const text = utf8('example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
    const late = witness('witness.example/w1', 41, 2n ** 63n);
    assert.equal(
      await cosignatureVerifier(W1.vkey).verify(text, await late.signer.sign(text)),
      false,
    );
    const edge = witness('witness.example/w1', 41, 2n ** 63n - 1n);
    assert.equal(
      await cosignatureVerifier(W1.vkey).verify(text, await edge.signer.sign(text)),
      true,
    );
  });

  it('accepts only type 0x04 keys', () => {
    assert.throws(
      () => cosignatureVerifier(testKey('witness.example/w1', 41).vkey),
      (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_KEY',
    );
  });
});
