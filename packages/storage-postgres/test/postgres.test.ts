/**
 * PostgreSQL-specific behaviour: several nodes (separate pools) sharing one database.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  StorageError,
  type CommitGroup,
  type IdempotentOutcome,
  type LogConfig,
  type Reservation,
  type Storage,
} from '@proofline/storage';
import { appendAt } from '@proofline/storage/conformance';
import { PostgresStorage } from '../src/index.js';
import { MIGRATIONS, versionTable } from '../src/schema.js';
import { admin, dropSchema, freshSchema, open } from './fixture.js';

const T0 = 1_800_000_000_000;
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

function logConfig(name: string): LogConfig {
  return {
    name,
    tenant: 'acme',
    origin: `example.test/${name}`,
    verifierKey: `example.test/${name}+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    createdAt: 1_700_000_000_000,
    visibility: 'public',
  };
}

/** `n` handles on one fresh schema, as `n` API nodes would have; all closed and dropped after. */
async function withNodes(
  n: number,
  poolSize: number,
  fn: (nodes: PostgresStorage[], schema: string) => Promise<void>,
): Promise<void> {
  const schema = freshSchema();
  const nodes: PostgresStorage[] = [];
  try {
    for (let i = 0; i < n; i++) nodes.push(await open(schema, { poolSize }));
    await fn(nodes, schema);
  } finally {
    await Promise.all(nodes.map((s) => s.close()));
    await dropSchema(schema);
  }
}

type GroupOutcome = { first: number; timeMs: number } | { duplicate: IdempotentOutcome };

/**
 * Commits `groups` the way the sequencer does: at the tail as this node last saw it, again
 * at the tail a `retry` answer gives, and without the groups a `duplicates` answer names.
 */
async function commitAll(
  node: Storage,
  log: string,
  groups: readonly CommitGroup[],
  timeMs: number,
): Promise<GroupOutcome[]> {
  const out: (GroupOutcome | undefined)[] = groups.map(() => undefined);
  let live = groups.map((g, i) => ({ g, i }));
  let tail = await node.tail(log);
  for (;;) {
    const time = Math.max(timeMs, tail.timeMs);
    const answer = await node.sequence(log, {
      first: tail.size,
      timeMs: time,
      groups: live.map((l) => l.g),
    });
    if (answer.status === 'retry') tail = answer.tail;
    else if (answer.status === 'duplicates') {
      live.forEach((l, j) => {
        const used = answer.outcomes[j];
        if (used) out[l.i] = { duplicate: used };
      });
      live = live.filter((l) => out[l.i] === undefined);
      if (live.length === 0) return out as GroupOutcome[];
    } else {
      let first = tail.size;
      for (const l of live) {
        out[l.i] = { first, timeMs: time };
        first += l.g.entries.length;
      }
      return out as GroupOutcome[];
    }
  }
}

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Intercepts every statement any pooled connection sends while `fn` runs; `hook` may
 * replace a statement (return a promise) or let it through (return undefined).
 */
async function intercept<T>(
  hook: (sql: string, send: () => Promise<unknown>, client: pg.Client) => Promise<unknown> | void,
  fn: () => Promise<T>,
): Promise<T> {
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const sql = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '');
    const send = () => original.apply(this, args) as Promise<unknown>;
    return hook(sql, send, this) ?? send();
  };
  try {
    return await fn();
  } finally {
    proto.query = original;
  }
}

describe('postgres driver', () => {
  it('keeps indices gap-free and unique across 8 nodes sequencing concurrently', () =>
    withNodes(8, 4, async (nodes) => {
      const log = logConfig('busy');
      await Promise.all(nodes.map((n) => n.ensureLog(log)));
      const calls: Promise<{ node: number; call: number; count: number; result: GroupOutcome }>[] =
        [];
      for (let node = 0; node < nodes.length; node++) {
        for (let call = 0; call < 40; call++) {
          const count = 1 + ((node + call) % 5);
          const entries = Array.from({ length: count }, (_, j) => bytes(`${node}/${call}/${j}`));
          calls.push(
            commitAll(nodes[node]!, log.name, [{ entries }], T0 + call).then(([result]) => ({
              node,
              call,
              count,
              result: result!,
            })),
          );
        }
      }
      const done = await Promise.all(calls);
      const ranges = done
        .map(({ node, call, count, result }) => {
          assert.ok('first' in result);
          return { node, call, first: result.first, count, timeMs: result.timeMs };
        })
        .sort((a, b) => a.first - b.first);
      let next = 0;
      for (const r of ranges) {
        assert.equal(r.first, next, 'ranges are consecutive: no gap, no overlap');
        next += r.count;
      }
      assert.equal(await nodes[3]!.sequencedSize(log.name), next);
      const entries = await nodes[5]!.readEntries(log.name, 0, next);
      for (const r of ranges) {
        for (let j = 0; j < r.count; j++) {
          assert.equal(text(entries[r.first + j]), `${r.node}/${r.call}/${j}`);
        }
      }
      // Batch times never decrease along the log, whatever order the nodes committed in.
      for (let i = 1; i < ranges.length; i++) {
        assert.ok(ranges[i - 1]!.timeMs <= ranges[i]!.timeMs);
      }
    }));

  it('migrates once when 6 nodes open a fresh schema at the same time', async () => {
    const schema = freshSchema();
    const nodes = await Promise.all(Array.from({ length: 6 }, () => open(schema, { poolSize: 2 })));
    try {
      const { rows } = await admin((c) =>
        c.query<{ n: string; version: number }>(
          `SELECT count(*) AS n, max(version) AS version FROM "${schema}".schema_version`,
        ),
      );
      assert.deepEqual(rows[0], { n: '1', version: MIGRATIONS.length });
      const logs = await Promise.all(nodes.map((n) => n.ensureLog(logConfig('one'))));
      assert.ok(logs.every((l) => l.name === 'one'));
      assert.equal((await nodes[0]!.listLogs()).length, 1);
      // A schema written by a newer Proofline is refused, not misread.
      await admin((c) => c.query(`UPDATE "${schema}".schema_version SET version = 999`));
      await assert.rejects(
        open(schema),
        (err) => err instanceof StorageError && err.code === 'CORRUPT' && /999/.test(err.message),
      );
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await dropSchema(schema);
    }
  });

  it('brings a schema from before log policies up to date: its logs have none, then one', async () => {
    const schema = freshSchema();
    const s = `"${schema}"`;
    await admin(async (c) => {
      await c.query(`CREATE SCHEMA ${s}`);
      await c.query(versionTable(s));
      for (const m of MIGRATIONS.slice(0, 4)) await c.query(m(s));
      await c.query(`INSERT INTO ${s}.schema_version (version) VALUES (4)`);
      await c.query(`INSERT INTO ${s}.tenants (name, created_at) VALUES ('acme', 0)`);
      await c.query(
        `INSERT INTO ${s}.logs (name, tenant, origin, verifier_key, created_at) ` +
          `VALUES ('old', 'acme', 'example.test/old', 'v', 0)`,
      );
    });
    const node = await open(schema);
    try {
      assert.equal(await node.getLogPolicy('old'), undefined);
      await node.setLogPolicy('old', '{"witnesses":[]}');
      assert.equal(await node.getLogPolicy('old'), '{"witnesses":[]}');
    } finally {
      await node.close();
      await dropSchema(schema);
    }
  });

  it('brings a schema from before root signatures up to date; old nodes still publish, without', async () => {
    const schema = freshSchema();
    const s = `"${schema}"`;
    // Migration i (1-based, as schema.ts numbers them) is MIGRATIONS[i - 1]: the schema before
    // migration 12 has version 11.
    const before = MIGRATIONS.findIndex((m) => m(s).includes('ADD COLUMN cose_root'));
    assert.equal(before, 11);
    const note = 'example.test/old\n1\nroot\n\n— sig\n';
    await admin(async (c) => {
      await c.query(`CREATE SCHEMA ${s}`);
      await c.query(versionTable(s));
      for (const m of MIGRATIONS.slice(0, before)) await c.query(m(s));
      await c.query(`INSERT INTO ${s}.schema_version (version) VALUES (${before})`);
      await c.query(`INSERT INTO ${s}.tenants (name, created_at) VALUES ('acme', 0)`);
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO ${s}.logs (name, tenant, origin, verifier_key, created_at) ` +
          `VALUES ('old', 'acme', 'example.test/old', 'v', 0) RETURNING id`,
      );
      // Published by the code of that version: publish_checkpoint with five parameters.
      await c.query(`SELECT o_status FROM ${s}.publish_checkpoint($1, NULL, 1, $2, 5)`, [
        rows[0]!.id,
        note,
      ]);
    });
    const node = await open(schema);
    try {
      const latest = await node.latestCheckpoint('old');
      assert.deepEqual(latest, { size: 1, note, publishedAt: 5 });
      const next = {
        size: 2,
        note: note.replace('\n1\n', '\n2\n'),
        publishedAt: 6,
        coseRoot: Uint8Array.of(0xd2, 0x84, 0x00, 0xff),
      };
      assert.equal(await node.publishCheckpoint('old', latest, next), true);
      assert.deepEqual(await node.latestCheckpoint('old'), next);
      // A node of the previous version, still running, publishes with the old function.
      const third = note.replace('\n1\n', '\n3\n');
      await admin((c) =>
        c.query(
          `SELECT o_status FROM ${s}.publish_checkpoint(` +
            `(SELECT id FROM ${s}.logs WHERE name = 'old'), $1, 3, $2, 7)`,
          [next.note, third],
        ),
      );
      assert.deepEqual(
        (await node.checkpointHistory('old', 10)).map((c) => c.coseRoot),
        [undefined, next.coseRoot, undefined],
      );
      assert.deepEqual(await node.latestCheckpoint('old'), {
        size: 3,
        note: third,
        publishedAt: 7,
      });
    } finally {
      await node.close();
      await dropSchema(schema);
    }
  });

  it('lets exactly one of 20 nodes use an idempotency key, across two logs', () =>
    withNodes(20, 2, async (nodes, schema) => {
      const logs = [logConfig('race-a'), logConfig('race-b')];
      for (const log of logs) await nodes[0]!.ensureLog(log);
      const results = await Promise.all(
        nodes.map((node, i) => {
          const groups: CommitGroup[] = [
            {
              entries: [bytes(`keyed-${i}`)],
              idempotency: { tenant: 'acme', key: 'race', requestHash: `h${i}` },
            },
            { entries: [bytes(`free-${i}`)] },
          ];
          // Half the nodes write to each log: the log's row lock does not order them.
          return commitAll(node, logs[i % 2]!.name, groups, T0);
        }),
      );
      const winners = results.flatMap((r, i) => ('first' in r[0]! ? [i] : []));
      assert.equal(winners.length, 1, 'exactly one node sequences the keyed group');
      const w = winners[0]!;
      const won = results[w]![0]!;
      assert.ok('first' in won);
      const outcome = { requestHash: `h${w}`, log: logs[w % 2]!.name, first: won.first, count: 1 };
      results.forEach((r, i) => {
        if (i !== w) assert.deepEqual(r[0], { duplicate: outcome });
        assert.ok('first' in r[1]!, 'the other group of the batch is unaffected');
      });
      assert.deepEqual(await nodes[7]!.findIdempotency('acme', 'race'), outcome);
      const all: string[] = [];
      for (const log of logs) {
        const size = await nodes[1]!.sequencedSize(log.name);
        all.push(...(await nodes[1]!.readEntries(log.name, 0, size)).map(text));
      }
      assert.deepEqual(
        all.filter((e) => e.startsWith('keyed-')),
        [`keyed-${w}`],
      );
      assert.equal(all.filter((e) => e.startsWith('free-')).length, 20);
      const winnerEntries = await nodes[2]!.readEntries(
        outcome.log,
        outcome.first,
        outcome.first + 1,
      );
      assert.equal(text(winnerEntries[0]), `keyed-${w}`);
      const { rows } = await admin((c) =>
        c.query(`SELECT first_idx, count FROM "${schema}".idempotency`),
      );
      assert.deepEqual(rows, [{ first_idx: String(won.first), count: '1' }]);
    }));

  it("judges leases on the database's clock, not the nodes'", () =>
    withNodes(2, 2, async ([a, b], schema) => {
      const log = logConfig('lease');
      await a!.ensureLog(log);
      const realNow = Date.now;
      const remaining = async () => {
        const { rows } = await admin((c) =>
          c.query<{ ms: string }>(
            `SELECT lease_expires - floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint ` +
              `AS ms FROM "${schema}".logs`,
          ),
        );
        return Number(rows[0]!.ms);
      };
      try {
        // Node a's clock runs an hour slow: its lease still lasts 60 s of database time.
        Date.now = () => realNow() - 3_600_000;
        assert.equal(await a!.acquireLease(log.name, 'node-a', 60_000), true);
        const left = await remaining();
        assert.ok(left > 55_000 && left <= 60_000, `lease has ${left} ms left`);
        // Node b's clock runs an hour fast: the lease is not expired for it either.
        Date.now = () => realNow() + 3_600_000;
        assert.equal(await b!.acquireLease(log.name, 'node-b', 60_000), false);
        // A short lease expires on the database's clock even for a node whose clock lags.
        assert.equal(await a!.acquireLease(log.name, 'node-a', 1), true);
        Date.now = () => realNow() - 3_600_000;
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(await b!.acquireLease(log.name, 'node-b', 60_000), true);
        assert.equal(await a!.acquireLease(log.name, 'node-a', 60_000), false);
      } finally {
        Date.now = realNow;
      }
    }));

  it('sequences a 5,000-entry group in one statement', () =>
    withNodes(1, 2, async ([s]) => {
      const log = logConfig('bulk');
      await s!.ensureLog(log);
      await appendAt(s!, log.name, [{ entries: [bytes('warm-up')] }], T0);
      const entries = Array.from({ length: 5000 }, (_, i) =>
        randomBytes(100 + (i % 400)).fill(i % 256, 0, 1),
      );
      const keys = entries.map((_, i) => i % 1000);
      const statements: string[] = [];
      const started = performance.now();
      const result = await intercept(
        (sql) => void statements.push(sql.trim().split(/\s+/)[0]!),
        () =>
          s!.sequence(log.name, { first: 1, timeMs: T0, groups: [{ entries, lookupKeys: keys }] }),
      );
      const ms = performance.now() - started;
      const total = entries.reduce((n, e) => n + e.length, 0);
      console.log(
        `5,000 entries (${(total / 1024).toFixed(0)} KiB) sequenced in ${ms.toFixed(1)} ms ` +
          `with ${statements.length} statements: ${statements.join(', ')}`,
      );
      assert.deepEqual(result, { status: 'committed' });
      assert.deepEqual(statements, ['SELECT']); // sequence_commit, outside any transaction
      const back = await s!.readEntries(log.name, 1, 5001);
      assert.ok(back.every((e, i) => Buffer.compare(e, entries[i]!) === 0));
      assert.equal((await s!.findByLookupKey(log.name, 7, 100)).length, 5);
    }));

  it('splits a batch larger than 32 MiB across statements in the same transaction', () =>
    withNodes(1, 2, async ([s]) => {
      const log = logConfig('huge');
      await s!.ensureLog(log);
      await s!.tail(log.name); // the log's id, read once per handle
      const entries = Array.from({ length: 520 }, (_, i) => new Uint8Array(65535).fill(i % 256));
      const statements: string[] = [];
      const result = await intercept(
        (sql) => void statements.push(sql.trim().split(/\s+/)[0]!),
        () => s!.sequence(log.name, { first: 0, timeMs: T0, groups: [{ entries }] }),
      );
      assert.deepEqual(result, { status: 'committed' });
      assert.deepEqual(statements, ['BEGIN', 'SELECT', 'INSERT', 'WITH', 'COMMIT']);
      const around = await s!.readEntries(log.name, 509, 514);
      assert.deepEqual(
        around.map((e) => [e.length, e[0], e[65534]]),
        [509, 510, 511, 512, 513].map((i) => [65535, i % 256, i % 256]),
      );
    }));

  it('re-runs a sequencing statement after a deadlock', () =>
    withNodes(1, 2, async ([s]) => {
      const log = logConfig('retry');
      await s!.ensureLog(log);
      let failed = false;
      const result = await intercept(
        (sql) => {
          if (failed || !sql.startsWith('SELECT o_status')) return undefined;
          failed = true;
          return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
        },
        () =>
          s!.sequence(log.name, { first: 0, timeMs: T0, groups: [{ entries: [bytes('once')] }] }),
      );
      assert.equal(failed, true);
      assert.deepEqual(result, { status: 'committed' });
      assert.deepEqual((await s!.readEntries(log.name, 0, 1)).map(text), ['once']);
      assert.equal(await s!.sequencedSize(log.name), 1);
    }));

  it('resolves a sequencing statement whose connection broke from what it stored', () =>
    withNodes(1, 2, async ([s], schema) => {
      const log = logConfig('lost');
      await s!.ensureLog(log);
      const lost = () => new Error('Connection terminated unexpectedly');
      const one = (first: number, entry: string, epoch?: number) => ({
        first,
        timeMs: T0,
        groups: [{ entries: [bytes(entry)] }],
        receipt: `note ${entry}`,
        ...(epoch === undefined ? {} : { epoch }),
      });
      const isCommit = (sql: string) => sql.startsWith('SELECT o_status');
      // The commit happened; only its reply was lost: the call must resolve.
      const kept = await intercept(
        (sql, send) => (isCommit(sql) ? send().then(() => Promise.reject(lost())) : undefined),
        () => s!.sequence(log.name, one(0, 'kept')),
      );
      assert.deepEqual(kept, { status: 'committed' });
      // The connection died before the statement was sent: the call must reject.
      await assert.rejects(
        intercept(
          (sql) => (isCommit(sql) ? Promise.reject(lost()) : undefined),
          () => s!.sequence(log.name, one(1, 'gone')),
        ),
        /Connection terminated/,
      );
      // The connection breaks while the statement runs (it waits for an earlier reservation
      // that never commits): its backend is ended before the outcome is read, so it cannot
      // commit after the call rejected.
      const slow = await open(schema, { poolSize: 2, reservationWaitMs: 1_500 });
      try {
        await slow.reserve(log.name, 1, T0); // never committed
        const r = await slow.reserve(log.name, 1, T0);
        await assert.rejects(
          intercept(
            (sql, send, client) => {
              if (!isCommit(sql)) return undefined;
              const running = send().catch(() => {});
              setTimeout(() => (client as unknown as { end(): void }).end(), 300);
              return running.then(() => Promise.reject(lost()));
            },
            () => slow.sequence(log.name, one(r.first, 'cut', r.epoch)),
          ),
          /Connection terminated/,
        );
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        assert.equal(await s!.sequencedSize(log.name), 1);
        assert.deepEqual((await s!.readEntries(log.name, 0, 1)).map(text), ['kept']);
      } finally {
        await slow.close();
      }
    }));

  it('does not let a node that reserved and stopped stall the others for long', () =>
    withNodes(1, 2, async ([fast], schema) => {
      const log = logConfig('paused');
      await fast!.ensureLog(log);
      const paused = await open(schema, { poolSize: 2, reservationWaitMs: 200 });
      try {
        const mine = await paused.reserve(log.name, 1, T0); // then it stops
        const one = (r: Reservation, entry: string) => ({
          first: r.first,
          timeMs: r.timeMs,
          epoch: r.epoch,
          groups: [{ entries: [bytes(entry)] }],
        });
        // The fast node waits for it (200 ms here), then gives its place up and moves on.
        const started = performance.now();
        const theirs = await fast!.reserve(log.name, 1, T0);
        assert.equal(theirs.first, 1);
        const answer = await fast!.sequence(log.name, one(theirs, 'fresh'));
        const waited = performance.now() - started;
        assert.equal(answer.status, 'retry');
        assert.ok(waited >= 150 && waited < 5_000, `waited ${waited.toFixed(0)} ms`);
        const again = await fast!.reserve(log.name, 1, T0);
        assert.equal(again.first, 0);
        assert.deepEqual(await fast!.sequence(log.name, one(again, 'fresh')), {
          status: 'committed',
        });
        // The stopped node wakes up: its place is taken, and it gets a new one.
        assert.deepEqual(await paused.sequence(log.name, one(mine, 'late')), {
          status: 'retry',
          tail: { size: 1, timeMs: T0 },
        });
        const next = await paused.reserve(log.name, 1, T0);
        assert.deepEqual(await paused.sequence(log.name, one(next, 'late')), {
          status: 'committed',
        });
        assert.deepEqual((await fast!.readEntries(log.name, 0, 2)).map(text), ['fresh', 'late']);
      } finally {
        await paused.close();
      }
    }));

  it('keeps a node that lost its lease from publishing stale state', () =>
    withNodes(2, 2, async ([a, b]) => {
      const log = logConfig('stale');
      await a!.ensureLog(log);
      await appendAt(a!, log.name, [{ entries: [bytes('x'), bytes('y')] }], T0);
      const tile = (n: number) => ({ level: 0, index: 0, data: new Uint8Array(32 * n).fill(n) });
      const cp = (size: number, who: string) => ({
        size,
        note: `${log.origin}\n${size}\n${who}\n`,
        publishedAt: T0,
      });
      // a leads, reads the state it will work from, then pauses past its lease.
      assert.equal(await a!.acquireLease(log.name, 'a', 1), true);
      const from = await a!.integratedSize(log.name);
      const latest = await a!.latestCheckpoint(log.name);
      await new Promise((r) => setTimeout(r, 20));
      // b takes over and moves the log on.
      assert.equal(await b!.acquireLease(log.name, 'b', 60_000), true);
      assert.equal(await b!.integrate(log.name, 0, 2, [tile(2)]), true);
      assert.equal(await b!.publishCheckpoint(log.name, undefined, cp(2, 'b')), true);
      // a wakes up: every write it attempts loses its compare-and-swap.
      assert.equal(await a!.integrate(log.name, from, 1, [tile(1)]), false);
      assert.equal(await a!.publishCheckpoint(log.name, latest, cp(1, 'a')), false);
      assert.equal(await a!.acquireLease(log.name, 'a', 60_000), false);
      assert.deepEqual(await a!.readTiles(log.name, [{ level: 0, index: 0 }]), [tile(2).data]);
      assert.deepEqual(await a!.latestCheckpoint(log.name), cp(2, 'b'));
      assert.equal(await a!.integratedSize(log.name), 2);
    }));

  it('refuses schema names it would have to guess at', () => {
    assert.throws(
      () => new PostgresStorage({ connectionString: 'postgres://x', schema: 'Bad; DROP' }),
      (err) => err instanceof StorageError && err.code === 'INVALID_ARGUMENT',
    );
  });
});
