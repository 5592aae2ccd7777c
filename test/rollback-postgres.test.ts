/**
 * The insider's rollback on PostgreSQL: two `proofline serve` nodes on one schema, each with
 * its own checkpoint guard: node a beside the key, node b in its `--state-dir` (started
 * from the database by `reset-guard`, as a node added later is). A copy of every table of
 * the schema is taken, the log grows, and the copy is restored under the running nodes:
 * each node must stop, saying why; restarted, each must refuse to start; and no checkpoint
 * smaller than or inconsistent with one already signed may ever be signed or served.
 *
 * Needs PostgreSQL at $PROOFLINE_TEST_PG (default postgres://postgres@127.0.0.1:5432/test);
 * works in fresh schemas `proofline_rollback_<random>` (and its backup) dropped at the end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openCheckpoint, parseVerifierKey } from '@proofline/note';
import { leafHash, nodeHash, type Hash } from '@proofline/tlog';
import { runProofline, tempDir, waitForSize } from './lib/proofline.js';
import {
  TEST_PG,
  killNode,
  quoteIdent,
  randomSchema,
  sleep,
  startNode,
  targetArgs,
  type ClusterNode,
  type ClusterTarget,
} from './lib/cluster.js';

const NODE_ARGS = ['--checkpoint-interval', '100', '--rate-limit', '0'];

const lines = (from: number, to: number) => {
  let text = '';
  for (let i = from; i < to; i++) {
    const digest = createHash('sha256').update(`pg-rollback/${i}`).digest('hex');
    text += `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }
  return text;
};

/** MTH of the first `size` leaves (RFC 6962 §2.1), by recursion. */
function mth(leaves: readonly Hash[], start: number, end: number): Hash {
  if (end - start === 1) return leaves[start]!;
  let k = 1;
  while (k * 2 < end - start) k *= 2;
  return nodeHash(mth(leaves, start, start + k), mth(leaves, start + k, end));
}

describe('two PostgreSQL nodes on a rolled-back schema', () => {
  it(
    'stop, refuse to restart, and never sign a smaller or inconsistent checkpoint',
    { timeout: 120_000 },
    async () => {
      const schema = randomSchema('proofline_rollback');
      const backup = `${schema}_copy`;
      const s = quoteIdent(schema);
      const b = quoteIdent(backup);
      const work = tempDir('pg-rollback');
      const targetA: ClusterTarget = { db: TEST_PG, keys: join(work, 'keys'), schema };
      const stateB = ['--state-dir', join(work, 'state-b')];
      const db = new pg.Pool({ connectionString: TEST_PG, max: 2 });
      const nodes: ClusterNode[] = [];
      const served = new Set<string>();
      const poll = setInterval(() => {
        for (const n of nodes) {
          if (!n.alive()) continue;
          fetch(`${n.url}/logs/default/checkpoint`, { signal: AbortSignal.timeout(1000) })
            .then(async (r) => r.status === 200 && served.add(await r.text()))
            .catch(() => {});
        }
      }, 50);
      const notesInDb = async () =>
        (await db.query<{ note: string }>(`SELECT note FROM ${s}.checkpoints`)).rows.map(
          (r) => r.note,
        );
      try {
        nodes.push(await startNode('a', targetA, 0, NODE_ARGS));
        // Node b shares the key directory but keeps its own guard, which it must be given.
        const argsB = [...NODE_ARGS, ...stateB];
        await assert.rejects(startNode('b', targetA, 0, argsB), /no checkpoint guard/);
        const reset = runProofline(['reset-guard', ...targetArgs(targetA), ...stateB]);
        assert.equal(reset.status, 0, reset.stderr);
        assert.equal(statSync(join(work, 'state-b', 'default.checkpoint')).mode & 0o777, 0o600);
        nodes.push(await startNode('b', targetA, 0, argsB));
        const vkey = runProofline(['log-key', ...targetArgs(targetA)]).stdout.trim();

        let r = runProofline(['append', ...targetArgs(targetA)], lines(0, 20));
        assert.equal(r.status, 0, r.stderr);
        for (const n of nodes) await waitForSize(n.url, 20);
        const tables = (
          await db.query<{ table_name: string }>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
            [schema],
          )
        ).rows.map((row) => quoteIdent(row.table_name));
        // The copy: every table as of one snapshot, as a dump would take it.
        const client = await db.connect();
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          await client.query(`CREATE SCHEMA ${b}`);
          for (const t of tables) await client.query(`CREATE TABLE ${b}.${t} AS TABLE ${s}.${t}`);
          await client.query('COMMIT');
        } finally {
          client.release();
        }

        r = runProofline(['append', ...targetArgs(targetA), ...stateB], lines(20, 50));
        assert.equal(r.status, 0, r.stderr);
        for (const n of nodes) await waitForSize(n.url, 50);
        // Each node's guard learns size 50 within a round (the lease holder's by signing it).
        const guards = [
          join(targetA.keys, 'default.checkpoint'),
          join(work, 'state-b', 'default.checkpoint'),
        ];
        for (const file of guards) {
          const deadline = Date.now() + 10_000;
          while ((JSON.parse(readFileSync(file, 'utf8')) as { size: number }).size < 50) {
            assert.ok(Date.now() < deadline, `${file} reaches size 50`);
            await sleep(20);
          }
        }
        const before = await notesInDb();
        const entries = (
          await db.query<{ data: Buffer }>(`SELECT data FROM ${s}.entries ORDER BY idx`)
        ).rows.map((row) => leafHash(row.data));
        assert.equal(entries.length, 50);

        // The restore, under the running nodes.
        const restore = await db.connect();
        try {
          await restore.query('BEGIN');
          await restore.query(`SET LOCAL session_replication_role = replica`);
          await restore.query(`TRUNCATE ${tables.map((t) => `${s}.${t}`).join(', ')}`);
          for (const t of tables) {
            await restore.query(
              `INSERT INTO ${s}.${t} OVERRIDING SYSTEM VALUE SELECT * FROM ${b}.${t}`,
            );
          }
          await restore.query('COMMIT');
        } finally {
          restore.release();
        }
        for (const n of nodes) {
          const code = await Promise.race([n.exited, sleep(15_000).then(() => 'running')]);
          assert.equal(code, 1, `node ${n.name} stops: ${n.output()}`);
          assert.match(n.output(), /the database holds 20 entries, fewer than the 50/);
          assert.match(n.output(), /size 50, root [0-9a-f]{64}/);
        }
        for (const [name, extra] of [
          ['a', []],
          ['b', stateB],
        ] as const) {
          const args = [...NODE_ARGS, ...extra];
          await assert.rejects(startNode(`${name}-again`, targetA, 0, args), (err: Error) => {
            assert.match(
              err.message,
              /refusing to start: log default: the database holds 20 entries/,
            );
            assert.match(err.message, /reset-guard --db <URL> --keys/);
            return true;
          });
        }

        // Every checkpoint signed, before or after the restore, is a prefix of the same tree.
        const verifier = parseVerifierKey(vkey);
        const all = new Set([...served, ...before, ...(await notesInDb())]);
        assert.ok(all.size >= 3);
        for (const note of all) {
          const { checkpoint } = await openCheckpoint(note, verifier.name, verifier);
          assert.ok(checkpoint.size <= 50, `no checkpoint beyond the tree: ${checkpoint.size}`);
          if (checkpoint.size === 0) continue;
          assert.deepEqual(
            Buffer.from(checkpoint.rootHash),
            Buffer.from(mth(entries, 0, checkpoint.size)),
            `checkpoint ${checkpoint.size} is a prefix of the signed tree`,
          );
        }
        const after = Math.max(
          ...(await db.query<{ size: string }>(`SELECT size FROM ${s}.checkpoints`)).rows.map(
            (row) => Number(row.size),
          ),
        );
        assert.equal(after, 20, 'nothing signed after the restore');
      } finally {
        clearInterval(poll);
        for (const n of nodes) await killNode(n);
        await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
        await db.query(`DROP SCHEMA IF EXISTS ${b} CASCADE`);
        await db.end();
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});
