import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64Decode,
  base64Encode,
  ed25519Signer,
  ed25519Verifier,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  parseSignerKey,
  generateSignerKey,
  signNote,
  type Checkpoint,
} from '../src/index.js';
import { assertNoteError, assertRejectsNote } from './helpers.js';

const root = new Uint8Array(32).map((_, i) => i);

describe('checkpoint bodies', () => {
  it('formats and parses, with extensions', () => {
    const c: Checkpoint = {
      origin: 'example.com/log',
      size: 20852163,
      rootHash: root,
      extensions: ['ext one', 'two'],
    };
    const text = formatCheckpoint(c);
    assert.equal(text, `example.com/log\n20852163\n${base64Encode(root)}\next one\ntwo\n`);
    assert.deepEqual({ ...parseCheckpoint(text) }, { ...c });
  });

  it('rejects values it cannot encode', () => {
    const ok: Checkpoint = { origin: 'o', size: 1, rootHash: root, extensions: [] };
    const bad: Partial<Checkpoint>[] = [
      { origin: '' },
      { origin: 'a\nb' },
      { origin: 'a\rb' },
      { size: -1 },
      { size: 1.5 },
      { size: 2 ** 53 },
      { size: Number.NaN },
      { rootHash: root.subarray(1) },
      { extensions: [''] },
      { extensions: ['a\nb'] },
    ];
    for (const b of bad) {
      assertNoteError(
        () => formatCheckpoint({ ...ok, ...b }),
        'INVALID_ARGUMENT',
        JSON.stringify(b),
      );
    }
  });
});

describe('openCheckpoint', () => {
  const key = parseSignerKey(generateSignerKey('example.com/log'));
  const signer = ed25519Signer(key.name, key.seed);
  const verifier = ed25519Verifier(key.name, key.publicKey);

  it('opens a checkpoint signed by the log, returning cosignatures as unverified', async () => {
    const witness = parseSignerKey(generateSignerKey('witness.example/w1'));
    const body = formatCheckpoint({
      origin: 'example.com/log',
      size: 7,
      rootHash: root,
      extensions: [],
    });
    const note = await signNote(body, [signer, ed25519Signer(witness.name, witness.seed)]);
    const { checkpoint, note: opened } = await openCheckpoint(note, 'example.com/log', verifier);
    assert.equal(checkpoint.size, 7);
    assert.deepEqual(checkpoint.rootHash, root);
    assert.equal(opened.verified.length, 1);
    assert.deepEqual(
      opened.unverified.map((s) => s.name),
      ['witness.example/w1'],
    );
  });

  it("rejects a checkpoint whose origin line is not the log's", async () => {
    const body = formatCheckpoint({
      origin: 'example.com/other',
      size: 7,
      rootHash: root,
      extensions: [],
    });
    const note = await signNote(body, [signer]);
    await assertRejectsNote(
      openCheckpoint(note, 'example.com/log', verifier),
      'MALFORMED_CHECKPOINT',
    );
  });

  it('rejects a signed note that is not a checkpoint', async () => {
    const note = await signNote('hello\n', [signer]);
    await assertRejectsNote(
      openCheckpoint(note, 'example.com/log', verifier),
      'MALFORMED_CHECKPOINT',
    );
  });
});

describe('base64', () => {
  it('round-trips every length and matches Buffer', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 151 + n) & 0xff);
      const text = base64Encode(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(base64Decode(text), bytes);
    }
  });

  it('accepts only the canonical padded form', () => {
    for (const bad of [
      'A',
      'AA',
      'AAA',
      'AB==',
      'AAB=',
      'AA=A',
      '=AAA',
      'A===',
      '====',
      'AA==AA==',
      'AA AA',
      ' AAA',
      'AAA\n',
      '-_AA',
      'ÀAAA',
    ]) {
      assertNoteError(() => base64Decode(bad), 'MALFORMED_NOTE', bad);
    }
    assertNoteError(() => base64Decode('AB==', 'MALFORMED_KEY'), 'MALFORMED_KEY');
    assert.deepEqual(base64Decode(''), new Uint8Array(0));
    assert.deepEqual(base64Decode('AA=='), new Uint8Array(1));
    assert.deepEqual(base64Decode('+/+/'), new Uint8Array([0xfb, 0xff, 0xbf]));
  });
});
