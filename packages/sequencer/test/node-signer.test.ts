import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ed25519Signer,
  formatSignerKey,
  formatVerifierKey,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '@proofline/note';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEd25519Signer, workerEd25519Signer } from '../src/index.js';
import { nodeEd25519Verifier } from '../src/node-signer.js';
import { hex, utf8 } from './helpers.js';

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** RFC 8032 §7.1 TEST 1, 2 and 3 (seed, public key, message, signature). */
const RFC8032 = [
  [
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
] as const;

describe('nodeEd25519Signer', () => {
  test('matches the RFC 8032 test vectors', async () => {
    for (const [seed, publicKey, message, signature] of RFC8032) {
      const signer = nodeEd25519Signer('rfc8032', fromHex(seed));
      assert.equal(hex(await signer.sign(fromHex(message))), signature);
      const vkey = formatVerifierKey('rfc8032', fromHex(publicKey));
      assert.equal(signer.keyId, parseVerifierKey(vkey).keyId);
    }
  });

  test('is byte-identical to ed25519Signer from @proofline/note', async () => {
    const messages = [
      new Uint8Array(0),
      utf8('proofline.test/log\n42\nAAAA\n'),
      Uint8Array.from({ length: 5000 }, (_, i) => (i * 131) & 0xff),
    ];
    for (let s = 0; s < 8; s++) {
      const seed = Uint8Array.from({ length: 32 }, (_, i) => (s * 37 + i * 11 + 5) & 0xff);
      const name = `example.com/log-${s}`;
      const fast = nodeEd25519Signer(name, seed);
      const reference = ed25519Signer(name, seed);
      assert.equal(fast.name, name);
      assert.equal(fast.keyId, reference.keyId, `key id, seed ${s}`);

      const verifier = parseVerifierKey(
        formatVerifierKey(name, parseSignerKey(formatSignerKey(name, seed)).publicKey),
      );
      assert.equal(verifier.keyId, fast.keyId);
      for (const [m, message] of messages.entries()) {
        const signature = await fast.sign(message);
        assert.equal(signature.length, 64);
        assert.equal(hex(signature), hex(await reference.sign(message)), `seed ${s}, message ${m}`);
        assert.equal(await verifier.verify(message, signature), true);
        const tampered = Uint8Array.from(message.length > 0 ? message : [0]);
        tampered[0]! ^= 1;
        assert.equal(await verifier.verify(tampered, signature), false);
      }
    }
  });

  test('signs notes that open with the matching verifier key', async () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const name = 'proofline.test/notes';
    const signer = nodeEd25519Signer(name, seed);
    const note = await signNote('hello\nworld\n', [signer]);
    assert.equal(note, await signNote('hello\nworld\n', [ed25519Signer(name, seed)]));
    const vkey = formatVerifierKey(name, parseSignerKey(formatSignerKey(name, seed)).publicKey);
    const opened = await openNote(note, [parseVerifierKey(vkey)]);
    assert.equal(opened.text, 'hello\nworld\n');
    assert.equal(opened.verified.length, 1);
  });

  test('refuses a seed that is not 32 bytes', () => {
    assert.throws(() => nodeEd25519Signer('k', new Uint8Array(31)));
    assert.throws(() => nodeEd25519Signer('k', new Uint8Array(33)));
  });
});

describe('nodeEd25519Verifier', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + 1) & 0xff);
  const name = 'proofline.test/own';
  const vkey = formatVerifierKey(name, parseSignerKey(formatSignerKey(name, seed)).publicKey);

  test('answers exactly as Ed25519 for signatures this process made, and for others', async () => {
    const verifier = nodeEd25519Verifier(vkey);
    const message = utf8('proofline.test/own\n7\n');
    const own = nodeEd25519Signer(name, seed).signSync(message);
    assert.equal(await verifier.verify(message, own), true);
    // The caller's buffers are copied: changing them afterwards changes nothing remembered.
    const reused = Uint8Array.from(message);
    const again = nodeEd25519Signer(name, seed).signSync(reused);
    reused[0]! ^= 1;
    assert.equal(await verifier.verify(reused, again), false);
    assert.equal(await verifier.verify(message, again), true);
    // Any byte changed, in the message or the signature, is refused.
    for (let i = 0; i < message.length; i += 5) {
      const tampered = Uint8Array.from(message);
      tampered[i]! ^= 1;
      assert.equal(await verifier.verify(tampered, own), false, `message byte ${i}`);
    }
    for (const i of [0, 31, 32, 63]) {
      const tampered = Uint8Array.from(own);
      tampered[i]! ^= 1;
      assert.equal(await verifier.verify(message, tampered), false, `signature byte ${i}`);
    }
    assert.equal(await verifier.verify(message, own.subarray(0, 63)), false);
    // A signature made elsewhere (not remembered) is verified in full.
    const elsewhere = utf8('signed by another process');
    assert.equal(
      await verifier.verify(elsewhere, await ed25519Signer(name, seed).sign(elsewhere)),
      true,
    );
    // Another key's verifier does not take this key's remembered signature.
    const otherSeed = Uint8Array.from(seed, (b) => b ^ 0xff);
    const other = nodeEd25519Verifier(
      formatVerifierKey(name, parseSignerKey(formatSignerKey(name, otherSeed)).publicKey),
    );
    assert.equal(await other.verify(message, own), false);
  });

  test('still verifies a remembered signature once it has been forgotten', async () => {
    const verifier = nodeEd25519Verifier(vkey);
    const signer = nodeEd25519Signer(name, seed);
    const first = utf8('the oldest');
    const signature = signer.signSync(first);
    for (let i = 0; i < 4100; i++) signer.signSync(utf8(`filler ${i}`));
    assert.equal(await verifier.verify(first, signature), true);
  });
});

describe('workerEd25519Signer', () => {
  test('matches the RFC 8032 test vectors', async () => {
    for (const [seed, , message, signature] of RFC8032) {
      const signer = workerEd25519Signer('rfc8032', fromHex(seed));
      assert.equal(signer.keyId, nodeEd25519Signer('rfc8032', fromHex(seed)).keyId);
      assert.equal(hex(await signer.sign(fromHex(message))), signature);
    }
  });

  test('signs many concurrent messages, each with its own signature', async () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const fast = workerEd25519Signer('example.com/log', seed);
    const reference = nodeEd25519Signer('example.com/log', seed);
    // More than one batch (4096), messages of different lengths, some views into a larger buffer.
    const big = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31) & 0xff);
    const messages = Array.from({ length: 5000 }, (_, i) =>
      i % 3 === 0 ? big.subarray(i, i + (i % 97)) : utf8(`message ${i}\n`),
    );
    const signatures = await Promise.all(messages.map((m) => fast.sign(m)));
    for (const [i, m] of messages.entries()) {
      assert.equal(hex(signatures[i]!), hex(await reference.sign(m)), `message ${i}`);
    }
    // A later, separate batch still works.
    assert.equal(hex(await fast.sign(utf8('x'))), hex(await reference.sign(utf8('x'))));
  });

  test('does not keep the process alive once idle', () => {
    const script = `
      import { workerEd25519Signer } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
      const s = workerEd25519Signer('k', new Uint8Array(32));
      // Ten at once: more than are signed on the calling thread, so the thread starts.
      const all = await Promise.all(Array.from({ length: 10 }, (_, i) => s.sign(new Uint8Array([i]))));
      console.log(all[9].length);`;
    const dir = mkdtempSync(join(tmpdir(), 'proofline-signer-'));
    writeFileSync(join(dir, 'sign-once.mjs'), script);
    const run = spawnSync(process.execPath, [join(dir, 'sign-once.mjs')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    rmSync(dir, { recursive: true });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '64');
  });

  test('refuses a seed that is not 32 bytes', () => {
    assert.throws(() => workerEd25519Signer('k', new Uint8Array(31)));
  });
});
