import assert from 'node:assert/strict';
import test from 'node:test';
import { CodedError } from '@proofline/tlog';
import {
  NoteError,
  ed25519Signer,
  ed25519Verifier,
  openNote,
  parseNote,
  formatNote,
  formatSignerKey,
  parseSignerKey,
  signNote,
} from '../src/index.js';

const seed = new Uint8Array(32).fill(7);

test('a NoteError is a CodedError; an invalid signature names its key in details', async () => {
  const signer = ed25519Signer('example.com/log', seed);
  const note = await signNote('hello\n', [signer]);
  const parsed = parseNote(note);
  const sig = parsed.signatures[0]!;
  const flipped = Uint8Array.from(sig.signature);
  flipped[0] = flipped[0]! ^ 1;
  const forged = formatNote({ text: parsed.text, signatures: [{ ...sig, signature: flipped }] });
  const { publicKey } = parseSignerKey(formatSignerKey('example.com/log', seed));
  const verifier = ed25519Verifier('example.com/log', publicKey);
  await assert.rejects(openNote(forged, [verifier]), (err: unknown) => {
    assert.ok(err instanceof NoteError && err instanceof CodedError);
    assert.equal(err.code, 'INVALID_SIGNATURE');
    assert.equal(err.name, 'NoteError');
    assert.deepEqual(err.details, { keyName: 'example.com/log', keyId: signer.keyId });
    return true;
  });
});

test('a NoteError carries the cause it was given and no details unless given', () => {
  const cause = new Error('below');
  const err = new NoteError('MALFORMED_KEY', 'bad key', { cause });
  assert.equal(err.cause, cause);
  assert.equal(err.details, undefined);
  assert.equal('cause' in new NoteError('MALFORMED_KEY', 'bad key'), false);
});
