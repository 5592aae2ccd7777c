import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bundleToTlogProof, formatTlogProof, type Bundle } from '@proofline/records';
import { verifyTlogProof } from '../src/index.js';
import {
  LOG_KEY,
  POLICY,
  TestLog,
  assertFails,
  assertPasses,
  check,
  testKey,
  utf8,
  witness,
} from './helpers.js';

let log: TestLog;
let bundle: Bundle;
let text: string;
before(async () => {
  log = await TestLog.create({ size: 9 });
  bundle = await log.bundle(6);
  text = formatTlogProof(bundleToTlogProof(bundle));
});

describe('verifyTlogProof', () => {
  it('passes for the tlog-proof of a bundle; the receipt is not applicable', async () => {
    const v = await verifyTlogProof(text, POLICY);
    assertPasses(v, ['content', 'issuer', 'receipt', 'witnesses', 'timestamp', 'consistency']);
    assert.equal(check(v, 'receipt').summary, 'A tlog-proof carries no receipt.');
    assert.equal(v.index, 6);
    assert.equal(v.bundle, undefined);
    assert.equal(v.record?.time, log.records[6]!.time);
  });

  it('runs the optional checks too', async () => {
    const w = witness('witness.example/w1', 41);
    const cosigned = await log.bundle(6, 9, { witnesses: [w] });
    const proof = formatTlogProof(bundleToTlogProof(cosigned));
    const policy = { logKey: LOG_KEY.vkey, witnesses: { keys: [w.vkey], quorum: 1 } };
    const v = await verifyTlogProof(proof, policy, {
      content: log.contents[6]!,
      trustedCheckpoint: await log.checkpoint(4),
      consistencyProof: await log.consistency(4, 9),
    });
    assertPasses(v, ['issuer', 'receipt', 'timestamp']);
    const wrong = await verifyTlogProof(proof, policy, { content: utf8('other') });
    assertFails(wrong, 'content', 'CONTENT_MISMATCH');
  });

  it('fails without the entry in extra', async () => {
    const { index, inclusionProof, checkpoint } = bundleToTlogProof(bundle);
    const v = await verifyTlogProof(formatTlogProof({ index, inclusionProof, checkpoint }), POLICY);
    assertFails(v, 'bundle', 'ENTRY_MISSING');
    assert.equal(check(v, 'record').summary, 'not checked: bundle failed');
  });

  it('fails for malformed text, another entry, index or checkpoint', async () => {
    for (const bad of ['', 'c2sp.org/tlog-proof@v1\n', text.replace('index 6', 'index 06'), null]) {
      assertFails(await verifyTlogProof(bad as string, POLICY), 'bundle', 'MALFORMED_TLOG_PROOF');
    }
    const otherEntry = formatTlogProof({ ...bundleToTlogProof(bundle), extra: log.entries[5]! });
    assertFails(await verifyTlogProof(otherEntry, POLICY), 'inclusion', 'INCLUSION_PROOF_INVALID');
    const notRecord = formatTlogProof({ ...bundleToTlogProof(bundle), extra: utf8('{}') });
    const v = await verifyTlogProof(notRecord, POLICY);
    assertFails(v, 'record', 'MALFORMED_RECORD');
    assertFails(v, 'inclusion', 'INCLUSION_PROOF_INVALID');
    const moved = formatTlogProof({ ...bundleToTlogProof(bundle), index: 5 });
    assertFails(await verifyTlogProof(moved, POLICY), 'inclusion', 'INCLUSION_PROOF_INVALID');
    const unsigned = text.replace(/\u2014 .*\n$/, '\u2014 someone AAAAAAE=\n');
    assertFails(await verifyTlogProof(unsigned, POLICY), 'checkpoint', 'CHECKPOINT_UNVERIFIED');
    const impostor = { logKey: testKey(log.origin, 90).vkey };
    assertFails(await verifyTlogProof(text, impostor), 'checkpoint', 'CHECKPOINT_UNVERIFIED');
    const spec = text.replace(/\u2014 .*\n$/, '[...]\n');
    assertFails(await verifyTlogProof(spec, POLICY), 'checkpoint', 'CHECKPOINT_MALFORMED');
  });
});
