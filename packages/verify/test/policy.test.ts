import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Bundle } from '@proofline/records';
import {
  VerificationError,
  verifyBundle,
  verifyTlogProof,
  type TrustPolicy,
  type VerifyOptions,
} from '../src/index.js';
import { ISSUER, LOG_KEY, ORIGIN, TestLog, fromHex, vkeyOf, witness } from './helpers.js';

let bundle: Bundle;
before(async () => {
  bundle = await (await TestLog.create({ size: 2 })).bundle(1);
});

const W1 = witness('witness.example/w1', 41);
const W2 = witness('witness.example/w2', 42);
/** A 0x04 key with W1's public key under another name. */
const W1_AGAIN = witness('witness.example/w1-again', 41);

/** Keys with matching key ids whose points are of small order and of mixed order. */
const SMALL = vkeyOf(ORIGIN, 0x01, fromHex('ec' + 'ff'.repeat(30) + '7f'));
const MIXED = vkeyOf(
  ORIGIN,
  0x01,
  fromHex('cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d'),
);

const invalidPolicies: Array<[string, unknown]> = [
  ['not an object', null],
  ['no log key', {}],
  ['a malformed log key', { logKey: 'nope' }],
  ['a signer key', { logKey: `PRIVATE+KEY+${LOG_KEY.vkey}` }],
  ['a witness key as log key', { logKey: W1.vkey }],
  ['a small-order log key', { logKey: SMALL }],
  ['a mixed-order log key', { logKey: MIXED }],
  ['a small-order issuer key', { logKey: LOG_KEY.vkey, issuerKeys: [SMALL] }],
  ['an origin other than the key name', { logKey: LOG_KEY.vkey, origin: 'other.example/log' }],
  ['issuerKeys not an array', { logKey: LOG_KEY.vkey, issuerKeys: ISSUER.vkey }],
  ['a bad issuer key', { logKey: LOG_KEY.vkey, issuerKeys: [ISSUER.vkey, 'x'] }],
  ['a repeated issuer key', { logKey: LOG_KEY.vkey, issuerKeys: [ISSUER.vkey, ISSUER.vkey] }],
  ['requireIssuerSignature not a boolean', { logKey: LOG_KEY.vkey, requireIssuerSignature: 1 }],
  ['witnesses not an object', { logKey: LOG_KEY.vkey, witnesses: [W1.vkey] }],
  ['an 0x01 witness key', { logKey: LOG_KEY.vkey, witnesses: { keys: [ISSUER.vkey], quorum: 1 } }],
  ['quorum 0', { logKey: LOG_KEY.vkey, witnesses: { keys: [W1.vkey], quorum: 0 } }],
  ['quorum above the keys', { logKey: LOG_KEY.vkey, witnesses: { keys: [W1.vkey], quorum: 2 } }],
  [
    'quorum not an integer',
    { logKey: LOG_KEY.vkey, witnesses: { keys: [W1.vkey, W2.vkey], quorum: 1.5 } },
  ],
  [
    'one witness under two names',
    { logKey: LOG_KEY.vkey, witnesses: { keys: [W1.vkey, W1_AGAIN.vkey], quorum: 2 } },
  ],
];

describe('TrustPolicy', () => {
  for (const [what, policy] of invalidPolicies) {
    it(`rejects ${what} by throwing INVALID_POLICY`, async () => {
      await assert.rejects(verifyBundle(bundle, policy as TrustPolicy), (e: unknown) => {
        assert.ok(e instanceof VerificationError, String(e));
        assert.equal(e.code, 'INVALID_POLICY');
        assert.equal(e.step, 'bundle');
        return true;
      });
      await assert.rejects(verifyTlogProof('', policy as TrustPolicy), VerificationError);
    });
  }

  it('accepts a complete valid policy', async () => {
    const v = await verifyBundle(bundle, {
      logKey: LOG_KEY.vkey,
      origin: ORIGIN,
      issuerKeys: [ISSUER.vkey],
      requireIssuerSignature: false,
      witnesses: { keys: [W1.vkey, W2.vkey], quorum: 1 },
    });
    assert.equal(
      v.checks.find((c) => c.name === 'witnesses')?.error?.code,
      'WITNESS_QUORUM_NOT_MET',
    );
  });

  it('rejects options of the wrong types by throwing INVALID_ARGUMENT', async () => {
    const bad: VerifyOptions[] = [
      { content: 'text' as unknown as Uint8Array },
      { trustedCheckpoint: 1 as unknown as string },
      { consistencyProof: 'x' as unknown as Uint8Array[] },
      { readTiles: 'x' as unknown as VerifyOptions['readTiles'] },
      null as unknown as VerifyOptions,
    ];
    for (const options of bad) {
      await assert.rejects(
        verifyBundle(bundle, { logKey: LOG_KEY.vkey }, options),
        (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_ARGUMENT',
      );
    }
  });
});
