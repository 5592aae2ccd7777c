import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { base64Encode, parseNote } from '@proofline/note';
import { verifyToken } from '@proofline/timestamp';
import type { Bundle } from '@proofline/records';
import {
  VerificationError,
  verifyBundle,
  verifyTlogProof,
  type TrustPolicy,
} from '../src/index.js';
import { bundleToTlogProof, formatBundle, formatTlogProof } from '@proofline/records';
import { LOG_KEY, TestLog, assertFails, assertPasses, check, utf8, witness } from './helpers.js';
import { LocalTsa, opensslSupportsTs } from '@proofline/timestamp/testing';

describe('timestamp (RFC 3161 tokens from a local openssl TSA)', () => {
  before(() => assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`'));
  let tsa: LocalTsa;
  let other: LocalTsa;
  let log: TestLog;
  let bundle: Bundle;
  let token: Uint8Array;
  let policy: TrustPolicy;
  before(async () => {
    tsa = new LocalTsa('Alpha');
    other = new LocalTsa('Beta');
    log = await TestLog.create({ size: 5 });
    bundle = await log.bundle(3);
    token = tsa.token(utf8(parseNote(bundle.checkpoint).text));
    policy = { logKey: LOG_KEY.vkey, timestampAuthorities: { roots: [base64Encode(tsa.rootDer)] } };
  });
  after(() => {
    tsa.cleanup();
    other.cleanup();
  });

  it('passes when a token over the checkpoint text verifies; existedBy is its latest time', async () => {
    const stamped = { ...bundle, timestamps: [{ tsa: 'alpha', token }] };
    const v = await verifyBundle(stamped, policy);
    assertPasses(v, ['content', 'issuer', 'witnesses', 'consistency']);
    const c = check(v, 'timestamp');
    assert.equal(c.evidence.validTokens, '1');
    assert.match(c.evidence['token 0 (alpha)']!, /^verified: .*CN=Alpha TSA, serial \d+, genTime /);
    const expected = await verifyToken(token, {
      data: utf8(parseNote(bundle.checkpoint).text),
      trustedRoots: [tsa.rootDer],
    });
    assert.equal(expected.accuracyMs, 1000);
    assert.deepEqual(v.existedBy, {
      time: expected.latestTime.toISOString().replace('.000Z', 'Z'),
      source: 'tsa',
      by: expected.tsaSubject,
    });
    // Also as JSON text, with one bad token among good ones.
    const junk = { tsa: 'junk', token: Uint8Array.from([0x30, 0x00]) };
    const mixed = await verifyBundle(
      formatBundle({ ...bundle, timestamps: [junk, { tsa: 'alpha', token }] }),
      { ...policy, requireTimestamp: true },
    );
    assert.equal(check(mixed, 'timestamp').status, 'passed');
    assert.equal(check(mixed, 'timestamp').evidence['token 0 (junk)'], 'invalid: MALFORMED');
    assert.equal(mixed.existedBy?.source, 'tsa');
  });

  it('takes the earlier of the witness and TSA times', async () => {
    for (const [time, source] of [
      [1_700_000_001n, 'witness'],
      [4_000_000_000n, 'tsa'],
    ] as const) {
      const w = witness('witness.example/w1', 41, time);
      const cosigned = await log.bundle(3, 5, { witnesses: [w] });
      const t = tsa.token(utf8(parseNote(cosigned.checkpoint).text));
      const v = await verifyBundle(
        { ...cosigned, timestamps: [{ tsa: 'alpha', token: t }] },
        { ...policy, witnesses: { keys: [w.vkey], quorum: 1 } },
      );
      assertPasses(v, ['content', 'issuer', 'consistency']);
      assert.equal(v.existedBy?.source, source);
      if (source === 'witness') assert.equal(v.existedBy?.time, '2023-11-14T22:13:21Z');
    }
  });

  it('is not applicable without TSA roots or without tokens, unless required', async () => {
    const stamped = { ...bundle, timestamps: [{ tsa: 'alpha', token }] };
    const plain = await verifyBundle(stamped, { logKey: LOG_KEY.vkey });
    assert.equal(check(plain, 'timestamp').status, 'not-applicable');
    assert.equal(plain.existedBy, undefined);
    const none = await verifyBundle(bundle, policy);
    assert.equal(check(none, 'timestamp').status, 'not-applicable');
    assert.equal(none.ok, true);
    assertFails(
      await verifyBundle(bundle, { ...policy, requireTimestamp: true }),
      'timestamp',
      'TIMESTAMP_MISSING',
    );
    // A tlog-proof carries no tokens.
    const proof = formatTlogProof(bundleToTlogProof(stamped));
    assert.equal(check(await verifyTlogProof(proof, policy), 'timestamp').status, 'not-applicable');
  });

  it('fails only when required if no token verifies (other data, untrusted TSA)', async () => {
    const otherText = tsa.token(
      utf8('example.com/other\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'),
    );
    const untrusted = other.token(utf8(parseNote(bundle.checkpoint).text));
    const cases: [Uint8Array, string][] = [
      [otherText, 'invalid: MESSAGE_IMPRINT_MISMATCH'],
      [untrusted, 'invalid: UNTRUSTED_TSA'],
    ];
    for (const [t, outcome] of cases) {
      const stamped = { ...bundle, timestamps: [{ tsa: 'x', token: t }] };
      const lenient = await verifyBundle(stamped, policy);
      assert.equal(lenient.ok, true);
      assert.equal(check(lenient, 'timestamp').status, 'not-applicable');
      assert.equal(check(lenient, 'timestamp').evidence['token 0 (x)'], outcome);
      assert.equal(lenient.existedBy, undefined);
      const strict = await verifyBundle(stamped, { ...policy, requireTimestamp: true });
      assertFails(strict, 'timestamp', 'TIMESTAMP_INVALID');
      assert.equal(strict.existedBy, undefined);
    }
    // The token of another checkpoint of the same log does not count either.
    const older = await log.bundle(1, 3);
    const v = await verifyBundle(
      { ...older, timestamps: [{ tsa: 'alpha', token }] },
      { ...policy, requireTimestamp: true },
    );
    assertFails(v, 'timestamp', 'TIMESTAMP_INVALID');
  });

  it('rejects malformed TSA policies', async () => {
    const stamped = { ...bundle, timestamps: [{ tsa: 'alpha', token }] };
    const bad: unknown[] = [
      { logKey: LOG_KEY.vkey, timestampAuthorities: null },
      { logKey: LOG_KEY.vkey, timestampAuthorities: { roots: [] } },
      { logKey: LOG_KEY.vkey, timestampAuthorities: { roots: 'x' } },
      { logKey: LOG_KEY.vkey, timestampAuthorities: { roots: ['not base64!'] } },
      { logKey: LOG_KEY.vkey, timestampAuthorities: { roots: ['AAEC'] } },
      {
        ...policy,
        timestampAuthorities: { roots: [base64Encode(tsa.rootDer), base64Encode(tsa.rootDer)] },
      },
      { logKey: LOG_KEY.vkey, requireTimestamp: true },
      { ...policy, requireTimestamp: 'yes' },
    ];
    for (const p of bad) {
      await assert.rejects(
        verifyBundle(stamped, p as TrustPolicy),
        (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_POLICY',
        JSON.stringify(p).slice(0, 120),
      );
    }
    // A DER SEQUENCE that is not a certificate is found out when a token is checked.
    await assert.rejects(
      verifyBundle(stamped, { logKey: LOG_KEY.vkey, timestampAuthorities: { roots: ['MAA='] } }),
      (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_POLICY',
    );
  });
});
