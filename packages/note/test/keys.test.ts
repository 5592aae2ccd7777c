import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  NoteError,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
  ed25519Signer,
  ed25519Verifier,
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  isValidKeyName,
  keyId,
  parseSignerKey,
  parseVerifierKey,
  type Signer,
  type Verifier,
} from '../src/index.js';
import { assertNoteError, readVectors } from './helpers.js';

interface GoVectors {
  peterVerifierKey: string;
  peterSignerKey: string;
  enochVerifierKey: string;
  badVerifierKeys: { wrongLengthAdjustedHash: string; unknownAlgorithmAdjustedHash: string };
}
const go = readVectors<GoVectors>('golang-sumdb-note.json');

/** Every proper substring and every single-byte increment of `key` (TestNewVerifier/Signer). */
function manglings(key: string): string[] {
  const b = Buffer.from(key);
  const out: string[] = [];
  for (let i = 0; i <= b.length; i++) {
    for (let j = i + 1; j <= b.length; j++) {
      if (i !== 0 || j !== b.length) out.push(b.subarray(i, j).toString('latin1'));
    }
  }
  for (let i = 0; i < b.length; i++) {
    const m = Buffer.from(b);
    m[i]! += 1;
    out.push(m.toString('latin1'));
  }
  return out;
}

async function checkPair(name: string, signer: Signer, verifier: Verifier): Promise<void> {
  assert.equal(signer.name, name);
  assert.equal(verifier.name, name);
  assert.equal(signer.keyId, verifier.keyId);
  const msg = new TextEncoder().encode('hi');
  const sig = await signer.sign(msg);
  assert.equal(await verifier.verify(msg, sig), true);
  sig[0]! += 1;
  assert.equal(await verifier.verify(msg, sig), false, 'corrupt signature');
  sig[0]! -= 1;
  msg[0]! += 1;
  assert.equal(await verifier.verify(msg, sig), false, 'corrupt message');
}

describe('verifier keys (golang TestNewVerifier)', () => {
  it('parses the PeterNeumann key', () => {
    const v = parseVerifierKey(go.peterVerifierKey);
    assert.equal(v.name, 'PeterNeumann');
    assert.equal(v.keyId, 0xc74f20a3);
    assert.equal(v.publicKey.length, 32);
    assert.equal(v.verifierKey, go.peterVerifierKey);
    assert.equal(formatVerifierKey(v.name, v.publicKey), go.peterVerifierKey);
    assert.equal(keyId('PeterNeumann', SIG_TYPE_ED25519, v.publicKey), 0xc74f20a3);
    assert.equal(parseVerifierKey(go.enochVerifierKey).keyId, 0xaf0cfe78);
  });

  it('rejects every substring and every incremented byte', () => {
    const cases = manglings(go.peterVerifierKey);
    assert.ok(cases.length > 2000);
    for (const k of cases) {
      assert.throws(
        () => parseVerifierKey(k),
        (e: unknown) =>
          e instanceof NoteError && ['MALFORMED_KEY', 'UNKNOWN_KEY_TYPE'].includes(e.code),
        k,
      );
    }
  });

  it('rejects a wrong-length key and an unknown algorithm, each with an adjusted key id', () => {
    assertNoteError(
      () => parseVerifierKey(go.badVerifierKeys.wrongLengthAdjustedHash),
      'MALFORMED_KEY',
    );
    assertNoteError(
      () => parseVerifierKey(go.badVerifierKeys.unknownAlgorithmAdjustedHash),
      'UNKNOWN_KEY_TYPE',
    );
  });

  it('rejects uppercase hex, a wrong key id, padding games and oversized input', () => {
    assertNoteError(
      () => parseVerifierKey(go.peterVerifierKey.replace('c74f20a3', 'C74F20A3')),
      'MALFORMED_KEY',
    );
    assertNoteError(
      () => parseVerifierKey(go.peterVerifierKey.replace('c74f20a3', 'c74f20a4')),
      'MALFORMED_KEY',
    );
    assertNoteError(() => parseVerifierKey(`${go.peterVerifierKey}=`), 'MALFORMED_KEY');
    assertNoteError(() => parseVerifierKey(` ${go.peterVerifierKey}`), 'MALFORMED_KEY');
    assertNoteError(() => parseVerifierKey(`${go.peterVerifierKey}\n`), 'MALFORMED_KEY');
    assertNoteError(
      () => parseVerifierKey('a'.repeat(2000) + go.peterVerifierKey),
      'MALFORMED_KEY',
    );
    assertNoteError(() => parseVerifierKey(42 as unknown as string), 'MALFORMED_KEY');
  });

  it('rejects a cosignature-type (0x04) key as UNKNOWN_KEY_TYPE', () => {
    const pub = parseVerifierKey(go.peterVerifierKey).publicKey;
    const id = keyId('w', SIG_TYPE_COSIGNATURE, pub).toString(16).padStart(8, '0');
    const data = Buffer.concat([Buffer.of(SIG_TYPE_COSIGNATURE), pub]).toString('base64');
    assertNoteError(() => parseVerifierKey(`w+${id}+${data}`), 'UNKNOWN_KEY_TYPE');
  });

  it('rejects a key that is not a curve point, with a matching key id', () => {
    // y = 2 is not the y-coordinate of a point on edwards25519.
    const pub = new Uint8Array(32);
    pub[0] = 2;
    const id = keyId('bad', SIG_TYPE_ED25519, pub).toString(16).padStart(8, '0');
    const data = Buffer.concat([Buffer.of(1), pub]).toString('base64');
    assertNoteError(() => parseVerifierKey(`bad+${id}+${data}`), 'MALFORMED_KEY');
    assertNoteError(() => ed25519Verifier('bad', pub), 'INVALID_ARGUMENT');
  });
});

describe('signer keys (golang TestNewSigner)', () => {
  it('parses the PeterNeumann signer key and matches the verifier key', () => {
    const k = parseSignerKey(go.peterSignerKey);
    assert.equal(k.name, 'PeterNeumann');
    assert.equal(k.keyId, 0xc74f20a3);
    assert.equal(k.seed.length, 32);
    assert.deepEqual(k.publicKey, parseVerifierKey(go.peterVerifierKey).publicKey);
    assert.equal(formatSignerKey(k.name, k.seed), go.peterSignerKey);
    assert.equal(ed25519Signer(k.name, k.seed).keyId, 0xc74f20a3);
  });

  it('rejects every substring and every incremented byte', () => {
    for (const k of manglings(go.peterSignerKey)) {
      assert.throws(
        () => parseSignerKey(k),
        (e: unknown) =>
          e instanceof NoteError && ['MALFORMED_KEY', 'UNKNOWN_KEY_TYPE'].includes(e.code),
        k,
      );
    }
  });

  it('rejects a verifier key as a signer key and vice versa', () => {
    assertNoteError(() => parseSignerKey(go.peterVerifierKey), 'MALFORMED_KEY');
    assertNoteError(() => parseVerifierKey(go.peterSignerKey), 'MALFORMED_KEY');
  });
});

describe('key generation (golang TestGenerateKey, TestFromEd25519)', () => {
  it('generates a self-consistent key pair', async () => {
    const skey = generateSignerKey('EnochRoot');
    const k = parseSignerKey(skey);
    const verifier = parseVerifierKey(formatVerifierKey(k.name, k.publicKey));
    await checkPair('EnochRoot', ed25519Signer(k.name, k.seed), verifier);
    assert.notEqual(generateSignerKey('EnochRoot'), skey);
  });

  it('builds signer and verifier from a node:crypto key pair', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
    const seed = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
    const verifier = parseVerifierKey(formatVerifierKey('EnochRoot', pub));
    await checkPair('EnochRoot', ed25519Signer('EnochRoot', seed), verifier);
    assertNoteError(() => formatVerifierKey('EnochRoot', pub.subarray(0, 31)), 'INVALID_ARGUMENT');
    assertNoteError(() => ed25519Signer('EnochRoot', seed.subarray(0, 31)), 'INVALID_ARGUMENT');
    assertNoteError(() => formatSignerKey('EnochRoot', new Uint8Array(33)), 'INVALID_ARGUMENT');
  });

  it('rejects invalid names everywhere a key is built', () => {
    const seed = new Uint8Array(32);
    for (const name of ['', 'a b', 'a+b', 'a\nb', 'a\u00a0b', 'a\u3000b', 'a\u007fb', '\ud800']) {
      assert.equal(isValidKeyName(name), false, JSON.stringify(name));
      assertNoteError(() => generateSignerKey(name), 'INVALID_ARGUMENT');
      assertNoteError(() => formatSignerKey(name, seed), 'INVALID_ARGUMENT');
      assertNoteError(() => ed25519Signer(name, seed), 'INVALID_ARGUMENT');
      assertNoteError(() => keyId(name, SIG_TYPE_ED25519, seed), 'INVALID_ARGUMENT');
    }
    for (const name of [
      'PeterNeumann',
      'example.com/log/testdata',
      'quasimodo.example/salvatore',
      'é😀',
    ]) {
      assert.equal(isValidKeyName(name), true, name);
    }
    assertNoteError(() => keyId('a', 256, seed), 'INVALID_ARGUMENT');
    assertNoteError(() => keyId('a', -1, seed), 'INVALID_ARGUMENT');
  });
});
