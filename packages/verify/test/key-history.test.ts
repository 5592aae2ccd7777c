/**
 * TrustPolicy.keyHistory, as a suspicious auditor uses it: receipts open with the key that
 * sealed their entries only (a retired key's receipt after its range fails), either key of the
 * chain may be pinned, and a history that does not verify or does not name the pinned key is
 * refused, never ignored.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { signKeyHandover } from '@proofline/records';
import { verifyReceipt, VerificationError } from '../src/index.js';
import { LOG_KEY, ORIGIN, TestLog, assertFails, testKey } from './helpers.js';

const NEW_KEY = testKey(ORIGIN, 22);
const OTHER = testKey(ORIGIN, 23);
let log: TestLog;
let handover: string;

before(async () => {
  log = await TestLog.create({ size: 5 });
  const h = {
    origin: ORIGIN,
    retired: LOG_KEY.vkey,
    successor: NEW_KEY.vkey,
    start: 0,
    end: 3,
    rootHash: new Uint8Array(32).fill(7),
  };
  handover = await signKeyHandover(h, LOG_KEY.signer, NEW_KEY.signer);
});

const receiptOf = async (i: number, logKey: string, keyHistory: string[]) =>
  verifyReceipt(await log.receipt(i), log.entries[i]!, { logKey, keyHistory });

const invalidPolicy = (err: unknown) =>
  err instanceof VerificationError && err.code === 'INVALID_POLICY';

describe('TrustPolicy.keyHistory', () => {
  it("accepts a retired key's receipts inside its range, pinned to either key", async () => {
    for (const pinned of [LOG_KEY.vkey, NEW_KEY.vkey]) {
      const v = await receiptOf(2, pinned, [handover]);
      assert.equal(v.ok, true, pinned);
    }
  });

  it("refuses a retired key's receipt for an index after its range", async () => {
    for (const pinned of [LOG_KEY.vkey, NEW_KEY.vkey]) {
      assertFails(await receiptOf(4, pinned, [handover]), 'receipt', 'RECEIPT_UNVERIFIED');
    }
  });

  it('refuses a history that does not verify or does not name the pinned key', async () => {
    const extended = handover.replace('range 0 3', 'range 0 5');
    await assert.rejects(receiptOf(4, LOG_KEY.vkey, [extended]), invalidPolicy);
    await assert.rejects(receiptOf(2, OTHER.vkey, [handover]), invalidPolicy);
    await assert.rejects(
      verifyReceipt(await log.receipt(2), log.entries[2]!, {
        logKey: LOG_KEY.vkey,
        keyHistory: 'not a list' as unknown as string[],
      }),
      invalidPolicy,
    );
  });
});
