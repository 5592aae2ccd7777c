import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64Encode,
  formatCheckpoint,
  formatNote,
  openNote,
  parseCheckpoint,
  parseNote,
} from '../src/index.js';
import { assertRejectsNote, readVectors } from './helpers.js';

interface C2spVectors {
  signedNote: { note: string; text: string; name: string };
  checkpoint: { note: string; origin: string; size: number; rootHash: string };
}
const c2sp = readVectors<C2spVectors>('c2sp-examples.json');

describe('C2SP spec examples', () => {
  it('signed-note: parses, with an Ed25519-sized signature, and round-trips', async () => {
    const n = parseNote(c2sp.signedNote.note);
    assert.equal(n.text, c2sp.signedNote.text);
    assert.equal(n.signatures.length, 1);
    const [sig] = n.signatures;
    assert.equal(sig!.name, c2sp.signedNote.name);
    assert.equal(sig!.keyId, 0x367ba04b);
    assert.equal(sig!.signature.length, 64);
    assert.equal(formatNote(n), c2sp.signedNote.note);
    // The text contains a blank line: only the last one separates the signatures.
    assert.ok(n.text.includes('\n\n'));
    // No verifier key is published for it: with no known key it is unverified.
    await assertRejectsNote(openNote(c2sp.signedNote.note, []), 'UNVERIFIED_NOTE');
  });

  it('tlog-checkpoint: the note and its body parse', () => {
    const n = parseNote(c2sp.checkpoint.note);
    assert.equal(n.signatures.length, 1);
    assert.equal(n.signatures[0]!.name, c2sp.checkpoint.origin);
    assert.equal(n.signatures[0]!.signature.length, 64);
    const c = parseCheckpoint(n.text);
    assert.equal(c.origin, c2sp.checkpoint.origin);
    assert.equal(c.size, c2sp.checkpoint.size);
    assert.equal(base64Encode(c.rootHash), c2sp.checkpoint.rootHash);
    assert.deepEqual(c.extensions, []);
    assert.equal(formatCheckpoint(c), n.text);
  });
});
