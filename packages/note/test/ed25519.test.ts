import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { ed25519Signer, ed25519Verifier, formatSignerKey, parseSignerKey } from '../src/index.js';
import { fromHex, readVectors, toHex } from './helpers.js';

interface Rfc8032 {
  vectors: {
    name: string;
    secretKey: string;
    publicKey: string;
    message: string;
    signature: string;
  }[];
}
const rfc = readVectors<Rfc8032>('rfc8032-ed25519.json');

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
function nodeKeys(seed: Uint8Array, pub: Uint8Array) {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) };
  return {
    privateKey: createPrivateKey({ key: { ...jwk, d: b64url(seed) }, format: 'jwk' }),
    publicKey: createPublicKey({ key: jwk, format: 'jwk' }),
  };
}

/** The group order L of edwards25519, little-endian, for the S + L malleability check. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

describe('RFC 8032 §7.1 test vectors', () => {
  for (const v of rfc.vectors) {
    it(v.name, async () => {
      const seed = fromHex(v.secretKey);
      const msg = fromHex(v.message);
      const key = parseSignerKey(formatSignerKey('rfc8032', seed));
      assert.equal(toHex(key.publicKey), v.publicKey);
      const sig = await ed25519Signer('rfc8032', seed).sign(msg);
      assert.equal(toHex(sig), v.signature);
      const verifier = ed25519Verifier('rfc8032', fromHex(v.publicKey));
      assert.equal(await verifier.verify(msg, fromHex(v.signature)), true);
      const bad = fromHex(v.signature);
      bad[63]! ^= 0x01;
      assert.equal(await verifier.verify(msg, bad), false);
      assert.equal(await verifier.verify(msg, fromHex(v.signature).subarray(0, 63)), false);
    });
  }

  it('rejects a malleated signature (S + L), which is not canonical', async () => {
    const v = rfc.vectors[0]!;
    const sig = fromHex(v.signature);
    let s = BigInt('0x' + toHex(sig.slice(32).reverse()));
    s += L;
    const sBytes = fromHex(s.toString(16).padStart(64, '0')).reverse();
    sig.set(sBytes, 32);
    const verifier = ed25519Verifier('rfc8032', fromHex(v.publicKey));
    assert.equal(await verifier.verify(fromHex(v.message), sig), false);
  });
});

describe('cross-check with node:crypto (OpenSSL)', () => {
  it('node verifies our signatures and we verify node signatures', async () => {
    for (let i = 0; i < 32; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const pub = parseSignerKey(formatSignerKey('x', seed)).publicKey;
      const { privateKey, publicKey } = nodeKeys(seed, pub);
      const msg = new Uint8Array(randomBytes(i * 37));
      const ours = await ed25519Signer('x', seed).sign(msg);
      assert.equal(verify(null, msg, publicKey, ours), true);
      const theirs = new Uint8Array(sign(null, msg, privateKey));
      assert.deepEqual(theirs, ours, 'Ed25519 is deterministic');
      const verifier = ed25519Verifier('x', pub);
      assert.equal(await verifier.verify(msg, theirs), true);
      theirs[i % 64]! ^= 0x80;
      assert.equal(await verifier.verify(msg, theirs), false);
      assert.equal(verify(null, msg, publicKey, theirs), false);
    }
  });
});
