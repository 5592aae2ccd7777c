import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NoteError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  signNote,
} from '@proofline/note';
import { leafHash } from '@proofline/tlog';
import {
  RecordError,
  buildRecord,
  formatReceiptText,
  openReceipt,
  parseReceiptText,
  signReceipt,
  type Receipt,
} from '../src/index.js';
import { DIGEST, assertRecordError, assertRejectsRecord, testKey } from './helpers.js';

const ORIGIN = 'proofline.example/acme-prod';
const log = testKey(ORIGIN, 9);
const witness = testKey('witness.example', 10);
const { bytes: ENTRY, record } = buildRecord(
  { digest: DIGEST, type: 'test.event' },
  'acme',
  1_700_000_000_000,
);
const RECEIPT: Receipt = {
  origin: ORIGIN,
  index: 42,
  leafHash: leafHash(ENTRY),
  time: record.time,
};
const TEXT =
  'proofline.dev/receipt/v1\n' +
  `origin ${ORIGIN}\n` +
  'index 42\n' +
  `leaf ${Buffer.from(leafHash(ENTRY)).toString('base64')}\n` +
  'time 2023-11-14T22:13:20.000Z\n';

describe('receipt text', () => {
  it('has the exact documented form and round-trips', () => {
    assert.equal(formatReceiptText(RECEIPT), TEXT);
    assert.deepEqual(parseReceiptText(TEXT), RECEIPT);
    const zero = { ...RECEIPT, index: 0 };
    assert.deepEqual(parseReceiptText(formatReceiptText(zero)), zero);
    const max = { ...RECEIPT, index: Number.MAX_SAFE_INTEGER };
    assert.deepEqual(parseReceiptText(formatReceiptText(max)), max);
  });

  it('is never a checkpoint', () => {
    assert.throws(
      () => parseCheckpoint(TEXT),
      (err: unknown) => err instanceof NoteError && err.code === 'MALFORMED_CHECKPOINT',
    );
  });

  it('rejects mangled texts', () => {
    const cases: [string, string | undefined][] = [
      ['', undefined],
      [TEXT.slice(0, -1), undefined],
      [`${TEXT}\n`, undefined],
      [`${TEXT}extra line\n`, undefined],
      [TEXT.replace('\n', '\r\n'), undefined],
      [TEXT.replaceAll('\n', '\r\n'), undefined],
      [TEXT.replace('receipt/v1', 'receipt/v2'), undefined],
      [TEXT.replace('index 42\n', ''), undefined],
      [TEXT.replace('origin ', 'origin  '), '/origin'],
      [TEXT.replace('origin ', 'Origin '), '/origin'],
      [TEXT.replace(ORIGIN, 'proofline.example/acme prod'), '/origin'],
      [TEXT.replace(ORIGIN, 'a+b'), '/origin'],
      [TEXT.replace(`origin ${ORIGIN}`, 'origin '), '/origin'],
      [TEXT.replace('index 42', 'index 042'), '/index'],
      [TEXT.replace('index 42', 'index -1'), '/index'],
      [TEXT.replace('index 42', 'index 4.2'), '/index'],
      [TEXT.replace('index 42', 'index 9007199254740992'), '/index'],
      [TEXT.replace('index 42', 'index  42'), '/index'],
      [TEXT.replace('index 42', 'index 42\r'), '/index'],
      [TEXT.replace('index 42', 'size 42'), '/index'],
      [TEXT.replace(/leaf .*\n/, 'leaf AAAA\n'), '/leaf'],
      [TEXT.replace(/leaf .*\n/, `leaf ${Buffer.alloc(33).toString('base64')}\n`), '/leaf'],
      [TEXT.replace(/leaf (.*)=\n/, 'leaf $1\n'), '/leaf'],
      [
        TEXT.replace(/leaf .*\n/, `leaf ${Buffer.alloc(32, 0xff).toString('base64url')}=\n`),
        '/leaf',
      ],
      [TEXT.replace('time 2023-11-14T22:13:20.000Z', 'time 2023-11-14T22:13:20Z'), '/time'],
      [TEXT.replace('time ', 'time  '), '/time'],
      [`${TEXT.slice(0, -1)} \n`, '/time'],
      ['x'.repeat(70_000), undefined],
    ];
    for (const [text, field] of cases) {
      assertRecordError(
        () => parseReceiptText(text),
        'INVALID_RECEIPT',
        field,
        JSON.stringify(text.slice(0, 200)),
      );
    }
    for (const value of [null, undefined, 42, new Uint8Array(4)]) {
      assertRecordError(() => parseReceiptText(value as unknown as string), 'INVALID_RECEIPT');
    }
  });

  it('rejects unencodable receipts', () => {
    for (const r of [
      { ...RECEIPT, origin: '' },
      { ...RECEIPT, origin: 'a b' },
      { ...RECEIPT, origin: 'a\nindex 1' },
      { ...RECEIPT, index: -1 },
      { ...RECEIPT, index: 1.5 },
      { ...RECEIPT, leafHash: new Uint8Array(31) },
      { ...RECEIPT, leafHash: 'hash' as unknown as Uint8Array },
      { ...RECEIPT, time: '2023-11-14T22:13:20Z' },
    ]) {
      assertRecordError(() => formatReceiptText(r), 'INVALID_ARGUMENT');
    }
  });
});

describe('signReceipt and openReceipt', () => {
  it('signs with the log key and opens with its verifier', async () => {
    const note = await signReceipt(RECEIPT, log.signer);
    assert.equal(parseNote(note).text, TEXT);
    assert.deepEqual(await openReceipt(note, log.verifier), RECEIPT);
    // Extra signatures (e.g. a witness's) are ignored.
    const cosigned = await signNote(TEXT, [log.signer, witness.signer]);
    assert.deepEqual(await openReceipt(cosigned, log.verifier), RECEIPT);
  });

  it('refuses to sign with a key not named after the origin', async () => {
    await assertRejectsRecord(signReceipt(RECEIPT, witness.signer), 'INVALID_ARGUMENT');
    await assertRejectsRecord(
      signReceipt({ ...RECEIPT, index: -1 }, log.signer),
      'INVALID_ARGUMENT',
      '/index',
    );
  });

  it('rejects a wrong key', async () => {
    const note = await signReceipt(RECEIPT, log.signer);
    await assertRejectsRecord(openReceipt(note, witness.verifier), 'INVALID_RECEIPT', '/origin');
    // A different key under the log's name: the signature is from an unknown key.
    const impostor = testKey(ORIGIN, 11);
    await assert.rejects(openReceipt(note, impostor.verifier), (err: unknown) => {
      assert.ok(err instanceof RecordError && err.code === 'INVALID_RECEIPT');
      assert.ok(err.cause instanceof NoteError && err.cause.code === 'UNVERIFIED_NOTE');
      return true;
    });
    const forged = await signReceipt(RECEIPT, impostor.signer);
    await assertRejectsRecord(openReceipt(forged, log.verifier), 'INVALID_RECEIPT');
  });

  it('rejects a mangled note', async () => {
    const note = await signReceipt(RECEIPT, log.signer);
    const mangled = [
      note.replace('index 42', 'index 43'),
      note.replace('index 42', 'index 042'),
      note.replace('proofline.dev/receipt/v1', 'proofline.dev/receipt/v2'),
      note.replace('\n\n', '\n'),
      note.replaceAll('\n', '\r\n'),
      note.slice(0, -2),
      note.slice(0, note.indexOf('\u2014')),
      `${note}garbage\n`,
      '',
    ];
    for (const text of mangled) {
      await assertRejectsRecord(
        openReceipt(text, log.verifier),
        'INVALID_RECEIPT',
        undefined,
        text,
      );
    }
    const sigStart = note.length - 20; // inside the signature, past the key id
    const flipped =
      note.slice(0, sigStart) + (note[sigStart] === 'A' ? 'B' : 'A') + note.slice(sigStart + 1);
    await assert.rejects(openReceipt(flipped, log.verifier), (err: unknown) => {
      assert.ok(err instanceof RecordError && err.code === 'INVALID_RECEIPT');
      assert.ok(err.cause instanceof NoteError && err.cause.code === 'INVALID_SIGNATURE');
      return true;
    });
    for (const value of [null, 42, new Uint8Array(3)]) {
      await assertRejectsRecord(
        openReceipt(value as unknown as string, log.verifier),
        'INVALID_RECEIPT',
      );
    }
  });

  it('rejects a checkpoint passed as a receipt, and vice versa', async () => {
    const checkpoint = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: 43, rootHash: new Uint8Array(32), extensions: [] }),
      [log.signer],
    );
    await assertRejectsRecord(openReceipt(checkpoint, log.verifier), 'INVALID_RECEIPT');
    const receipt = await signReceipt(RECEIPT, log.signer);
    assert.throws(
      () => parseCheckpoint(parseNote(receipt).text),
      (err: unknown) => err instanceof NoteError && err.code === 'MALFORMED_CHECKPOINT',
    );
    await assert.rejects(
      openCheckpoint(receipt, ORIGIN, log.verifier),
      (err: unknown) => err instanceof NoteError && err.code === 'MALFORMED_CHECKPOINT',
    );
  });
});
