/**
 * Finishing a key rotation (docs/keys.md): rotate-key, a window of checkpoints signed by both
 * keys, then retire-key. New entries are sealed and new checkpoints signed by the new key
 * alone (Go's sumdb/note verifies them with it); old receipts and bundles still verify with
 * the old key; `audit` follows the signed key history from either key; the client names a
 * retired pinned key. A careless operator (twice, no successor, a node running) changes
 * nothing; an insider who edits or deletes the key history is caught.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openNote, parseVerifierKey } from '@proofline/note';
import { decodeCoseKeySet, decodeSign1, ed25519Kid, verifyReceipt } from '@proofline/cose';
import { parseBundle } from '@proofline/records';
import { LogTrustError, ProoflineClient } from '@proofline/client';
import { runGoVerifier } from './lib/go.js';
import {
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { statementLines, noteVerifier } from './lib/statements.js';

const ORIGIN = 'ledger.example/logs/default';

const lines = (from: number, to: number) => statementLines('retire', from, to);

describe('retire-key: the successor becomes the log key, the history keeps the old one', () => {
  let dir: string;
  let server: Server | undefined;
  let oldKey: string;
  let newKey: string;
  const prefix = () => `${server!.url}/logs/default/`;

  function withDatabase<T>(fn: (db: Database.Database) => T): T {
    const db = new Database(join(dir, 'proofline.db'));
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  async function bundle(index: number, name: string): Promise<string> {
    const res = await fetch(`${server!.url}/v1/records/default-${index}/proof`);
    assert.equal(res.status, 200);
    const file = join(dir, name);
    writeFileSync(file, await res.text());
    return file;
  }

  before(async () => {
    dir = tempDir('retire');
    const created = runProofline([
      'create-log',
      '--data',
      dir,
      '--origin',
      ORIGIN,
      '--visibility',
      'public',
    ]);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(runProofline(['append', '--data', dir], lines(0, 20)).status, 0);
    oldKey = runProofline(['log-key', '--data', dir]).stdout.trim();
  });

  after(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a successor, or before a checkpoint of both keys, nothing changes', () => {
    const none = runProofline(['retire-key', '--data', dir]);
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /has no successor key: start a rotation with proofline rotate-key/);
    const rotated = runProofline(['rotate-key', '--data', dir]);
    assert.equal(rotated.status, 0, rotated.stderr);
    newKey = rotated.stdout.trim();
    const early = runProofline(['retire-key', '--data', dir]);
    assert.notEqual(early.status, 0);
    assert.match(early.stderr, /must cover all 20 entries and carry the signatures of both keys/);
    assert.equal(runProofline(['log-key', '--data', dir]).stdout.trim(), oldKey);
  });

  it('is refused while a node runs (it holds the lease)', async () => {
    assert.equal(runProofline(['append', '--data', dir], lines(20, 30)).status, 0);
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 30);
    await bundle(5, 'old-5.json'); // receipt and checkpoint of the window
    const r = runProofline(['retire-key', '--data', dir]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /stop every node of the log/);
    assert.equal(runProofline(['log-key', '--data', dir]).stdout.trim(), oldKey);
    await stopServer(server);
    server = undefined;
  });

  it('switches once: the successor is registered, the retired key file is kept', () => {
    const r = runProofline(['retire-key', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), newKey);
    assert.match(r.stderr, /it sealed entries \[0, 30\)/);
    assert.match(r.stderr, /delete it \(securely\)/);
    assert.equal(runProofline(['log-key', '--data', dir]).stdout.trim(), newKey);
    const files = readdirSync(join(dir, 'keys')).sort();
    assert.ok(
      files.some((f) => /^default\.retired-[0-9a-f]{8}\.key$/.test(f)),
      files.join(),
    );
    assert.equal(existsSync(join(dir, 'keys', 'default.next.key')), false);
    const again = runProofline(['retire-key', '--data', dir]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /no successor key/);
  });

  it('new entries are sealed and checkpoints signed by the new key alone; Go verifies them', async () => {
    assert.equal(runProofline(['append', '--data', dir], lines(30, 40)).status, 0);
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 40);
    const checkpoint = await fetchCheckpoint(server.url);
    const opened = await openNote(checkpoint, [noteVerifier(newKey), noteVerifier(oldKey)]);
    assert.deepEqual(
      opened.verified.map((s) => s.keyId),
      [noteVerifier(newKey).keyId],
    );
    const go = await runGoVerifier(['-url', prefix(), '-vkey', newKey]);
    assert.equal(go.status, 0, `${go.stdout}\n${go.stderr}`);
    assert.match(go.stdout, /^OK size=40 /m);
    const description = (await (await fetch(prefix())).json()) as {
      verifierKey: string;
      retiredKeys: { verifierKey: string; start: number; end: number; handover: string }[];
    };
    assert.equal(description.verifierKey, newKey);
    assert.deepEqual(
      description.retiredKeys.map(({ verifierKey, start, end }) => ({ verifierKey, start, end })),
      [{ verifierKey: oldKey, start: 0, end: 30 }],
    );
  });

  it('the SCITT key set holds the new key and the retired one; receipts name the new one', async () => {
    const res = await fetch(`${server!.url}/.well-known/scitt-keys`);
    assert.equal(res.status, 200);
    const keys = decodeCoseKeySet(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(
      keys.map((k) => Buffer.from(k.x).toString('hex')),
      [newKey, oldKey].map((k) => Buffer.from(parseVerifierKey(k).publicKey).toString('hex')),
      'current key first, then the retired one',
    );
    for (const k of keys) assert.deepEqual(k.kid, ed25519Kid(k.x));
    // The latest checkpoint was signed after the retirement: its receipts carry the new kid.
    const receipt = new Uint8Array(
      await (await fetch(`${server!.url}/entries/default-35`)).arrayBuffer(),
    );
    assert.deepEqual(decodeSign1(receipt).protected.get(4), keys[0]!.kid);
    const bundle = parseBundle(
      await (await fetch(`${server!.url}/v1/records/default-35/proof`)).text(),
    );
    const verified = verifyReceipt(receipt, { entry: bundle.entry }, keys);
    assert.deepEqual(verified.key.x, keys[0]!.x);
    assert.throws(() => verifyReceipt(receipt, { entry: bundle.entry }, [keys[1]!]));
  });

  it('receipts and bundles verify with the key that sealed them: old with old, new with new', async () => {
    const fresh = await bundle(35, 'new-35.json');
    const oldNow = await bundle(5, 'old-5-now.json');
    const v = (file: string, key: string) => runProofline(['verify', file, '--log-key', key]);
    assert.equal(v(join(dir, 'old-5.json'), oldKey).status, 0, 'a bundle from the window');
    assert.equal(v(fresh, newKey).status, 0, v(fresh, newKey).stdout);
    assert.notEqual(v(fresh, oldKey).status, 0, 'the retired key never sealed entry 35');
    // An old record's receipt opens with the old key; the served checkpoint with the new.
    const parsed = JSON.parse(
      (await (await fetch(`${server!.url}/v1/records/default-5/proof`)).text()) as string,
    ) as { receipt: string };
    await openNote(parsed.receipt, [noteVerifier(oldKey)]);
    await assert.rejects(openNote(parsed.receipt, [noteVerifier(newKey)]));
    // Its bundle now: receipt by the old key, latest checkpoint by the new one. With the
    // log's signed key history, it verifies pinned to either key; without, to neither.
    const described = join(dir, 'log.json');
    writeFileSync(described, await (await fetch(prefix())).text());
    for (const key of [oldKey, newKey]) {
      assert.notEqual(v(oldNow, key).status, 0, 'without the key history');
      const r = runProofline(['verify', oldNow, '--log-key', key, '--key-history', described]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const n = runProofline(['verify', fresh, '--log-key', key, '--key-history', described]);
      assert.equal(n.status, 0, n.stdout + n.stderr);
      // Against the live log too: its latest checkpoint opens with the chain's key.
      const live = runProofline([
        ...['verify', oldNow, '--log-key', key, '--key-history', described],
        ...['--log-url', prefix()],
      ]);
      assert.equal(live.status, 0, live.stdout + live.stderr);
      assert.match(live.stdout, /live checkpoint/i);
    }
    // A history whose handover an insider extended does not verify: refused, not ignored.
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, readFileSync(described, 'utf8').replace('range 0 30', 'range 0 40'));
    const r = runProofline(['verify', oldNow, '--log-key', oldKey, '--key-history', forged]);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /keyHistory does not verify/);
  });

  it('audit passes pinned to either key (the old one through the signed key history)', () => {
    for (const key of [newKey, oldKey]) {
      const r = runProofline(['audit', prefix(), '--log-key', key]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /PASS 40 entries verified/);
    }
  });

  it('the client refuses a retired pinned key by name and accepts the new one', async () => {
    const client = (logKey: string, log?: string) =>
      new ProoflineClient({ url: server!.url, trust: { logKey }, ...(log ? { log } : {}) });
    assert.equal(await client(newKey, 'default').checkLog(), 'default');
    // Old records' bundles: verified by the client with the log's signed key history.
    const described = (await (await fetch(prefix())).json()) as {
      retiredKeys: { handover: string }[];
    };
    const keyHistory = described.retiredKeys.map((r) => r.handover);
    const withHistory = new ProoflineClient({
      url: server!.url,
      trust: { logKey: newKey, keyHistory },
    });
    assert.equal((await withHistory.bundle('default-5')).verification.ok, true);
    assert.equal((await withHistory.bundle('default-35')).verification.ok, true);
    await assert.rejects(client(newKey).bundle('default-5'), /does not verify/);
    for (const log of ['default', undefined]) {
      await assert.rejects(client(oldKey, log).checkLog(), (err: unknown) => {
        assert.ok(err instanceof LogTrustError, String(err));
        assert.equal(err.code, 'log-key-retired');
        assert.match(err.message, /was retired at entry 30/);
        return true;
      });
    }
  });

  it('finishes the key file moves of a retire-key interrupted after its database switch', () => {
    const keys = join(dir, 'keys');
    const retired = readdirSync(keys).find((f) => f.startsWith('default.retired-'))!;
    // The state a crash right after the database switch leaves: files not yet moved.
    renameSync(join(keys, 'default.key'), join(keys, 'default.next.key'));
    renameSync(join(keys, retired), join(keys, 'default.key'));
    const stuck = runProofline(['log-key', '--data', dir]);
    assert.notEqual(stuck.status, 0);
    assert.match(stuck.stderr, /a retire-key was interrupted: run proofline retire-key/);
    const r = runProofline(['retire-key', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /finished the key file moves/);
    assert.equal(runProofline(['log-key', '--data', dir]).stdout.trim(), newKey);
    assert.ok(existsSync(join(keys, retired)));
  });

  it("catches an insider's edits of the history: a range extended, a row moved or deleted", async () => {
    await stopServer(server!);
    server = undefined;
    const [row] = withDatabase((db) =>
      db.prepare('SELECT rowid, end_idx, note FROM key_history').all(),
    ) as { rowid: number; end_idx: number; note: string }[];
    const edits: [string, string][] = [
      ['range extended', `UPDATE key_history SET note = replace(note, 'range 0 30', 'range 0 40')`],
      ['row moved', 'UPDATE key_history SET end_idx = 40'],
      ['row deleted', 'DELETE FROM key_history'],
    ];
    for (const [what, sql] of edits) {
      withDatabase((db) => db.exec(sql));
      const r = runProofline(['log-key', '--data', dir]);
      assert.notEqual(r.status, 0, what);
      assert.match(r.stderr, /key history of log default in the database/, what);
      withDatabase((db) => {
        db.exec('DELETE FROM key_history');
        db.prepare(
          'INSERT INTO key_history (log_id, end_idx, retired_key, note) SELECT id, ?, ?, ? FROM logs',
        ).run(row!.end_idx, oldKey, row!.note);
      });
      assert.equal(runProofline(['log-key', '--data', dir]).status, 0, `restored after ${what}`);
    }
    // Served, an extended range does not verify: the old key's audit is refused.
    withDatabase((db) => db.exec(edits[0]![1]));
    server = await startServer(dir, ['--checkpoint-interval', '50']).catch(() => undefined);
    assert.equal(server, undefined, 'serve refuses to start on an altered key history');
  });
});
