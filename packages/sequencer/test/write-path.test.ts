/**
 * The write path the sequencer owns for every driver (sequencer.ts): the tail read once and
 * then kept, the batch time, building outside storage, retries on a moved tail, idempotency
 * keys used twice in a batch or found used at commit time, and the groups' promises.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { CommitAnswer, CommitRequest } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { ReceiptSealer, Sequencer, type PendingGroup } from '../src/index.js';
import { ORIGIN, SEED, assertSequencerError, openStore, utf8, wrapStorage } from './helpers.js';
import { receiptFormat } from '@proofline/records';

const T0 = 1_800_000_000_000;
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

/** A group of one entry that names the time it was built for; counts its builds. */
function timed(tag: string, idempotency?: PendingGroup['idempotency']) {
  const group = {
    builds: 0,
    count: 1,
    ...(idempotency ? { idempotency } : {}),
    build: (timeMs: number) => {
      group.builds++;
      return { entries: [utf8(`${tag}@${timeMs}`)], built: timeMs };
    },
  };
  return group;
}

describe('Sequencer write path', () => {
  test('reads the tail once, then proposes from its own commits: one storage call per batch', async (t) => {
    const { storage: real, config } = await openStore(t);
    const calls: string[] = [];
    const storage = wrapStorage(real, {
      tail: (log) => (calls.push('tail'), real.tail(log)),
      sequence: (log, commit) => (
        calls.push(`sequence ${commit.first}`),
        real.sequence(log, commit)
      ),
    });
    const seq = new Sequencer(storage, config.name, { now: () => T0 });
    for (let i = 0; i < 3; i++) await seq.append(utf8(`e${i}`));
    assert.deepEqual(calls, ['tail', 'sequence 0', 'sequence 1', 'sequence 2']);
  });

  test('rebuilds and reseals for the tail another process moved, never going back in time', async (t) => {
    const { storage, path, config } = await openStore(t);
    const refused: unknown[] = [];
    const seq = new Sequencer(storage, config.name, {
      now: () => T0,
      sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat, (err) => refused.push(err)),
    });
    await seq.append(utf8('first'));
    // Another process commits an entry at a later time behind this sequencer's back.
    const other = new SqliteStorage(path);
    t.after(() => other.close());
    const answer = await other.sequence(config.name, {
      first: 1,
      timeMs: T0 + 5000,
      groups: [{ entries: [utf8('theirs')] }],
    });
    assert.deepEqual(answer, { status: 'committed' });
    const group = timed('mine');
    const result = await seq.appendGroup(group);
    assert.ok(result.status === 'sequenced');
    assert.deepEqual([result.first, result.timeMs, result.built], [2, T0 + 5000, T0 + 5000]);
    assert.equal(group.builds, 2, 'built for the proposed time, then for the actual one');
    assert.equal(text((await storage.readEntries(config.name, 2, 3))[0]), `mine@${T0 + 5000}`);
    const stored = await storage.commitRange(config.name, 2);
    assert.equal(stored.receipt, result.receipt, 'the note stored is the one for the rebuild');
    assert.deepEqual(refused, []);
  });

  test('answers a key found used at commit time as a duplicate and commits the others', async (t) => {
    const { storage: real, path, config } = await openStore(t);
    const other = new SqliteStorage(path);
    t.after(() => other.close());
    const idem = { tenant: 'test', key: 'k', requestHash: 'h-theirs' };
    let raced = false;
    // Between the caller's check and this commit, another node uses the same key.
    const storage = wrapStorage(real, {
      sequence: async (log, commit): Promise<CommitAnswer> => {
        if (!raced) {
          raced = true;
          const first = (await other.tail(log)).size;
          const groups = [{ entries: [utf8('theirs')], idempotency: idem }];
          assert.deepEqual(await other.sequence(log, { first, timeMs: T0, groups }), {
            status: 'committed',
          });
        }
        return real.sequence(log, commit);
      },
    });
    const seq = new Sequencer(storage, config.name, { now: () => T0 });
    const [keyed, plain] = await Promise.all([
      seq.appendGroup(timed('keyed', { ...idem, requestHash: 'h-mine' })),
      seq.appendGroup(timed('plain')),
    ]);
    assert.deepEqual(keyed, {
      status: 'duplicate',
      requestHash: 'h-theirs',
      log: config.name,
      first: 0,
      count: 1,
    });
    assert.ok(plain.status === 'sequenced' && plain.first === 1);
    assert.deepEqual((await real.readEntries(config.name, 0, 2)).map(text), [
      'theirs',
      `plain@${T0}`,
    ]);
  });

  test('sends a key used twice in one batch once; the repeat gets its outcome', async (t) => {
    const { storage: real, config } = await openStore(t);
    const sent: CommitRequest[] = [];
    const storage = wrapStorage(real, {
      sequence: (log, commit) => (sent.push(commit), real.sequence(log, commit)),
    });
    const seq = new Sequencer(storage, config.name, { now: () => T0 });
    const idem = { tenant: 'test', key: 'twice', requestHash: 'h1' };
    const again = timed('again', { ...idem, requestHash: 'h2' });
    const [a, b, c] = await Promise.all([
      seq.appendGroup(timed('once', idem)),
      seq.appendGroup(again),
      seq.appendGroup(timed('other')),
    ]);
    assert.ok(a.status === 'sequenced' && a.first === 0);
    assert.deepEqual(b, {
      status: 'duplicate',
      requestHash: 'h1',
      log: config.name,
      first: 0,
      count: 1,
    });
    assert.ok(c.status === 'sequenced' && c.first === 1);
    assert.equal(again.builds, 0, 'a repeat is never built');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.groups.length, 2);
  });

  test('refuses groups that break their promise before anything is written', async (t) => {
    const { storage, config } = await openStore(t);
    const seq = new Sequencer(storage, config.name);
    const entry = () => ({ entries: [utf8('x')], built: undefined });
    for (const lookupKeys of [[2 ** 48], [-1], [0.5], [1, 2]]) {
      await assertSequencerError(
        seq.appendGroup({ count: 1, lookupKeys, build: entry }),
        'INVALID_GROUP',
      );
    }
    await assertSequencerError(seq.appendGroup({ count: 2, build: entry }), 'INVALID_GROUP');
    await assertSequencerError(
      seq.appendGroup({ count: 1, build: () => ({ entries: [new Uint8Array(65536)], built: 0 }) }),
      'ENTRY_TOO_LARGE',
    );
    assert.equal(await storage.sequencedSize(config.name), 0);
    assert.equal(await seq.append(utf8('fine')), 0);
  });

  test('gives up with CONTENDED when the tail keeps moving, writing nothing', async (t) => {
    const { storage: real, path, config } = await openStore(t);
    const db = new Database(path);
    t.after(() => db.close());
    // An insider (or a runaway writer) moves the log's time on before every commit.
    let time = T0;
    const storage = wrapStorage(real, {
      sequence: (log, commit) => {
        db.prepare('UPDATE logs SET last_time = ?').run((time += 1000));
        return real.sequence(log, commit);
      },
    });
    const seq = new Sequencer(storage, config.name, { now: () => T0 });
    await assertSequencerError(seq.append(utf8('never')), 'CONTENDED');
    assert.equal(await real.sequencedSize(config.name), 0);
  });
});
