/** The `proofline` command as users run it: arguments, keys, logs, bulk append, signals. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint, parseVerifierKey } from '@proofline/note';
import { parseRecord } from '@proofline/records';
import { SqliteStorage } from '@proofline/storage-sqlite';
import {
  PROOFLINE_BIN,
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
} from './lib/proofline.js';

/** A valid statement line whose subject identifies it. */
function statement(subject: string): string {
  const digest = createHash('sha256').update(subject).digest('hex');
  return JSON.stringify({ type: 'test.event', digest: `sha256:${digest}`, subject });
}

const VKEY = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}\n$/;

async function withDir(fn: (dir: string) => Promise<void> | void) {
  const dir = tempDir('cli');
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('proofline CLI', () => {
  it('rejects bad usage with exit code 2 and the usage text', () =>
    withDir((dir) => {
      for (const args of [
        [],
        ['frobnicate'],
        ['serve'],
        ['serve', '--data', dir, '--port', 'abc'],
        ['serve', '--data', dir, '--port', '70000'],
        ['append', '--data', dir, '--chunk', '0'],
        ['log-key', '--data', dir, '--bogus'],
        ['log-key', '--data'],
      ]) {
        const r = runProofline(args);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout + r.stderr, /usage: proofline/);
      }
      assert.equal(runProofline(['--help']).status, 0);
    }));

  it('creates the default log key once, private, and prints its verifier key', () =>
    withDir((dir) => {
      const created = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
      assert.equal(created.status, 0, created.stderr);
      const first = runProofline(['log-key', '--data', dir]);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, VKEY);
      assert.ok(created.stdout.endsWith(first.stdout), created.stdout);
      assert.equal(runProofline(['log-key', '--data', dir]).stdout, first.stdout);
      assert.equal(statSync(join(dir, 'keys/default.key')).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'keys')).mode & 0o777, 0o700);
      parseVerifierKey(first.stdout.trim());
    }));

  it('refuses to start with a signing key readable by others', () =>
    withDir(async (dir) => {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      chmodSync(join(dir, 'keys/default.key'), 0o644);
      const r = runProofline(['log-key', '--data', dir]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /readable by other users/);
      await assert.rejects(startServer(dir), /readable by other users/);
    }));

  it('runs several logs, each with its own origin and key, under /logs/<name>/', () =>
    withDir(async (dir) => {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      const created = runProofline([
        'create-log',
        '--visibility',
        'public',
        '--data',
        dir,
        '--log',
        'audit-2026',
        '--origin',
        'ledger.example/audit-2026',
      ]);
      assert.equal(created.status, 0, created.stderr);
      assert.equal(
        runProofline(['create-log', '--visibility', 'public', '--data', dir, '--log', 'audit-2026'])
          .status,
        1,
      );
      assert.equal(
        runProofline(['create-log', '--visibility', 'public', '--data', dir, '--log', 'Bad_Name'])
          .status,
        1,
      );
      const vkey = runProofline(['log-key', '--data', dir, '--log', 'audit-2026']).stdout.trim();
      assert.match(vkey, /^ledger\.example\/audit-2026\+/);
      assert.notEqual(vkey, runProofline(['log-key', '--data', dir]).stdout.trim());
      const appended = runProofline(
        ['append', '--data', dir, '--log', 'audit-2026'],
        [statement('a'), statement('b'), statement('c')].join('\n') + '\n',
      );
      assert.equal(appended.status, 0, appended.stderr);
      const server = await startServer(dir);
      try {
        const note = await fetchCheckpoint(server.url, 'audit-2026');
        const { checkpoint } = await openCheckpoint(
          note,
          'ledger.example/audit-2026',
          parseVerifierKey(vkey),
        );
        assert.equal(checkpoint.size, 3);
        assert.equal(Number((await fetchCheckpoint(server.url)).split('\n')[1]), 0);
        const logs = (await (await fetch(`${server.url}/logs`)).json()) as {
          logs: { name: string }[];
        };
        assert.deepEqual(
          logs.logs.map((l) => l.name),
          ['audit-2026', 'default'],
        );
      } finally {
        assert.equal(await stopServer(server), 0, 'SIGTERM is a clean shutdown');
      }
    }));

  it('stops an import at an invalid line, keeping only what it reported', () =>
    withDir(async (dir) => {
      assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
      for (const bad of [
        '{"type":"test.event"}',
        'not json',
        `{"type":"t","digest":"sha256:${'0'.repeat(64)}","subject":"${'x'.repeat(70000)}"}`,
        `{"type":"t","digest":"sha256:${'0'.repeat(64)}","extra":1}`,
      ]) {
        const input = [
          statement('one'),
          statement('two'),
          statement('three'),
          bad,
          statement('five'),
        ];
        const r = runProofline(['append', '--data', dir, '--chunk', '2'], input.join('\n') + '\n');
        assert.equal(r.status, 1, bad.slice(0, 80));
        assert.match(r.stdout, /^appended \d+-\d+\n$/);
        assert.match(
          r.stderr,
          /line 4: .*Indices \d+-\d+ were appended; nothing after them was written/,
        );
      }
      const storage = new SqliteStorage(join(dir, 'proofline.db'));
      try {
        assert.equal(await storage.sequencedSize('default'), 8, 'two per attempt, nothing more');
      } finally {
        await storage.close();
      }
      const crlf = runProofline(
        ['append', '--data', dir],
        `${statement('six')}\r\n${statement('seven')}\r\n`,
      );
      assert.equal(crlf.status, 0, crlf.stderr);
      const storage2 = new SqliteStorage(join(dir, 'proofline.db'));
      try {
        const entries = await storage2.readEntries('default', 8, 10);
        assert.deepEqual(
          entries.map((e) => parseRecord(e).subject),
          ['six', 'seven'],
        );
      } finally {
        await storage2.close();
      }
    }));

  it('finishes in-flight batches on SIGTERM', () =>
    withDir(async (dir) => {
      const server = await startServer(dir, ['--checkpoint-interval', '50']);
      try {
        const child = spawn(
          process.execPath,
          [PROOFLINE_BIN, 'append', '--data', dir, '--chunk', '100'],
          {
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stdin.on('error', () => {});
        let n = 0;
        const writer = setInterval(() => {
          let text = '';
          for (let i = 0; i < 200; i++) text += `${statement(`entry ${n++}`)}\n`;
          child.stdin.write(text);
        }, 5);
        // Signal mid-stream, once the importer is demonstrably running.
        for (let i = 0; !stdout.includes('appended '); i++) {
          assert.ok(i < 1000, 'the importer never reported a commit');
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 100));
        child.kill('SIGTERM');
        const code = await new Promise((r) => child.on('close', r));
        clearInterval(writer);
        assert.equal(code, 0);
        const summary = /appended (\d+) entries to log default: indices 0-(\d+)\n$/.exec(stdout);
        assert.ok(summary, stdout.slice(-500));
        const total = Number(summary[2]) + 1;
        await waitForSize(server.url, total);
        const storage = new SqliteStorage(join(dir, 'proofline.db'));
        try {
          assert.equal(await storage.sequencedSize('default'), total);
          const last = await storage.readEntries('default', total - 1, total);
          assert.equal(parseRecord(last[0]!).subject, `entry ${total - 1}`);
        } finally {
          await storage.close();
        }
      } finally {
        await stopServer(server);
      }
    }));
});
