import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_NOTE_SIZE,
  NoteError,
  formatCheckpoint,
  formatNote,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
} from '../src/index.js';
import { assertNoteError, prng, readTestdata, readVectors, utf8 } from './helpers.js';

const go = readVectors<{ text: string; peterSig: string }>('golang-sumdb-note.json');
const { text, peterSig } = go;
const b64 = peterSig.slice('— PeterNeumann '.length, -1);
const valid = `${text}\n${peterSig}`;

const ORIGIN = 'example.com/log/testdata';
const verifier = parseVerifierKey(
  'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx',
);
const signedCheckpoint = readTestdata('tessera-golden-log/checkpoint.15');
const checkpointText = new TextDecoder().decode(signedCheckpoint).split('\n\n')[0] + '\n';
const ROOT = checkpointText.split('\n')[2]!;

const hostileNotes: [string, string | Uint8Array][] = [
  ['CRLF line endings', valid.replaceAll('\n', '\r\n')],
  ['CRLF in the text only', text.replaceAll('\n', '\r\n') + '\n' + peterSig],
  ['bare CR', 'a\rb\n\n' + peterSig],
  ['NUL', 'a\0b\n\n' + peterSig],
  ['tab', 'a\tb\n\n' + peterSig],
  ['escape', 'a\x1bb\n\n' + peterSig],
  ['unit separator', 'a\x1fb\n\n' + peterSig],
  ['control char in signature line', `${text}\n— PeterNeumann\t${b64}\n`],
  ['invalid UTF-8 byte 0xff', new Uint8Array([0xff, ...utf8(valid)])],
  ['overlong UTF-8', new Uint8Array([0xc0, 0xaf, ...utf8(valid)])],
  ['UTF-8 encoded surrogate', new Uint8Array([0xed, 0xa0, 0x80, ...utf8(valid)])],
  ['truncated UTF-8 sequence', new Uint8Array([...utf8(valid), 0xe2, 0x80])],
  ['lone surrogate in a string', '\ud800' + valid],
  ['missing final newline', valid.slice(0, -1)],
  ['missing blank line', text + peterSig],
  ['empty note', ''],
  ['empty text', '\n' + peterSig],
  ['signatures only', peterSig],
  ['no signatures', text + '\n'],
  ['signature line without em dash', `${text}\n- PeterNeumann ${b64}\n`],
  ['horizontal bar instead of em dash', `${text}\n\u2015 PeterNeumann ${b64}\n`],
  ['no space after em dash', `${text}\n—PeterNeumann ${b64}\n`],
  ['two spaces before the name', `${text}\n—  PeterNeumann ${b64}\n`],
  ['two spaces before the signature', `${text}\n— PeterNeumann  ${b64}\n`],
  ['trailing space', `${text}\n— PeterNeumann ${b64} \n`],
  ['no signature', `${text}\n— PeterNeumann\n`],
  ['empty signature', `${text}\n— PeterNeumann \n`],
  ['bad base64 character', `${text}\n— PeterNeumann ${b64.replace('/', '!')}\n`],
  ['url-safe base64', `${text}\n— PeterNeumann ${b64.replaceAll('/', '_')}\n`],
  ['missing base64 padding', `${text}\n— PeterNeumann ${b64.slice(0, -1)}\n`],
  ['non-canonical base64 trailing bits', `${text}\n— PeterNeumann ${b64.slice(0, -2)}N=\n`],
  ['short signature (4 bytes)', `${text}\n— PeterNeumann AAAAAA==\n`],
  ['name with +', `${text}\n— Peter+Neumann ${b64}\n`],
  ['name with a space', `${text}\n— Peter Neumann ${b64}\n`],
  ['name with NBSP', `${text}\n— Peter\u00a0Neumann ${b64}\n`],
  ['name with DEL', `${text}\n— Peter\u007fNeumann ${b64}\n`],
  ['101 signatures', text + '\n' + peterSig.repeat(101)],
  ['trailing data', valid + 'x'],
  ['trailing line', valid + 'Unexpected line.\n'],
  ['blank line after the signatures', valid + '\n'],
  ['oversized note', 'a\n'.repeat(MAX_NOTE_SIZE / 2) + '\n' + peterSig],
  ['oversized only in UTF-8', '€'.repeat(MAX_NOTE_SIZE / 2) + '\n\n' + peterSig],
  ['oversized bytes', new Uint8Array(MAX_NOTE_SIZE + 1).fill(0x61)],
];

const hostileCheckpoints: [string, string][] = [
  ['leading-zero size', `o\n01\n${ROOT}\n`],
  ['double zero size', `o\n00\n${ROOT}\n`],
  ['negative size', `o\n-1\n${ROOT}\n`],
  ['plus sign', `o\n+1\n${ROOT}\n`],
  ['decimal point', `o\n1.0\n${ROOT}\n`],
  ['exponent', `o\n1e3\n${ROOT}\n`],
  ['hex size', `o\n0x10\n${ROOT}\n`],
  ['space in size', `o\n 1\n${ROOT}\n`],
  ['fullwidth digit', `o\n\uff11\n${ROOT}\n`],
  ['empty size', `o\n\n${ROOT}\n`],
  ['size 2^53', `o\n9007199254740992\n${ROOT}\n`],
  ['size far beyond 2^53', `o\n99999999999999999999\n${ROOT}\n`],
  ['31-byte root', `o\n1\n${Buffer.alloc(31, 7).toString('base64')}\n`],
  ['33-byte root', `o\n1\n${Buffer.alloc(33, 7).toString('base64')}\n`],
  ['unpadded root', `o\n1\n${ROOT.slice(0, -1)}\n`],
  ['non-canonical root', `o\n1\n${ROOT.slice(0, -2)}x=\n`],
  ['url-safe root', `o\n1\n${Buffer.alloc(32, 0xff).toString('base64url')}=\n`],
  ['empty origin', `\n1\n${ROOT}\n`],
  ['empty extension line', `o\n1\n${ROOT}\n\n`],
  ['empty extension line between two', `o\n1\n${ROOT}\next\n\nmore\n`],
  ['missing trailing newline', `o\n1\n${ROOT}`],
  ['two lines', `o\n1\n`],
  ['empty', ``],
  ['CR in origin', `o\r\n1\n${ROOT}\n`],
  ['NUL in extension', `o\n1\n${ROOT}\nx\0\n`],
  ['oversized', `o\n1\n${ROOT}\n` + 'x\n'.repeat(MAX_NOTE_SIZE)],
];

describe('hostile input', () => {
  for (const [what, note] of hostileNotes) {
    it(`note: ${what}`, () => assertNoteError(() => parseNote(note), 'MALFORMED_NOTE', what));
  }
  for (const [what, body] of hostileCheckpoints) {
    it(`checkpoint: ${what}`, () =>
      assertNoteError(() => parseCheckpoint(body), 'MALFORMED_CHECKPOINT', what));
  }

  it('rejects non-string and non-byte input', () => {
    for (const x of [null, undefined, 42, {}, [valid]]) {
      assertNoteError(() => parseNote(x as unknown as string), 'MALFORMED_NOTE');
      assertNoteError(() => parseCheckpoint(x as unknown as string), 'MALFORMED_CHECKPOINT');
    }
  });

  it('rejects a huge note before doing any work', () => {
    const huge = 'a'.repeat(64 * 1024 * 1024);
    const hugeBytes = new Uint8Array(64 * 1024 * 1024);
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      assertNoteError(() => parseNote(huge), 'MALFORMED_NOTE');
      assertNoteError(() => parseNote(hugeBytes), 'MALFORMED_NOTE');
      assertNoteError(() => parseCheckpoint(huge), 'MALFORMED_CHECKPOINT');
    }
    assert.ok(performance.now() - start < 500, 'size bound is checked first');
  });

  it('accepts the boundary cases', () => {
    assert.equal(parseNote(text + '\n' + peterSig.repeat(100)).signatures.length, 100);
    const big = 'a'.repeat(MAX_NOTE_SIZE - peterSig.length - 10) + '\n\n' + peterSig;
    assert.ok(new TextEncoder().encode(big).length <= MAX_NOTE_SIZE);
    assert.equal(parseNote(big).signatures.length, 1);
    assert.equal(parseNote('\n\n' + peterSig).text, '\n');
    assert.equal(parseNote('\ufeff' + valid).text, '\ufeff' + text, 'a BOM is text');
    assert.equal(
      parseNote(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(valid)])).text,
      '\ufeff' + text,
    );
    assert.equal(parseCheckpoint(`o\n0\n${ROOT}\n`).size, 0);
    assert.equal(parseCheckpoint(`o\n9007199254740991\n${ROOT}\n`).size, Number.MAX_SAFE_INTEGER);
    assert.equal(parseCheckpoint(`o o\u00a0+\n1\n${ROOT}\nx\n`).origin, 'o o\u00a0+');
  });
});

/** Applies 1 to 3 random byte edits. */
function mutate(input: Uint8Array, rand: (n: number) => number): Uint8Array {
  const bytes = [...input];
  for (let k = 1 + rand(3); k > 0; k--) {
    const i = rand(bytes.length + 1);
    switch (rand(5)) {
      case 0:
        bytes[Math.min(i, bytes.length - 1)] = rand(256);
        break;
      case 1:
        bytes.splice(i, 0, rand(2) ? rand(256) : [0x0a, 0x20, 0x2b, 0x3d, 0x2d][rand(5)]!);
        break;
      case 2:
        bytes.splice(i, 1 + rand(4));
        break;
      case 3:
        bytes.splice(i, 0, ...bytes.slice(rand(bytes.length), rand(bytes.length)));
        break;
      default:
        bytes[Math.min(i, bytes.length - 1)]! ^= 1 << rand(8);
    }
  }
  return new Uint8Array(bytes);
}

describe('random mutations of a signed checkpoint', () => {
  it('either open to the same checkpoint or throw NoteError', async () => {
    // The golden checkpoint plus a signature by a key the log verifier does not know, so
    // mutations of that line still open (as unverified) while others must be rejected.
    const base = new Uint8Array([...signedCheckpoint, ...utf8(peterSig)]);
    const rand = prng(0x5eed);
    let opened = 0;
    let rejected = 0;
    for (let i = 0; i < 1500; i++) {
      const mutated = mutate(base, rand);
      const input = i % 2 ? mutated : new TextDecoder().decode(mutated);
      try {
        const { checkpoint, note } = await openCheckpoint(input, ORIGIN, verifier);
        assert.equal(note.text, checkpointText);
        assert.equal(checkpoint.size, 15);
        opened++;
      } catch (err) {
        assert.ok(err instanceof NoteError, `${String(err)} for ${JSON.stringify(String(input))}`);
        rejected++;
      }
    }
    assert.ok(opened > 0 && rejected > 0, `opened ${opened}, rejected ${rejected}`);
  });

  it('parseNote and parseCheckpoint either round-trip exactly or throw NoteError', () => {
    const rand = prng(42);
    const note = new TextDecoder().decode(signedCheckpoint);
    for (let i = 0; i < 20000; i++) {
      const input = new TextDecoder().decode(mutate(utf8(note), rand));
      try {
        assert.equal(formatNote(parseNote(input)), input);
      } catch (err) {
        assert.ok(err instanceof NoteError, String(err));
      }
      const body = input.split('\n\n')[0] + '\n';
      try {
        assert.equal(formatCheckpoint(parseCheckpoint(body)), body);
      } catch (err) {
        assert.ok(err instanceof NoteError, String(err));
      }
    }
  });
});
