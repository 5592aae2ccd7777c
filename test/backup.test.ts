/**
 * Backup and restore of a SQLite deployment through the real `proofline` command: a backup
 * taken while another process keeps appending restores on a new machine (its keys copied, no
 * checkpoint guard) and passes `proofline audit`; on the original node, whose guard has signed
 * beyond the backup, the restore is refused unless forced (and serve then still refuses); a
 * careless operator's mistakes write nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  PROOFLINE_BIN,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const lines = (from: number, to: number) => {
  let text = '';
  for (let i = from; i < to; i++) {
    const digest = createHash('sha256').update(`backup/${i}`).digest('hex');
    text += `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }
  return text;
};

const entriesIn = (summary: string) => Number(/log default: (\d+) entries/.exec(summary)?.[1]);

describe('proofline backup and restore (SQLite)', () => {
  it(
    'a backup taken during writes restores and audits; an older one is refused where the key signed more',
    { timeout: 180_000 },
    async () => {
      const dir = tempDir('backup');
      const data = join(dir, 'data');
      const serveArgs = ['--checkpoint-interval', '50'];
      let server: Server | undefined;
      try {
        assert.equal(
          runProofline(['create-log', '--visibility', 'public', '--data', data]).status,
          0,
        );
        const vkey = runProofline(['log-key', '--data', data]).stdout.trim();
        server = await startServer(data, serveArgs);

        // Another process appends in small commits while the backup is taken.
        const writer = spawn(
          process.execPath,
          [PROOFLINE_BIN, 'append', '--data', data, '--chunk', '5'],
          { stdio: ['pipe', 'ignore', 'pipe'] },
        );
        const writerExit = new Promise<number | null>((r) => writer.once('exit', r));
        let writerErr = '';
        writer.stderr.on('data', (chunk: Buffer) => (writerErr += chunk.toString()));
        writer.stdin.on('error', () => {}); // EPIPE once it is stopped below
        writer.stdin.end(lines(0, 40_000));
        await waitForSize(server.url, 300);
        const backupFile = join(dir, 'backup.db');
        const backup = runProofline(['backup', '--data', data, '--out', backupFile]);
        assert.equal(backup.status, 0, backup.stderr);
        assert.equal(writer.exitCode, null, `the writer was still appending ${writerErr}`);
        assert.equal(statSync(backupFile).mode & 0o777, 0o600);
        const backedUp = entriesIn(backup.stdout);
        assert.ok(backedUp >= 300, backup.stdout);
        assert.match(backup.stdout, /not in it: the signing keys/);
        writer.kill('SIGTERM');
        await writerExit;

        // A careless operator: an existing --out, a missing data folder: nothing written.
        const again = runProofline(['backup', '--data', data, '--out', backupFile]);
        assert.equal(again.status, 1);
        assert.match(again.stderr, /exists: choose a new file/);
        const missing = runProofline([
          'backup',
          '--data',
          join(dir, 'typo'),
          '--out',
          join(dir, 'b2.db'),
        ]);
        assert.equal(missing.status, 1);
        assert.equal(existsSync(join(dir, 'typo')), false);
        assert.equal(existsSync(join(dir, 'b2.db')), false);
        assert.equal(existsSync(join(dir, 'b2.db.partial')), false);

        // Let the original node sign past the backup, then stop it.
        await waitForSize(server.url, backedUp + 1);
        await stopServer(server);
        server = undefined;

        // A new machine: the keys copied (not the guard), the backup restored, served, audited.
        const fresh = join(dir, 'fresh');
        mkdirSync(join(fresh, 'keys'), { recursive: true, mode: 0o700 });
        copyFileSync(join(data, 'keys', 'default.key'), join(fresh, 'keys', 'default.key'));
        const restored = runProofline(['restore', '--data', fresh, '--from', backupFile]);
        assert.equal(restored.status, 0, restored.stderr);
        assert.equal(entriesIn(restored.stdout), backedUp);
        assert.match(
          restored.stdout,
          /checkpoint guard .*default\.checkpoint made from the backup/,
        );
        assert.equal(statSync(join(fresh, 'proofline.db')).mode & 0o777, 0o600);
        server = await startServer(fresh, serveArgs);
        await waitForSize(server.url, backedUp);
        const audit = runProofline(['audit', `${server.url}/logs/default/`, '--log-key', vkey]);
        assert.equal(audit.status, 0, audit.stdout + audit.stderr);
        assert.match(audit.stdout, new RegExp(`\\b${backedUp}\\b`));
        await stopServer(server);
        server = undefined;

        // The original node lost its database: its guard has signed beyond the backup.
        const lost = join(dir, 'lost');
        for (const f of readdirSync(data).filter((f) => f.startsWith('proofline.db'))) {
          renameSync(join(data, f), join(dir, `lost-${f}`));
        }
        const refused = runProofline(['restore', '--data', data, '--from', backupFile]);
        assert.equal(refused.status, 1);
        assert.match(refused.stderr, /refusing to restore: log default: .*fewer than/);
        assert.match(refused.stderr, /--force restores it anyway/);
        assert.deepEqual(
          readdirSync(data).filter((f) => f.startsWith('proofline.db')),
          [],
          'nothing written',
        );
        assert.equal(existsSync(lost), false);

        const forced = runProofline(['restore', '--data', data, '--from', backupFile, '--force']);
        assert.equal(forced.status, 0, forced.stderr);
        assert.match(forced.stdout, /FORCED log default/);
        assert.match(forced.stdout, /serve refuses this log until `proofline reset-guard`/);
        await assert.rejects(startServer(data, serveArgs), /refusing to start: log default/);

        // Restoring over a database, or from a file that is no database: refused, unchanged.
        const over = runProofline(['restore', '--data', data, '--from', backupFile]);
        assert.equal(over.status, 1);
        assert.match(over.stderr, /proofline\.db exists: move it aside/);
        const junk = join(dir, 'junk.db');
        writeFileSync(junk, 'not a database at all, just text '.repeat(200));
        const other = join(dir, 'other');
        const notDb = runProofline(['restore', '--data', other, '--from', junk]);
        assert.equal(notDb.status, 1);
        assert.match(notDb.stderr, /not a Proofline database|cannot open/);
        assert.equal(existsSync(join(other, 'proofline.db')), false);
      } finally {
        if (server) await stopServer(server);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
