import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { nodeEd25519Signer, Publisher, ReceiptSealer, Sequencer } from '@proofline/sequencer';
import {
  formatVerifierKey,
  generateSignerKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
} from '@proofline/note';
import {
  decodeEntryBundle,
  leafHash,
  tileHashReader,
  tilePath,
  tilesForTreeSize,
  treeHash,
  entryBundlePath,
} from '@proofline/tlog';
import { buildApp } from '../src/index.js';
import { receiptFormat } from '@proofline/records';

const SIZE = 70_000;
const ORIGIN = 'test.example/logs/default';

describe('tile API', () => {
  let dir: string;
  let storage: SqliteStorage;
  let app: FastifyInstance;
  let verifierKey: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-server-'));
    storage = new SqliteStorage(join(dir, 'db'));
    const key = parseSignerKey(generateSignerKey(ORIGIN));
    verifierKey = formatVerifierKey(ORIGIN, key.publicKey);
    const config = await storage.ensureLog({
      name: 'default',
      tenant: 'default',
      origin: ORIGIN,
      verifierKey,
      createdAt: 0,
    });
    const sequencer = new Sequencer(storage, 'default', {
      sealer: new ReceiptSealer(ORIGIN, key.seed, receiptFormat),
    });
    const publisher = new Publisher(storage, config, nodeEd25519Signer(ORIGIN, key.seed), {
      receiptFormat,
    });
    await publisher.publish(); // the empty tree's checkpoint
    for (let i = 0; i < SIZE; i += 5000) {
      await sequencer.appendBatch(
        Array.from({ length: 5000 }, (_, j) => new TextEncoder().encode(`entry ${i + j}`)),
      );
      if (i === 30_000) await publisher.publish();
    }
    await publisher.publish();
    app = await buildApp({
      storage,
      access: storage,
      logs: new Map([
        ['default', { config, signer: nodeEd25519Signer(ORIGIN, key.seed), sequencer }],
      ]),
      publicUrl: 'http://proofline.test',
    });
  });

  after(async () => {
    await app.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers });

  it('serves a signed checkpoint whose root matches the served tiles', async () => {
    const res = await get('/logs/default/checkpoint');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const { checkpoint } = await openCheckpoint(res.body, ORIGIN, parseVerifierKey(verifierKey));
    assert.equal(checkpoint.size, SIZE);
    const reader = tileHashReader(SIZE, async (tiles) =>
      Promise.all(
        tiles.map(async (t) => {
          const r = await get(`/logs/default/${tilePath(t)}`);
          assert.equal(r.statusCode, 200, tilePath(t));
          return new Uint8Array(r.rawPayload);
        }),
      ),
    );
    assert.deepEqual(await treeHash(SIZE, reader), checkpoint.rootHash);
  });

  it('serves every tile of the tree with the C2SP content type and immutable caching', async () => {
    const tiles = tilesForTreeSize(SIZE);
    assert.equal(tiles.length, 273 + 1 + 1 + 1 + 1);
    for (const t of tiles) {
      const res = await get(`/logs/default/${tilePath(t)}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(res.rawPayload.length, t.width * 32);
    }
  });

  it('serves entry bundles, gzipped when accepted, matching the level-0 tiles', async () => {
    const plain = await get(`/logs/default/${entryBundlePath(273, 112)}`);
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    const entries = decodeEntryBundle(new Uint8Array(plain.rawPayload));
    assert.equal(entries.length, 112);
    assert.equal(new TextDecoder().decode(entries[0]), `entry ${273 * 256}`);
    const zipped = await get(`/logs/default/${entryBundlePath(0, 256)}`, {
      'accept-encoding': 'gzip, deflate',
    });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers['vary'], 'Accept-Encoding');
    const full = decodeEntryBundle(new Uint8Array(gunzipSync(zipped.rawPayload)));
    const tile = await get('/logs/default/tile/0/000');
    const hashes = new Uint8Array(tile.rawPayload);
    full.forEach((e, i) => assert.deepEqual(leafHash(e), hashes.subarray(i * 32, i * 32 + 32)));
    const refused = await get(`/logs/default/${entryBundlePath(0, 256)}`, {
      'accept-encoding': 'gzip;q=0, identity',
    });
    assert.equal(refused.headers['content-encoding'], undefined);
    const again = await get(`/logs/default/${entryBundlePath(0, 256)}`, {
      'accept-encoding': 'gzip',
    });
    assert.deepEqual(gunzipSync(again.rawPayload), refused.rawPayload, 'the cached gzip');
    const partial = await get(`/logs/default/${entryBundlePath(273, 112)}`, {
      'accept-encoding': 'gzip',
    });
    assert.equal(partial.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(partial.rawPayload), plain.rawPayload);
  });

  it('serves smaller partial widths of published tiles (earlier tree sizes)', async () => {
    const res = await get('/logs/default/tile/0/x001/017.p/3');
    assert.equal(res.statusCode, 404, 'tile index 1017 is beyond the tree');
    const p = await get('/logs/default/tile/0/000.p/10');
    const full = await get('/logs/default/tile/0/000');
    assert.equal(p.statusCode, 200);
    assert.deepEqual(p.rawPayload, full.rawPayload.subarray(0, 320));
  });

  it('answers 404 for tiles and bundles beyond the latest checkpoint', async () => {
    for (const path of [
      'tile/0/273', // the partial tile is not full yet
      'tile/0/273.p/113',
      'tile/0/274.p/1',
      'tile/1/001',
      'tile/1/001.p/18',
      'tile/2/000',
      'tile/2/000.p/2',
      'tile/3/000.p/1',
      'tile/entries/273',
      'tile/entries/273.p/113',
      'tile/entries/x001/000',
      'tile/63/x999/x999/x999/999',
    ]) {
      const res = await get(`/logs/default/${path}`);
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.json().status, 404);
    }
  });

  it('answers 400 for malformed tile paths and never 5xx', async () => {
    for (const path of [
      'tile/0/1',
      'tile/0/0000',
      'tile/00/000',
      'tile/64/000',
      'tile/-1/000',
      'tile/0/x000/001',
      'tile/0/001/002',
      'tile/0/x1/002',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/010',
      'tile/0/000.p/',
      'tile/0/000.p',
      'tile/0/000/',
      'tile/0//000',
      'tile/0/abc',
      'tile/entries/',
      'tile/entries/000.p/0',
      'tile/entries/x',
      'tile/0/%2e%2e/000',
      'tile/0/..%2f..%2f000',
      'tile/0/000%00',
      `tile/0/${'x999/'.repeat(40)}000`,
      'tile/0/x999/x999/x999/x999/x999/999', // beyond 2^53
    ]) {
      const res = await get(`/logs/default/${path}`);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${path}: ${res.statusCode}`);
    }
    const traversal = await get('/logs/default/tile/../../etc/passwd');
    assert.ok(traversal.statusCode >= 400 && traversal.statusCode < 500);
  });

  it('answers 404 for unknown logs and invalid log names', async () => {
    for (const url of ['/logs/nope/checkpoint', '/logs/NOPE/tile/0/000', '/logs/%00/checkpoint']) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
    }
  });

  it('describes logs with their verifier keys', async () => {
    const res = await get('/logs/default/');
    assert.deepEqual(res.json(), {
      name: 'default',
      origin: ORIGIN,
      verifierKey,
      visibility: 'public',
      prefix: '/logs/default/',
    });
    assert.equal((await get('/logs')).json().logs.length, 1);
  });

  it('refuses writes to the read API', async () => {
    const res = await app.inject({ method: 'POST', url: '/logs/default/checkpoint', payload: 'x' });
    assert.equal(res.statusCode, 404);
  });
});
