import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { verifyReceipt, VerificationError } from '../src/index.js';
import { ISSUER, ORIGIN, POLICY, TestLog, assertFails, check, testKey, utf8 } from './helpers.js';

let log: TestLog;
before(async () => {
  log = await TestLog.create({ size: 3, issuer: ISSUER });
});

describe('verifyReceipt', () => {
  it('checks record, issuer and receipt only, and returns the index', async () => {
    const v = await verifyReceipt(await log.receipt(2), log.entries[2]!, {
      ...POLICY,
      issuerKeys: [ISSUER.vkey],
      requireIssuerSignature: true,
    });
    assert.equal(v.ok, true);
    assert.deepEqual(
      v.checks.map((c) => [c.name, c.status]),
      [
        ['record', 'passed'],
        ['issuer', 'passed'],
        ['receipt', 'passed'],
      ],
    );
    assert.equal(v.index, 2);
    assert.equal(v.record?.time, log.records[2]!.time);
    assert.equal(v.checkpoint, undefined);
  });

  it('fails for another entry, a foreign key, or garbage', async () => {
    const receipt = await log.receipt(2);
    assertFails(
      await verifyReceipt(receipt, log.entries[1]!, POLICY),
      'receipt',
      'RECEIPT_MISMATCH',
    );
    assertFails(
      await verifyReceipt(receipt, log.entries[2]!, { logKey: testKey(ORIGIN, 5).vkey }),
      'receipt',
      'RECEIPT_UNVERIFIED',
    );
    assertFails(
      await verifyReceipt('garbage', log.entries[2]!, POLICY),
      'receipt',
      'RECEIPT_MALFORMED',
    );
    const v = await verifyReceipt(receipt, utf8('not a record'), POLICY);
    assertFails(v, 'record', 'MALFORMED_RECORD');
    assert.equal(check(v, 'receipt').summary, 'not checked: record failed');
    assert.equal(v.index, undefined);
  });

  it('fails when an issuer signature is required but missing', async () => {
    const plain = await TestLog.create({ size: 1 });
    const v = await verifyReceipt(await plain.receipt(0), plain.entries[0]!, {
      ...POLICY,
      issuerKeys: [ISSUER.vkey],
      requireIssuerSignature: true,
    });
    assertFails(v, 'issuer', 'ISSUER_MISSING');
    assert.equal(check(v, 'receipt').status, 'passed');
  });

  it('throws for an entry that is not bytes', async () => {
    await assert.rejects(
      verifyReceipt(await log.receipt(0), 'x' as unknown as Uint8Array, POLICY),
      (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_ARGUMENT',
    );
  });
});
