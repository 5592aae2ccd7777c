import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  coseKeyThumbprint,
  decodeCoseKey,
  decodeCoseKeySet,
  ed25519CoseSigner,
  encodeCbor,
  encodeCoseKey,
  encodeCoseKeySet,
  es256CoseSigner,
  publicKeyFromPem,
  publicKeyFromSpki,
  type CosePublicKey,
} from '../src/index.js';
import { fromHex, readTestdataText, throwsCode, toHex } from './helpers.js';

// RFC 9679 §6 (Example): the EC2 key of RFC 9052 C.7.1 with kid "meriadoc.brandybuck@...".
const RFC9679_KEY: CosePublicKey = {
  kty: 'EC2',
  crv: 'P-256',
  x: fromHex('65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d'),
  y: fromHex('1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c'),
  kid: new TextEncoder().encode('meriadoc.brandybuck@buckland.example'),
};

test('RFC 9679 example: thumbprint of the required members, kid left out', () => {
  assert.equal(
    toHex(coseKeyThumbprint(RFC9679_KEY)),
    '496bd8afadf307e5b08c64b0421bf9dc01528a344a43bda88fadd1669da253ec',
  );
  const { kid: _kid, ...bare } = RFC9679_KEY;
  assert.deepEqual(coseKeyThumbprint(bare), coseKeyThumbprint(RFC9679_KEY));
});

test('COSE_Key and Key Set round trip for Ed25519 and P-256', () => {
  const ed = { ...ed25519CoseSigner(new Uint8Array(32).fill(1)).publicKey, kid: Uint8Array.of(9) };
  const ec = { ...es256CoseSigner(new Uint8Array(32).fill(2)).publicKey, alg: -7 as const };
  for (const key of [ed, ec, RFC9679_KEY]) assert.deepEqual(decodeCoseKey(encodeCoseKey(key)), key);
  assert.deepEqual(decodeCoseKeySet(encodeCoseKeySet([ed, ec])), [ed, ec]);
  assert.equal(toHex(encodeCoseKey(ed)).slice(0, 10), 'a401010241'); // {1: 1, 2: h'09', ...} sorted
});

test('hostile COSE keys are MALFORMED_KEY', () => {
  const good = encodeCoseKey(RFC9679_KEY);
  const map = (entries: [number, unknown][]): Uint8Array =>
    encodeCbor(new CborMap(entries as [number, never][]));
  const x = RFC9679_KEY.x;
  const y = RFC9679_KEY.kty === 'EC2' ? RFC9679_KEY.y : x;
  const bad = [
    map([
      [1, 2],
      [-1, 1],
      [-2, x],
      [-3, y],
      [-4, x],
    ]), // private d
    map([
      [1, 2],
      [-1, 1],
      [-2, x],
      [-3, true],
    ]), // compressed point
    map([
      [1, 2],
      [-1, 2],
      [-2, x],
      [-3, y],
    ]), // P-384 label
    map([
      [1, 2],
      [-1, 1],
      [-2, x],
      [-3, x],
    ]), // not on the curve
    map([
      [1, 1],
      [-1, 6],
      [-2, x.subarray(1)],
    ]), // short Ed25519
    map([
      [1, 1],
      [-1, 6],
      [-2, x],
      [3, -7],
    ]), // alg does not fit
    map([
      [1, 1],
      [-1, 6],
      [-2, x],
      [99, 0],
    ]), // unknown member
    map([
      [1, 4],
      [-1, 6],
      [-2, x],
    ]), // symmetric kty
    good.subarray(0, good.length - 1),
    encodeCbor([]),
  ];
  for (const bytes of bad.slice(0, -1))
    throwsCode(() => decodeCoseKey(bytes), 'MALFORMED_KEY', toHex(bytes));
  throwsCode(() => decodeCoseKeySet(encodeCbor([])), 'MALFORMED_KEY');
  throwsCode(() => decodeCoseKeySet(good), 'MALFORMED_KEY');
});

test('SPKI and PEM: the vectors keys parse, anything else is MALFORMED_KEY', () => {
  const ed = publicKeyFromPem(readTestdataText('scitt/scitt-cose/v1/valid-eddsa/log-key.pub'));
  assert.equal(ed.kty, 'OKP');
  const ec = publicKeyFromPem(readTestdataText('scitt/scitt-cose/v1/valid-es256/log-key.pub'));
  assert.equal(ec.kty, 'EC2');
  throwsCode(
    () => publicKeyFromPem(readTestdataText('scitt/scitt-cose/v1/valid-ccf-vds2/log-key.pub')),
    'MALFORMED_KEY',
  );
  throwsCode(
    () => publicKeyFromPem('-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n'),
    'MALFORMED_KEY',
  );
  throwsCode(() => publicKeyFromSpki(new Uint8Array(44)), 'MALFORMED_KEY');
});
