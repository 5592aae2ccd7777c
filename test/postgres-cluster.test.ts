/**
 * Three `proofline serve` nodes on one PostgreSQL schema, under concurrent load through all
 * three, while the node holding the sequencing lease is SIGKILLed (three times, restarted
 * each time) and then SIGSTOPped for longer than the lease and woken up again. Afterwards:
 * every acknowledged record is in the log exactly once, at its acknowledged index; the log
 * verifies with the independent Go C2SP client; and every checkpoint ever published (kept
 * in the database's history or seen over HTTP on any node) is consistent with the final tree,
 * hence with every other one.
 *
 * Needs PostgreSQL at $PROOFLINE_TEST_PG (default postgres://postgres@127.0.0.1:5432/test);
 * the test works in a fresh schema `proofline_cluster_<random>` and drops it at the end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runGoVerifier } from './lib/go.js';
import { runProofline, tempDir, waitForSize } from './lib/proofline.js';
import {
  TEST_PG,
  killNode,
  logState,
  quoteIdent,
  randomSchema,
  sleep,
  startNode,
  targetArgs,
  type ClusterNode,
  type ClusterTarget,
  type LogState,
} from './lib/cluster.js';
import { LoadGenerator } from './lib/load.js';

const NODE_ARGS = ['--checkpoint-interval', '100', '--rate-limit', '0'];
/** The publisher's lease: max(1000, 5 × checkpoint interval) ms. */
const LEASE_TTL_MS = 1000;
const KILL_ROUNDS = 3;
/** How long the lease holder stays stopped at least (it stays stopped until someone took over). */
const STOP_MS = 3000;

/** mulberry32: a small seeded generator so that a failing run can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `/logs/default/checkpoint` on every running, unpaused node; keeps every distinct note. */
class CheckpointWatcher {
  readonly notes = new Set<string>();
  readonly errors: string[] = [];
  /** 5xx answers (a node that lost its database connection); counted, not fatal. */
  serverErrors = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly nodes: () => readonly ClusterNode[],
    private readonly paused: ReadonlySet<ClusterNode>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const node of this.nodes()) {
        if (!node.alive() || this.paused.has(node)) continue;
        fetch(`${node.url}/logs/default/checkpoint`, { signal: AbortSignal.timeout(1000) })
          .then(async (res) => {
            const text = await res.text();
            if (res.status === 200) this.notes.add(text);
            else if (res.status >= 500) this.serverErrors++;
            else this.errors.push(`${node.name}: HTTP ${res.status} ${text}`);
          })
          .catch(() => {}); // a node being killed
      }
    }, 50);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

describe('three nodes on one PostgreSQL database', () => {
  it(
    'keeps every acknowledged record exactly once and publishes only consistent checkpoints ' +
      `through ${KILL_ROUNDS} SIGKILLs and a SIGSTOP of the lease holder`,
    { timeout: 180_000 },
    async (t) => {
      const seed = Number(process.env.PROOFLINE_CLUSTER_SEED ?? Date.now() % 1_000_000);
      t.diagnostic(`seed ${seed} (replay the timings with PROOFLINE_CLUSTER_SEED=${seed})`);
      const rand = random(seed);
      const began = performance.now();
      const schema = randomSchema('proofline_cluster');
      const work = tempDir('cluster');
      const keys = join(work, 'keys');
      const target: ClusterTarget = { db: TEST_PG, keys, schema };
      const db = new pg.Pool({ connectionString: TEST_PG, max: 2 });
      const s = quoteIdent(schema);
      /** The current process of each of the three node slots. */
      const nodes: ClusterNode[] = [];
      const everyProcess: ClusterNode[] = [];
      const paused = new Set<ClusterNode>();
      const watcher = new CheckpointWatcher(() => nodes, paused);
      let load: LoadGenerator | undefined;
      let vkey = '';
      const state = () => logState(db, schema);
      const slotOf = (pid: number | undefined) =>
        nodes.findIndex((n) => n.pid === pid && n.alive());
      const elapsed = () => `${((performance.now() - began) / 1000).toFixed(1)} s`;

      /** The slot whose node holds a live lease (waits up to 5 s for one). */
      async function leaseHolder(): Promise<number> {
        const deadline = performance.now() + 5000;
        while (true) {
          const st = await state();
          const slot = slotOf(st.leasePid);
          if (slot >= 0 && !st.leaseExpired && !paused.has(nodes[slot]!)) return slot;
          if (performance.now() > deadline)
            throw new Error(`no live lease holder: ${st.leaseOwner}`);
          await sleep(20);
        }
      }

      /**
       * After the lease holder `victim` was killed or stopped at `since` (performance.now()),
       * waits until another running node holds the lease and has published a checkpoint
       * beyond `sizeBefore`; returns both delays.
       */
      async function takeover(victim: number, sizeBefore: number, since: number, limitMs: number) {
        let leaseMs: number | undefined;
        let owner = -1;
        while (true) {
          const st: LogState = await state();
          const now = performance.now();
          if (st.leasePid !== undefined && st.leasePid !== victim && !st.leaseExpired) {
            owner = slotOf(st.leasePid);
            assert.ok(owner >= 0, `the lease went to ${st.leaseOwner}, which is no running node`);
            leaseMs ??= now - since;
            if (st.checkpointSize > sizeBefore) {
              return { leaseMs, publishMs: now - since, owner, size: st.checkpointSize };
            }
          }
          assert.ok(now - since < limitMs, `no takeover within ${limitMs} ms: ${st.leaseOwner}`);
          await sleep(10);
        }
      }

      /**
       * The checks, run after each disruption (while the load goes on) and at the end:
       * every record acknowledged so far is in the log exactly once, at its acknowledged
       * index, and no record is in it twice; the checkpoint history never shrinks and holds
       * every checkpoint seen over HTTP; and the Go client verifies the log served by `node`
       * and the consistency of every checkpoint published so far with the tree it verified.
       */
      let checks = 0;
      async function verify(label: string, node: ClusterNode, exactSize?: number) {
        const started = performance.now();
        const acked = [...load!.acked.values()]; // before reading: all must be durable
        const seen = [...watcher.notes];
        const { rows: entries } = await db.query<{ idx: string; data: Buffer }>(
          `SELECT e.idx, e.data FROM ${s}.entries e JOIN ${s}.logs l ON l.id = e.log_id ` +
            `WHERE l.name = 'default' ORDER BY e.idx`,
        );
        const where = new Map<string, number>();
        entries.forEach((row, i) => {
          assert.equal(Number(row.idx), i, `${label}: indices are gap-free`);
          const record = JSON.parse(row.data.toString('utf8')) as { digest: string };
          assert.ok(!where.has(record.digest), `${label}: ${record.digest} is in the log twice`);
          where.set(record.digest, i);
        });
        for (const ack of acked) {
          assert.equal(where.get(ack.digest), ack.index, `${label}: ${ack.subject} at its index`);
        }
        const { rows: history } = await db.query<{ size: string; note: string }>(
          `SELECT c.size, c.note FROM ${s}.checkpoints c JOIN ${s}.logs l ON l.id = c.log_id ` +
            `WHERE l.name = 'default' ORDER BY c.id`,
        );
        for (let i = 1; i < history.length; i++) {
          assert.ok(
            Number(history[i]!.size) >= Number(history[i - 1]!.size),
            `${label}: checkpoint ${i} shrinks the log`,
          );
        }
        const published = new Set(history.map((r) => r.note));
        for (const note of seen) {
          assert.ok(published.has(note), `${label}: a served checkpoint is not in the history`);
        }
        const notes = new Set([...published, ...seen]);
        const dir = join(work, `checkpoints-${++checks}`);
        mkdirSync(dir);
        const args = ['-url', `${node.url}/logs/default/`, '-vkey', vkey];
        [...notes].forEach((note, i) => {
          writeFileSync(join(dir, String(i)), note);
          args.push('-old-checkpoint', join(dir, String(i)));
        });
        const result = await runGoVerifier(args);
        assert.equal(result.status, 0, `${label}: ${result.stdout.slice(-3000)}\n${result.stderr}`);
        const size = Number(/^OK size=(\d+) /m.exec(result.stdout)?.[1]);
        const largest = Math.max(...history.map((r) => Number(r.size)));
        assert.ok(size >= largest, `${label}: the verifier saw size ${size} < ${largest}`);
        if (exactSize !== undefined) assert.equal(size, exactSize);
        return (
          `${acked.length} acknowledged records found once at their indices among ` +
          `${entries.length} entries; ${history.length} checkpoints published ` +
          `(${seen.length} seen over HTTP), all consistent with the tree of size ${size} that ` +
          `the Go verifier checked (${(performance.now() - started).toFixed(0)} ms)`
        );
      }

      try {
        // ---- Setup: three nodes start at once on a fresh schema and an empty key directory.
        // They race to migrate the schema, create the log's key and register the log.
        const started = await Promise.allSettled(
          ['a', 'b', 'c'].map((name) => startNode(name, target, 0, NODE_ARGS)),
        );
        for (const result of started) {
          if (result.status === 'fulfilled') everyProcess.push(result.value);
        }
        for (const result of started) {
          if (result.status === 'rejected') throw result.reason;
        }
        nodes.push(...everyProcess);
        t.diagnostic(`3 nodes started at once on the fresh schema ${schema} in ${elapsed()}`);
        const version = await db.query(`SELECT version FROM ${s}.schema_version`);
        assert.equal(version.rows.length, 1, 'migrated exactly once');
        const logs = await db.query<{ name: string; verifier_key: string }>(
          `SELECT name, verifier_key FROM ${s}.logs`,
        );
        assert.deepEqual(
          logs.rows.map((r) => r.name),
          ['default'],
        );
        assert.deepEqual(
          readdirSync(keys).sort(),
          ['default.checkpoint', 'default.key'],
          'one key and its checkpoint guard, no temporary files left',
        );
        assert.equal(statSync(join(keys, 'default.key')).mode & 0o777, 0o600);
        assert.equal(statSync(join(keys, 'default.checkpoint')).mode & 0o777, 0o600);

        const created = runProofline([
          'api-key',
          'create',
          ...targetArgs(target),
          '--tenant',
          'default',
          '--scope',
          'records:write',
        ]);
        assert.equal(created.status, 0, created.stderr);
        const apiKey = created.stdout.trim();
        const logKey = runProofline(['log-key', ...targetArgs(target)]);
        assert.equal(logKey.status, 0, logKey.stderr);
        vkey = logKey.stdout.trim();
        assert.equal(vkey, logs.rows[0]!.verifier_key);

        watcher.start();
        load = new LoadGenerator(() => nodes, apiKey, {
          workers: 12,
          batchEvery: 10,
          batchSize: 20,
          timeoutMs: 1500,
          suspectMs: 500,
        });

        // ---- Phase 1: plain concurrent load through all three nodes.
        const running = load;
        running.start();
        await sleep(3000);
        // Every node acknowledges (within 15 s: a loaded CI machine may be slow to warm up).
        const warmBy = performance.now() + 12_000;
        while (
          nodes.some((node) => running.ackedVia(node.name, 0) === 0) &&
          performance.now() < warmBy
        ) {
          await sleep(100);
        }
        for (const node of nodes) {
          assert.ok(load.ackedVia(node.name, 0) > 0, `node ${node.name} acknowledged records`);
        }
        t.diagnostic(
          `phase 1 (${elapsed()}): ${load.acked.size} records acknowledged, checkpoint size ` +
            `${(await state()).checkpointSize}`,
        );

        // ---- Phase 2: SIGKILL the lease holder in the middle of the load, repeatedly.
        for (let round = 1; round <= KILL_ROUNDS; round++) {
          await sleep(500 + Math.floor(rand() * 1000));
          const slot = await leaseHolder();
          const victim = nodes[slot]!;
          const readAt = performance.now();
          const before = await state();
          assert.ok(before.leaseRemainingMs <= LEASE_TTL_MS, 'leases last 5 checkpoint intervals');
          const killedAt = performance.now();
          // The database read the lease's time left after readAt, so the lease runs at least
          // until readAt + leaseRemainingMs: on a loaded machine the answer can take a while
          // to reach this process, time that counts against what is left at the kill.
          const expiresAfterKillMs = before.leaseRemainingMs - (killedAt - readAt);
          victim.process.kill('SIGKILL');
          await victim.exited;
          const ackedAtKill = load.acked.size;
          const took = await takeover(victim.pid, before.checkpointSize, killedAt, 10_000);
          assert.notEqual(took.owner, slot);
          assert.ok(
            took.leaseMs >= expiresAfterKillMs - 50,
            `the lease was taken ${took.leaseMs} ms after the kill, before it expired ` +
              `(${expiresAfterKillMs} ms left at the kill)`,
          );
          t.diagnostic(
            `kill ${round} (${elapsed()}): SIGKILLed ${victim.name} (pid ${victim.pid}, lease ` +
              `holder, checkpoint ${before.checkpointSize}, lease ${before.leaseRemainingMs} ms ` +
              `from expiry); ${nodes[took.owner]!.name} took the lease after ` +
              `${took.leaseMs.toFixed(0)} ms and published size ${took.size} after ` +
              `${took.publishMs.toFixed(0)} ms`,
          );
          // While the load goes on through the two survivors: check everything so far, and
          // restart the killed node on its port (another one if that is taken).
          // allSettled: a failed check must not leave the restarted node running unkilled.
          const [checking, restarting] = await Promise.allSettled([
            verify(`after kill ${round}`, nodes[took.owner]!),
            startNode(victim.name, target, victim.port, NODE_ARGS).catch((err: unknown) => {
              t.diagnostic(`restart on port ${victim.port} failed, using another: ${err}`);
              return startNode(victim.name, target, 0, NODE_ARGS);
            }),
          ]);
          if (restarting.status === 'fulfilled') everyProcess.push(restarting.value);
          if (checking.status === 'rejected') throw checking.reason;
          if (restarting.status === 'rejected') throw restarting.reason;
          const checked = checking.value;
          const restarted = restarting.value;
          nodes[slot] = restarted;
          // Liveness, bounded: commits reserved behind the killed node's open reservations wait
          // `reservationWaitMs` (2 s) and then retry, so on a loaded machine the first
          // acknowledgement after a kill can come after the checks above.
          const liveBy = performance.now() + 10_000;
          while (load.acked.size <= ackedAtKill && performance.now() < liveBy) await sleep(50);
          assert.ok(load.acked.size > ackedAtKill, 'the survivors keep acknowledging records');
          t.diagnostic(
            `after kill ${round} (${elapsed()}): ${load.acked.size - ackedAtKill} records ` +
              `acknowledged since the kill; ${checked}`,
          );
        }

        // ---- Phase 3: SIGSTOP the lease holder beyond its lease, then SIGCONT it.
        await sleep(1000);
        const slot = await leaseHolder();
        const sleeper = nodes[slot]!;
        const before = await state();
        const stoppedAt = performance.now();
        sleeper.process.kill('SIGSTOP');
        paused.add(sleeper);
        const ackedAtStop = load.acked.size;
        // It stays stopped for STOP_MS, and in any case until another node has taken over.
        // (If it is stopped while one of its transactions holds or waits for the log's row
        // lock, every node waits until PostgreSQL's idle-in-transaction timeout ends it.)
        const took = await takeover(sleeper.pid, before.checkpointSize, stoppedAt, 30_000);
        assert.notEqual(took.owner, slot);
        await sleep(Math.max(0, stoppedAt + STOP_MS - performance.now()));
        const whileStopped = await state();
        assert.ok(whileStopped.checkpointSize >= took.size);
        assert.notEqual(whileStopped.leasePid, sleeper.pid, 'the stopped node has no lease');
        const resumedAt = performance.now();
        sleeper.process.kill('SIGCONT');
        paused.delete(sleeper);
        t.diagnostic(
          `stop (${elapsed()}): SIGSTOPped ${sleeper.name} (pid ${sleeper.pid}, lease holder, ` +
            `checkpoint ${before.checkpointSize}) for ${(resumedAt - stoppedAt).toFixed(0)} ms; ` +
            `${nodes[took.owner]!.name} took the lease after ${took.leaseMs.toFixed(0)} ms ` +
            `and published size ${took.size} after ${took.publishMs.toFixed(0)} ms; checkpoint ` +
            `${whileStopped.checkpointSize} at SIGCONT; ${load.acked.size - ackedAtStop} ` +
            `records acknowledged while it was stopped`,
        );
        // The woken node resumes where it was (a compare-and-swap it had in flight fails) and
        // serves again; the log keeps growing. Meanwhile, check everything so far.
        const [checked] = await Promise.all([
          verify('after SIGCONT', nodes[took.owner]!),
          sleep(3000),
        ]);
        assert.ok(sleeper.alive(), `the woken node survives:\n${sleeper.output()}`);
        const afterWake = await state();
        assert.ok(afterWake.checkpointSize > whileStopped.checkpointSize, 'publishing goes on');
        const viaSleeper = load.ackedVia(sleeper.name, resumedAt);
        assert.ok(viaSleeper > 0, 'the woken node acknowledges records again');
        t.diagnostic(
          `after SIGCONT (${elapsed()}): lease with ${nodes[slotOf(afterWake.leasePid)]?.name}, ` +
            `checkpoint ${afterWake.checkpointSize}; ${viaSleeper} records acknowledged by ` +
            `${sleeper.name} since it woke; ${checked}`,
        );

        // ---- The end: stop the load (requests in flight finish or are abandoned), wait for a
        // checkpoint that covers every sequenced entry, and check everything once more.
        await load.stop(10_000);
        let final: LogState;
        const deadline = performance.now() + 15_000;
        while (true) {
          final = await state();
          if (final.checkpointSize === final.sequencedSize) {
            await sleep(300); // is a node still working through a backlog?
            const again = await state();
            if (again.sequencedSize === final.sequencedSize) break;
          }
          assert.ok(performance.now() < deadline, `checkpoint stuck: ${JSON.stringify(final)}`);
          await sleep(50);
        }
        const total = final.sequencedSize;
        await waitForSize(nodes[0]!.url, total);
        await sleep(200); // one more round of the watcher on every node
        watcher.stop();
        assert.deepEqual(load.errors, [], 'the API answered every request correctly');
        assert.deepEqual(watcher.errors, [], 'no checkpoint request was refused');
        t.diagnostic(
          `load (${elapsed()}): ${load.stats.requests} requests (${load.stats.batches} batches ` +
            `of 20), ${load.acked.size} records acknowledged, ${load.stats.failures} failed ` +
            `attempts (${load.stats.timeouts} timeouts, HTTP statuses ` +
            `${JSON.stringify(load.stats.statuses)}), ${load.stats.replayedAfterFailure} ` +
            `retries answered as replays, ${load.stats.abandoned} requests abandoned; ` +
            `${total} entries sequenced; ${watcher.notes.size} distinct checkpoints seen ` +
            `over HTTP (${watcher.serverErrors} checkpoint requests answered 5xx)`,
        );
        assert.ok(load.acked.size > 1000, 'the test must actually append');
        t.diagnostic(`final (${elapsed()}): ${await verify('at the end', nodes[0]!, total)}`);

        // An acknowledged request sent again with its key, to another node, is the same record.
        const ackedKeys = [...load.ackedRequests.keys()];
        for (let i = 0; i < 30; i++) {
          const key = ackedKeys[Math.floor(rand() * ackedKeys.length)]!;
          const first = load.ackedRequests.get(key)!.acks[0]!.node;
          await load.replay(
            key,
            nodes.find((n) => n.name !== first)!,
          );
        }
        assert.equal((await state()).sequencedSize, total, 'replays append nothing');

        const failures = new Map<string, number>();
        for (const node of everyProcess) {
          for (const match of node.output().matchAll(/publishing failed: (.*)/g)) {
            const what = `${node.name}: ${match[1]}`;
            failures.set(what, (failures.get(what) ?? 0) + 1);
          }
        }
        for (const [what, count] of failures) t.diagnostic(`logged ${count}× by ${what}`);
        t.diagnostic(`whole test ${elapsed()}`);
      } finally {
        watcher.stop();
        await load?.stop(0).catch(() => {});
        await Promise.all(everyProcess.map(killNode));
        if (process.env.PROOFLINE_KEEP) {
          t.diagnostic(`kept schema ${schema} and ${work}`);
        } else {
          await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
          rmSync(work, { recursive: true, force: true });
        }
        await db.end();
      }
    },
  );
});
