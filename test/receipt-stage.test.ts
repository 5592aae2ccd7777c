/**
 * The receipt stage and the live check, as users run them: `attest --wait` exit codes,
 * `proof ID --wait`, `verify RECEIPT` (and a tampered one), and `verify --log-url` against
 * an honest log, a log whose stored entry a database insider altered, and a forked log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  createApiKey,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  type Server,
} from './lib/proofline.js';

const SCOPES = ['records:write', 'records:read'];

interface Log {
  readonly dir: string;
  readonly apiKey: string;
  readonly vkey: string;
}

function createLog(dir: string): Log {
  assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
  const apiKey = createApiKey(dir, SCOPES);
  return { dir, apiKey, vkey: runProofline(['log-key', '--data', dir]).stdout.trim() };
}

function attest(url: string, log: Log, files: string[], ...extra: string[]) {
  return runProofline([
    'attest',
    ...files,
    '--url',
    url,
    '--api-key',
    log.apiKey,
    '--log-key',
    log.vkey,
    '--type',
    'ai.decision',
    ...extra,
  ]);
}

describe('the receipt stage and the live check', () => {
  let root: string;
  let log: Log;
  let server: Server;
  let file: string;

  before(async () => {
    root = tempDir('receipt-stage');
    log = createLog(join(root, 'data'));
    file = join(root, 'decision.pdf');
    writeFileSync(file, 'the decision');
    server = await startServer(log.dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
    rmSync(root, { recursive: true, force: true });
  });

  it('attest --wait verifies the bundles (exit 0); proof --wait fetches, verifies and saves one', () => {
    const out = join(root, 'proofs');
    const r = attest(server.url, log, [file], '--wait=30', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.split('\t')[1]!;
    assert.ok(existsSync(join(out, `${id}.bundle.json`)));
    const fetched = join(root, 'fetched');
    const p = runProofline([
      'proof',
      id,
      '--url',
      server.url,
      '--log-key',
      log.vkey,
      '--wait',
      '--out',
      fetched,
    ]);
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^VERIFIED record \d+ of \S+: .*\.bundle\.json\n$/);
    const v = runProofline([
      'verify',
      join(fetched, `${id}.bundle.json`),
      '--log-key',
      log.vkey,
      '--file',
      file,
    ]);
    assert.equal(v.status, 0, v.stdout);
    assert.ok(existsSync(join(fetched, `${id}.tlog-proof`)));
    const wrongKey = createLog(join(root, 'unrelated')).vkey;
    const bad = runProofline([
      'proof',
      id,
      '--url',
      server.url,
      '--log-key',
      wrongKey,
      '--out',
      join(root, 'bad'),
    ]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /NOT VERIFIED/);
    assert.ok(
      !existsSync(join(root, 'bad', `${id}.bundle.json`)),
      'an unverified bundle is not saved',
    );
  });

  it('verify RECEIPT: logged, not yet provable (exit 3); a tampered receipt fails (exit 1)', () => {
    const out = join(root, 'receipts');
    const r = attest(server.url, log, [file], '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.split('\t')[1]!;
    const saved = join(out, `${id}.receipt.json`);
    const v = runProofline(['verify', saved, '--log-key', log.vkey, '--file', file]);
    assert.equal(v.status, 3, v.stdout + v.stderr);
    assert.match(v.stdout, /PASS receipt/);
    assert.match(v.stdout, /PASS content/);
    assert.match(
      v.stdout,
      new RegExp(
        `LOGGED, NOT YET PROVABLE: the receipt is signed by the log; fetch the proof bundle with \`proofline proof ${id}\``,
      ),
    );
    const other = join(root, 'other.pdf');
    writeFileSync(other, 'another decision');
    const wrongFile = runProofline(['verify', saved, '--log-key', log.vkey, '--file', other]);
    assert.equal(wrongFile.status, 1, wrongFile.stdout);
    assert.match(wrongFile.stdout, /FAIL content/);

    const original = JSON.parse(readFileSync(saved, 'utf8')) as Record<string, unknown> & {
      receipt: string;
      entry: string;
      record: Record<string, unknown>;
    };
    const tampered = join(root, 'tampered.receipt.json');
    const entry = JSON.parse(Buffer.from(original.entry, 'base64').toString()) as Record<
      string,
      unknown
    >;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        'another time in the note',
        { ...original, receipt: original.receipt.replace(/\d{3}Z/, '999Z') },
        /FAIL receipt/,
      ],
      ['another index', { ...original, index: (original.index as number) + 1 }, /FAIL receipt/],
      [
        'another entry',
        {
          ...original,
          entry: Buffer.from(JSON.stringify({ ...entry, type: 'ai.other' })).toString('base64'),
        },
        /FAIL (record|receipt)/,
      ],
      [
        'a record view that is not the entry',
        { ...original, record: { ...original.record, type: 'ai.other' } },
        /FAIL file/,
      ],
    ];
    for (const [what, content, failure] of cases) {
      writeFileSync(tampered, JSON.stringify(content));
      const t = runProofline(['verify', tampered, '--log-key', log.vkey]);
      assert.equal(t.status, 1, `${what}: ${t.stdout}${t.stderr}`);
      assert.match(t.stdout, failure, what);
      assert.match(t.stdout, /NOT VERIFIED\n$/, what);
    }
    const wrongKey = runProofline([
      'verify',
      saved,
      '--log-key',
      createLog(join(root, 'unrelated2')).vkey,
    ]);
    assert.equal(wrongKey.status, 1, wrongKey.stdout);
  });

  it('verify --log-url passes against the honest log and fails once a stored entry is altered', async () => {
    const out = join(root, 'live');
    writeFileSync(join(root, 'a.pdf'), 'first');
    writeFileSync(join(root, 'b.pdf'), 'second');
    const r = attest(
      server.url,
      log,
      [join(root, 'a.pdf'), join(root, 'b.pdf')],
      '--wait',
      '--out',
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.split('\n')[0]!.split('\t')[1]!;
    const index = Number(id.split('-').pop());
    const bundle = join(out, `${id}.bundle.json`);
    const prefix = `${server.url}/logs/default/`;
    // Another record after the bundle's checkpoint: the live tree must extend it.
    assert.equal(attest(server.url, log, [file], '--wait').status, 0);
    for (const input of [bundle, join(out, `${id}.tlog-proof`)]) {
      const v = runProofline(['verify', input, '--log-key', log.vkey, '--log-url', prefix]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(
        v.stdout,
        /PASS live consistency The live tree \(size \d+\) extends the bundle's tree/,
      );
      assert.match(v.stdout, /PASS live entry/);
      assert.match(v.stdout, /against the live log\n$/);
    }
    // An insider rewrites the stored entry: the hash tiles still match, the entry does not.
    const db = new Database(join(log.dir, 'proofline.db'));
    try {
      const where = `log_id = (SELECT id FROM logs WHERE name = 'default') AND idx = ?`;
      const row = db.prepare(`SELECT data FROM entries WHERE ${where}`).get(index) as {
        data: Buffer;
      };
      const forged = Buffer.from(row.data.toString().replace('"ai.decision"', '"ai.decisioN"'));
      assert.notDeepEqual(forged, row.data);
      db.prepare(`UPDATE entries SET data = ? WHERE ${where}`).run(forged, index);
    } finally {
      db.close();
    }
    const offline = runProofline(['verify', bundle, '--log-key', log.vkey]);
    assert.equal(offline.status, 0, 'offline, the bundle alone cannot tell');
    const v = runProofline([
      'verify',
      bundle,
      '--log-key',
      log.vkey,
      '--log-url',
      prefix,
      '--json',
    ]);
    assert.equal(v.status, 1, v.stdout + v.stderr);
    const result = JSON.parse(v.stdout) as {
      ok: boolean;
      live: { name: string; ok: boolean; summary: string }[];
    };
    assert.equal(result.ok, false);
    const failed = result.live.filter((c) => !c.ok);
    assert.deepEqual(
      failed.map((c) => c.name),
      ['live entry'],
    );
    assert.match(
      failed[0]!.summary,
      new RegExp(
        `the log now serves other bytes for entry ${index}: leaf hash \\S+, the bundle's \\S+`,
      ),
    );
  });

  it('verify --log-url fails against a forked log, naming the fork', async () => {
    // Two copies of one log (same key and origin) that each accept a different record.
    const forkA = createLog(join(root, 'fork-a'));
    cpSync(forkA.dir, join(root, 'fork-b'), { recursive: true });
    const forkB = { ...forkA, dir: join(root, 'fork-b') };
    writeFileSync(join(root, 'x.pdf'), 'x');
    writeFileSync(join(root, 'y.pdf'), 'y');
    writeFileSync(join(root, 'z.pdf'), 'z');
    const a = await startServer(forkA.dir, ['--checkpoint-interval', '50']);
    let bundle: string;
    try {
      const out = join(root, 'fork-proofs');
      const r = attest(a.url, forkA, [join(root, 'x.pdf')], '--wait', '--out', out);
      assert.equal(r.status, 0, r.stderr);
      bundle = join(out, 'default-0.bundle.json');
      const honest = runProofline([
        'verify',
        bundle,
        '--log-key',
        forkA.vkey,
        '--log-url',
        `${a.url}/logs/default/`,
      ]);
      assert.equal(honest.status, 0, honest.stdout);
    } finally {
      await stopServer(a);
    }
    const b = await startServer(forkB.dir, ['--checkpoint-interval', '50']);
    try {
      const prefix = `${b.url}/logs/default/`;
      assert.equal(attest(b.url, forkB, [join(root, 'y.pdf')], '--wait').status, 0);
      const same = runProofline(['verify', bundle, '--log-key', forkA.vkey, '--log-url', prefix]);
      assert.equal(same.status, 1, same.stdout);
      assert.match(same.stdout, /FAIL live consistency fork: the log signed two roots for size 1/);
      assert.match(same.stdout, /FAIL live entry/);
      assert.match(same.stdout, /NOT VERIFIED\n$/);
      assert.equal(attest(b.url, forkB, [join(root, 'z.pdf')], '--wait').status, 0);
      const larger = runProofline(['verify', bundle, '--log-key', forkA.vkey, '--log-url', prefix]);
      assert.equal(larger.status, 1, larger.stdout);
      assert.match(
        larger.stdout,
        /FAIL live consistency fork: the live tree of size 2 does not extend the bundle's tree of size 1/,
      );
      assert.match(larger.stdout, /FAIL live inclusion/);
    } finally {
      await stopServer(b);
    }
  });

  it('attest --wait=SECONDS that runs out exits 3: logged, not yet provable', async () => {
    const slow = createLog(join(root, 'slow'));
    const s = await startServer(slow.dir, [
      ...['--checkpoint-interval', '3600000'],
      ...['--checkpoint-min-interval', '3600000'],
    ]);
    try {
      const out = join(root, 'slow-out');
      const r = attest(s.url, slow, [file], '--wait=1', '--out', out);
      assert.equal(r.status, 3, r.stderr);
      const id = r.stdout.split('\t')[1]!;
      assert.match(
        r.stderr,
        new RegExp(`${id}: logged, not yet provable: .*within 1 s; .*\`proofline proof ${id} `),
      );
      assert.ok(existsSync(join(out, `${id}.receipt.json`)), 'the receipt is kept');
      const p = runProofline(['proof', id, '--url', s.url, '--log-key', slow.vkey, '--out', out]);
      assert.equal(p.status, 3, p.stderr);
      assert.match(p.stderr, /logged, not yet provable/);
      assert.equal(
        runProofline(['verify', join(out, `${id}.receipt.json`), '--log-key', slow.vkey]).status,
        3,
      );
    } finally {
      await stopServer(s);
    }
    assert.equal(runProofline(['attest', file, '--wait=x']).status, 2, 'usage');
  });
});
