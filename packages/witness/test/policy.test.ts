import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SIG_TYPE_COSIGNATURE,
  formatVerifierKey,
  parseSignerKey,
  generateSignerKey,
} from '@proofline/note';
import {
  WitnessError,
  generateCosignerKey,
  parseCosignerKey,
  parsePolicy,
  thresholdPolicy,
} from '../src/index.js';

function witnessKey(name: string): string {
  const key = parseCosignerKey(generateCosignerKey(name));
  return formatVerifierKey(key.name, key.publicKey, SIG_TYPE_COSIGNATURE);
}

function logKey(name: string): string {
  const key = parseSignerKey(generateSignerKey(name));
  return formatVerifierKey(key.name, key.publicKey);
}

const invalid = (e: WitnessError) => e instanceof WitnessError && e.code === 'INVALID_POLICY';

describe('c2sp.org/tlog-policy', () => {
  test("the spec's two-level example: 2 of X and any of Y", () => {
    const text = `log ${logKey('log.example/a')}

witness X1 ${witnessKey('x1.example/w')}
witness X2 ${witnessKey('x2.example/w')}
witness X3 ${witnessKey('x3.example/w')}
group X-witnesses 2 X1 X2 X3

witness Y1 ${witnessKey('y1.example/w')}
witness Y2 ${witnessKey('y2.example/w')}
witness Y3 ${witnessKey('y3.example/w')}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`;
    const policy = parsePolicy(text);
    assert.equal(policy.logs.length, 1);
    assert.equal(policy.witnesses.length, 6);
    const ok = (...names: string[]) => policy.satisfied(new Set(names));
    assert.equal(ok('X1', 'X2', 'Y3'), true);
    assert.equal(ok('X1', 'X3', 'Y1', 'Y2'), true);
    assert.equal(ok('X1', 'Y1', 'Y2', 'Y3'), false);
    assert.equal(ok('X1', 'X2', 'X3'), false);
    assert.equal(ok(), false);
  });

  test('URLs, tabs, comments, surrounding whitespace; quorum on a single witness; none', () => {
    const policy = parsePolicy(
      `  # a comment\n\twitness\tW1  ${witnessKey('w1.example/w')}   https://w1.example/sub/  \n\nquorum W1\n`,
    );
    assert.equal(policy.witnesses[0]!.url, 'https://w1.example/sub/');
    assert.equal(policy.satisfied(new Set(['W1'])), true);
    assert.equal(policy.satisfied(new Set(['W2'])), false);
    const none = parsePolicy('quorum none\n');
    assert.equal(none.quorum, undefined);
    assert.equal(none.satisfied(new Set()), true);
  });

  test('names are opaque octets: non-ASCII names are allowed and compared exactly', () => {
    const policy = parsePolicy(
      new TextEncoder().encode(
        `witness Kelvin-\u212a ${witnessKey('k.example/w')}\nquorum Kelvin-\u212a\n`,
      ),
    );
    const name = policy.witnesses[0]!.name;
    assert.equal(policy.satisfied(new Set([name])), true);
    assert.equal(policy.satisfied(new Set(['Kelvin-K'])), false);
  });

  test('invalid policies are refused', () => {
    const w1 = witnessKey('w1.example/w');
    const w2 = witnessKey('w2.example/w');
    const l = logKey('log.example/a');
    const cases: Record<string, string> = {
      'no quorum': `witness A ${w1}\n`,
      'two quorums': `witness A ${w1}\nquorum A\nquorum A\n`,
      'quorum before definition': `quorum A\nwitness A ${w1}\n`,
      'undefined member': `witness A ${w1}\ngroup G 1 A B\nquorum G\n`,
      'member twice': `witness A ${w1}\ngroup G 1 A A\nquorum G\n`,
      'none as member': `witness A ${w1}\ngroup G 1 A none\nquorum G\n`,
      'k too large': `witness A ${w1}\nwitness B ${w2}\ngroup G 3 A B\nquorum G\n`,
      'k zero': `witness A ${w1}\ngroup G 0 A\nquorum G\n`,
      'k leading zero': `witness A ${w1}\ngroup G 01 A\nquorum G\n`,
      'empty group': `witness A ${w1}\ngroup G any\nquorum G\n`,
      'duplicate name': `witness A ${w1}\nwitness A ${w2}\nquorum A\n`,
      'duplicate witness key': `witness A ${w1}\nwitness B ${w1}\nquorum A\n`,
      'duplicate log key': `log ${l}\nlog ${l}\nquorum none\n`,
      'witness named none': `witness none ${w1}\nquorum none\n`,
      'witness key of type 0x01': `witness A ${l}\nquorum A\n`,
      'log key of type 0x04': `log ${w1}\nquorum none\n`,
      'unknown line': `witness A ${w1}\nfoo bar\nquorum A\n`,
      'no final newline': `witness A ${w1}\nquorum A`,
      'carriage return': `witness A ${w1}\r\nquorum A\r\n`,
      'control character': `witness A ${w1}\nquorum A\x00\n`,
      'bad URL': `witness A ${w1} ftp://x\nquorum A\n`,
      'trailing item': `witness A ${w1} https://a.example/ more\nquorum A\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      assert.throws(() => parsePolicy(text), invalid, name);
    }
  });

  test('k of n', () => {
    const endpoints = ['a', 'b', 'c'].map((n) => ({
      url: `http://127.0.0.1:1/${n}`,
      verifierKey: witnessKey(`${n}.example/w`),
    }));
    const policy = thresholdPolicy(endpoints, 2);
    assert.deepEqual(
      policy.witnesses.map((w) => w.name),
      ['a.example/w', 'b.example/w', 'c.example/w'],
    );
    assert.equal(policy.satisfied(new Set(['a.example/w', 'c.example/w'])), true);
    assert.equal(policy.satisfied(new Set(['b.example/w'])), false);
    assert.throws(() => thresholdPolicy(endpoints, 0), invalid);
    assert.throws(() => thresholdPolicy(endpoints, 4), invalid);
    assert.throws(() => thresholdPolicy([endpoints[0]!, endpoints[0]!], 1), invalid);
    assert.throws(() => thresholdPolicy([{ ...endpoints[0]!, url: 'file:///x' }], 1), invalid);
  });
});
