/**
 * Crash safety, tested by killing processes: `proofline append` streams entries into a data
 * directory served by `proofline serve`; both are SIGKILLed at random moments, many times,
 * and restarted. Afterwards the log must contain every entry whose index was reported, and
 * every checkpoint ever published (seen over HTTP or kept in the history) must be consistent
 * with the final tree, as checked by the independent Go client.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEntryBundle, entryBundlePath, TILE_WIDTH } from '@proofline/tlog';
import { parseRecord } from '@proofline/records';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { runGoVerifier } from './lib/go.js';
import {
  PROOFLINE_BIN,
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const ROUNDS = 12;

/** mulberry32: a small seeded generator so that a failing run can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const line = (round: number, i: number) =>
  `{"type":"test.event","digest":"sha256:${createHash('sha256').update(`${round}/${i}`).digest('hex')}"}`;

/**
 * Streams lines into one `proofline append` until it is killed; returns the entries whose
 * indices it reported (index -> line).
 */
async function appendUntilKilled(
  dir: string,
  round: number,
  killAfterMs: number,
  chunk: number,
  onKill: () => void,
): Promise<Map<number, string>> {
  const child = spawn(
    process.execPath,
    [PROOFLINE_BIN, 'append', '--data', dir, '--chunk', String(chunk), '--wait', '0'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const reported = new Map<number, string>();
  let stdout = '';
  let consumed = 0; // input lines accounted for by reported ranges, in order
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
    let nl;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      const match = /^appended (\d+)-(\d+)$/.exec(stdout.slice(0, nl));
      stdout = stdout.slice(nl + 1);
      if (!match) continue;
      const [first, last] = [Number(match[1]), Number(match[2])];
      for (let index = first; index <= last; index++) reported.set(index, line(round, consumed++));
    }
  });
  child.stdin.on('error', () => {}); // EPIPE once killed
  const exited = new Promise((resolve) => child.on('close', resolve));
  let written = 0;
  const writer = setInterval(() => {
    let text = '';
    for (let i = 0; i < 300 && written < 50_000; i++) text += `${line(round, written++)}\n`;
    child.stdin.write(text);
  }, 5);
  // The kill time counts from the first commit (start-up takes seconds on a loaded machine),
  // or from 10 s after the spawn if nothing was committed by then.
  const started = Date.now();
  while (reported.size === 0 && Date.now() - started < 10_000) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, killAfterMs));
  onKill();
  child.kill('SIGKILL');
  clearInterval(writer);
  await exited;
  return reported;
}

describe('crash safety under SIGKILL', () => {
  it(`keeps every reported entry and publishes only consistent checkpoints (${ROUNDS} rounds)`, async (t) => {
    const seed = Number(process.env.PROOFLINE_CRASH_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (replay with PROOFLINE_CRASH_SEED=${seed})`);
    const rand = random(seed);
    const dir = tempDir('crash');
    const observed = new Set<string>();
    const expected = new Map<number, string>();
    let server: Server | undefined = await startServer(dir, ['--checkpoint-interval', '100']);
    let serverKills = 0;
    const poller = setInterval(() => {
      if (server)
        fetchCheckpoint(server.url).then(
          (n) => observed.add(n),
          () => {},
        );
    }, 25);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const killAfter = 150 + Math.floor(rand() * 1200);
        const killServerToo = rand() < 0.5;
        const serverKillAt = Math.floor(rand() * killAfter);
        const serverTimer = setTimeout(() => {
          if (killServerToo && server) {
            server.process.kill('SIGKILL');
            server = undefined;
            serverKills++;
          }
        }, serverKillAt);
        const reported = await appendUntilKilled(
          dir,
          round,
          killAfter,
          20 + Math.floor(rand() * 400),
          () => clearTimeout(serverTimer),
        );
        for (const [index, text] of reported) {
          assert.ok(!expected.has(index), `index ${index} reported twice`);
          expected.set(index, text);
        }
        if (!server) server = await startServer(dir, ['--checkpoint-interval', '100']);
      }
      t.diagnostic(`${expected.size} entries reported, server killed ${serverKills} times`);
      assert.ok(expected.size > 1000, 'the test must actually append');

      // A final, uninterrupted append: its range ends at the total sequenced size.
      const final = runProofline(['append', '--data', dir], `${line(ROUNDS, 0)}\n`);
      assert.equal(final.status, 0, final.stderr);
      const total = Number(/indices \d+-(\d+)\n$/.exec(final.stdout)![1]) + 1;
      await waitForSize(server!.url, total);
      clearInterval(poller);

      // Every reported index holds exactly the line that was reported for it.
      for (let tile = 0; tile * TILE_WIDTH < total; tile++) {
        const width = Math.min(TILE_WIDTH, total - tile * TILE_WIDTH);
        const res = await fetch(`${server!.url}/logs/default/${entryBundlePath(tile, width)}`);
        assert.equal(res.status, 200);
        const entries = decodeEntryBundle(new Uint8Array(await res.arrayBuffer()));
        entries.forEach((entry, i) => {
          const want = expected.get(tile * TILE_WIDTH + i);
          if (want !== undefined) {
            assert.equal(
              parseRecord(entry).digest,
              JSON.parse(want).digest,
              `entry ${tile * TILE_WIDTH + i}`,
            );
          }
        });
      }

      // Every checkpoint ever published, and every one a client saw, is consistent with the
      // final tree (checked by Go); the history only grows.
      const storage = new SqliteStorage(join(dir, 'proofline.db'));
      const history = await storage.checkpointHistory('default', 1_000_000);
      await storage.close();
      for (let i = 1; i < history.length; i++) {
        assert.ok(history[i]!.size >= history[i - 1]!.size, 'checkpoint sizes never shrink');
      }
      const notes = new Set([...history.map((c) => c.note), ...observed]);
      t.diagnostic(`${history.length} checkpoints published, ${observed.size} observed over HTTP`);
      const cpDir = join(dir, 'checkpoints');
      mkdirSync(cpDir);
      const args = [
        '-url',
        `${server!.url}/logs/default/`,
        '-vkey',
        runProofline(['log-key', '--data', dir]).stdout.trim(),
      ];
      [...notes].forEach((note, i) => {
        writeFileSync(join(cpDir, String(i)), note);
        args.push('-old-checkpoint', join(cpDir, String(i)));
      });
      const result = await runGoVerifier(args);
      assert.equal(result.status, 0, `${result.stdout.slice(-3000)}\n${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^OK size=${total} `, 'm'));
    } finally {
      clearInterval(poller);
      if (server) await stopServer(server, 'SIGKILL');
      if (!process.env.PROOFLINE_KEEP) rmSync(dir, { recursive: true, force: true });
    }
  });
});
