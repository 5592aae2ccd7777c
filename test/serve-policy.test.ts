/**
 * Per-log witness and TSA policy, with the real CLI: a witness that knows only some logs,
 * logs with their own policy (create-log, log-policy) beside logs that follow serve's
 * --witness, a policy changed while serve runs, and a policy an insider garbled in the
 * database.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStorage } from '@proofline/storage-sqlite';
import {
  PROOFLINE_BIN,
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
} from './lib/proofline.js';

function statement(subject: string): string {
  const digest = createHash('sha256').update(subject).digest('hex');
  return JSON.stringify({ type: 'test.event', digest: `sha256:${digest}`, subject });
}

async function eventually<T>(fn: () => Promise<T | undefined>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `proofline witness` cosigning only the logs with the verifier keys `logs`. */
async function startWitness(dir: string, logs: string[]) {
  const config = join(dir, 'witness.json');
  writeFileSync(
    config,
    JSON.stringify({ name: 'w.example/w', logs: logs.map((key) => ({ key })) }),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [PROOFLINE_BIN, 'witness', '--data', join(dir, 'witness'), '--config', config, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const w = { child, output: '', url: '', vkey: '' };
  // Listening and key on stdout, refusals (e.g. 404 for a log it does not know) on stderr.
  child.stdout!.on('data', (d: Buffer) => (w.output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (w.output += d.toString()));
  await eventually(
    async () => {
      const url = /listening on (http:\/\/\S+)/.exec(w.output);
      const vkey = /verifier key (\S+)/.exec(w.output);
      if (!url || !vkey) return undefined;
      w.url = url[1]!;
      w.vkey = vkey[1]!;
      return true;
    },
    20_000,
    'the witness listening',
  );
  return w;
}

interface Description {
  witnesses?: { keys: string[]; quorum: number };
  timestampAuthorities?: { roots: string[] };
}

async function describeLog(url: string, log: string): Promise<Description> {
  return (await (await fetch(`${url}/logs/${log}/`)).json()) as Description;
}

describe('per-log witness and TSA policy', () => {
  it('publishes each log under its own policy, serve --witness as the default, changes applied live', async () => {
    const dir = tempDir('serve-policy');
    const data = join(dir, 'data');
    let witness: Awaited<ReturnType<typeof startWitness>> | undefined;
    try {
      const vkeyOf = (r: { stdout: string }) => r.stdout.trim().split('\n').at(-1)!;
      const made = (args: string[]) => {
        const r = runProofline(['create-log', '--visibility', 'public', '--data', data, ...args]);
        assert.equal(r.status, 0, r.stderr);
        return vkeyOf(r);
      };
      const defaultKey = made(['--origin', 'ledger.example/logs/default']);
      made(['--log', 'priv', '--origin', 'ledger.example/logs/priv', '--no-witnesses']);
      made(['--log', 'other', '--origin', 'ledger.example/logs/other']);
      witness = await startWitness(dir, [defaultKey]);

      const shown = runProofline(['log-policy', '--data', data, '--log', 'priv']);
      assert.equal(shown.status, 0, shown.stderr);
      assert.equal(
        shown.stdout,
        "log priv\nwitnesses: none\ntime-stamping: serve's default (its --tsa flags)\nretention: none (records are kept for ever)\nvisibility public\n",
      );

      const server = await startServer(data, [
        '--checkpoint-interval',
        '50',
        '--witness',
        `${witness.url}=${witness.vkey}`,
      ]);
      let stderr = '';
      server.process.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        assert.deepEqual((await describeLog(server.url, 'default')).witnesses, {
          keys: [witness.vkey],
          quorum: 1,
        });
        assert.equal((await describeLog(server.url, 'priv')).witnesses, undefined);
        assert.deepEqual((await describeLog(server.url, 'other')).witnesses?.keys, [witness.vkey]);

        // priv publishes unwitnessed; default publishes cosigned by the witness.
        const appended = runProofline(
          ['append', '--data', data, '--log', 'priv'],
          `${statement('p1')}\n`,
        );
        assert.equal(appended.status, 0, appended.stderr);
        assert.match(
          await fetchCheckpoint(server.url, 'priv'),
          /^ledger\.example\/logs\/priv\n1\n/,
        );
        await eventually(
          async () =>
            (await fetchCheckpoint(server.url, 'default')).includes('\u2014 w.example/w ')
              ? true
              : undefined,
          10_000,
          'a checkpoint of default cosigned by the witness',
        );
        // The witness was asked about `other` (serve's default), never about `priv`.
        await eventually(
          async () => (witness!.output.includes('ledger.example/logs/other') ? true : undefined),
          10_000,
          `the witness refusing the log it does not know:\n${witness.output}`,
        );
        assert.doesNotMatch(witness.output, /ledger\.example\/logs\/priv/);

        // `other` gets a policy of its own while serve runs: it then publishes unwitnessed.
        const changed = runProofline([
          'log-policy',
          '--data',
          data,
          '--log',
          'other',
          '--no-witnesses',
        ]);
        assert.equal(changed.status, 0, changed.stderr);
        assert.match(changed.stdout, /^log other \(changed\)\nwitnesses: none\n/);
        await eventually(
          async () =>
            (await describeLog(server.url, 'other')).witnesses === undefined ? true : undefined,
          10_000,
          'the new policy of other applied',
        );
        assert.match(
          stderr,
          /new witness\/TSA policy for log other .*no witnesses \(its own policy\)/,
        );
        // Fewer cosignatures than before: said loudly (the policy is an unsigned database row).
        assert.match(
          stderr,
          /WARNING: log other: its stored policy now asks for 0 witness cosignatures instead of 1\. If no operator ran proofline log-policy, someone changed the database\./,
        );
        const more = runProofline(
          ['append', '--data', data, '--log', 'other'],
          `${statement('o1')}\n`,
        );
        assert.equal(more.status, 0, more.stderr);

        // A TSA policy is published with the log (its roots) once applied.
        const pem = join(dir, 'root.pem');
        const der = Buffer.from('not really a certificate');
        writeFileSync(
          pem,
          `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`,
        );
        const tsa = runProofline([
          ...['log-policy', '--data', data, '--log', 'priv'],
          ...['--tsa', 'tsa1=http://127.0.0.1:9/', '--tsa-root', pem],
        ]);
        assert.equal(tsa.status, 0, tsa.stderr);
        assert.match(
          tsa.stdout,
          /witnesses: none\ntime-stamping: tsa1 http:\/\/127\.0\.0\.1:9\/; 1 root/,
        );
        await eventually(
          async () => {
            const d = await describeLog(server.url, 'priv');
            return d.timestampAuthorities?.roots[0] === der.toString('base64') ? true : undefined;
          },
          10_000,
          'the TSA policy of priv applied',
        );

        // An insider garbles priv's policy in the database: serve keeps the one it has and
        // says why; log-policy refuses to show it and replaces it only as a whole.
        const storage = new SqliteStorage(join(data, 'proofline.db'));
        try {
          await storage.setLogPolicy('priv', '{"v":1,"witnesses":"everyone"}');
        } finally {
          await storage.close();
        }
        await eventually(
          async () =>
            /log priv: its new policy is invalid; it keeps its current one: invalid log policy: witnesses must be a list/.test(
              stderr,
            )
              ? true
              : undefined,
          10_000,
          `serve reporting the invalid policy:\n${stderr}`,
        );
        assert.equal((await describeLog(server.url, 'priv')).timestampAuthorities?.roots.length, 1);
        // A second node refuses to start on it, naming the log and the fix.
        const second = runProofline(['serve', '--data', data, '--port', '0']);
        assert.equal(second.status, 1);
        assert.match(
          second.stderr,
          /log priv: invalid log policy: witnesses must be a list\. Replace it: proofline log-policy --data /,
        );
        const refused = runProofline(['log-policy', '--data', data, '--log', 'priv']);
        assert.equal(refused.status, 1);
        assert.match(refused.stderr, /invalid log policy: witnesses must be a list/);
        const partial = runProofline(['log-policy', '--data', data, '--log', 'priv', '--no-tsa']);
        assert.equal(partial.status, 1, 'half a policy is not rebuilt from a garbled one');
        const whole = runProofline([
          ...['log-policy', '--data', data, '--log', 'priv'],
          ...['--no-witnesses', '--default-tsa'],
        ]);
        assert.equal(whole.status, 0, whole.stderr);
        assert.match(whole.stdout, /witnesses: none\ntime-stamping: serve's default/);
      } finally {
        assert.equal(await stopServer(server), 0);
      }
    } finally {
      witness?.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses conflicting or incomplete policy flags before creating anything', () => {
    const dir = tempDir('serve-policy');
    try {
      for (const args of [
        ['--no-witnesses', '--witness', 'http://x/=k'],
        ['--witness-quorum', '1'],
        ['--tsa', 'a=http://127.0.0.1:9/'],
        ['--tsa-root', join(dir, 'none.pem')],
        ['--no-tsa', '--tsa', 'a=http://127.0.0.1:9/'],
        ['--witness', 'http://127.0.0.1:9/=not-a-key'],
      ]) {
        const r = runProofline([
          'create-log',
          '--visibility',
          'public',
          '--data',
          join(dir, 'data'),
          '--log',
          'x',
          ...args,
        ]);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      }
      assert.equal(runProofline(['logs', '--data', join(dir, 'data')]).status, 1, 'no deployment');
      const missing = runProofline(['log-policy', '--data', dir, '--log', 'nope']);
      assert.equal(missing.status, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
