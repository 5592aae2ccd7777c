import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  SIG_TYPE_COSIGNATURE,
  base64Encode,
  formatVerifierKey,
  generateSignerKey,
  keyId,
  parseSignerKey,
} from '@proofline/note';
import type { Statement } from '@proofline/records';
import { receiptFormat } from '@proofline/records';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '@proofline/sequencer';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { WEB_CSP, buildApp, recordGroup, type LogRuntime } from '../src/index.js';

const digest = (text: string) =>
  `sha256:${createHash('sha256').update(text).digest('hex')}` as const;
const statement = (text: string): Statement => ({ digest: digest(text), type: 'test.event' });

/** A c2sp.org/tlog-cosignature verifier key (type 0x04) for a fresh key named `name`. */
function witnessKey(name: string): string {
  const { publicKey } = parseSignerKey(generateSignerKey(name));
  const id = keyId(name, SIG_TYPE_COSIGNATURE, publicKey).toString(16).padStart(8, '0');
  return `${name}+${id}+${base64Encode(Uint8Array.of(SIG_TYPE_COSIGNATURE, ...publicKey))}`;
}
const WITNESSES = {
  keys: [witnessKey('w1.test/witness'), witnessKey('w2.test/witness')],
  quorum: 2,
};

describe('web pages and public lookup routes', () => {
  let dir: string;
  let storage: SqliteStorage;
  let app: FastifyInstance;
  const sequencers: Sequencer[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-web-routes-'));
    const webRoot = join(dir, 'web');
    mkdirSync(join(webRoot, 'assets'), { recursive: true });
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), 'export {};\n');
    writeFileSync(join(webRoot, '.secret'), 'no');
    storage = new SqliteStorage(join(dir, 'db'));
    const runtimes = new Map<string, LogRuntime>();
    for (const name of ['alpha', 'beta', 'empty']) {
      const origin = `proofline.test/logs/${name}`;
      const key = parseSignerKey(generateSignerKey(origin));
      const config = await storage.ensureLog({
        name,
        tenant: name === 'beta' ? 'other' : 'acme',
        origin,
        verifierKey: formatVerifierKey(origin, key.publicKey),
        createdAt: 0,
      });
      const signer = nodeEd25519Signer(origin, key.seed);
      const sequencer = new Sequencer(storage, name, {
        sealer: new ReceiptSealer(origin, key.seed, receiptFormat),
      });
      sequencers.push(sequencer);
      runtimes.set(name, {
        config,
        signer,
        sequencer,
        ...(name === 'alpha' ? { witnesses: WITNESSES } : {}),
      });
      if (name === 'empty') continue;
      // "shared" is in both logs; "late" is sequenced after the checkpoint.
      await sequencer.appendGroup(
        recordGroup([statement(`${name}-0`), statement('shared'), statement(`${name}-2`)], 'acme'),
      );
      await new Publisher(storage, config, signer, { receiptFormat }).publish();
      await sequencer.appendGroup(recordGroup([statement('late')], 'acme'));
    }
    app = await buildApp({
      storage,
      access: storage,
      logs: runtimes,
      publicUrl: 'https://ledger.test',
      webRoot,
    });
  });

  after(async () => {
    await app.close();
    for (const s of sequencers) await s.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('serves index.html for the page routes, with a strict CSP and no caching', async () => {
    for (const url of ['/', '/logs/alpha', '/r/alpha-1', '/r/anything']) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['content-security-policy'], WEB_CSP);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['set-cookie'], undefined);
      assert.equal(res.body, '<!doctype html><title>t</title>');
    }
    assert.match(WEB_CSP, /script-src 'self'; style-src 'self';/);
    assert.doesNotMatch(WEB_CSP, /unsafe|blob:|\*/);
    // The JSON API keeps its paths.
    const log = await get('/logs/alpha/');
    assert.match(log.headers['content-type'] as string, /application\/json/);
    assert.equal(log.json().name, 'alpha');
  });

  it('publishes the witness policy of witnessed logs in their description', async () => {
    const alpha = (await get('/logs/alpha/')).json();
    assert.deepEqual(alpha, {
      name: 'alpha',
      origin: 'proofline.test/logs/alpha',
      verifierKey: alpha.verifierKey,
      visibility: 'public',
      prefix: '/logs/alpha/',
      witnesses: WITNESSES,
    });
    const empty = (await get('/logs/empty/')).json();
    assert.equal('witnesses' in empty, false);
    const listed = (await get('/logs')).json().logs as { name: string; witnesses?: unknown }[];
    assert.deepEqual(Object.fromEntries(listed.map((l) => [l.name, l.witnesses])), {
      alpha: WITNESSES,
      beta: undefined,
      empty: undefined,
    });
  });

  it('serves hashed assets as immutable, and nothing else', async () => {
    const res = await get('/assets/index-abc123.js');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(res.headers['content-type'] as string, /javascript/);
    assert.equal(res.headers['content-security-policy'], undefined);
    for (const url of [
      '/assets/missing.js',
      '/assets/../index.html',
      '/assets/%2e%2e/.secret',
      '/assets/',
      '/index.html',
    ]) {
      const miss = await get(url);
      assert.ok([403, 404].includes(miss.statusCode), `${url}: ${miss.statusCode}`);
      assert.equal(miss.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
  });

  it('says so when the pages are not built', async () => {
    const bare = await buildApp({
      storage,
      access: storage,
      logs: new Map(),
      publicUrl: 'https://ledger.test',
      webRoot: join(dir, 'nowhere'),
    });
    try {
      const res = await bare.inject({ method: 'GET', url: '/r/alpha-0' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'web-not-built');
    } finally {
      await bare.close();
    }
  });

  it('looks up published records by exact digest in every log, without credentials', async () => {
    const lookup = async (d: string) => {
      const res = await get(`/v1/lookup?digest=${d}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      return res.json().records as unknown[];
    };
    assert.deepEqual(await lookup(digest('shared')), [
      { id: 'alpha-1', log: 'alpha', index: 1 },
      { id: 'beta-1', log: 'beta', index: 1 },
    ]);
    assert.deepEqual(await lookup(digest('beta-2')), [{ id: 'beta-2', log: 'beta', index: 2 }]);
    // Sequenced but not yet covered by a checkpoint: not public yet.
    assert.deepEqual(await lookup(digest('late')), []);
    assert.deepEqual(await lookup(digest('nothing')), []);
    // Same 48-bit lookup key, other digest: the full digest is compared.
    const other = `${digest('shared').slice(0, 19)}${'0'.repeat(52)}`;
    assert.deepEqual(await lookup(other), []);
    const sha512 = `sha512:${createHash('sha512').update('x').digest('hex')}`;
    assert.deepEqual(await lookup(sha512), []);
  });

  it('rejects malformed lookups with a 400 problem', async () => {
    const good = digest('shared');
    for (const query of [
      '',
      '?digest=',
      `?digest=${good.toUpperCase()}`,
      `?digest=${good}0`,
      `?digest=${good.slice(0, -1)}`,
      `?digest=sha1:${'0'.repeat(40)}`,
      `?digest=${good.replace('sha256', 'sha384')}`,
      `?digest=${good}&digest=${good}`,
      `?digest=${good}&log=alpha`,
      `?digest=%20${good}`,
    ]) {
      const res = await get(`/v1/lookup${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.json().code, 'invalid-request');
    }
  });
});
