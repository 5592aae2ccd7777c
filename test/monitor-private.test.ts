/**
 * `proofline monitor` of a private log that retired a key (test/lib/retired-key.ts: entries
 * readable only with a key of its tenant, audit:read): with `--api-key` (or
 * PROOFLINE_API_KEY) it reads the entries and follows the log's key history, pinned to the
 * retired key or to its successor. Without a key, a careless operator gets the refusal named
 * (exit 1, the missing flag said), never an ALERT with "evidence" of misbehaviour; a key
 * without a read scope is refused the same way.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { runProoflineAsync } from './lib/proxy.js';
import { retiredKeyLog } from './lib/retired-key.js';

describe('monitor of a private log that retired a key', () => {
  let dir: string;
  let server: Server | undefined;
  let apiKey: string;
  let oldKey: string;
  let newKey: string;
  let url: string;

  before(async () => {
    ({ dir, apiKey, oldKey, newKey } = await retiredKeyLog('monitor-private', 'monitor private'));
    assert.match(runProofline(['logs', '--data', dir]).stdout, /\tprivate$/m);
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 32);
    url = `${server.url}/logs/default/`;
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const monitor = (state: string, key: string, extra: string[] = [], env?: NodeJS.ProcessEnv) =>
    runProoflineAsync(
      ['monitor', url, '--log-key', key, '--state', join(dir, state), '--once', ...extra],
      env,
    );

  it('with --api-key, pinned to the retired key, it verifies every entry through the key history', async () => {
    const r = await monitor('old.state', oldKey, ['--api-key', apiKey]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /checkpoint size 32: consistent, 32 new entries verified/);
    // The next round starts from the saved checkpoint (signed by the new key alone).
    const again = await monitor('old.state', oldKey, ['--api-key', apiKey]);
    assert.equal(again.status, 0, again.stdout + again.stderr);
  });

  it('pinned to the new key, with the key from PROOFLINE_API_KEY', async () => {
    const r = await monitor('new.state', newKey, [], { ...process.env, PROOFLINE_API_KEY: apiKey });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /checkpoint size 32: consistent, 32 new entries verified/);
  });

  it('without a key, or with one that may not read, the refusal is named: no ALERT, no evidence', async () => {
    const writer = createApiKey(dir, ['records:write']);
    for (const [name, extra] of [
      ['none', []],
      ['writer', ['--api-key', writer]],
    ] as const) {
      const env = { ...process.env };
      delete env.PROOFLINE_API_KEY;
      const r = await monitor(`${name}.state`, oldKey, [...extra], env);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /ALERT|evidence saved/, name);
      assert.match(
        r.stderr,
        /GET .*\/logs\/default\/tile\/entries\/.*: HTTP (401|403): the log's entries were refused: a private log needs --api-key, a key of its tenant with audit:read/,
        name,
      );
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.startsWith(`${name}.state`)),
        [],
        `${name}: a state or evidence file was written`,
      );
    }
  });
});
