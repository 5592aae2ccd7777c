/**
 * Populations and samples of a period across a key retirement (docs/keys.md): the period's
 * start checkpoint carries only the retired key's signature, its end and latest checkpoints
 * only the new key's (test/lib/retired-key.ts). `proofline population` fetches the log's key
 * history once, verifies it against the pinned key and opens each checkpoint with the key of
 * the chain that covered it, pinned to either key, naming the chain; `proofline sample`
 * re-checks the file offline with the saved history. A server (a proxy in front of the real
 * one) that drops, edits or replaces the history, or an auditor who forgets it, gets a
 * failure with its specific code and the checkpoint named; never a silent pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import { signKeyHandover } from '@proofline/records';
import {
  runProofline,
  startServer,
  stopServer,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { runProoflineAsync, startProxy } from './lib/proxy.js';
import { RETIRED_KEY_ORIGIN as ORIGIN, retiredKeyLog } from './lib/retired-key.js';

/** The served source, as a pattern. */
const DESCRIPTION = "the log's description \\(GET /logs/default/\\)";

const label = (vkey: string) => vkey.split('+').slice(0, 2).join('\\+');

/** What the served description's retiredKeys becomes (the proxy's edit). */
type Edit = (retired: { handover: string; [k: string]: unknown }[]) => unknown;

describe('population and sample across a key retirement', () => {
  let dir: string;
  let server: Server | undefined;
  let apiKey: string;
  let oldKey: string;
  let newKey: string;
  let from: string;
  let to: string;

  before(async () => {
    ({ dir, apiKey, oldKey, newKey, from, to } = await retiredKeyLog('pop-keys', 'pop keys'));
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 32);
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const population = (url: string, key: string, out: string, extra: string[] = []) =>
    runProoflineAsync([
      ...['population', '--url', url, '--api-key', apiKey, '--log-key', key],
      ...['--from', from, '--to', to, '--out', out, ...extra],
    ]);

  /** The chain as the verdict names it, from `source`, pinned to `pinned`. */
  const chainPattern = (source: string, pinned: string) => {
    const trust = (k: string) => (k === pinned ? ' \\(the key you trust\\)' : '');
    return new RegExp(
      `PASS {2}key-history .*${label(oldKey)}${trust(oldKey)} sealed entries \\[0, 25\\), retired by handover 1 of ${source}, signed by it and its successor; ${label(newKey)}${trust(newKey)} sealed entries 25 on, the current key`,
    );
  };

  it('population over the switch passes pinned to the new key, opening the start checkpoint with the retired key of the chain', async () => {
    const out = join(dir, 'new.jsonl');
    const r = await population(server!.url, newKey, out, [
      ...['--key-history-out', join(dir, 'history.json')],
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, chainPattern(DESCRIPTION, newKey));
    assert.match(
      r.stderr,
      new RegExp(`PASS {2}start-checkpoint +size 10, signed by the log key ${label(oldKey)} of`),
    );
    assert.match(r.stderr, /PASS {2}end-checkpoint +size 32, signed by the log key /);
    assert.match(r.stderr, /PASS {2}population /);
    assert.match(r.stderr, /20 records listed of 20 in the period \[10, 30\)/);
    assert.match(r.stderr, /key history \(1 handover\) saved to .*history\.json/);
    const saved = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as {
      retiredKeys: { verifierKey: string; start: number; end: number }[];
    };
    assert.deepEqual(
      saved.retiredKeys.map(({ verifierKey, start, end }) => [verifierKey, start, end]),
      [[oldKey, 0, 25]],
    );
  });

  it('population passes pinned to the retired key, opening the end checkpoint with the new key of the chain', async () => {
    const r = await population(server!.url, oldKey, join(dir, 'old.jsonl'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, chainPattern(DESCRIPTION, oldKey));
    assert.match(
      r.stderr,
      new RegExp(`PASS {2}start-checkpoint +size 10, signed by the log key ${label(oldKey)} of`),
    );
    assert.match(
      r.stderr,
      new RegExp(`PASS {2}end-checkpoint +size 32, signed by the log key ${label(newKey)} of`),
    );
    // CSV: the proof alone, checked the same way.
    const csv = await population(server!.url, oldKey, join(dir, 'old.csv'), ['--format', 'csv']);
    assert.equal(csv.status, 0, csv.stderr);
    assert.match(csv.stderr, chainPattern(DESCRIPTION, oldKey));
  });

  it('sample re-checks the file offline through the saved history, pinned to either key, and names the chain', async () => {
    const history = join(dir, 'history.json');
    const samples: string[] = [];
    for (const key of [newKey, oldKey]) {
      const r = runProofline([
        ...['sample', '--population', join(dir, 'new.jsonl'), '--size', '5'],
        ...['--log-key', key, '--key-history', history],
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, chainPattern(history.replace(/[.\\/]/g, '\\$&'), key));
      samples.push(r.stdout);
    }
    // The same sample whichever key is pinned (the seed is the end checkpoint's root).
    assert.equal(samples[0], samples[1]);
    assert.equal((JSON.parse(samples[0]!) as { size: number }).size, 5);
  });

  it('sample without the history fails, naming the checkpoint of the other key, with KEY_HISTORY_MISSING', () => {
    const file = join(dir, 'new.jsonl');
    const pinnedNew = runProofline([
      'sample',
      '--population',
      file,
      '--size',
      '5',
      '--log-key',
      newKey,
    ]);
    assert.equal(pinnedNew.status, 1);
    assert.equal(pinnedNew.stdout, '');
    assert.match(
      pinnedNew.stderr,
      new RegExp(
        `FAIL {2}start-checkpoint +the start checkpoint of the proof \\(published .*\\) is signed by another key of the log, ${label(oldKey)}, not the key you trust, and no key history was given.*\\[KEY_HISTORY_MISSING\\]`,
      ),
    );
    assert.match(pinnedNew.stderr, /no sample drawn/);
    const pinnedOld = runProofline([
      'sample',
      '--population',
      file,
      '--size',
      '5',
      '--log-key',
      oldKey,
    ]);
    assert.equal(pinnedOld.status, 1);
    assert.match(pinnedOld.stderr, /FAIL {2}end-checkpoint .*\[KEY_HISTORY_MISSING\]/);
    // A history file that lists no retired key is no way around it.
    const empty = join(dir, 'empty-history.json');
    writeFileSync(empty, '{"retiredKeys":[]}');
    const r = runProofline([
      ...['sample', '--population', file, '--size', '5', '--log-key', newKey],
      ...['--key-history', empty],
    ]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /lists no retired key.*\[KEY_HISTORY_MISSING\]/);
  });

  it('sample with an edited history file fails with INVALID_KEY_HISTORY', () => {
    const edited = join(dir, 'edited-history.json');
    writeFileSync(
      edited,
      readFileSync(join(dir, 'history.json'), 'utf8').replace('range 0 25', 'range 0 30'),
    );
    const r = runProofline([
      ...['sample', '--population', join(dir, 'new.jsonl'), '--size', '5'],
      ...['--log-key', newKey, '--key-history', edited],
    ]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /FAIL {2}key-history .*\[INVALID_KEY_HISTORY\]/);
    assert.match(r.stderr, /FAIL {2}start-checkpoint .*not signed by the trusted log key/);
  });

  describe('a server that drops, edits or replaces the key history', () => {
    /** Population pinned to `key` through a proxy that edits the served retiredKeys. */
    async function throughProxy(key: string, edit: Edit, name: string) {
      const proxy = await startProxy(server!.url, (method, path, status, body) => {
        if (method !== 'GET' || status !== 200 || path.split('?')[0] !== '/logs/default/')
          return body;
        const described = JSON.parse(body) as { retiredKeys: Parameters<Edit>[0] };
        const retiredKeys = edit(described.retiredKeys);
        const { retiredKeys: _dropped, ...rest } = described;
        return JSON.stringify(retiredKeys === undefined ? rest : { ...rest, retiredKeys });
      });
      try {
        return await population(proxy.url, key, join(dir, `${name}.jsonl`), [
          ...['--key-history-out', join(dir, `${name}-history.json`)],
        ]);
      } finally {
        await proxy.close();
      }
    }

    it('dropped: the checkpoint of the other key fails, named, with KEY_HISTORY_MISSING', async () => {
      for (const [key, which] of [
        [newKey, 'start'],
        [oldKey, 'end'],
      ] as const) {
        const r = await throughProxy(key, () => undefined, `dropped-${which}`);
        assert.equal(r.status, 1, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `FAIL {2}${which}-checkpoint +the ${which} checkpoint of the proof .* is signed by another key of the log, .*the log's description lists no retired key.*\\[KEY_HISTORY_MISSING\\]`,
          ),
        );
        assert.doesNotMatch(r.stderr, /PASS {2}key-history/);
        assert.doesNotMatch(r.stderr, /saved to/);
      }
    });

    it('one byte of the handover edited: INVALID_KEY_HISTORY, nothing saved', async () => {
      const r = await throughProxy(
        newKey,
        (retired) =>
          retired.map((k) => ({ ...k, handover: k.handover.replace('range 0 25', 'range 0 24') })),
        'edited',
      );
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /FAIL {2}key-history +the log's description \(GET \/logs\/default\/\): .*\[INVALID_KEY_HISTORY\]/,
      );
      assert.match(r.stderr, /FAIL {2}start-checkpoint /);
      assert.doesNotMatch(r.stderr, /saved to/);
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
      const r = await throughProxy(
        newKey,
        // The proxy passes bodies as latin1: the note's UTF-8 bytes go through as such.
        (retired) =>
          retired.map((k) => ({
            ...k,
            verifierKey: vk(keys[0]!),
            handover: Buffer.from(note).toString('latin1'),
          })),
        'unrelated',
      );
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /FAIL {2}key-history .*does not name the log key.*\[KEY_HISTORY_UNTRUSTED\]/,
      );
    });
  });
});
