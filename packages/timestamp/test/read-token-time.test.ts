import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TimestampError, readTokenTime, verifyToken } from '../src/index.js';
import { LocalTsa } from '../testing/local-tsa.js';

const tsa = new LocalTsa('Read');
after(() => tsa.cleanup());

test('readTokenTime states genTime without trusting the token, and refuses what is not one', async () => {
  const data = new TextEncoder().encode('checkpoint text\n');
  const token = tsa.token(data);
  const before = Date.now();
  const read = readTokenTime(token);
  assert.ok(Math.abs(read.genTime.getTime() - before) < 60_000, read.genTime.toISOString());
  // The same time verifyToken establishes once the token is checked against its root.
  const verified = await verifyToken(token, { data, trustedRoots: [tsa.rootDer] });
  assert.equal(read.genTime.getTime(), verified.genTime.getTime());
  assert.equal(read.accuracyMs, verified.accuracyMs);
  for (const bad of [
    new Uint8Array(0),
    new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
    token.subarray(0, 100),
  ]) {
    assert.throws(
      () => readTokenTime(bad),
      (e: unknown) => e instanceof TimestampError && e.code === 'MALFORMED',
    );
  }
});
