/**
 * The `proofline` command table as a careless user meets it: help, version, typos, and
 * read-only commands that must never create a folder, database, log or key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_PG, randomSchema } from './lib/cluster.js';
import {
  PROOFLINE_BIN,
  REPO_ROOT,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

const { COMMANDS } = (await import(
  join(REPO_ROOT, 'packages/cli/dist/src/table/index.js')
)) as typeof import('../packages/cli/src/table/index.js');
const { runCli } = (await import(
  join(REPO_ROOT, 'packages/cli/dist/src/cli/run.js')
)) as typeof import('../packages/cli/src/cli/run.js');

/**
 * `proofline ARGS` in this process, for help output only: runCli writes help synchronously
 * before its first await, so stdout and stderr are captured during the call alone (the test
 * runner's own writes are never caught). bin/proofline.js adds nothing to runCli but the exit
 * code, which the spawned checks below cover.
 */
async function helpInProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  const { stdout: out, stderr: err } = process;
  const [outWrite, errWrite] = [out.write, err.write];
  out.write = (chunk: string | Uint8Array) => ((stdout += String(chunk)), true);
  err.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true);
  let done: Promise<number>;
  try {
    done = runCli(args, COMMANDS);
  } finally {
    out.write = outWrite;
    err.write = errWrite;
  }
  return { status: await done, stdout, stderr };
}

/** The checks of `CMD --help`, `help CMD` and `CMD -h` on one output. */
function assertCommandHelp(
  c: (typeof COMMANDS)[number],
  args: string[],
  r: { status: number | null; stdout: string; stderr: string },
) {
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  assert.ok(r.stdout.startsWith(`usage: proofline ${c.name}`), r.stdout);
  const usages = r.stdout.match(/usage: proofline /g) ?? [];
  assert.equal(usages.length, 1, r.stdout);
  for (const f of c.flags ?? []) assert.ok(r.stdout.includes(`--${f.name}`), f.name);
}

/** Every file and folder under `dir` with its size (folders: -1), sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => {
      const s = statSync(join(dir, p));
      return `${p} ${s.isDirectory() ? -1 : s.size}`;
    })
    .sort();
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** A deployment with the default log, made the only way logs are made. */
function deployment(): string {
  const dir = join(tempDir('cli-commands'), 'data');
  const r = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

describe('proofline help, version and typos', () => {
  it('--version prints the package version, cheaply', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write(`cpu ${(u.user+u.system)/1000}`)})',
        PROOFLINE_BIN,
        '--version',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `proofline ${pkg.version}\n`);
    const cpuMs = Number(/cpu ([\d.]+)/.exec(r.stderr)![1]);
    assert.ok(cpuMs < 300, `--version took ${cpuMs} ms of CPU`);
  });

  it('--help lists every command with its summary; no command is an error', () => {
    const r = runProofline(['--help']);
    assert.equal(r.status, 0);
    for (const c of COMMANDS) assert.ok(r.stdout.includes(`  ${c.name} `), c.name);
    const none = runProofline([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /usage: proofline <command>/);
  });

  it('CMD --help prints that command only', async () => {
    const forms = (name: string) => [
      [name, '--help'],
      ['help', name],
      [name, '-h'],
    ];
    // Every command in this process (87 spawns took ~20 s); each form once as a process.
    for (const c of COMMANDS) {
      for (const args of forms(c.name)) assertCommandHelp(c, args, await helpInProcess(args));
    }
    const attest = COMMANDS.find((c) => c.name === 'attest')!;
    for (const args of forms(attest.name)) assertCommandHelp(attest, args, runProofline(args));
    const sub = runProofline(['api-key', 'create', '--help']);
    assert.equal(sub.status, 0);
    assert.match(sub.stdout, /^usage: proofline api-key create /);
    assert.match(sub.stdout, /--scope SCOPE/);
    assert.doesNotMatch(sub.stdout, /--id /, 'not the flags of api-key revoke');
  });

  it('a mistyped command or flag gets a suggestion, exit 2 and one usage line', () => {
    const cmd = runProofline(['atest', 'file']);
    assert.equal(cmd.status, 2);
    assert.match(cmd.stderr, /unknown command "atest"; did you mean attest\?/);
    assert.ok(cmd.stderr.split('\n').length <= 4, cmd.stderr);
    assert.doesNotMatch(cmd.stderr, /commands:/);

    const flag = runProofline(['verify', 'x.json', '--log-kye', 'K']);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /unknown flag --log-kye for verify; did you mean --log-key\?/);
    assert.equal((flag.stderr.match(/usage: /g) ?? []).length, 1, flag.stderr);
    assert.match(flag.stderr, /^usage: proofline verify BUNDLE\|RECEIPT --log-key VKEY/m);
    assert.ok(flag.stderr.length < 600, flag.stderr);

    const sub = runProofline(['api-key', 'lst', '--data', 'x']);
    assert.equal(sub.status, 2);
    assert.match(sub.stderr, /did you mean list\?/);

    const missing = runProofline(['audit', '--log-key', 'K']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /audit takes one URL \(got none\)/);
  });
});

describe('read-only commands create nothing', () => {
  const READ_ONLY: string[][] = [
    ['log-key'],
    ['logs'],
    ['api-key', 'list'],
    ['api-key', 'revoke', '--id', 'abc'],
    ['api-key', 'create', '--tenant', 'default', '--scope', 'admin'],
    ['issuer-key', 'list', '--tenant', 'default'],
    ['reset-guard'],
    ['append'],
  ];

  it('on a missing or empty data folder: say what is missing and how to create it', () => {
    const root = tempDir('cli-missing');
    const missing = join(root, 'typo');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const args of READ_ONLY) {
      for (const dir of [missing, empty]) {
        const r = runProofline([...args, '--data', dir], '');
        assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /nothing was created/);
        assert.match(r.stderr, new RegExp(`proofline create-log --data ${dir} --log NAME`));
        assert.deepEqual(readdirSync(root).sort(), ['empty'], args.join(' '));
        assert.deepEqual(readdirSync(empty), [], args.join(' '));
      }
    }
  });

  it('on a PostgreSQL schema without Proofline: create no schema', async () => {
    const schema = randomSchema('clityp');
    const keys = join(tempDir('cli-pg'), 'keys');
    const target = ['--db', TEST_PG, '--keys', keys, '--db-schema', schema];
    for (const args of READ_ONLY) {
      const r = runProofline([...args, ...target], '');
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`no Proofline schema ${schema}; nothing was created`));
      assert.match(r.stderr, /proofline create-log --db <URL> --keys /);
    }
    const db = new pg.Client({ connectionString: TEST_PG });
    await db.connect();
    try {
      const found = await db.query(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
        [schema],
      );
      assert.equal(found.rowCount, 0);
    } finally {
      await db.end();
    }
    assert.ok(!existsSync(keys));
  });

  it('on an unknown log: name it and create-log, change no file', () => {
    const dir = deployment();
    const before = tree(dir);
    for (const args of [['log-key'], ['append'], ['reset-guard']]) {
      const r = runProofline([...args, '--data', dir, '--log', 'nope'], '');
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /no log "nope" \(logs: default\); nothing was created/);
      assert.match(r.stderr, new RegExp(`proofline create-log --data ${dir} --log nope`));
    }
    assert.deepEqual(tree(dir), before);
    assert.equal(runProofline(['logs', '--data', dir]).stdout.split('\n').length, 2, 'one log');
  });

  it('api-key create refuses a tenant without a log, and names the log choice', () => {
    const dir = deployment();
    const none = runProofline([
      'api-key',
      'create',
      '--data',
      dir,
      '--tenant',
      'acme',
      '--scope',
      'admin',
    ]);
    assert.equal(none.status, 1);
    assert.match(
      none.stderr,
      new RegExp(
        `tenant acme owns no log.*proofline create-log --data ${dir} --log NAME --tenant acme`,
      ),
    );
    const issuer = runProofline([
      'issuer-key',
      'add',
      '--data',
      dir,
      '--tenant',
      'acme',
      '--key',
      runProofline(['log-key', '--data', dir]).stdout.trim(),
    ]);
    assert.equal(issuer.status, 1);
    assert.match(issuer.stderr, /tenant acme owns no log/);
    assert.equal(runProofline(['api-key', 'list', '--data', dir]).stdout, '', 'no key was made');

    const one = runProofline([
      'api-key',
      'create',
      '--data',
      dir,
      '--tenant',
      'default',
      '--scope',
      'admin',
    ]);
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stderr, /the tenant's log: default/);
    assert.equal(
      runProofline(['create-log', '--visibility', 'public', '--data', dir, '--log', 'second'])
        .status,
      0,
    );
    const two = runProofline([
      'api-key',
      'create',
      '--data',
      dir,
      '--tenant',
      'default',
      '--scope',
      'admin',
    ]);
    assert.equal(two.status, 0, two.stderr);
    assert.match(two.stderr, /several logs \(default, second\).*--log NAME.*\?log=NAME/);
  });

  it('client-side commands leave no output file when their input is missing', () => {
    const dir = tempDir('cli-outputs');
    const out = join(dir, 'out.json');
    const sample = runProofline([
      'sample',
      '--population',
      join(dir, 'none.jsonl'),
      '--size',
      '1',
      '--out',
      out,
    ]);
    assert.equal(sample.status, 1);
    const verify = runProofline(['verify', join(dir, 'none.json'), '--log-key', 'k']);
    assert.equal(verify.status, 1);
    const evidence = runProofline(['verify-evidence', join(dir, 'none.zip')]);
    assert.equal(evidence.status, 1);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('file modes', () => {
  it('creates the database 0600 (and its -wal, -shm), the folders 0700', async () => {
    const dir = deployment();
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(dir, 'keys')), 0o700);
    assert.equal(mode(join(dir, 'proofline.db')), 0o600);
    const server = await startServer(dir);
    try {
      for (const f of ['proofline.db', 'proofline.db-wal', 'proofline.db-shm']) {
        assert.equal(mode(join(dir, f)), 0o600, f);
      }
    } finally {
      await stopServer(server);
    }
  });

  it('refuses a key folder open to others, naming the chmod', async () => {
    const dir = deployment();
    for (const open of [0o777, 0o750, 0o701]) {
      chmodSync(join(dir, 'keys'), open);
      const r = runProofline(['log-key', '--data', dir]);
      assert.equal(r.status, 1, open.toString(8));
      assert.match(r.stderr, new RegExp(`open to other users .*chmod 700 ${join(dir, 'keys')}`));
    }
    const created = runProofline([
      'create-log',
      '--visibility',
      'public',
      '--data',
      dir,
      '--log',
      'other',
    ]);
    assert.equal(created.status, 1);
    assert.ok(!existsSync(join(dir, 'keys', 'other.key')), 'no key made in an open folder');
    await assert.rejects(startServer(dir), /chmod 700/);
    chmodSync(join(dir, 'keys'), 0o700);
    assert.equal(runProofline(['log-key', '--data', dir]).status, 0);
  });
});

describe('client commands against a running log', () => {
  let dir: string;
  let server: Server;
  let vkey: string;
  let apiKey: string;

  before(async () => {
    dir = deployment();
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    apiKey = runProofline([
      'api-key',
      'create',
      '--data',
      dir,
      '--tenant',
      'default',
      '--scope',
      'records:write',
      '--scope',
      'audit:read',
    ]).stdout.trim();
    server = await startServer(dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
  });

  it('attest - reads the content from standard input', () => {
    const content = 'attested from a pipe\n';
    const r = runProofline(
      [
        'attest',
        '-',
        '--url',
        server.url,
        '--api-key',
        apiKey,
        '--log-key',
        vkey,
        '--type',
        'test.event',
      ],
      content,
    );
    assert.equal(r.status, 0, r.stderr);
    const digest = createHash('sha256').update(content).digest('hex');
    assert.match(r.stdout, new RegExp(`^-\\tdefault-0\\tsha256:${digest}\\t`));
    const twice = runProofline(
      [
        'attest',
        '-',
        '-',
        '--url',
        server.url,
        '--api-key',
        apiKey,
        '--log-key',
        vkey,
        '--type',
        't',
      ],
      content,
    );
    assert.equal(twice.status, 2);
  });

  it('evidence --sample larger than the population says it took all', async () => {
    await waitForSize(server.url, 1);
    const out = join(tempDir('cli-evidence'), 'e.zip');
    const from = new Date(Date.now() - 3_600_000).toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const to = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // A record after the period, so that a checkpoint published after its end covers it.
    const later = runProofline(
      ['attest', '-', '--url', server.url, '--api-key', apiKey, '--log-key', vkey, '--type', 't'],
      'later',
    );
    assert.equal(later.status, 0, later.stderr);
    await waitForSize(server.url, 2);
    const r = runProofline([
      'evidence',
      ...['--url', server.url, '--api-key', apiKey, '--log-key', vkey],
      ...['--from', from, '--to', to, '--sample', '25', '--out', out],
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /--sample 25 exceeds the population of 1 records: took all 1/);
  });

  it('a --control outside the catalogue is warned of, and refused with --strict-controls', () => {
    const args = (...extra: string[]) => [
      'attest',
      '-',
      ...['--url', server.url, '--api-key', apiKey, '--log-key', vkey, '--type', 't'],
      ...['--control', 'SOC2-PI1.4', ...extra],
    ];
    const before = runProofline(['logs', '--data', dir]).stdout;
    const strict = runProofline(args('--strict-controls'), 'strict');
    assert.equal(strict.status, 1);
    assert.match(
      strict.stderr,
      /control SOC2-PI1.4 is not in the catalogue; did you mean SOC2:PI1.4\?/,
    );
    assert.match(strict.stderr, /nothing was written/);
    assert.equal(strict.stdout, '');
    const warned = runProofline(args(), 'warned');
    assert.equal(warned.status, 0, warned.stderr);
    assert.match(warned.stderr, /warning: control SOC2-PI1.4 is not in the catalogue/);
    assert.match(warned.stdout, /\tdefault-\d+\t/);
    assert.equal(runProofline(['logs', '--data', dir]).stdout, before);
  });

  it('population on an unknown log leaves no output file', () => {
    const out = join(tempDir('cli-population'), 'p.jsonl');
    const r = runProofline([
      'population',
      ...['--url', server.url, '--api-key', apiKey, '--log', 'nope'],
      ...['--from', '2026-01-01', '--to', '2026-02-01', '--out', out],
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!existsSync(out));
  });

  it("audit of the server's root names the /logs/<name>/ form", () => {
    const r = runProofline(['audit', `${server.url}/`, '--log-key', vkey]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`give the log's URL, ${server.url}/logs/<name>/`));
  });
});
