import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetention, retentionCutoff } from '../src/commands/retention-period.js';
import { applyPolicyFlags, formatLogPolicy, parseLogPolicy } from '../src/commands/log-policy.js';

const flags = { witness: [], noWitnesses: false, tsa: [], tsaRoot: [], noTsa: false };

describe('retention periods', () => {
  it('parse <n>d, <n>mo and <n>y of at least six months, nothing else', () => {
    assert.deepEqual(parseRetention('6y'), { text: '6y', count: 6, unit: 'y' });
    assert.deepEqual(parseRetention('6mo'), { text: '6mo', count: 6, unit: 'mo' });
    assert.deepEqual(parseRetention('183d'), { text: '183d', count: 183, unit: 'd' });
    for (const bad of ['5mo', '182d', '0y', '06y', '6', 'y', '6 y', '6Y', '6m', '10000y', '-1y']) {
      assert.throws(() => parseRetention(bad), Error, bad);
    }
  });

  it('cut off at the same calendar time, months clamped to their length (UTC)', () => {
    const at = (t: string) => Date.parse(t);
    const cut = (p: string, now: string) =>
      new Date(retentionCutoff(parseRetention(p), at(now))).toISOString();
    assert.equal(cut('6y', '2026-12-06T23:30:00.123Z'), '2020-12-06T23:30:00.123Z');
    assert.equal(cut('6mo', '2026-08-31T10:00:00.000Z'), '2026-02-28T10:00:00.000Z');
    assert.equal(cut('1y', '2025-02-28T00:00:00.000Z'), '2024-02-28T00:00:00.000Z');
    assert.equal(cut('200d', '2026-12-06T00:00:00.000Z'), '2026-05-20T00:00:00.000Z');
  });

  it('are kept in the log policy, set and removed by its flags', () => {
    const set = applyPolicyFlags({}, { ...flags, retention: '6y' });
    const text = formatLogPolicy(set)!;
    assert.deepEqual(parseLogPolicy(text), { retention: '6y' });
    assert.equal(
      formatLogPolicy(applyPolicyFlags(set, { ...flags, noRetention: true })),
      undefined,
    );
    assert.throws(() => applyPolicyFlags({}, { ...flags, retention: '1mo' }), /six months/);
    assert.throws(() => parseLogPolicy('{"v":1,"retention":"2d"}'), /six months/);
  });
});
