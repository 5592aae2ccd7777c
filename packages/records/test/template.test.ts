import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RecordError,
  buildRecord,
  formatTime,
  parseStatement,
  recordTemplate,
  type Statement,
} from '../src/index.js';
import { COMMITMENT, DIGEST, plain, prng } from './helpers.js';

const EPOCH = formatTime(0);

/** Statements whose text contains the time member's bytes elsewhere: labels named `time`. */
const TRICKY: Statement[] = [
  parseStatement({ digest: DIGEST, type: 't' }),
  parseStatement({ digest: DIGEST, type: 'time', subject: `","time":"${EPOCH}"` }),
  parseStatement({
    digest: DIGEST,
    type: 'x.time',
    labels: { time: EPOCH, timer: `,"time":"${EPOCH}"`, zz: '\u{1F600}' },
    commitments: { time: COMMITMENT },
    controls: ['time'],
  }),
  parseStatement({ digest: DIGEST, type: 'a', subject: '\u00e9\u{10FFFF}'.repeat(100) }),
];

function randomStatement(rand: (n: number) => number): Statement {
  const words = ['time', 'type', 'tenant', 'schema', 'x', '"', '\\', '\u00e9', '\u{1F600}', EPOCH];
  const text = (): string =>
    Array.from({ length: rand(6) + 1 }, () => words[rand(words.length)]!).join('');
  const name = (): string => ['time', 'type', 'a', 'Z9', 'time.x'][rand(5)]!;
  return parseStatement({
    digest: DIGEST,
    type: ['t', 'time', 'type.z'][rand(3)]!,
    ...(rand(2) ? { subject: text() } : {}),
    ...(rand(2)
      ? { labels: Object.fromEntries(Array.from({ length: rand(4) }, () => [name(), text()])) }
      : {}),
    ...(rand(2) ? { controls: [...new Set(Array.from({ length: rand(3) + 1 }, name))] } : {}),
  });
}

describe('recordTemplate', () => {
  it('yields exactly buildRecord at any time', () => {
    const rand = prng(42);
    const statements = [...TRICKY, ...Array.from({ length: 300 }, () => randomStatement(rand))];
    const times = [0, 1, 1_795_758_661_706, Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (const [i, statement] of statements.entries()) {
      const template = recordTemplate(statement, 'acme');
      for (const t of times) {
        const expected = buildRecord(statement, 'acme', t);
        const got = template.at(t);
        assert.deepEqual(got.bytes, expected.bytes, `statement ${i} at ${t}`);
        assert.deepEqual(plain(got.record), plain(expected.record));
        assert.equal(template.size, expected.bytes.length);
      }
    }
  });

  it('returns a fresh copy per time', () => {
    const template = recordTemplate(TRICKY[0]!, 'acme');
    const a = template.at(1000);
    const b = template.at(2000);
    assert.notDeepEqual(a.bytes, b.bytes);
    assert.deepEqual(template.at(1000).bytes, a.bytes);
  });

  it('validates like buildRecord', () => {
    assert.throws(() => recordTemplate({ digest: 'md5:00', type: 't' }, 'acme'), RecordError);
    assert.throws(() => recordTemplate(TRICKY[0]!, 'Bad Tenant'), RecordError);
    assert.throws(() => recordTemplate(TRICKY[0]!, 'acme').at(-1), RecordError);
  });
});
