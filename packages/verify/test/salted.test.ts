import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleToTlogProof, formatTlogProof, parseBundle, saltedDigest } from '@proofline/records';
import { verifyBundle, verifyTlogProof } from '../src/index.js';
import { POLICY, TestLog, check, utf8 } from './helpers.js';

const SALT = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const OTHER = SALT.map((b) => b ^ 0x80);

describe('a salted output digest', () => {
  it('verifies with its salt and not without (nor with another salt)', async () => {
    const log = await TestLog.create({
      size: 6,
      alter: (s) => ({ ...s, digest: saltedDigest(SALT, utf8(`output ${s.labels!.n}`)) }),
    });
    const bundle = await log.bundleJson(4);
    const content = log.contents[4]!;
    const withSalt = await verifyBundle(bundle, POLICY, { content, salt: SALT });
    assert.equal(withSalt.ok, true);
    assert.equal(check(withSalt, 'content').status, 'passed');
    assert.match(check(withSalt, 'content').summary, /salted sha256/);
    for (const options of [{ content }, { content, salt: OTHER }]) {
      const v = await verifyBundle(bundle, POLICY, options);
      assert.equal(v.ok, false);
      assert.equal(check(v, 'content').status, 'failed');
      assert.equal(check(v, 'content').error?.code, 'CONTENT_MISMATCH');
    }
    const text = formatTlogProof(bundleToTlogProof(parseBundle(bundle)));
    assert.equal((await verifyTlogProof(text, POLICY, { content, salt: SALT })).ok, true);
    assert.equal((await verifyTlogProof(text, POLICY, { content })).ok, false);
  });

  it('a plain digest does not verify with a salt; a bad salt is a programmer error', async () => {
    const log = await TestLog.create({ size: 3 });
    const bundle = await log.bundleJson(1);
    const v = await verifyBundle(bundle, POLICY, { content: log.contents[1]!, salt: SALT });
    assert.equal(check(v, 'content').status, 'failed');
    await assert.rejects(
      verifyBundle(bundle, POLICY, { content: log.contents[1]!, salt: new Uint8Array(16) }),
      /salt must be a Uint8Array of 32 bytes/,
    );
  });
});
