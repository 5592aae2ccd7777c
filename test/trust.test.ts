/**
 * `proofline attest` checks the pinned log key against the log before it writes: a careless
 * operator pasting another log's key writes nothing, learns exactly what differs, and can
 * retry without duplicates. A write whose answer does not verify (a man in the middle here)
 * is reported record by record, and its receipt is kept; a compact batch answer that does
 * not even rebuild into receipts leaves no file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { runProoflineAsync, startProxy } from './lib/proxy.js';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  type Server,
} from './lib/proofline.js';

describe('proofline attest: trust before write', () => {
  let dir: string;
  let server: Server;
  let apiKey: string;
  let vkey: string;
  let otherKey: string;
  let acmeKey: string;
  let file: string;

  before(async () => {
    dir = tempDir('trust');
    assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
    const created = runProofline([
      'create-log',
      '--visibility',
      'public',
      '--data',
      dir,
      '--log',
      'other',
      '--tenant',
      'acme',
    ]);
    assert.equal(created.status, 0, created.stderr);
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    otherKey = runProofline(['log-key', '--data', dir, '--log', 'other']).stdout.trim();
    const scopes = ['records:write', 'records:read'];
    apiKey = createApiKey(dir, scopes);
    acmeKey = createApiKey(dir, scopes, 'acme');
    file = join(dir, 'decision.pdf');
    writeFileSync(file, 'the decision');
    server = await startServer(dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  async function sizes(): Promise<[number, number]> {
    const storage = new SqliteStorage(join(dir, 'proofline.db'));
    try {
      return [await storage.sequencedSize('default'), await storage.sequencedSize('other')];
    } finally {
      await storage.close();
    }
  }

  function attest(url: string, key: string, logKey: string, ...extra: string[]) {
    return runProofline([
      'attest',
      file,
      '--url',
      url,
      '--api-key',
      key,
      '--log-key',
      logKey,
      '--type',
      'ai.decision',
      ...extra,
    ]);
  }

  const short = (k: string) => k.split('+').slice(0, 2).join('+').replace(/[.+]/g, '\\$&');

  it("writes nothing with another log's key and says which keys differ", async () => {
    const before = await sizes();
    const out = join(dir, 'out-mismatch');
    for (const extra of [['--log', 'default'], []]) {
      const r = attest(
        server.url,
        apiKey,
        otherKey,
        '--out',
        out,
        '--private',
        'applicant=A-1',
        ...extra,
      );
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /nothing was written/);
      assert.match(r.stderr, new RegExp(short(otherKey)));
      if (extra.length > 0) {
        // Named log: its key and the pinned one, side by side.
        assert.match(
          r.stderr,
          new RegExp(
            `pinned ${short(otherKey)}.*the log serves origin \\S+ with key ${short(vkey)}`,
          ),
        );
      } else {
        // The pinned key is log other's, which this tenant does not own.
        assert.match(
          r.stderr,
          /is the key of log other, which the API key's tenant cannot write to/,
        );
      }
    }
    assert.deepEqual(await sizes(), before, 'no log grew');
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no receipt, no salts');
  });

  it('writes to the log of the pinned key, named or not', async () => {
    const before = await sizes();
    const r = attest(server.url, acmeKey, otherKey);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\tother-${before[1]}\\t`));
    const named = attest(server.url, apiKey, vkey, '--log', 'default');
    assert.equal(named.status, 0, named.stderr);
    assert.deepEqual(await sizes(), [before[0] + 1, before[1] + 1]);
  });

  it('refuses a compact batch answer whose records were altered, writes no file, exit 4', async () => {
    // A man in the middle moves the records of the compact answer by one index.
    const proxy = await startProxy(server.url, (method, _path, status, body) => {
      if (method !== 'POST' || status !== 201) return body;
      const answer = JSON.parse(body) as { records: { id: string; index: number }[] };
      answer.records = answer.records.map(({ index }) => ({
        id: `default-${index + 1}`,
        index: index + 1,
      }));
      return JSON.stringify(answer);
    });
    const out = join(dir, 'altered-compact');
    try {
      const before = await sizes();
      const r = await runProoflineAsync([
        'attest',
        file,
        '--url',
        proxy.url,
        '--api-key',
        apiKey,
        '--log-key',
        vkey,
        '--type',
        'ai.decision',
        '--out',
        out,
      ]);
      assert.equal(r.status, 4, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /compact answer does not rebuild/);
      assert.match(r.stderr, /do not retry blindly/);
      assert.deepEqual(await sizes(), [before[0] + 1, before[1]], 'it was written once');
      assert.deepEqual(readdirSync(out), [], 'no receipt file');
    } finally {
      await proxy.close();
    }
  });

  it('reports a written record whose receipt does not verify, keeps the receipt, exit 4', async () => {
    // A man in the middle changes the time in every receipt of a write.
    const proxy = await startProxy(server.url, (method, _path, status, body) =>
      method === 'POST' && status === 201 ? body.replace(/(time [^\\]+?)\d{3}Z/g, '$1999Z') : body,
    );
    const cwd = join(dir, 'unverified');
    try {
      const before = await sizes();
      const r = await runProoflineAsync([
        'attest',
        file,
        '--url',
        proxy.url,
        '--api-key',
        apiKey,
        '--log-key',
        vkey,
        '--type',
        'ai.decision',
        '--private',
        'applicant=A-2',
        '--out',
        cwd,
      ]);
      assert.equal(r.status, 4, r.stderr);
      const id = `default-${before[0]}`;
      const saved = join(cwd, `${id}.receipt.json`);
      assert.match(
        r.stderr,
        new RegExp(
          `record ${id} was written; its receipt is saved in ${saved.replace(/[.+]/g, '\\$&')}; it failed verification because .*receipt`,
        ),
      );
      assert.match(r.stderr, /retrying would write them again/);
      assert.deepEqual(await sizes(), [before[0] + 1, before[1]], 'it was written once');
      const receipt = JSON.parse(readFileSync(saved, 'utf8')) as {
        id: string;
        failedVerification: string;
      };
      assert.equal(receipt.id, id);
      assert.match(receipt.failedVerification, /receipt/);
      assert.ok(existsSync(join(cwd, `${id}.salts.json`)), 'the salts are kept too');
      // The saved receipt is what the man in the middle sent: it does not verify.
      const v = runProofline(['verify', saved, '--log-key', vkey]);
      assert.equal(v.status, 1, v.stdout);
      assert.match(v.stdout, /FAIL receipt/);
    } finally {
      await proxy.close();
    }
  });
});
