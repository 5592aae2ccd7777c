/**
 * Independent verification against a misbehaving log: a rogue administrator edits the
 * database behind the service's back, and a log is forked or rewritten. `proofline audit`
 * and `proofline monitor` must catch each case and name the index or checkpoint involved.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatCheckpoint, parseSignerKey, signNote, ed25519Signer } from '@proofline/note';
import {
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import type * as TlogNode from '../packages/tlog/src/node.js';
import type * as Worker from '../packages/cli/src/audit/worker.js';

const statement = (i: number, tag = 'audit') =>
  JSON.stringify({
    type: 'test.event',
    digest: `sha256:${createHash('sha256').update(`${tag} ${i}`).digest('hex')}`,
    subject: `${tag} ${i}`,
  });

function lines(from: number, to: number, tag?: string): string {
  let out = '';
  for (let i = from; i < to; i++) out += `${statement(i, tag)}\n`;
  return out;
}

describe('audit and monitor catch a misbehaving log', () => {
  const SIZE = 700;
  let dir: string;
  let server: Server;
  let vkey: string;
  let prefix: string;

  before(async () => {
    dir = tempDir('audit');
    assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', dir]).status, 0);
    assert.equal(runProofline(['append', '--data', dir], lines(0, SIZE)).status, 0);
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, SIZE);
    vkey = runProofline(['log-key', '--data', dir]).stdout.trim();
    prefix = `${server.url}/logs/default/`;
  });

  after(async () => {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  async function restartServer() {
    await stopServer(server);
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    prefix = `${server.url}/logs/default/`;
  }

  const audit = (...extra: string[]) =>
    runProofline(['audit', prefix, '--log-key', vkey, ...extra]);

  /** Downloads a record's public bundle and runs `proofline verify` on it. */
  async function verifyRecord(index: number) {
    const res = await fetch(`${server.url}/v1/records/default-${index}/proof`);
    assert.equal(res.status, 200);
    const file = join(dir, `default-${index}.bundle.json`);
    writeFileSync(file, await res.text());
    return runProofline(['verify', file, '--log-key', vkey]);
  }

  /** Runs `fn` with the SQLite database opened as a second writer, as an insider would. */
  function withDatabase(fn: (db: Database.Database) => void) {
    const db = new Database(join(dir, 'proofline.db'));
    try {
      fn(db);
    } finally {
      db.close();
    }
  }

  it('passes on an honest log and saves the checkpoint', () => {
    const r = audit('--save', join(dir, 'saved.cp'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`PASS ${SIZE} entries verified`));
    assert.equal(readFileSync(join(dir, 'saved.cp'), 'utf8').split('\n')[1], String(SIZE));
    const again = audit('--since', join(dir, 'saved.cp'));
    assert.equal(again.status, 0, again.stdout);
    assert.match(
      again.stdout,
      new RegExp(`consistent with the trusted checkpoint of size ${SIZE}`),
    );
  });

  it('names the index of an entry edited in the database', async () => {
    let original: Buffer;
    withDatabase((db) => {
      original = db.prepare('SELECT data FROM entries WHERE idx = 300').pluck().get() as Buffer;
      const forged = Buffer.from(original.toString().replace('audit 300', 'audit 3OO'));
      db.prepare('UPDATE entries SET data = ? WHERE idx = 300').run(forged);
    });
    try {
      const r = audit();
      assert.equal(r.status, 1);
      assert.match(r.stdout, /FAIL entry 300: its leaf hash/);
      assert.doesNotMatch(r.stdout, /entry 299|entry 301/);
      const v = await verifyRecord(300);
      assert.equal(v.status, 1, v.stdout);
      assert.match(v.stdout, /FAIL inclusion .*\b300\b/);
      assert.equal((await verifyRecord(5)).status, 0, 'an untouched record still verifies');
    } finally {
      withDatabase((db) => db.prepare('UPDATE entries SET data = ? WHERE idx = 300').run(original));
    }
    assert.equal(audit().status, 0, 'restored');
  });

  it('names the tile and index of a stored hash edited in the database', async () => {
    let original: Buffer;
    withDatabase((db) => {
      original = db
        .prepare('SELECT data FROM tiles WHERE level = 0 AND idx = 1')
        .pluck()
        .get() as Buffer;
      const forged = Buffer.from(original);
      forged.writeUInt8(forged.readUInt8(32 * 44) ^ 1, 32 * 44); // hash of entry 256 + 44
      db.prepare('UPDATE tiles SET data = ? WHERE level = 0 AND idx = 1').run(forged);
    });
    // A running server keeps the full tiles it has read in memory (they are immutable), so
    // an edit made under it reaches its proofs only once it restarts; tile downloads (the
    // audit) read storage every time.
    await restartServer();
    try {
      const r = audit();
      assert.equal(r.status, 1);
      assert.match(r.stdout, /FAIL entry 300: .*level-0 tile at position 44/);
      // Record 301's inclusion proof passes through the edited hash (its sibling).
      const v = await verifyRecord(301);
      assert.equal(v.status, 1, v.stdout);
      assert.match(v.stdout, /FAIL inclusion .*\b301\b/);
      assert.equal((await verifyRecord(5)).status, 0, 'a record elsewhere still verifies');
    } finally {
      withDatabase((db) =>
        db.prepare('UPDATE tiles SET data = ? WHERE level = 0 AND idx = 1').run(original),
      );
    }
  });

  it('catches a fork: another tree signed with the log key at the same size', async () => {
    const key = parseSignerKey(readFileSync(join(dir, 'keys/default.key'), 'utf8').trim());
    const root = createHash('sha256').update('another history').digest();
    const forged = await signNote(
      formatCheckpoint({ origin: key.name, size: SIZE, rootHash: root, extensions: [] }),
      [ed25519Signer(key.name, key.seed)],
    );
    const file = join(dir, 'forged.cp');
    writeFileSync(file, forged);
    const r = audit('--since', file);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`FAIL fork: the first ${SIZE} entries`));

    // `proofline verify --trusted-checkpoint`: an honest bundle against the forged tree.
    const res = await fetch(`${server.url}/v1/records/default-10/proof`);
    const bundle = join(dir, 'default-10.bundle.json');
    writeFileSync(bundle, await res.text());
    const v = runProofline([
      'verify',
      bundle,
      '--log-key',
      vkey,
      '--trusted-checkpoint',
      file,
      '--log-url',
      prefix,
    ]);
    assert.equal(v.status, 1, v.stdout);
    assert.match(v.stdout, /FAIL consistency/);
    const honest = join(dir, 'saved.cp');
    const ok = runProofline([
      'verify',
      bundle,
      '--log-key',
      vkey,
      '--trusted-checkpoint',
      honest,
      '--log-url',
      prefix,
    ]);
    assert.equal(ok.status, 0, ok.stdout);
    assert.match(ok.stdout, /PASS consistency/);

    // The monitor, told to trust the forged checkpoint, raises the alarm with evidence.
    const state = join(dir, 'monitor', 'state');
    mkdirSync(join(dir, 'monitor'));
    writeFileSync(state, forged);
    const m = runProofline(['monitor', prefix, '--log-key', vkey, '--state', state, '--once']);
    assert.equal(m.status, 1, m.stdout + m.stderr);
    assert.match(m.stdout, /ALERT fork/);
    const evidence = readdirSync(join(dir, 'monitor')).find((f) => f.includes('evidence'));
    assert.ok(evidence, 'an evidence file is saved');
    const check = runProofline(['check-evidence', join(dir, 'monitor', evidence)]);
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, new RegExp(`PROVEN fork: two signed checkpoints of size ${SIZE}`));
  });

  it('catches a log rewritten after a saved checkpoint (same key, other history)', async () => {
    const saved = join(dir, 'before-rewrite.cp');
    writeFileSync(saved, await fetchCheckpoint(server.url));
    const rewritten = tempDir('audit-rewritten');
    try {
      mkdirSync(join(rewritten, 'keys'), { mode: 0o700 });
      cpSync(join(dir, 'keys/default.key'), join(rewritten, 'keys/default.key'));
      assert.equal(
        runProofline(['create-log', '--visibility', 'public', '--data', rewritten]).status,
        0,
      );
      assert.equal(
        runProofline(['append', '--data', rewritten], lines(0, SIZE + 50, 'rewritten')).status,
        0,
      );
      const other = await startServer(rewritten);
      try {
        const r = runProofline([
          'audit',
          `${other.url}/logs/default/`,
          '--log-key',
          vkey,
          '--since',
          saved,
        ]);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stdout, new RegExp(`FAIL fork: the first ${SIZE} entries`));
        const state = join(rewritten, 'state');
        writeFileSync(state, readFileSync(saved));
        const m = runProofline([
          'monitor',
          `${other.url}/logs/default/`,
          '--log-key',
          vkey,
          '--state',
          state,
          '--once',
        ]);
        assert.equal(m.status, 1);
        const file = readdirSync(rewritten).find((f) => f.startsWith('state.evidence'))!;
        const check = runProofline(['check-evidence', join(rewritten, file)]);
        assert.equal(check.status, 0, check.stderr);
        assert.match(check.stdout, /PROVEN inconsistent/);
      } finally {
        await stopServer(other);
      }
    } finally {
      rmSync(rewritten, { recursive: true, force: true });
    }
  });

  it('follows an honest, growing log with monitor', async () => {
    const state = join(dir, 'honest.state');
    const first = runProofline(['monitor', prefix, '--log-key', vkey, '--state', state, '--once']);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.equal(runProofline(['append', '--data', dir], lines(SIZE, SIZE + 300)).status, 0);
    await waitForSize(server.url, SIZE + 300);
    const second = runProofline(['monitor', prefix, '--log-key', vkey, '--state', state, '--once']);
    assert.equal(second.status, 0, second.stdout + second.stderr);
    assert.match(second.stdout, new RegExp(`checkpoint size ${SIZE + 300}: consistent`));
    assert.equal(readFileSync(state, 'utf8').split('\n')[1], String(SIZE + 300));
  });
});

describe("the auditor's hashing", () => {
  const repo = new URL('../../', import.meta.url);
  const load = <T>(path: string): Promise<T> => import(new URL(path, repo).href) as Promise<T>;
  const node = (l: Uint8Array, r: Uint8Array) =>
    createHash('sha256').update(Uint8Array.of(1)).update(l).update(r).digest();

  it('computes interior nodes and tile roots as node:crypto does', async () => {
    const { nodeHashInto } = await load<typeof TlogNode>('packages/tlog/dist/src/node.js');
    const { tileRoot } = await load<typeof Worker>('packages/cli/dist/src/audit/worker.js');
    for (let k = 0; k < 200; k++) {
      const src = randomBytes(70);
      const at = k % 7;
      const out = Buffer.alloc(40);
      nodeHashInto(src, at, out, 3);
      assert.deepEqual(
        out.subarray(3, 35),
        node(src.subarray(at, at + 32), src.subarray(at + 32, at + 64)),
      );
    }
    const tile = randomBytes(256 * 32);
    let level = Array.from({ length: 256 }, (_, i) => tile.subarray(i * 32, i * 32 + 32));
    while (level.length > 1)
      level = level.flatMap((h, i) => (i % 2 ? [] : [node(h, level[i + 1]!)]));
    assert.deepEqual(Buffer.from(tileRoot(tile)), level[0]);
  });
});
