/**
 * Provable erasure end to end, against a real server: `proofline erase` removes a record's
 * bytes from a private log and logs a signed erasure record; every other record's bundle, the
 * erasure record's own bundle and the whole-log audit stay valid; public logs refuse; and an
 * insider who blanks an entry in the database without an erasure record is caught by audit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

describe('proofline erase and audit of erased entries', () => {
  const work = tempDir('erasure');
  const dir = join(work, 'data');
  let server: Server;
  let vkey: string;
  let writer: string;
  let admin: string;

  const key = (...scopes: string[]) =>
    runProofline([
      ...['api-key', 'create', '--data', dir, '--tenant', 'acme'],
      ...scopes.flatMap((s) => ['--scope', s]),
    ]).stdout.trim();

  before(async () => {
    for (const [log, visibility] of [
      ['secret', 'private'],
      ['kept', 'private'],
      ['open', 'public'],
    ] as const) {
      const r = runProofline([
        ...['create-log', '--data', dir, '--log', log, '--tenant', 'acme'],
        ...['--visibility', visibility],
      ]);
      assert.equal(r.status, 0, r.stderr);
    }
    vkey = runProofline(['log-key', '--data', dir, '--log', 'secret']).stdout.trim();
    writer = key('records:write', 'records:read', 'audit:read');
    admin = key('admin');
    server = await startServer(dir, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    await stopServer(server);
  });

  /** Attests `count` files in one batch (one commit) into `log`; returns their ids. */
  function attest(log: string, count: number, tag: string): string[] {
    const files = Array.from({ length: count }, (_, i) => {
      const file = join(work, `${tag}-${i}.json`);
      writeFileSync(file, `{"decision":"${tag}-${i}"}`);
      return file;
    });
    const r = runProofline([
      ...['attest', ...files, '--url', server.url, '--api-key', writer],
      ...['--log-key', runProofline(['log-key', '--data', dir, '--log', log]).stdout.trim()],
      ...['--log', log, '--type', 'ai.decision', '--subject', 'case-1'],
    ]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[1]!);
  }

  const erase = (id: string, apiKey = admin, reason = 'GDPR Art. 17 request 2026-118') =>
    runProofline([
      ...['erase', id, '--url', server.url, '--api-key', apiKey, '--log-key', vkey],
      ...['--reason', reason],
    ]);

  /** Fetches a record's bundle with the tenant's key and verifies it with the CLI. */
  async function verifyBundle(
    id: string,
    logKey = vkey,
  ): Promise<{ status: number; verify?: number }> {
    const res = await fetch(`${server.url}/v1/records/${id}/proof`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    if (!res.ok) return { status: res.status };
    const file = join(work, `${id}.bundle.json`);
    writeFileSync(file, await res.text());
    return {
      status: res.status,
      verify: runProofline(['verify', file, '--log-key', logKey]).status!,
    };
  }

  const audit = (...extra: string[]) =>
    runProofline([
      ...['audit', `${server.url}/logs/secret/`, '--log-key', vkey, '--api-key', writer],
      ...extra,
    ]);

  let ids: string[] = [];
  let erasureId = '';

  it('erases a record of a batch: its bundle is gone, every other bundle still verifies', async () => {
    ids = [...attest('secret', 5, 'batch'), ...attest('secret', 1, 'single')];
    await waitForSize(server.url, ids.length, 30_000, 'secret');
    const r = erase(ids[2]!);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ERASED ${ids[2]}: its bytes are gone`));
    erasureId = /erasure record (\S+) \(receipt verified/.exec(r.stdout)![1]!;
    assert.equal(erasureId, `secret-${ids.length}`);

    assert.equal((await verifyBundle(ids[2]!)).status, 410);
    const record = await fetch(`${server.url}/v1/records/${ids[2]}`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    assert.equal(record.status, 410);
    await waitForSize(server.url, ids.length + 1, 30_000, 'secret');
    for (const id of [...ids.filter((_, i) => i !== 2), erasureId]) {
      assert.deepEqual(await verifyBundle(id), { status: 200, verify: 0 }, id);
    }
    // The erasure record is a plain record: which record, by which key, why, the leaf hash.
    const erasure = (await (
      await fetch(`${server.url}/v1/records/${erasureId}`, {
        headers: { authorization: `Bearer ${writer}` },
      })
    ).json()) as { record: { type: string; subject: string; labels: Record<string, string> } };
    assert.equal(erasure.record.type, 'proofline.erasure');
    assert.equal(erasure.record.subject, ids[2]);
    assert.equal(erasure.record.labels['reason'], 'GDPR Art. 17 request 2026-118');
    assert.match(erasure.record.labels['key']!, /\S/);
  });

  it('a repeated erasure logs nothing new; erasure records, public logs and non-admin keys are refused', async () => {
    const again = erase(ids[2]!, admin, 'another reason');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^ALREADY ERASED/);
    assert.ok(again.stdout.includes(`erasure record ${erasureId} `));
    const itself = erase(erasureId);
    assert.equal(itself.status, 1);
    assert.match(itself.stderr, /erasure-refused/);
    const forbidden = erase(ids[0]!, writer);
    assert.equal(forbidden.status, 1);
    assert.match(forbidden.stderr, /HTTP 403/);
    const [open] = attest('open', 1, 'public');
    await waitForSize(server.url, 1, 30_000, 'open');
    const refused = erase(open!);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /erasure-refused.*public/);
    // Nobody can forge an erasure record through the records API.
    const forged = await fetch(`${server.url}/v1/records?log=secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ digest: `sha256:${'0'.repeat(64)}`, type: 'proofline.erasure' }),
    });
    assert.equal(forged.status, 400);
  });

  it('the whole-log audit passes and lists the erasure', () => {
    const r = audit();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS 1 erased entry, each accounted for by an erasure record/);
    assert.match(
      r.stdout,
      new RegExp(`entry 2 erased by entry ${ids.length} at .*: GDPR Art. 17 request 2026-118`),
    );
    const json = JSON.parse(audit('--json').stdout) as { ok: boolean; erased: unknown[] };
    assert.equal(json.ok, true);
    assert.equal(json.erased.length, 1);
  });

  it('retention erases exactly the records before the cutoff, each with an erasure record', async () => {
    const old = attest('kept', 3, 'old');
    await waitForSize(server.url, 3, 30_000, 'kept');
    await new Promise((r) => setTimeout(r, 20));
    const cutoff = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const fresh = attest('kept', 2, 'fresh');
    await waitForSize(server.url, 5, 30_000, 'kept');
    const bulk = async (dryRun: boolean) => {
      const res = await fetch(`${server.url}/v1/logs/kept/erasures`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ before: cutoff, reason: 'retention test', dryRun }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { ids: string[]; more: boolean };
    };
    assert.deepEqual(await bulk(true), { ids: old, more: false });
    assert.deepEqual(await bulk(false), { ids: old, more: false });
    // Erased records and the erasure records themselves are never due again.
    assert.deepEqual(await bulk(true), { ids: [], more: false });
    for (const id of old) assert.equal((await verifyBundle(id)).status, 410);
    const keptKey = runProofline(['log-key', '--data', dir, '--log', 'kept']).stdout.trim();
    for (const id of fresh) {
      assert.deepEqual(await verifyBundle(id, keptKey), { status: 200, verify: 0 });
    }
    await waitForSize(server.url, 8, 30_000, 'kept');
    const r = runProofline([
      ...['audit', `${server.url}/logs/kept/`, '--log-key', keptKey, '--api-key', writer],
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS 3 erased entries/);
    // The command: the log policy's period (none here), or --older-than; a dry run by default.
    const cli = (...extra: string[]) =>
      runProofline([
        ...['retention', '--url', server.url, '--api-key', admin, '--log', 'kept'],
        ...extra,
      ]);
    const none = cli('--data', dir);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /has no retention period/);
    const listed = cli('--older-than', '6mo');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(
      listed.stderr,
      /0 record\(s\) of kept recorded before .* are due; nothing was erased/,
    );
    assert.equal(cli('--older-than', '3mo').status, 2, 'below six months: a usage error');
  });

  it('an insider blanking an entry without an erasure record is caught by audit', () => {
    const db = new Database(join(dir, 'proofline.db'));
    try {
      const changed = db
        .prepare(
          "UPDATE entries SET data = X'' WHERE idx = 4 AND log_id = (SELECT id FROM logs WHERE name = 'secret')",
        )
        .run().changes;
      assert.equal(changed, 1);
    } finally {
      db.close();
    }
    const r = audit();
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /FAIL entry 4: its bytes are missing .* no erasure record accounts for it: deleted without an erasure/,
    );
  });
});
