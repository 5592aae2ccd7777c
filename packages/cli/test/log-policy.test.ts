/** The stored per-log policy document: what an insider with database access might write. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SIG_TYPE_COSIGNATURE, formatVerifierKey } from '@proofline/note';
import { generateCosignerKey, parseCosignerKey } from '@proofline/witness';
import {
  applyPolicyFlags,
  formatLogPolicy,
  parseLogPolicy,
  publishingOf,
} from '../src/commands/log-policy.js';

function witnessKey(name: string): string {
  const k = parseCosignerKey(generateCosignerKey(name));
  return formatVerifierKey(k.name, k.publicKey, SIG_TYPE_COSIGNATURE);
}

const W1 = { url: 'https://w1.example/', verifierKey: witnessKey('w1.example/w') };
const W2 = { url: 'https://w2.example/', verifierKey: witnessKey('w2.example/w') };
const ROOT = Buffer.from('root certificate').toString('base64');

describe('log policy documents', () => {
  it('round-trips a policy and leaves unset parts to serve', () => {
    const text = formatLogPolicy({
      witnesses: [W1, W2],
      witnessQuorum: 1,
      tsa: [{ name: 'tsa1', url: 'http://tsa.example/' }],
      tsaRoots: [ROOT],
    });
    assert.deepEqual(parseLogPolicy(text!), {
      witnesses: [W1, W2],
      witnessQuorum: 1,
      tsa: [{ name: 'tsa1', url: 'http://tsa.example/' }],
      tsaRoots: [ROOT],
    });
    assert.equal(formatLogPolicy({}), undefined, 'nothing set: nothing stored');
    const serveWitnessing = { policy: {} as never, timeoutMs: 1 };
    const own = publishingOf(parseLogPolicy('{"v":1,"witnesses":[]}'), {
      witnessing: serveWitnessing,
      witnessTimeoutMs: 5000,
    });
    assert.equal(own.witnessing, undefined, 'an empty list is none, not the default');
    const inherited = publishingOf(parseLogPolicy('{"v":1,"tsa":[]}'), {
      witnessing: serveWitnessing,
      witnessTimeoutMs: 5000,
    });
    assert.equal(inherited.witnessing, serveWitnessing);
    assert.equal(inherited.timestamping, undefined);
  });

  it('refuses every malformed or hostile document, naming what is wrong', () => {
    const w = JSON.stringify(W1);
    for (const [text, message] of [
      ['', /not JSON/],
      ['[]', /must be an object/],
      ['{"witnesses":[]}', /unknown version/],
      ['{"v":2,"witnesses":[]}', /unknown version/],
      ['{"v":1,"witnesses":[],"extra":1}', /unknown member "extra"/],
      ['{"v":1,"witnesses":"all"}', /witnesses must be a list/],
      [
        `{"v":1,"witnesses":[{"url":"https://w/","verifierKey":1}]}`,
        /verifierKey must be a string/,
      ],
      [`{"v":1,"witnesses":[${w.replace('}', ',"x":1}')}]}`, /unknown member "x"/],
      [`{"v":1,"witnesses":[${w},${w}]}`, /duplicate/],
      [`{"v":1,"witnesses":[${w}],"witnessQuorum":2}`, /quorum/],
      [`{"v":1,"witnesses":[${w}],"witnessQuorum":0}`, /quorum/],
      [`{"v":1,"witnesses":[${w}],"witnessQuorum":1.5}`, /integer/],
      ['{"v":1,"witnesses":[],"witnessQuorum":1}', /quorum without witnesses/],
      [`{"v":1,"witnesses":[${JSON.stringify({ ...W1, url: 'file:///etc/passwd' })}]}`, /URL|url/],
      [`{"v":1,"witnesses":[${JSON.stringify({ ...W1, verifierKey: 'x+1+AA' })}]}`, /witness 1/],
      ['{"v":1,"tsa":[{"name":"a","url":"http://t/"}]}', /without roots/],
      ['{"v":1,"tsa":[{"name":"a","url":"ftp://t/"}],"tsaRoots":["AA=="]}', /http\(s\)/],
      ['{"v":1,"tsa":[{"name":"a b","url":"http://t/"}],"tsaRoots":["AA=="]}', /NAME=URL/],
      [
        '{"v":1,"tsa":[{"name":"a","url":"http://t/"},{"name":"a","url":"http://u/"}],"tsaRoots":["AA=="]}',
        /given twice/,
      ],
      ['{"v":1,"tsa":[{"name":"a","url":"http://t/"}],"tsaRoots":["A A"]}', /base64/],
      ['{"v":1,"tsa":[{"name":"a","url":"http://t/"}],"tsaRoots":[""]}', /base64/],
      ['{"v":1,"tsa":[],"tsaRoots":["AA=="]}', /roots without/],
      [`{"v":1,"witnesses":[],"pad":"${'x'.repeat(300 * 1024)}"}`, /larger than/],
    ] as const) {
      assert.throws(
        () => parseLogPolicy(text),
        (err: Error & { code?: string }) =>
          err.code === 'INVALID_LOG_POLICY' && message.test(err.message),
        text.slice(0, 120),
      );
    }
  });

  it('applies flags part by part', () => {
    const base = applyPolicyFlags(
      {},
      {
        witness: [`${W1.url}=${W1.verifierKey}`],
        noWitnesses: false,
        tsa: [],
        tsaRoot: [],
        noTsa: true,
      },
    );
    assert.deepEqual(base, { witnesses: [W1], tsa: [] });
    const noTsaChange = applyPolicyFlags(base, {
      witness: [`${W1.url}=${W1.verifierKey}`, `${W2.url}=${W2.verifierKey}`],
      witnessQuorum: 1,
      noWitnesses: false,
      tsa: [],
      tsaRoot: [],
      noTsa: false,
    });
    assert.deepEqual(noTsaChange, { witnesses: [W1, W2], witnessQuorum: 1, tsa: [] });
    const back = applyPolicyFlags(noTsaChange, {
      witness: [],
      noWitnesses: false,
      defaultWitnesses: true,
      tsa: [],
      tsaRoot: [],
      noTsa: false,
      defaultTsa: true,
    });
    assert.deepEqual(back, {});
  });
});
