import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { formatVerifierKey } from '@proofline/note';
import { VerificationError, ed25519Verifier } from '../src/index.js';
import { detectBackend, type Backend } from '../src/ed25519/backends.js';
import {
  isCanonicalPointEncoding,
  isReducedScalar,
  isSmallOrderEncoding,
} from '../src/ed25519/encoding.js';
import { publicKey } from '../src/ed25519/key.js';
import { PROBES } from '../src/ed25519/probes.js';
import { verifySignature } from '../src/ed25519/verify.js';
import { fromHex, readVectors, utf8, vkeyOf } from './helpers.js';

interface Vector {
  readonly name: string;
  readonly description?: string;
  readonly publicKey: string;
  readonly message: string;
  readonly signature: string;
  readonly valid: boolean;
  readonly reason: string;
}
const vectors =
  readVectors<Record<'rfc8032' | 'speccheck' | 'proofline', Vector[]>>('ed25519.json');
const all = [...vectors.rfc8032, ...vectors.speccheck, ...vectors.proofline];
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n: bigint): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));

/** The verdict of the whole pipeline on `backend`: key checks, pre-checks, equation. */
async function verdict(v: Vector, backend: Backend): Promise<boolean> {
  let key;
  try {
    key = publicKey(fromHex(v.publicKey));
  } catch (e) {
    assert.ok(e instanceof VerificationError && e.code === 'INVALID_KEY');
    return false;
  }
  return verifySignature(key, fromHex(v.message), fromHex(v.signature), backend);
}

describe('Ed25519 vectors', () => {
  it('the vector file has RFC 8032, speccheck and own vectors', () => {
    assert.equal(vectors.rfc8032.length, 5);
    assert.equal(vectors.speccheck.length, 15);
    assert.ok(vectors.proofline.length >= 5);
  });

  for (const v of all) {
    it(`${v.name}: ${v.valid ? 'accepted' : `rejected (${v.reason})`} by both back ends`, async () => {
      assert.equal(await verdict(v, 'noble'), v.valid, 'noble');
      assert.equal(await verdict(v, 'webcrypto'), v.valid, 'webcrypto');
    });
  }

  it('RFC 8032 signatures fail with any bit of the message or signature flipped', async () => {
    for (const v of vectors.rfc8032.slice(0, 3)) {
      const key = publicKey(fromHex(v.publicKey));
      const sig = fromHex(v.signature);
      for (const backend of ['noble', 'webcrypto'] as const) {
        for (let bit = 0; bit < 512; bit += 7) {
          const bad = sig.slice();
          bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
          assert.equal(await verifySignature(key, fromHex(v.message), bad, backend), false);
        }
        const msg = fromHex(v.message);
        const longer = Uint8Array.of(...msg, 0);
        assert.equal(await verifySignature(key, longer, sig, backend), false);
      }
    }
  });

  it('random honest signatures agree on both back ends', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const message = utf8(`message ${i}`);
      const signature = ed25519.sign(message, seed);
      const key = publicKey(ed25519.getPublicKey(seed));
      for (const backend of ['noble', 'webcrypto'] as const) {
        assert.equal(await verifySignature(key, message, signature, backend), true);
        assert.equal(await verifySignature(key, utf8('other'), signature, backend), false);
      }
    }
  });

  it("why: noble's own verify is cofactored, WebCrypto here is not", async () => {
    const probe = vectors.proofline.find((v) => v.name.includes('cofactored-only'))!;
    const [pk, msg, sig] = [probe.publicKey, probe.message, probe.signature].map(fromHex);
    assert.equal(ed25519.verify(sig!, msg!, pk!, { zip215: false }), true);
    const key = await crypto.subtle.importKey('raw', pk!, { name: 'Ed25519' }, false, ['verify']);
    assert.equal(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig!, msg!), false);
  });
});

describe('back-end detection', () => {
  it('uses WebCrypto on Node, which passes every probe', async () => {
    assert.equal(await detectBackend(), 'webcrypto');
    assert.equal(PROBES.length, 3);
    for (const p of PROBES) {
      const key = publicKey(p.publicKey);
      assert.equal(await verifySignature(key, p.message, p.signature, 'noble'), p.valid);
    }
  });
});

describe('pre-checks', () => {
  it('canonical point encodings', () => {
    const y = (n: bigint, sign = 0n) => le(n | (sign << 255n));
    assert.equal(isCanonicalPointEncoding(y(0n)), true);
    assert.equal(isCanonicalPointEncoding(y(1n)), true);
    assert.equal(isCanonicalPointEncoding(y(1n, 1n)), false);
    assert.equal(isCanonicalPointEncoding(y(P - 1n)), true);
    assert.equal(isCanonicalPointEncoding(y(P - 1n, 1n)), false);
    assert.equal(isCanonicalPointEncoding(y(P - 2n, 1n)), true);
    for (let n = P; n < 2n ** 255n; n++) {
      assert.equal(isCanonicalPointEncoding(y(n)), false);
      assert.equal(isCanonicalPointEncoding(y(n, 1n)), false);
    }
  });

  it('the small-order encodings are exactly the eight points of small order', () => {
    const { Point } = ed25519;
    const t = Point.fromHex(ED25519_TORSION_SUBGROUP[1]!);
    const multiples = Array.from({ length: 8 }, (_, i) => t.multiplyUnsafe(BigInt(i)).toBytes());
    assert.equal(new Set(multiples.map((b) => Buffer.from(b).toString('hex'))).size, 8);
    for (const b of multiples) {
      assert.equal(isSmallOrderEncoding(b), true);
      assert.equal(Point.fromBytes(b).isSmallOrder(), true);
    }
    assert.equal(isSmallOrderEncoding(Point.BASE.toBytes()), false);
  });

  it('reduced scalars', () => {
    assert.equal(isReducedScalar(le(0n)), true);
    assert.equal(isReducedScalar(le(L - 1n)), true);
    assert.equal(isReducedScalar(le(L)), false);
    assert.equal(isReducedScalar(le(2n ** 256n - 1n)), false);
  });

  it('agree with the BigInt definitions on edge and random encodings', () => {
    const num = (b: Uint8Array) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
    const canonical = (b: Uint8Array) => {
      const y = num(b) & (2n ** 255n - 1n);
      return y < P && (num(b) >> 255n === 0n || (y !== 1n && y !== P - 1n));
    };
    const small = new Set<string>(ED25519_TORSION_SUBGROUP);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const edges = [0n, 1n, 2n, P - 2n, P - 1n, P, P + 1n, L - 1n, L, L + 1n, 2n ** 255n - 1n];
    const inputs = [
      ...edges.flatMap((n) => [le(n), le(n | (1n << 255n))]),
      ...ED25519_TORSION_SUBGROUP.map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
      ...Array.from({ length: 20000 }, (_, i) => {
        const b = crypto.getRandomValues(new Uint8Array(32));
        // Mostly near the bounds: high bytes of p or L with random low ones.
        if (i % 4 === 1) b.set(le(P).subarray(1 + (i % 31)), 1 + (i % 31));
        if (i % 4 === 2) b.set(le(L).subarray(1 + (i % 31)), 1 + (i % 31));
        return b;
      }),
    ];
    for (const b of inputs) {
      assert.equal(isCanonicalPointEncoding(b), canonical(b), hex(b));
      assert.equal(isReducedScalar(b), num(b) < L, hex(b));
      assert.equal(isSmallOrderEncoding(b), small.has(hex(b)), hex(b));
    }
  });

  it('bad inputs resolve to false, never reject', async () => {
    const v = vectors.rfc8032[0]!;
    const key = publicKey(fromHex(v.publicKey));
    const sig = fromHex(v.signature);
    for (const [message, signature] of [
      [fromHex(v.message), sig.subarray(1)],
      [fromHex(v.message), new Uint8Array(65)],
      ['text', sig],
      [fromHex(v.message), null],
    ]) {
      assert.equal(
        await verifySignature(key, message as Uint8Array, signature as Uint8Array),
        false,
      );
    }
  });
});

describe('ed25519Verifier', () => {
  it('verifies with a C2SP verifier key', async () => {
    for (const v of vectors.rfc8032) {
      const verifier = ed25519Verifier(
        formatVerifierKey('rfc8032.example/key', fromHex(v.publicKey)),
      );
      assert.equal(verifier.name, 'rfc8032.example/key');
      assert.equal(await verifier.verify(fromHex(v.message), fromHex(v.signature)), true);
      assert.equal(await verifier.verify(utf8('x'), fromHex(v.signature)), false);
    }
  });

  it('rejects malformed keys and keys that are not prime-order points', () => {
    const good = formatVerifierKey('k.example', fromHex(vectors.rfc8032[0]!.publicKey));
    const bad = [
      '',
      'k.example',
      'k.example+00000000+AQ==',
      good.replace(/\+[0-9a-f]{8}\+/, (m) => m.toUpperCase()),
      good.replace(/\+([0-9a-f])/, (_m, c: string) => `+${c === '0' ? '1' : '0'}`),
      `${good}=`,
      `${good.slice(0, -1)}`,
      'x'.repeat(2000),
      vkeyOf('k.example', 0x04, fromHex(vectors.rfc8032[0]!.publicKey)),
      vkeyOf('k.example', 0x01, fromHex(ED25519_TORSION_SUBGROUP[3]!)),
      vkeyOf('k.example', 0x01, fromHex(vectors.speccheck[3]!.publicKey)),
      vkeyOf('k.example', 0x01, fromHex('ee' + 'ff'.repeat(30) + '7f')),
      vkeyOf('k.example', 0x01, le(2n)),
    ];
    for (const vkey of bad) {
      assert.throws(
        () => ed25519Verifier(vkey),
        (e: unknown) => e instanceof VerificationError && e.code === 'INVALID_KEY',
        vkey,
      );
    }
  });
});
