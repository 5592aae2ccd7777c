/**
 * bench/wrk-stats.mjs redoes wrk 4's stats_correct, and bench/wrk-raw.mjs shows that wrk's
 * reported p99 is that of the responses plus the correction's synthetic samples.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from './lib/proofline.js';

type Counts = Map<number, number>;
interface WrkStats {
  wrkInterval(durationUs: number, requests: number, connections: number): number;
  wrkCorrect(counts: Counts, interval: number): Counts;
  wrkPercentile(counts: Counts, p: number): number;
}
const execFileAsync = promisify(execFile);
// A plain .mjs module (no types): imported by path.
const stats = (await import(join(REPO_ROOT, 'bench/wrk-stats.mjs'))) as WrkStats;

describe('wrk statistics', () => {
  it('adds wrk samples n−i, n−2i, … > i for each n ≥ 2i', () => {
    const corrected = stats.wrkCorrect(
      new Map([
        [5, 3],
        [19, 1],
        [100, 2],
      ]),
      10,
    );
    // 19 < 2i adds nothing; 100 adds 90, 80, …, 20 (2 each).
    const expected = new Map([
      [5, 3],
      [19, 1],
      [100, 2],
    ]);
    for (let m = 90; m > 10; m -= 10) expected.set(m, 2);
    assert.deepEqual(corrected, expected);
    assert.equal(stats.wrkInterval(10_000_000, 64_000, 64), 10_000);
    assert.equal(stats.wrkInterval(10_000_000, 63, 64), 0);
  });

  it('takes wrk’s percentiles', () => {
    const counts = new Map([
      [3, 97],
      [8, 2],
      [9, 1],
    ]);
    // rank round(99.5) = 100 (wrk rounds half up, as Math.round), rank round(98.5) = 99.
    assert.equal(stats.wrkPercentile(counts, 99), 9);
    assert.equal(stats.wrkPercentile(counts, 98), 8);
    assert.equal(stats.wrkPercentile(counts, 50), 3);
  });

  it('finds wrk’s p99 made of its synthetic samples (wrk: scripts/test-deps.sh)', async () => {
    // The first 8 responses (one per connection) wait 300 ms, the rest none.
    let served = 0;
    const server = createServer((req, res) => {
      const id = /(\d+)$/.exec(req.url ?? '')?.[1] ?? '';
      const reply = (): void => void res.end(JSON.stringify({ id: `x-${id}` }));
      if (served++ < 8) setTimeout(reply, 300);
      else reply();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const { stdout } = await execFileAsync(process.execPath, [
        join(REPO_ROOT, 'bench/wrk-raw.mjs'),
        `http://127.0.0.1:${port}/x/{id}`,
        ...['1000000', '2', '8'],
      ]);
      const r = JSON.parse(stdout) as Record<string, number>;
      assert.ok(r.logged! > 2000 && r.logged! >= r.requests! - 8, stdout);
      assert.ok(r.reportedMaxMs! >= 300, stdout);
      assert.ok(r.reportedP99Ms! > 100, stdout);
      assert.ok(r.p99Ms! < 50, stdout);
      assert.ok(Math.abs(r.recomputedCorrectedP99Ms! - r.reportedP99Ms!) < 1, stdout);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
