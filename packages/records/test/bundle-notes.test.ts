import assert from 'node:assert/strict';
import test from 'node:test';
import { parseNote, type Note } from '@proofline/note';
import { formatBundle, parseBundle } from '../src/index.js';
import { makeBundle } from './fixtures.js';
import { assertRecordError } from './helpers.js';

const bundle = await makeBundle(13, 9);
const json = formatBundle(bundle);
const members = JSON.parse(json) as Record<string, unknown>;

test('parseBundle uses a note the caller parsed for that very text, and nothing else', () => {
  const asked: string[] = [];
  const parsed = (note: string): Note => (asked.push(note), parseNote(note));
  assert.deepEqual(parseBundle(json, parsed), bundle);
  assert.deepEqual(asked, [bundle.receipt, bundle.checkpoint]);

  // A CR makes the checkpoint malformed; the notes offered for it are not parseNote's of it.
  const bad = JSON.stringify({ ...members, checkpoint: bundle.checkpoint.replace('\n', '\r\n') });
  const valid = parseNote(bundle.checkpoint);
  const offers: ((note: string) => Note | undefined)[] = [
    () => valid, // parsed from another text
    () => ({ text: valid.text, signatures: valid.signatures }), // not from parseNote
    () => undefined,
  ];
  assertRecordError(() => parseBundle(bad), 'INVALID_BUNDLE', '/checkpoint');
  for (const offer of offers) {
    assertRecordError(() => parseBundle(bad, offer), 'INVALID_BUNDLE', '/checkpoint');
  }
});
