/**
 * openNote and openCheckpoint take a Note instead of text only when parseNote made it
 * (isParsedNote): a look-alike object or a note whose bytes changed after parsing cannot
 * stand in for what was signed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ed25519Signer,
  ed25519Verifier,
  generateSignerKey,
  isParsedNote,
  openNote,
  parseNote,
  parseSignerKey,
  signNote,
  type Note,
} from '../src/index.js';
import { assertRejectsNote, utf8 } from './helpers.js';

const key = parseSignerKey(generateSignerKey('example.com/log'));
const verifier = ed25519Verifier(key.name, key.publicKey);
const signed = await signNote('a signed text\n', [ed25519Signer(key.name, key.seed)]);

test('a note parseNote returned is opened without parsing it again', async () => {
  const parsed = parseNote(signed);
  assert.ok(isParsedNote(parsed));
  assert.ok(isParsedNote(parsed, signed), 'made from that very string');
  assert.ok(!isParsedNote(parsed, `${signed} `), 'not from another string');
  const opened = await openNote(parsed, [verifier]);
  assert.equal(opened.text, 'a signed text\n');
});

test('a look-alike object is not taken for a parsed note, whatever it holds', async () => {
  const parsed = parseNote(signed);
  const lookAlike = { text: 'another text\n', signatures: parsed.signatures } as Note;
  assert.ok(!isParsedNote(lookAlike));
  assert.ok(!isParsedNote({ ...parsed }), 'a copy of a parsed note is not one');
  await assertRejectsNote(openNote(lookAlike, [verifier]), 'MALFORMED_NOTE');
});

test('a note parsed from bytes is what the bytes said then; later edits change nothing', async () => {
  const bytes = utf8(signed);
  const parsed = parseNote(bytes);
  bytes[0] = 0x41; // 'a' -> 'A' after parsing: the Note holds its own copy of the text
  assert.ok(!isParsedNote(parsed, new TextDecoder().decode(bytes)), 'bytes are not a string');
  const opened = await openNote(parsed, [verifier]);
  assert.equal(opened.text, 'a signed text\n');
  await assertRejectsNote(openNote(bytes, [verifier]), 'INVALID_SIGNATURE');
});
