/**
 * `proofline check-evidence` on a monitor's evidence of a log that retired a key: a fork of
 * the tree of size 2, one head signed by the retired key within its range and one by its
 * successor, is proven pinned to either key through the evidence's key history (the handover
 * signed by both). Without the history the checkpoint of the other key fails, named, with
 * KEY_HISTORY_MISSING; an edited history, or one of unrelated keys, fails.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  base64Encode,
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  signNote,
} from '@proofline/note';
import { signKeyHandover } from '@proofline/records';
import { runProofline, tempDir } from './lib/proofline.js';

const ORIGIN = 'ledger.example/logs/monitored';

function keyPair() {
  const key = parseSignerKey(generateSignerKey(ORIGIN));
  return {
    vkey: formatVerifierKey(ORIGIN, key.publicKey),
    signer: ed25519Signer(ORIGIN, key.seed),
  };
}

const root = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

describe('check-evidence across a key retirement', () => {
  const dir = tempDir('monitor-keys');
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function setup() {
    const [old, next] = [keyPair(), keyPair()];
    const handover = await signKeyHandover(
      {
        origin: ORIGIN,
        retired: old.vkey,
        successor: next.vkey,
        start: 0,
        end: 2,
        rootHash: root('a'),
      },
      old.signer,
      next.signer,
    );
    const checkpoint = (r: Uint8Array, signer: typeof old.signer) =>
      signNote(`${ORIGIN}\n2\n${base64Encode(r)}\n`, [signer]);
    return {
      old,
      next,
      handover,
      trusted: await checkpoint(root('a'), old.signer),
      forked: await checkpoint(root('b'), next.signer),
    };
  }

  const check = (name: string, evidence: Record<string, unknown>) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'proofline.dev/monitor-evidence/v1',
        detectedAt: new Date().toISOString(),
        logUrl: 'http://127.0.0.1:1/',
        problems: ['fork'],
        ...evidence,
      }),
    );
    return runProofline(['check-evidence', file]);
  };

  it('a fork of a retired and a current key is proven pinned to either, through the history', async () => {
    const s = await setup();
    for (const key of [s.old.vkey, s.next.vkey]) {
      const r = check('fork', {
        logKey: key,
        trustedCheckpoint: s.trusted,
        newCheckpoint: s.forked,
        keyHistory: [s.handover],
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^PROVEN fork: two signed checkpoints of size 2 with different roots/);
    }
  });

  it('without the history, the checkpoint of the other key fails with KEY_HISTORY_MISSING', async () => {
    const s = await setup();
    const r = check('missing', {
      logKey: s.old.vkey,
      trustedCheckpoint: s.trusted,
      newCheckpoint: s.forked,
    });
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      new RegExp(
        `KEY_HISTORY_MISSING: a checkpoint is signed by another key of the log, ${s.next.vkey.split('+').slice(0, 2).join('\\+')}`,
      ),
    );
  });

  it('an edited history, or a well-signed one of unrelated keys, fails', async () => {
    const s = await setup();
    const edited = check('edited', {
      logKey: s.old.vkey,
      trustedCheckpoint: s.trusted,
      newCheckpoint: s.forked,
      keyHistory: [s.handover.replace('range 0 2', 'range 0 3')],
    });
    assert.notEqual(edited.status, 0);
    assert.match(edited.stderr, /the evidence's key history: .*does not verify/);
    const other = await setup();
    const unrelated = check('unrelated', {
      logKey: s.old.vkey,
      trustedCheckpoint: s.trusted,
      newCheckpoint: s.forked,
      keyHistory: [other.handover],
    });
    assert.notEqual(unrelated.status, 0);
    assert.match(unrelated.stderr, /the evidence's key history: .*does not name the log key/);
  });
});
