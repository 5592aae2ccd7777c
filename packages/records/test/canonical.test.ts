import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalRecordJson } from '../src/canonical.js';
import { buildRecord, canonicalJson, parseRecord, parseStatement } from '../src/index.js';
import { COMMITMENT, DIGEST, prng } from './helpers.js';

describe('canonicalRecordJson', () => {
  it('is canonicalJson for records of every shape, integer-like names included', () => {
    const rand = prng(7);
    const names = ['10', '9', '0', 'a', 'Z', 'time', 'type', 'a.b', '1x', 'b-1'];
    const texts = ['', '"', '\\', '\u2028', '\u00e9', '\u{1F600}', 'x'.repeat(40), '</script>'];
    const pick = <T>(list: readonly T[]): T => list[rand(list.length)]!;
    for (let i = 0; i < 500; i++) {
      const map = (value: () => string) =>
        Object.fromEntries(Array.from({ length: rand(5) }, () => [pick(names), value()]));
      const statement = parseStatement({
        digest: DIGEST,
        type: pick(['t', 'time', 'a.b:c/d-e']),
        ...(rand(2) ? { subject: pick(texts) || 's' } : {}),
        ...(rand(2) ? { labels: map(() => pick(texts)) } : {}),
        ...(rand(2) ? { commitments: map(() => COMMITMENT) } : {}),
        ...(rand(2)
          ? { controls: [...new Set(Array.from({ length: rand(3) + 1 }, () => pick(names)))] }
          : {}),
      });
      const { record, bytes } = buildRecord(statement, 'acme', rand(2 ** 40));
      const text = canonicalJson(record);
      assert.equal(canonicalRecordJson(record), text, `record ${i}`);
      assert.equal(new TextDecoder().decode(bytes), text);
      assert.deepEqual(parseRecord(bytes), record);
    }
  });
});
