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

describe('witnessed and existedBy', () => {
  const iso = (seconds: bigint) =>
    new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
  const id = (w: typeof W1) => w.signer.keyId.toString(16).padStart(8, '0');

  it('list every cosignature line and bound the record by the earliest verified one', async () => {
    const stranger = witness('witness.example/w4', 44, 1_600_000_000n);
    const bundle = await log.bundle(2, 4, { witnesses: [W3, W1, stranger] });
    const v = await verifyBundle(bundle, policy(2));
    assert.equal(v.ok, true);
    assert.deepEqual(v.witnessed, {
      cosignatures: [
        { name: W3.signer.name, keyId: id(W3), time: '2023-11-14T22:13:23Z', verified: true },
        { name: W1.signer.name, keyId: id(W1), time: iso(1_700_000_001n), verified: true },
        {
          name: stranger.signer.name,
          keyId: id(stranger),
          time: iso(1_600_000_000n),
          verified: false,
        },
      ],
    });
    // The stranger's earlier time is not trusted: the bound is W1's.
    assert.deepEqual(v.existedBy, {
      time: '2023-11-14T22:13:21Z',
      source: 'witness',
      by: 'witness.example/w1',
    });
    assert.ok(Object.isFrozen(v.witnessed) && Object.isFrozen(v.witnessed!.cosignatures));
  });

  it('mark invalid cosignatures unverified and keep them out of the bound', async () => {
    const early = witness('witness.example/w2', 42, 1_500_000_000n);
    const both = await log.bundle(1, 4, { witnesses: [W1, early, W3] });
    const broken = changeCosignature(both.checkpoint, 'witness.example/w2', (sig) => {
      sig[20] = sig[20]! ^ 1;
    });
    const v = await verifyBundle({ ...both, checkpoint: broken }, policy(2));
    assert.equal(v.ok, true);
    assert.deepEqual(
      v.witnessed?.cosignatures.map((c) => [c.name, c.verified]),
      [
        ['witness.example/w1', true],
        ['witness.example/w2', false],
        ['witness.example/w3', true],
      ],
    );
    assert.equal(v.existedBy?.by, 'witness.example/w1');
    assert.equal(v.existedBy?.time, iso(1_700_000_001n));
  });

  it('give no bound without a witness policy, a met quorum or a valid inclusion', async () => {
    const bundle = await log.bundle(1, 4, { witnesses: [W1, W2] });
    const noPolicy = await verifyBundle(bundle, { logKey: LOG_KEY.vkey });
    assert.equal(noPolicy.ok, true);
    assert.deepEqual(
      noPolicy.witnessed?.cosignatures.map((c) => c.verified),
      [false, false],
    );
    assert.equal(noPolicy.existedBy, undefined);

    const short = await verifyBundle(bundle, policy(3));
    assertFails(short, 'witnesses', 'WITNESS_QUORUM_NOT_MET');
    assert.deepEqual(
      short.witnessed?.cosignatures.map((c) => c.verified),
      [true, true],
    );
    assert.equal(short.existedBy, undefined);

    const wrongIndex = await verifyBundle({ ...bundle, index: 2, id: 'acme-prod-2' }, policy(2));
    assert.equal(check(wrongIndex, 'inclusion').status, 'failed');
    assert.equal(wrongIndex.existedBy, undefined);

    const unwitnessed = await verifyBundle(await log.bundle(1, 4), { logKey: LOG_KEY.vkey });
    assert.deepEqual(unwitnessed.witnessed, { cosignatures: [] });
    assert.equal(unwitnessed.existedBy, undefined);
  });

  it('list nothing when the checkpoint signature does not verify', async () => {
    const bundle = await log.bundle(1, 4, { witnesses: [W1, W2], signer: testKey('x', 9).signer });
    const v = await verifyBundle(bundle, policy(2));
    assert.equal(check(v, 'checkpoint').status, 'failed');
    assert.equal(v.witnessed, undefined);
    assert.equal(v.existedBy, undefined);
  });

  it('skip timestamps that RFC 3339 cannot write', async () => {
    const far = witness('witness.example/w2', 42, 2n ** 62n);
    const bundle = await log.bundle(1, 4, { witnesses: [W1, far] });
    const v = await verifyBundle(bundle, policy(2));
    assert.equal(v.ok, true);
    assert.deepEqual(
      v.witnessed?.cosignatures.map((c) => c.name),
      ['witness.example/w1'],
    );
    assert.equal(v.existedBy?.by, 'witness.example/w1');
  });
});
