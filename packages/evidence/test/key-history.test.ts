/**
 * key-history.json (key-history.ts): written as the log's description serves it, parsed
 * strictly and bounded (a forger controls the file), verified as one chain pinned to the
 * key the auditor gives, with a code for each way it fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import { signKeyHandover } from '@proofline/records';
import {
  describeChain,
  keyHistoryJson,
  KeyHistoryProblem,
  parseKeyHistoryDocument,
  verifyPackageKeyHistory,
} from '../src/key-history.js';
import { EvidenceError } from '../src/errors.js';

const ORIGIN = 'example.test/logs/acme';

function key() {
  const k = parseSignerKey(generateSignerKey(ORIGIN));
  return { vkey: formatVerifierKey(ORIGIN, k.publicKey), signer: ed25519Signer(ORIGIN, k.seed) };
}

const [k0, k1, k2] = [key(), key(), key()];
const root = new Uint8Array(32).fill(7);
const h1 = await signKeyHandover(
  { origin: ORIGIN, retired: k0.vkey, successor: k1.vkey, start: 0, end: 10, rootHash: root },
  k0.signer,
  k1.signer,
);
const h2 = await signKeyHandover(
  { origin: ORIGIN, retired: k1.vkey, successor: k2.vkey, start: 10, end: 25, rootHash: root },
  k1.signer,
  k2.signer,
);

const doc = () => JSON.parse(keyHistoryJson('acme', ORIGIN, [h1, h2])) as Record<string, unknown>;

async function problem(value: unknown, logKey: string): Promise<string> {
  try {
    await verifyPackageKeyHistory(value, logKey, 'acme', ORIGIN);
  } catch (err) {
    assert.ok(err instanceof KeyHistoryProblem, String(err));
    return err.code;
  }
  assert.fail('the history verified');
}

describe('key-history.json', () => {
  it('round-trips the notes as signed, and verifies pinned to any key of the chain', async () => {
    const parsed = parseKeyHistoryDocument(doc());
    assert.deepEqual(
      parsed.retiredKeys.map((r) => [r.verifierKey, r.start, r.end, r.handover]),
      [
        [k0.vkey, 0, 10, h1],
        [k1.vkey, 10, 25, h2],
      ],
    );
    for (const [i, pinned] of [k0, k1, k2].entries()) {
      const { notes, chain } = await verifyPackageKeyHistory(doc(), pinned.vkey, 'acme', ORIGIN);
      assert.deepEqual(notes, [h1, h2]);
      assert.deepEqual(
        chain.map((k) => [k.verifierKey, k.start, k.end, k.pinned, k.handover]),
        [
          [k0.vkey, 0, 10, i === 0, h1],
          [k1.vkey, 10, 25, i === 1, h2],
          [k2.vkey, 25, Infinity, i === 2, undefined],
        ],
      );
      const text = describeChain(chain);
      assert.match(text, /sealed entries \[0, 10\), retired by handover 1/);
      assert.match(text, /sealed entries \[10, 25\), retired by handover 2/);
      assert.match(text, /sealed entries 25 on, the current key/);
      assert.equal(text.split('(the key you trust)').length, 2);
    }
  });

  it('is strict: unknown or missing members, another media type, copies that disagree with their note', () => {
    const cases: [string, (d: Record<string, unknown>) => void][] = [
      ['unknown member', (d) => (d.extra = 1)],
      ['missing member', (d) => delete d.origin],
      ['media type', (d) => (d.mediaType = 'application/json')],
      ['not an array', (d) => (d.retiredKeys = {})],
      ['end copied wrong', (d) => ((d.retiredKeys as { end: number }[])[0]!.end = 11)],
      [
        'key copied wrong',
        (d) => ((d.retiredKeys as { verifierKey: string }[])[1]!.verifierKey = k0.vkey),
      ],
      ['extra entry member', (d) => ((d.retiredKeys as Record<string, unknown>[])[0]!.note = h1)],
      [
        'not a note',
        (d) => ((d.retiredKeys as { handover: string }[])[0]!.handover = 'range 0 10\n'),
      ],
      [
        'too many',
        (d) =>
          (d.retiredKeys = Array.from({ length: 1001 }, () => (d.retiredKeys as unknown[])[0])),
      ],
    ];
    for (const [what, edit] of cases) {
      const d = doc();
      edit(d);
      assert.throws(
        () => parseKeyHistoryDocument(d),
        (err: unknown) => err instanceof EvidenceError && err.code === 'MALFORMED',
        what,
      );
    }
  });

  it('fails with a code: malformed, another log, a broken chain, a chain without your key', async () => {
    const d = doc();
    (d.retiredKeys as { end: number }[])[0]!.end = 11;
    assert.equal(await problem(d, k2.vkey), 'KEY_HISTORY_MALFORMED');
    await assert.rejects(
      verifyPackageKeyHistory(doc(), k2.vkey, 'other', ORIGIN),
      (err: unknown) => err instanceof KeyHistoryProblem && err.code === 'KEY_HISTORY_MALFORMED',
    );
    const swapped = doc();
    (swapped.retiredKeys as unknown[]).reverse();
    assert.equal(await problem(swapped, k2.vkey), 'INVALID_KEY_HISTORY');
    const edited = doc();
    const entry = (edited.retiredKeys as { handover: string }[])[1]!;
    const at = entry.handover.indexOf('\n\n') - 3; // inside the root hash's base64
    entry.handover = `${entry.handover.slice(0, at)}${entry.handover[at] === 'A' ? 'B' : 'A'}${entry.handover.slice(at + 1)}`;
    assert.equal(await problem(edited, k2.vkey), 'INVALID_KEY_HISTORY');
    const extended = doc();
    const last = (extended.retiredKeys as { handover: string; end: number }[])[1]!;
    last.handover = last.handover.replace('range 10 25', 'range 10 26');
    last.end = 26;
    assert.equal(await problem(extended, k2.vkey), 'INVALID_KEY_HISTORY');
    const truncated = doc();
    (truncated.retiredKeys as unknown[]).shift();
    assert.equal(await problem(truncated, k2.vkey), 'INVALID_KEY_HISTORY');
    assert.equal(await problem(doc(), key().vkey), 'KEY_HISTORY_UNTRUSTED');
  });
});
