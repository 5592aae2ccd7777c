/**
 * `proofline serve` as an operator meets it: what it says at start, how it fails (a taken
 * port, unusable storage, a guessed origin), and logs created while it runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { generateSignerKey } from '@proofline/note';
import {
  TEST_PG,
  quoteIdent,
  randomSchema,
  startNode,
  targetArgs,
  type ClusterNode,
} from './lib/cluster.js';
import {
  createApiKey,
  PROOFLINE_BIN,
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
} from './lib/proofline.js';

async function withDir(fn: (dir: string) => Promise<void> | void) {
  const dir = tempDir('serve');
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `proofline serve ARGS`, which must exit by itself within `withinMs` (start-up included:
 * loading the CLI and creating a first key take seconds on a loaded CI machine).
 */
async function serveExits(args: string[], withinMs = 15_000) {
  const started = Date.now();
  const child = spawn(process.execPath, [PROOFLINE_BIN, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), withinMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const ms = Date.now() - started;
  assert.ok(code !== null, `serve ${args.join(' ')} still ran after ${withinMs} ms:\n${stderr}`);
  return { code, stdout, stderr, ms };
}

/** Polls `fn` until it returns a value, for at most `ms`. */
async function eventually<T>(fn: () => Promise<T | undefined>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function attest(url: string, apiKey: string, vkey: string, log: string, content: string) {
  return runProofline(
    [
      'attest',
      '-',
      '--url',
      url,
      '--api-key',
      apiKey,
      '--log-key',
      vkey,
      '--log',
      log,
      '--type',
      'test.event',
    ],
    content,
  );
}

describe('proofline serve start-up and failures', () => {
  it('exits non-zero within seconds on a taken port, naming it, and frees the database', () =>
    withDir(async (dir) => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const { port } = blocker.address() as AddressInfo;
      try {
        const r = await serveExits(['--data', dir, '--port', String(port)]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
        );
        assert.doesNotMatch(r.stderr, /listening on/);
      } finally {
        blocker.close();
      }
      // The database was closed: another serve starts on it at once.
      const server = await startServer(dir);
      assert.equal(await stopServer(server), 0);
    }));

  it('refuses unusable storage with a clear message, creating nothing', () =>
    withDir(async (dir) => {
      const file = join(dir, 'not-a-folder');
      writeFileSync(file, 'hello\n');
      const onFile = await serveExits(['--data', file, '--port', '0']);
      assert.equal(onFile.code, 1);
      assert.match(onFile.stderr, /--data .*not-a-folder is a file, not a folder/);

      const garbage = join(dir, 'garbage');
      mkdirSync(garbage);
      writeFileSync(join(garbage, 'proofline.db'), Buffer.alloc(4096, 7));
      const notDb = await serveExits(['--data', garbage, '--port', '0']);
      assert.equal(notDb.code, 1);
      assert.match(notDb.stderr, /garbage\/proofline\.db is not a SQLite database/);
      assert.match(notDb.stderr, /nothing was changed/);
      assert.deepEqual(readdirSync(garbage), ['proofline.db'], 'no keys, no -wal');

      const keys = join(dir, 'pg-keys');
      const pg = await serveExits(
        ['--db', 'postgres://postgres@127.0.0.1:1/test', '--keys', keys, '--port', '0'],
        20_000,
      );
      assert.equal(pg.code, 1);
      assert.match(pg.stderr, /cannot connect to PostgreSQL \(.*ECONNREFUSED.*\): check --db/);
      assert.ok(!existsSync(keys), 'no key folder was made');
    }));

  it('needs --origin-base on a first start on a public address; loopback uses the host name', () =>
    withDir(async (dir) => {
      const fresh = join(dir, 'fresh');
      const r = await serveExits(['--data', fresh, '--host', '0.0.0.0', '--port', '0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /--origin-base HOST is required on the first start with --host 0\.0\.0\.0/,
      );
      assert.match(r.stderr, /e\.g\. --origin-base ledger\.example\.com/);
      assert.ok(!existsSync(fresh), 'nothing was created');

      const named = await startServer(fresh, [
        '--host',
        '0.0.0.0',
        '--origin-base',
        'ledger.example.com',
      ]);
      assert.equal(await stopServer(named), 0);
      assert.match(
        runProofline(['log-key', '--data', fresh]).stdout,
        /^ledger\.example\.com\/logs\/default\+/,
      );
      // Later starts need no --origin-base: the log exists.
      const again = await startServer(fresh, ['--host', '0.0.0.0']);
      assert.equal(await stopServer(again), 0);

      const local = join(dir, 'local');
      const loopback = await startServer(local);
      assert.equal(await stopServer(loopback), 0);
      const vkey = runProofline(['log-key', '--data', local]).stdout;
      assert.ok(vkey.startsWith(`${hostname()}/logs/default+`), vkey);
    }));

  it('says what it serves: logs with their keys, a created key loudly, storage, witnesses, TSAs', () =>
    withDir(async (dir) => {
      const collect = async (extra: string[]) => {
        const child = spawn(
          process.execPath,
          [PROOFLINE_BIN, 'serve', '--data', dir, '--port', '0', ...extra],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        await eventually(
          async () => (stderr.includes('listening on') ? true : undefined),
          20_000,
          `serve listening:\n${stderr}`,
        );
        await new Promise((r) => setTimeout(r, 100));
        child.kill('SIGTERM');
        assert.equal(await new Promise((r) => child.once('exit', r)), 0);
        return { stdout, stderr };
      };
      const first = await collect([]);
      const vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
      assert.match(
        first.stderr,
        new RegExp(
          `log default \\(tenant default\\): origin ${hostname()}/logs/default, verifier key ${vkey.replace(/[+]/g, '\\+')}; no witnesses, no time-stamping`,
        ),
      );
      assert.match(
        first.stderr,
        /^WARNING: .*created a new signing key for log default in .*keys\/default\.key\. Back it up now/m,
      );
      assert.match(first.stderr, /storage SQLite/);
      assert.match(first.stderr, /default witnesses \(for logs without their own policy\): none/);
      assert.match(
        first.stderr,
        /default time-stamping \(for logs without their own policy\): none/,
      );
      assert.match(first.stderr, /proofline listening on http:\/\/127\.0\.0\.1:\d+\n/);
      // stdout is the JSON log, with the same facts as fields.
      const records = first.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const served = records.find((r) => r.msg === 'serving log');
      assert.equal(served?.verifierKey, vkey);
      assert.equal(served?.log, 'default');
      assert.ok(
        records.some((r) => r.msg === 'created a new signing key: back it up' && r.level === 40),
      );
      assert.ok(records.some((r) => r.msg === 'proofline serving' && r.storage === 'SQLite'));

      // The second start creates nothing and says no warning; --log-level warn silences info.
      const second = await collect(['--log-level', 'warn']);
      assert.doesNotMatch(second.stderr, /WARNING/);
      assert.match(second.stderr, /log default \(tenant default\)/);
      assert.equal(second.stdout, '', 'nothing at warn or above');

      const bad = await serveExits(['--data', dir, '--port', '0', '--log-level', 'loud']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--log-level takes fatal, error, warn, info, debug, trace, silent/);
    }));
});

describe('proofline serve logging', () => {
  it('logs a 500 at error level with its cause in the JSON log on stdout', () =>
    withDir(async (dir) => {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      const apiKey = runProofline([
        ...['api-key', 'create', '--data', dir, '--tenant', 'default'],
        ...['--scope', 'records:read'],
      ]).stdout.trim();
      const line = JSON.stringify({
        type: 'test.event',
        digest: `sha256:${createHash('sha256').update('x').digest('hex')}`,
      });
      assert.equal(runProofline(['append', '--data', dir], `${line}\n`).status, 0);
      // An insider garbles the stored entry: reading it back is a server fault, never a 4xx.
      const db = new Database(join(dir, 'proofline.db'));
      db.prepare('UPDATE entries SET data = ? WHERE idx = 0').run(Buffer.from('garbage'));
      db.close();
      const server = await startServer(dir);
      let stdout = '';
      server.process.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      try {
        const res = await fetch(`${server.url}/v1/records/default-0`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        assert.equal(res.status, 500);
        const logged = await eventually(
          async () =>
            stdout
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .map((l) => JSON.parse(l) as { level: number; err?: { message: string } })
              .find((r) => r.level === 50 && r.err !== undefined),
          5000,
          `an error record on stdout:\n${stdout}`,
        );
        assert.ok(logged.err!.message.length > 0);
      } finally {
        assert.equal(await stopServer(server), 0);
      }
    }));
});

describe('logs created while serve runs', () => {
  it('serves a log made by create-log in another process: writes succeed, it publishes', () =>
    withDir(async (dir) => {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      const apiKey = createApiKey(dir);
      const server = await startServer(dir, ['--checkpoint-interval', '50']);
      let stderr = '';
      server.process.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        const created = runProofline([
          'create-log',
          '--visibility',
          'public',
          '--data',
          dir,
          '--log',
          'priv',
        ]);
        assert.equal(created.status, 0, created.stderr);
        const vkey = created.stdout.trim().split('\n').at(-1)!;
        // Written at once, before any refresh: the request itself opens the log.
        const r = attest(server.url, apiKey, vkey, 'priv', 'a private output\n');
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /\tpriv-0\t/);
        const note = await eventually(
          async () => {
            const res = await fetch(`${server.url}/logs/priv/checkpoint`);
            const text = res.ok ? await res.text() : '';
            return Number(text.split('\n')[1]) >= 1 ? text : undefined;
          },
          5000,
          'a checkpoint of log priv covering the record',
        );
        assert.match(note, /\n1\n/);
        assert.match(
          stderr,
          /now serving new log priv \(tenant default\): origin .*, verifier key /,
        );
        const logs = (await (await fetch(`${server.url}/logs`)).json()) as {
          logs: { name: string }[];
        };
        assert.deepEqual(logs.logs.map((l) => l.name).sort(), ['default', 'priv']);
        // The new log's sequencer and publisher report to /metrics like the others.
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /^proofline_records_sequenced_total\{log="priv"\} 1$/m);
        assert.match(metrics, /^proofline_checkpoint_size\{log="priv"\} 1$/m);
      } finally {
        assert.equal(await stopServer(server), 0);
      }
    }));

  it('answers 503 for a new log whose key this node lacks, says why, and serves it once the key is there', () =>
    withDir(async (dir) => {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      const apiKey = createApiKey(dir);
      const server = await startServer(dir, ['--checkpoint-interval', '50']);
      let stderr = '';
      server.process.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        // Made by another machine, its key kept elsewhere (here: only in that process's env).
        const secret = generateSignerKey('ledger.example/logs/remote');
        const created = spawnSyncWithKey(
          ['create-log', '--visibility', 'public', '--data', dir, '--log', 'remote'],
          secret,
        );
        assert.equal(created.status, 0, created.stderr);
        const vkey = created.stdout.trim().split('\n').at(-1)!;
        const res = await fetch(`${server.url}/v1/records?log=remote`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'test.event',
            digest: `sha256:${createHash('sha256').update('x').digest('hex')}`,
          }),
        });
        assert.equal(res.status, 503);
        const problem = (await res.json()) as { code: string; detail: string };
        assert.equal(problem.code, 'log-unavailable');
        assert.doesNotMatch(problem.detail, new RegExp(dir), 'no paths to clients');
        assert.ok(res.headers.get('retry-after'));
        await eventually(
          async () =>
            /log remote: this node cannot serve the log: .*signing key is missing/.test(stderr)
              ? true
              : undefined,
          2000,
          `the reason in the node's output:\n${stderr}`,
        );
        // The operator installs the key: the next request (or refresh) serves the log.
        writeFileSync(join(dir, 'keys', 'remote.key'), `${secret}\n`, { mode: 0o600 });
        const r = attest(server.url, apiKey, vkey, 'remote', 'remote output\n');
        assert.equal(r.status, 0, r.stderr);
        await eventually(
          async () => {
            const text = await fetchCheckpoint(server.url, 'remote').catch(() => '');
            return Number(text.split('\n')[1]) >= 1 ? true : undefined;
          },
          5000,
          'a checkpoint of log remote',
        );
      } finally {
        assert.equal(await stopServer(server), 0);
      }
    }));
});

describe('logs created while serve runs on PostgreSQL', () => {
  it('needs --origin-base on a first start on a public address, creating no schema', async () => {
    const dir = tempDir('serve-pg');
    const target = { db: TEST_PG, keys: join(dir, 'keys'), schema: randomSchema('serve_origin') };
    const pool = new pg.Pool({ connectionString: TEST_PG });
    try {
      const r = await serveExits([...targetArgs(target), '--host', '0.0.0.0', '--port', '0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--origin-base HOST is required on the first start/);
      const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        target.schema,
      ]);
      assert.equal(rows.length, 0, 'no schema was created');
      assert.ok(!existsSync(target.keys), 'no key folder was created');
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(target.schema)} CASCADE`);
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every node serves a log that create-log made on another machine', async () => {
    const dir = tempDir('serve-pg');
    const target = { db: TEST_PG, keys: join(dir, 'keys'), schema: randomSchema('serve_new') };
    const nodes: ClusterNode[] = [];
    try {
      assert.equal(
        runProofline(['create-log', '--visibility', 'public', ...targetArgs(target)]).status,
        0,
      );
      const apiKey = runProofline([
        ...['api-key', 'create', ...targetArgs(target)],
        ...['--tenant', 'default', '--scope', 'records:write'],
      ]).stdout.trim();
      for (const name of ['a', 'b']) {
        nodes.push(await startNode(name, target, 0, ['--checkpoint-interval', '50']));
      }
      const created = runProofline([
        'create-log',
        '--visibility',
        'public',
        ...targetArgs(target),
        '--log',
        'late',
      ]);
      assert.equal(created.status, 0, created.stderr);
      const vkey = created.stdout.trim().split('\n').at(-1)!;
      // Node a opens it on the first request; node b on its own within the refresh period.
      const r = attest(nodes[0]!.url, apiKey, vkey, 'late', 'late output\n');
      assert.equal(r.status, 0, r.stderr);
      for (const node of nodes) {
        await eventually(
          async () => (/now serving new log late/.test(node.output()) ? true : undefined),
          8000,
          `node ${node.name} serving log late:\n${node.output()}`,
        );
      }
      const again = attest(nodes[1]!.url, apiKey, vkey, 'late', 'second output\n');
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /\tlate-1\t/);
      await eventually(
        async () => {
          const text = await fetchCheckpoint(nodes[1]!.url, 'late').catch(() => '');
          return Number(text.split('\n')[1]) >= 2 ? true : undefined;
        },
        5000,
        'a checkpoint of log late covering both records',
      );
    } finally {
      await Promise.all(nodes.map((n) => stopServer(n)));
      const pool = new pg.Pool({ connectionString: TEST_PG });
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(target.schema)} CASCADE`);
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `proofline ARGS` with the log key in PROOFLINE_LOG_KEY_REMOTE (so no key file is written). */
function spawnSyncWithKey(args: string[], key: string) {
  const saved = process.env.PROOFLINE_LOG_KEY_REMOTE;
  process.env.PROOFLINE_LOG_KEY_REMOTE = key;
  try {
    return runProofline(args);
  } finally {
    if (saved === undefined) delete process.env.PROOFLINE_LOG_KEY_REMOTE;
    else process.env.PROOFLINE_LOG_KEY_REMOTE = saved;
  }
}
