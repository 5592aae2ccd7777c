/**
 * The audit's workers share one run: each task is taken by exactly one worker (a counter they
 * share), fetched once, and answered once, with the tile's root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeEntryBundle, entryBundlePath, leafHash, tilePath } from '@proofline/tlog';
import { HashPool } from '../src/audit/pool.js';
import { tileRoot, type HashResult } from '../src/audit/worker.js';

const TILES = 40;

describe('HashPool.checkTiles', () => {
  let server: Server;
  let base: string;
  const bodies = new Map<string, Buffer>();
  const hits = new Map<string, number>();
  const roots: Uint8Array[] = [];

  before(async () => {
    for (let t = 0; t < TILES; t++) {
      const entries = Array.from({ length: 256 }, (_, i) => Buffer.from(`entry ${t}/${i}`));
      const tile = Buffer.concat(entries.map((e) => leafHash(e)));
      bodies.set(`/${entryBundlePath(t, 256)}`, Buffer.from(encodeEntryBundle(entries)));
      bodies.set(`/${tilePath({ level: 0, index: t, width: 256 })}`, tile);
      roots.push(tileRoot(tile));
    }
    server = createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      const body = bodies.get(req.url!);
      if (body) res.end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  it('checks every task once across the workers and answers each once', async () => {
    const pool = new HashPool(2);
    const results: HashResult[] = [];
    try {
      const tasks = Array.from({ length: TILES }, (_, tile) => ({ tile, width: 256, keep: false }));
      await pool.checkTiles({ base, checkRecords: false }, tasks, 6, (r) => results.push(r));
    } finally {
      await pool.close();
    }
    assert.deepEqual(
      results.map((r) => r.index).sort((a, b) => a - b),
      Array.from({ length: TILES }, (_, t) => t),
    );
    for (const r of results) {
      assert.deepEqual(r.problems, []);
      assert.deepEqual(Buffer.from(r.root!), Buffer.from(roots[r.index]!));
    }
    assert.equal(hits.size, 2 * TILES);
    assert.ok([...hits.values()].every((n) => n === 1));
  });

  it('ends the run with a problem when a worker dies mid-run, and at once after', async () => {
    const pool = new HashPool(1);
    const results: HashResult[] = [];
    try {
      const tasks = Array.from({ length: TILES }, (_, tile) => ({ tile, width: 256, keep: false }));
      // The worker is terminated (as if killed) as soon as its first batch arrives.
      const worker = (pool as unknown as { workers: { terminate(): Promise<number> }[] })
        .workers[0]!;
      await pool.checkTiles({ base, checkRecords: false }, tasks, 1, (r) => {
        results.push(r);
        if (results.length === 1) void worker.terminate();
      });
      const failed = results.filter((r) => r.index === -1);
      assert.equal(failed.length, 1);
      assert.match(failed[0]!.problems[0]!, /audit worker failed: the worker exited/);
      assert.ok(results.length < TILES + 1, 'the run ended before every tile was answered');
      const again: HashResult[] = [];
      await pool.checkTiles({ base, checkRecords: false }, tasks, 1, (r) => again.push(r));
      assert.deepEqual(
        again.map((r) => r.index),
        [-1],
      );
    } finally {
      await pool.close();
    }
  });

  it('resolves at once for no tasks', async () => {
    const pool = new HashPool(1);
    try {
      await pool.checkTiles({ base, checkRecords: false }, [], 4, () => assert.fail());
    } finally {
      await pool.close();
    }
  });
});
