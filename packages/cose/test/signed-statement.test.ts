import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import {
  CborMap,
  coseKeyThumbprint,
  decodeSign1,
  ed25519CoseSigner,
  es256CoseSigner,
  signStatement,
  verifySign1,
  type SignedStatementContent,
} from '../src/index.js';

const ed = ed25519CoseSigner(new Uint8Array(32).fill(5));
const es = es256CoseSigner(new Uint8Array(32).fill(6));
const hash = createHash('sha256').update('artefact').digest();
const base: SignedStatementContent = {
  signer: ed,
  kid: coseKeyThumbprint(ed.publicKey),
  issuer: 'https://builder.example',
  subject: 'pkg:npm/app@1.0.0',
  envelope: { hash, hashAlg: -16, preimageContentType: 'application/spdx+json' },
};

async function rejects(content: SignedStatementContent, what: string): Promise<void> {
  await assert.rejects(
    signStatement(content),
    { name: 'CoseError', code: 'INVALID_ARGUMENT' },
    what,
  );
}

test('a hash-envelope statement: protected alg, kid, CWT iss/sub, 258/259/260; attached hash', async () => {
  for (const signer of [ed, es]) {
    const kid = coseKeyThumbprint(signer.publicKey);
    const bytes = await signStatement({
      ...base,
      signer,
      kid,
      envelope: { ...base.envelope!, location: 'https://artefacts.example/a' },
    });
    assert.equal(bytes[0], 0xd2); // tag 18
    const sign1 = decodeSign1(bytes);
    assert.deepEqual(sign1.payload, new Uint8Array(hash));
    assert.equal(sign1.unprotected.entries.length, 0);
    const p = sign1.protected;
    assert.deepEqual(p.keys().map(String).sort(), ['1', '15', '258', '259', '260', '4'].sort());
    assert.equal(p.get(1), signer.alg);
    assert.deepEqual(p.get(4), kid);
    const claims = p.get(15) as CborMap;
    assert.deepEqual([claims.get(1), claims.get(2)], [base.issuer, base.subject]);
    assert.deepEqual(
      [p.get(258), p.get(259), p.get(260)],
      [-16, 'application/spdx+json', 'https://artefacts.example/a'],
    );
    assert.deepEqual(verifySign1(bytes, [signer.publicKey]).payload, new Uint8Array(hash));
  }
});

test('a plain payload with a content type; no envelope headers', async () => {
  const payload = new TextEncoder().encode('{"a":1}');
  const { envelope: _e, ...rest } = base;
  const bytes = await signStatement({ ...rest, payload, contentType: 'application/json' });
  const p = decodeSign1(bytes).protected;
  assert.equal(p.get(3), 'application/json');
  assert.equal(p.has(258), false);
  assert.deepEqual(verifySign1(bytes, [ed.publicKey]).payload, payload);
});

test('arguments a registering log would refuse are INVALID_ARGUMENT, nothing signed', async () => {
  let signed = 0;
  const counting = { alg: ed.alg, sign: (m: Uint8Array) => (signed++, ed.sign(m)) };
  const { envelope: _e, ...noPayload } = { ...base, signer: counting };
  await rejects(noPayload, 'neither payload nor envelope');
  await rejects({ ...base, signer: counting, payload: new Uint8Array(1) }, 'both');
  await rejects({ ...base, signer: counting, kid: new Uint8Array(0) }, 'empty kid');
  await rejects({ ...base, signer: counting, kid: new Uint8Array(65) }, 'long kid');
  await rejects({ ...base, signer: counting, issuer: '' }, 'empty iss');
  await rejects({ ...base, signer: counting, subject: 'x'.repeat(257) }, 'long sub');
  await rejects({ ...base, signer: counting, subject: 'a\nb' }, 'control character');
  await rejects({ ...base, signer: counting, issuer: 'a\ud800' }, 'lone surrogate');
  await rejects({ ...base, signer: counting, contentType: 'text/plain' }, '3 with an envelope');
  for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
    await rejects(
      { ...base, signer: counting, envelope: { hash: bad, hashAlg: -16 } },
      'hash size',
    );
  }
  await rejects(
    { ...base, signer: counting, envelope: { hash, hashAlg: -43 as -16 } },
    'another hash alg',
  );
  await rejects(
    { ...base, signer: counting, envelope: { hash, hashAlg: -16, location: '' } },
    'empty location',
  );
  assert.equal(signed, 0);
  // Non-BMP text is fine (a surrogate pair is one character).
  await signStatement({ ...base, subject: 'release 😀' });
});
