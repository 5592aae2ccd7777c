import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Verifier } from '@proofline/note';
import { verifyBundle } from '../src/index.js';
import { Prefetch } from '../src/prefetch.js';
import {
  CHECK_ORDER,
  ISSUER,
  LOG_KEY,
  POLICY,
  TestLog,
  assertFails,
  check,
  utf8,
  witness,
} from './helpers.js';

/** A verifier that counts its calls and answers `verdict` (or rejects with it). */
function counting(verdict: boolean | Error): Verifier & { calls: number } {
  const v = {
    name: 'example.com/key',
    keyId: 7,
    calls: 0,
    verify: (): Promise<boolean> => {
      v.calls++;
      return verdict instanceof Error ? Promise.reject(verdict) : Promise.resolve(verdict);
    },
  };
  return v;
}

describe('Prefetch', () => {
  it('answers a started verification only for the same verifier and exactly the same bytes', async () => {
    const prefetch = new Prefetch();
    const v = counting(true);
    const other = counting(true);
    const message = utf8('message');
    const signature = new Uint8Array(64).fill(1);
    prefetch.start(v, message, signature);
    prefetch.start(v, message.slice(), signature.slice()); // the same bytes: not started again
    assert.equal(v.calls, 1);
    const wrapped = prefetch.wrap(v);
    assert.equal(wrapped.name, v.name);
    assert.equal(wrapped.keyId, v.keyId);
    assert.equal(await wrapped.verify(message.slice(), signature.slice()), true);
    assert.equal(v.calls, 1);
    // Another message, another signature, or another verifier: verified anew.
    await wrapped.verify(utf8('messagf'), signature);
    await wrapped.verify(message, new Uint8Array(64).fill(2));
    await wrapped.verify(message.subarray(1), signature);
    assert.equal(v.calls, 4);
    await prefetch.wrap(other).verify(message, signature);
    assert.equal(other.calls, 1);
  });

  it('hands a rejection to the step that asks, and drops the ones nobody asks for', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const prefetch = new Prefetch();
      const failure = new Error('verifier failure');
      const v = counting(failure);
      prefetch.start(v, utf8('asked'), new Uint8Array(64));
      prefetch.start(v, utf8('not asked'), new Uint8Array(64));
      await assert.rejects(prefetch.wrap(v).verify(utf8('asked'), new Uint8Array(64)), failure);
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('verifyBundle signature verifications', () => {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.verify;
  let calls = 0;
  let log: TestLog;
  const W1 = witness('witness.example/w1', 41);
  const W2 = witness('witness.example/w2', 42);
  before(async () => {
    log = await TestLog.create({ size: 5, issuer: ISSUER, issued: (i) => i === 3 });
    // Counted on the instance; the WebCrypto back end calls subtle.verify once per signature.
    Object.defineProperty(subtle, 'verify', {
      configurable: true,
      writable: true,
      value: (...args: Parameters<typeof original>) => {
        calls++;
        return original.apply(subtle, args);
      },
    });
  });
  after(() => {
    delete (subtle as unknown as Record<string, unknown>).verify;
  });

  it('verify each signature once, though they start before the steps that need them', async () => {
    const policy = {
      logKey: LOG_KEY.vkey,
      issuerKeys: [ISSUER.vkey],
      requireIssuerSignature: true,
      witnesses: { keys: [W1.vkey, W2.vkey], quorum: 2 },
    };
    const bundle = await log.bundle(3, 5, { witnesses: [W1, W2] });
    const options = {
      trustedCheckpoint: await log.checkpoint(4),
      consistencyProof: await log.consistency(4, 5),
    };
    await verifyBundle(bundle, policy, options); // warm-up: keys imported
    calls = 0;
    const v = await verifyBundle(bundle, policy, options);
    assert.equal(v.ok, true, JSON.stringify(v.checks));
    assert.equal(check(v, 'consistency').status, 'passed');
    // Receipt, checkpoint, issuer, two cosignatures and the trusted checkpoint.
    if (calls !== 0) assert.equal(calls, 6); // 0 where the platform's WebCrypto lacks Ed25519
  });

  it('start nothing it relies on from a bundle that is not well-formed', async () => {
    const bundle = await log.bundle(3, 5);
    const hostile = Object.defineProperty({ ...bundle }, 'receipt', {
      get: () => {
        throw new Error('hostile getter');
      },
    });
    assertFails(await verifyBundle(hostile, POLICY), 'bundle', 'MALFORMED_BUNDLE');
    const json = await log.bundleJson(3, 5);
    for (const text of [json.slice(0, -2), `${json.slice(0, -2)}, "receipt": "x"}`, '[]', '1']) {
      assertFails(await verifyBundle(text, POLICY), 'bundle', 'MALFORMED_BUNDLE');
    }
    // Speculative verifications of notes the strict parse then rejects are never used.
    const duplicate = `${json.slice(0, -2)},\n  "receipt": ${JSON.stringify(bundle.receipt)}\n}`;
    assertFails(await verifyBundle(duplicate, POLICY), 'bundle', 'MALFORMED_BUNDLE');
  });

  it('still report the first failing step in order when later ones fail too', async () => {
    const bundle = await log.bundle(3, 5);
    const receipt = (await log.bundle(2, 5)).receipt; // another entry's receipt
    const other = await TestLog.create({ size: 5, variant: 'fork' });
    const checkpoint = (await other.bundle(3, 5)).checkpoint; // signed by the same key, other tree
    const v = await verifyBundle({ ...bundle, receipt, checkpoint }, { logKey: LOG_KEY.vkey });
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assert.equal(check(v, 'inclusion').status, 'failed');
    assert.deepEqual(
      v.checks.map((c) => c.name),
      CHECK_ORDER,
    );
    assert.equal(v.checks.find((c) => c.status === 'failed')?.name, 'receipt');
  });
});
