/**
 * Key handovers and key histories, attacked as an insider with write access to the history
 * rows would: ranges moved, rows deleted, reordered or forged with one key only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatVerifierKey, parseNote, signNote, type Signer } from '@proofline/note';
import {
  formatKeyHandoverText,
  keyForIndex,
  openKeyHandover,
  parseKeyHandoverText,
  RecordError,
  signKeyHandover,
  verifyKeyHistory,
  type KeyHandover,
} from '../src/index.js';
import { testKey } from './helpers.js';

const ORIGIN = 'example.test/log';
const keys = [1, 2, 3, 4].map((fill) => {
  const k = testKey(ORIGIN, fill);
  const publicKey = (k.verifier as unknown as { publicKey: Uint8Array }).publicKey;
  return { ...k, vkey: formatVerifierKey(ORIGIN, publicKey) };
});
const root = (n: number) => new Uint8Array(32).fill(n);

function handover(a: number, b: number, start: number, end: number): KeyHandover {
  return {
    origin: ORIGIN,
    retired: keys[a]!.vkey,
    successor: keys[b]!.vkey,
    start,
    end,
    rootHash: root(end),
  };
}

const sign = (a: number, b: number, start: number, end: number) =>
  signKeyHandover(handover(a, b, start, end), keys[a]!.signer, keys[b]!.signer);

const isHistoryError = (err: unknown) =>
  err instanceof RecordError && err.code === 'INVALID_KEY_HISTORY';

describe('key handover notes', () => {
  it('formats, parses and opens a handover signed by both keys', async () => {
    const h = handover(0, 1, 0, 20);
    const text = formatKeyHandoverText(h);
    assert.match(text, /^proofline\.dev\/key-handover\/v1\norigin example\.test\/log\nretired /);
    assert.deepEqual(parseKeyHandoverText(text), h);
    const opened = await openKeyHandover(await sign(0, 1, 0, 20));
    assert.equal(opened.end, 20);
    assert.equal(opened.successor, keys[1]!.vkey);
  });

  it('refuses a handover signed by one key only, or by a third key in place of one', async () => {
    const text = formatKeyHandoverText(handover(0, 1, 0, 20));
    const only = (signers: Signer[]) => signNote(text, signers);
    await assert.rejects(openKeyHandover(await only([keys[0]!.signer])), isHistoryError);
    await assert.rejects(openKeyHandover(await only([keys[1]!.signer])), isHistoryError);
    await assert.rejects(
      openKeyHandover(await only([keys[0]!.signer, keys[2]!.signer])),
      isHistoryError,
    );
  });

  it('refuses malformed texts', () => {
    const good = formatKeyHandoverText(handover(0, 1, 5, 20));
    for (const bad of [
      good.replace('range 5 20', 'range 20 5'),
      good.replace('range 5 20', 'range 05 20'),
      good.replace('range 5 20', 'range 5'),
      good.replace(keys[1]!.vkey, keys[0]!.vkey),
      good.replace(`retired ${ORIGIN}`, 'retired other.test/log'),
      good.replace('origin ', 'origin  '),
      good.replace('\nroot ', '\nroot x'),
      `${good}extra\n`,
      good.slice(0, -1),
    ]) {
      assert.throws(() => parseKeyHandoverText(bad), isHistoryError, bad);
    }
  });
});

describe('key histories', () => {
  it('verifies a chain ending at the trusted key and maps indices to keys', async () => {
    const notes = [await sign(0, 1, 0, 20), await sign(1, 2, 20, 35)];
    const history = await verifyKeyHistory(notes, keys[2]!.vkey);
    assert.equal(history.currentStart, 35);
    assert.deepEqual(
      [0, 19, 20, 34, 35, 1000].map((i) => keyForIndex(history, i)),
      [0, 0, 1, 1, 2, 2].map((k) => keys[k]!.vkey),
    );
    const none = await verifyKeyHistory([], keys[0]!.vkey);
    assert.equal(none.currentStart, 0);
    assert.equal(keyForIndex(none, 7), keys[0]!.vkey);
  });

  it("catches an insider's edits: a moved range, a deleted, reordered or forged row", async () => {
    const a = await sign(0, 1, 0, 20);
    const b = await sign(1, 2, 20, 35);
    const current = keys[2]!.vkey;
    // The old key's range extended: the note's text changed, its signatures no longer hold.
    const extended = a.replace('range 0 20', 'range 0 30');
    await assert.rejects(verifyKeyHistory([extended, b], current), isHistoryError);
    // A row deleted: the chain no longer starts at 0, or no longer reaches the log key.
    await assert.rejects(verifyKeyHistory([b], current), isHistoryError);
    await assert.rejects(verifyKeyHistory([a], current), isHistoryError);
    await assert.rejects(verifyKeyHistory([b, a], current), isHistoryError);
    // A forged handover from the old key to a key the insider holds needs the old key.
    const forged = await signNote(formatKeyHandoverText(handover(1, 3, 20, 40)), [keys[3]!.signer]);
    await assert.rejects(verifyKeyHistory([a, forged], keys[3]!.vkey), isHistoryError);
    // A history for another log key entirely.
    await assert.rejects(verifyKeyHistory([a, b], keys[3]!.vkey), isHistoryError);
    // A key handed back to (reused) is refused.
    const back = await sign(2, 0, 35, 40);
    await assert.rejects(verifyKeyHistory([a, b, back], keys[0]!.vkey), isHistoryError);
    // Extra signatures by unknown keys are ignored (a witness could cosign a handover).
    const parsed = parseNote(a);
    assert.equal(parsed.signatures.length, 2);
  });
});
