import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  CborTag,
  decodeCbor,
  decodeSign1,
  ed25519CoseSigner,
  encodeCbor,
  encodeSign1,
  es256CoseSigner,
  sigStructure,
  signSign1,
  verifySign1,
  type CborValue,
} from '../src/index.js';
import { throwsCode } from './helpers.js';

const ed = ed25519CoseSigner(new Uint8Array(32).fill(3));
const ec = es256CoseSigner(new Uint8Array(32).fill(4));
const payload = new TextEncoder().encode('statement');

test('sign and verify EdDSA and ES256, attached and detached', async () => {
  for (const signer of [ed, ec]) {
    const attached = await signSign1({ payload, protected: [[3, 'text/plain']] }, signer);
    const v = verifySign1(attached, [signer.publicKey]);
    assert.deepEqual(v.payload, payload);
    assert.equal(v.alg, signer.alg);
    assert.equal(attached[0], 0xd2); // tag 18
    assert.deepEqual(encodeSign1(decodeSign1(attached)), attached);
    const detached = await signSign1({ payload, detached: true }, signer);
    assert.equal(decodeSign1(detached).payload, null);
    verifySign1(detached, [signer.publicKey], { payload });
    throwsCode(() => verifySign1(detached, [signer.publicKey]), 'INVALID_ARGUMENT');
    throwsCode(() => verifySign1(attached, [signer.publicKey], { payload }), 'INVALID_ARGUMENT');
    throwsCode(
      () => verifySign1(detached, [signer.publicKey], { payload: payload.subarray(1) }),
      'INVALID_SIGNATURE',
    );
  }
});

test('RFC 9052 §4.4 Sig_structure for Signature1', () => {
  const tbs = decodeCbor(
    sigStructure(Uint8Array.of(0xa1, 0x01, 0x27), Uint8Array.of(1), Uint8Array.of(2)),
  );
  assert.deepEqual(tbs, [
    'Signature1',
    Uint8Array.of(0xa1, 0x01, 0x27),
    Uint8Array.of(2),
    Uint8Array.of(1),
  ]);
});

test('every single-bit flip of a signed message is refused with a typed error', async () => {
  const good = await signSign1({ payload, protected: [[4, Uint8Array.of(7)]] }, ed);
  for (let i = 0; i < good.length * 8; i++) {
    const bad = good.slice();
    bad[i >> 3] = bad[i >> 3]! ^ (1 << (i & 7));
    assert.throws(
      () => verifySign1(bad, [ed.publicKey]),
      (err: unknown) => (err as { code?: string }).code !== undefined,
    );
  }
});

/** A Sign1 with the given parts, signed by `ed` (whose signer is synchronous). */
function build(
  protectedMap: CborMap,
  unprotected = new CborMap([]),
  tag: number | null = 18,
): Uint8Array {
  const protectedBytes = encodeCbor(protectedMap);
  const signature = ed.sign(sigStructure(protectedBytes, payload)) as Uint8Array;
  const body: CborValue = [protectedBytes, unprotected, payload, signature];
  return encodeCbor(tag === null ? body : new CborTag(tag, body));
}

test('tags, algorithms, crit and kid are enforced', () => {
  const alg = (a: number): [number, number] => [1, a];
  verifySign1(build(new CborMap([alg(-8)]), new CborMap([]), null), [ed.publicKey]);
  throwsCode(
    () => decodeSign1(build(new CborMap([alg(-8)]), new CborMap([]), 98)),
    'MALFORMED_COSE',
  );
  throwsCode(
    () => verifySign1(build(new CborMap([alg(-35)])), [ed.publicKey]),
    'UNSUPPORTED_ALGORITHM',
  );
  throwsCode(
    () => verifySign1(build(new CborMap([]), new CborMap([alg(-8)])), [ed.publicKey]),
    'UNSUPPORTED_ALGORITHM',
  );
  throwsCode(
    () => verifySign1(build(new CborMap([alg(-7)])), [ed.publicKey]),
    'ALGORITHM_MISMATCH',
  );
  throwsCode(
    () => verifySign1(build(new CborMap([alg(-8)])), [ec.publicKey]),
    'ALGORITHM_MISMATCH',
  );
  const crit = build(new CborMap([alg(-8), [2, [99]], [99, 1]]));
  throwsCode(() => verifySign1(crit, [ed.publicKey]), 'UNKNOWN_CRITICAL_HEADER');
  verifySign1(crit, [ed.publicKey], { understoodCritical: [99] });
  throwsCode(
    () => decodeSign1(build(new CborMap([alg(-8), [2, [98]]]))),
    'UNKNOWN_CRITICAL_HEADER',
  );
  throwsCode(() => decodeSign1(build(new CborMap([alg(-8), [2, []]]))), 'UNKNOWN_CRITICAL_HEADER');
  throwsCode(
    () => decodeSign1(build(new CborMap([alg(-8)]), new CborMap([[2, [1]]]))),
    'UNKNOWN_CRITICAL_HEADER',
  );
  throwsCode(
    () => decodeSign1(build(new CborMap([alg(-8)]), new CborMap([alg(-8)]))),
    'MALFORMED_COSE',
  );
  const kid = build(new CborMap([alg(-8), [4, Uint8Array.of(1)]]));
  throwsCode(
    () => verifySign1(kid, [{ ...ed.publicKey, kid: Uint8Array.of(2) }]),
    'INVALID_SIGNATURE',
  );
  verifySign1(kid, [
    { ...ec.publicKey, kid: Uint8Array.of(1) },
    { ...ed.publicKey, kid: Uint8Array.of(1) },
  ]);
});
