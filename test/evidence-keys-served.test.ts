/**
 * `proofline evidence` of a log that retired a key, from a server (a proxy in front of the
 * real one) that serves a key history that does not hold: one byte of a handover edited,
 * a history of unrelated keys, a history dropped, a `retiredKeys` of the wrong shape. Each
 * refusal names the history's own code (as verify-evidence does), exits 1 and writes
 * nothing: no package, no partial file beside it, no temporary folder left.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import { signKeyHandover } from '@proofline/records';
import { startServer, stopServer, waitForSize, type Server } from './lib/proofline.js';
import { runProoflineAsync, startProxy } from './lib/proxy.js';
import { RETIRED_KEY_ORIGIN as ORIGIN, retiredKeyLog } from './lib/retired-key.js';

/** What the served description's retiredKeys becomes (undefined: dropped). */
type Edit = (retired: { handover: string; [k: string]: unknown }[]) => unknown;

describe('evidence from a server whose key history does not hold', () => {
  let dir: string;
  let server: Server | undefined;
  let apiKey: string;
  let newKey: string;
  let to: string;

  before(async () => {
    ({ dir, apiKey, newKey, to } = await retiredKeyLog('evidence-served', 'evidence served'));
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 32);
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  /** `proofline evidence` through a proxy that edits the served retiredKeys. */
  async function exportThrough(name: string, edit: Edit) {
    const proxy = await startProxy(server!.url, (method, path, status, body) => {
      if (method !== 'GET' || status !== 200 || path.split('?')[0] !== '/logs/default/')
        return body;
      const described = JSON.parse(body) as { retiredKeys: Parameters<Edit>[0] };
      const retiredKeys = edit(described.retiredKeys);
      const { retiredKeys: _dropped, ...rest } = described;
      return JSON.stringify(retiredKeys === undefined ? rest : { ...rest, retiredKeys });
    });
    const out = join(dir, name, 'package.zip');
    const tmp = join(dir, name, 'tmp');
    mkdirSync(tmp, { recursive: true });
    try {
      const r = await runProoflineAsync(
        [
          ...['evidence', '--url', proxy.url, '--api-key', apiKey, '--log-key', newKey],
          ...['--from', '2000-01-01', '--to', to, '--all', '--out', out],
        ],
        { ...process.env, TMPDIR: tmp },
      );
      // Nothing written: no package, no partial copy beside it, no temporary folder left.
      assert.equal(existsSync(out), false, `${name}: ${out} was written`);
      assert.deepEqual(readdirSync(join(dir, name)), ['tmp'], name);
      assert.deepEqual(readdirSync(tmp), [], name);
      return r;
    } finally {
      await proxy.close();
    }
  }

  it('one byte of the handover edited: INVALID_KEY_HISTORY, nothing written', async () => {
    const r = await exportThrough('edited', (retired) =>
      retired.map((k) => ({ ...k, handover: k.handover.replace('range 0 25', 'range 0 24') })),
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /the log's key history does not hold: the log's description \(GET \/logs\/default\/\): .*does not verify.* \[INVALID_KEY_HISTORY\]\nnothing written to /,
    );
    assert.doesNotMatch(r.stderr, /MALFORMED/);
  });

  it('a well-signed history of unrelated keys: KEY_HISTORY_UNTRUSTED', async () => {
    const keys = [1, 2].map(() => parseSignerKey(generateSignerKey(ORIGIN)));
    const vk = (k: (typeof keys)[0]) => formatVerifierKey(ORIGIN, k.publicKey);
    const note = await signKeyHandover(
      {
        origin: ORIGIN,
        retired: vk(keys[0]!),
        successor: vk(keys[1]!),
        ...{ start: 0, end: 25, rootHash: new Uint8Array(32) },
      },
      ed25519Signer(ORIGIN, keys[0]!.seed),
      ed25519Signer(ORIGIN, keys[1]!.seed),
    );
    const r = await exportThrough('unrelated', (retired) =>
      // The proxy passes bodies as latin1: the note's UTF-8 bytes go through as such.
      retired.map((k) => ({
        ...k,
        verifierKey: vk(keys[0]!),
        handover: Buffer.from(note).toString('latin1'),
      })),
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /does not name the log key.* \[KEY_HISTORY_UNTRUSTED\]\n/);
  });

  it('the history dropped (truncated to nothing): a record sealed by the retired key fails with KEY_HISTORY_MISSING', async () => {
    for (const [name, edit] of [
      ['dropped', () => undefined],
      ['emptied', () => []],
    ] as const) {
      const r = await exportThrough(name, edit);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /record default-0 \(index 0\): its receipt is sealed by another key of the log, .*lists no retired key.* \[KEY_HISTORY_MISSING\]\n/,
        name,
      );
    }
  });

  it('a retiredKeys of the wrong shape: KEY_HISTORY_MALFORMED', async () => {
    for (const [name, edit] of [
      ['not-array', () => ({ handover: 'x' })],
      ['no-note', (retired: Parameters<Edit>[0]) => retired.map((k) => ({ ...k, handover: 7 }))],
    ] as const) {
      const r = await exportThrough(name, edit);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /retired ?[kK]ey.* \[KEY_HISTORY_MALFORMED\]\n/, name);
    }
  });
});
