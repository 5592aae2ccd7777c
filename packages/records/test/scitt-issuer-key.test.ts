import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  coseKeyThumbprint,
  ed25519CoseSigner,
  encodeCbor,
  encodeCoseKey,
  es256CoseSigner,
} from '@proofline/cose';
import {
  coseIssuerKey,
  formatCoseIssuerKey,
  isCoseIssuerKey,
  parseCoseIssuerKey,
} from '../src/index.js';
import { assertRecordError } from './helpers.js';

const ed = ed25519CoseSigner(new Uint8Array(32).fill(1)).publicKey;
const es = es256CoseSigner(new Uint8Array(32).fill(2)).publicKey;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

test('COSE issuer keys round-trip: kid defaults to the thumbprint, alg is the curve one', () => {
  for (const key of [ed, es]) {
    const plain = formatCoseIssuerKey(coseIssuerKey(key));
    assert.ok(isCoseIssuerKey(plain));
    const parsed = parseCoseIssuerKey(plain);
    assert.deepEqual(parsed.key.kid, coseKeyThumbprint(key));
    assert.equal(parsed.key.alg, key.kty === 'OKP' ? -8 : -7);
    assert.equal(parsed.issuer, undefined);
    assert.equal(formatCoseIssuerKey(parsed), plain);
    const bound = formatCoseIssuerKey(
      coseIssuerKey(key, { kid: Uint8Array.of(1, 2), issuer: 'did:web:issuer.example' }),
    );
    assert.match(bound, /;iss=did:web:issuer\.example$/);
    const back = parseCoseIssuerKey(bound);
    assert.deepEqual(back.key.kid, Uint8Array.of(1, 2));
    assert.equal(back.issuer, 'did:web:issuer.example');
  }
});

test('note verifier keys are not COSE issuer keys', () => {
  assert.equal(isCoseIssuerKey('issuer.example+1234abcd+AQID'), false);
});

test('stored COSE issuer keys are parsed strictly', () => {
  const good = formatCoseIssuerKey(coseIssuerKey(ed, { issuer: 'issuer.example' }));
  const encoded = good.slice('cose:'.length, good.indexOf(';'));
  const withKid = (map: [number, unknown][]) =>
    `cose:${b64url(encodeCbor(new CborMap(map as never)))}`;
  const bad: [string, string][] = [
    ['', 'empty'],
    ['cose:', 'no key'],
    [`COSE:${encoded}`, 'prefix case'],
    [`cose:${encoded}=`, 'padding'],
    [`cose:${encoded.replace(/-/g, '+')}x`, 'standard alphabet'],
    [`cose:${encoded}A`, 'one more character'],
    [`cose:${encoded};iss=`, 'empty issuer'],
    [`cose:${encoded};iss=a b`, 'issuer with a space'],
    [`cose:${encoded};kid=00`, 'another binding'],
    [`cose:${encoded} `, 'trailing space'],
    [`cose:${b64url(encodeCoseKey(ed))}`, 'no kid'],
    [`cose:${b64url(encodeCoseKey({ ...ed, kid: Uint8Array.of(1) }))}`, 'no alg'],
    [
      withKid([
        [1, 1],
        [-1, 6],
        [-2, ed.x],
        [-4, new Uint8Array(32)],
        [2, Uint8Array.of(1)],
        [3, -8],
      ]),
      'a private key',
    ],
    [`cose:${b64url(encodeCoseKey({ ...ed, kid: new Uint8Array(65), alg: -8 }))}`, 'kid of 65'],
    [`cose:${b64url(encodeCoseKey({ ...ed, kid: new Uint8Array(0), alg: -8 }))}`, 'empty kid'],
    [`cose:${'A'.repeat(600)}`, 'too long'],
  ];
  for (const [text, what] of bad) {
    assertRecordError(() => parseCoseIssuerKey(text), 'INVALID_ISSUER_KEY', undefined, what);
  }
  // The issuer is all that follows the first ;iss= (visible ASCII, ';' included).
  assert.equal(parseCoseIssuerKey(`cose:${encoded};iss=x;iss=y`).issuer, 'x;iss=y');
  // A key with key_ops (accepted by decodeCoseKey) is not the canonical form of a stored key.
  const ops = withKid([
    [1, 1],
    [-1, 6],
    [-2, ed.x],
    [2, Uint8Array.of(1)],
    [3, -8],
    [4, [2]],
  ]);
  assertRecordError(() => parseCoseIssuerKey(ops), 'INVALID_ISSUER_KEY', undefined, 'key_ops');
});

test('coseIssuerKey refuses a bad kid or issuer', () => {
  assertRecordError(() => coseIssuerKey(ed, { kid: new Uint8Array(0) }), 'INVALID_ISSUER_KEY');
  assertRecordError(() => coseIssuerKey(ed, { kid: new Uint8Array(65) }), 'INVALID_ISSUER_KEY');
  assertRecordError(() => coseIssuerKey(ed, { issuer: 'a\nb' }), 'INVALID_ISSUER_KEY');
  assertRecordError(() => coseIssuerKey(ed, { issuer: 'x'.repeat(257) }), 'INVALID_ISSUER_KEY');
  const offCurve = { ...es, y: new Uint8Array(32).fill(0xff) };
  assertRecordError(() => coseIssuerKey(offCurve), 'INVALID_ISSUER_KEY');
  assertRecordError(() => coseIssuerKey(offCurve, { kid: Uint8Array.of(1) }), 'INVALID_ISSUER_KEY');
});
