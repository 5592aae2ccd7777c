import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { nodeLeafHash } from '@proofline/tlog/node';
import { parseVerifierKey, type Signer } from '@proofline/note';
import { batchTree, openBatchReceipt, openReceipt, receiptFormat } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import {
  ReceiptSealer,
  Sequencer,
  SequencerError,
  nodeEd25519Signer,
  type SealSession,
} from '../src/index.js';
import {
  ORIGIN,
  SEED,
  VERIFIER_KEY,
  assertSequencerError,
  gate,
  openStore,
  sleep,
  type Gate,
} from './helpers.js';

const T = Date.UTC(2026, 11, 7);
const entries = (...names: string[]) => names.map((n) => new TextEncoder().encode(n));
const isSealed = (err: unknown) =>
  err instanceof SequencerError && err.code === 'INDEX_ALREADY_SEALED';

/**
 * The log key as an asynchronous signer only (no signSync), like a network KMS: each
 * signature waits `delay()` ms, or for the test, as `behave` says.
 */
function asyncSigner(
  behave: (message: Uint8Array) => Promise<void> | 'reject' | 'hang' | void = () => {},
): Signer & { readonly calls: () => number } {
  const inner = nodeEd25519Signer(ORIGIN, SEED);
  let calls = 0;
  return {
    name: inner.name,
    keyId: inner.keyId,
    calls: () => calls,
    sign: async (message) => {
      calls++;
      const how = behave(message);
      if (how === 'reject') throw new Error('the KMS refused: AccessDenied');
      if (how === 'hang') await new Promise(() => {});
      else if (how) await how;
      return inner.signSync(message);
    },
  };
}

/**
 * Records every seal the sealer's sessions make as [first, end) while it is being signed or
 * under way in storage (until the session's next seal or its batch settles), and fails the
 * test if two ever overlap.
 */
function watchOverlaps(sealer: ReceiptSealer): { readonly maxAtOnce: () => number } {
  const live = new Map<SealSession, readonly [number, number]>();
  let maxAtOnce = 0;
  const session = sealer.session.bind(sealer);
  sealer.session = () => {
    const s = session();
    return {
      ...s,
      seal: (commit) => {
        const range = [commit.first, commit.first + commit.entries.length] as const;
        live.delete(s);
        for (const [f, e] of live.values()) {
          assert.ok(e <= range[0] || range[1] <= f, `[${range}] overlaps [${f}, ${e}) under way`);
        }
        live.set(s, range);
        maxAtOnce = Math.max(maxAtOnce, live.size);
        const note = s.seal(commit);
        if (typeof note === 'string') return note;
        note.catch(() => live.delete(s));
        return note;
      },
      settle: (outcome) => {
        live.delete(s);
        s.settle(outcome);
      },
    };
  };
  return { maxAtOnce: () => maxAtOnce };
}

/** Every commit of `log` up to its size: contiguous from 0, each with the receipt of its entries. */
async function assertSealedCommits(storage: Storage, log: string): Promise<number> {
  const size = await storage.sequencedSize(log);
  const verifier = parseVerifierKey(VERIFIER_KEY);
  let commits = 0;
  for (let at = 0; at < size; commits++) {
    const commit = await storage.commitRange(log, at);
    assert.equal(commit.start, at, 'commits are contiguous');
    assert.ok(commit.receipt, `commit at ${at} is sealed`);
    const leaves = (await storage.readEntries(log, commit.start, commit.end)).map((e) =>
      nodeLeafHash(e),
    );
    if (leaves.length === 1) {
      const r = await openReceipt(commit.receipt, verifier);
      assert.deepEqual([r.index, r.leafHash], [at, leaves[0]]);
    } else {
      const r = await openBatchReceipt(commit.receipt, verifier);
      assert.deepEqual([r.first, r.size, r.root], [at, leaves.length, batchTree(leaves).root]);
    }
    at = commit.end;
  }
  return commits;
}

describe('ReceiptSealer with an asynchronous signer', () => {
  test('a seal is a promise of the same note; a refusal is thrown before the signer is called', async () => {
    const refused: SequencerError[] = [];
    const signer = asyncSigner(() => sleep(2));
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, (err) => refused.push(err));
    const sync = new ReceiptSealer(ORIGIN, SEED, receiptFormat);
    const a = sealer.session();
    const note = a.seal({ first: 0, timeMs: T, entries: entries('a', 'b') });
    assert.ok(note instanceof Promise);
    const same = sync.session().seal({ first: 0, timeMs: T, entries: entries('a', 'b') });
    assert.equal(await note, same, 'byte-identical to the SyncSigner note');
    assert.equal(a.sealed()?.note, same);
    a.settle('stored');

    // Below the floor: thrown synchronously, and the signer is never asked.
    const b = sealer.session();
    assert.throws(() => b.seal({ first: 1, timeMs: T, entries: entries('x') }), isSealed);
    assert.equal(signer.calls(), 1);
    assert.equal(refused.length, 1);
    assert.ok(await b.seal({ first: 2, timeMs: T, entries: entries('c') }));
  });

  test('a commit stored while a seal is signed: that seal is refused when its signature arrives', async () => {
    const refused: SequencerError[] = [];
    const gates: Gate[] = [];
    const signer = asyncSigner(() => {
      const g = gate();
      gates.push(g);
      return g.promise;
    });
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, (err) => refused.push(err));
    // a proposed [5, 8); b, a call under way for a moved tail, [4, 7): both may be signed.
    const a = sealer.session();
    const b = sealer.session();
    const pa = a.seal({ first: 5, timeMs: T, entries: entries('a', 'b', 'c') }) as Promise<string>;
    const pb = b.seal({ first: 4, timeMs: T, entries: entries('w', 'x', 'y') }) as Promise<string>;
    assert.equal(gates.length, 2);
    gates[1]!.open();
    assert.ok(await pb);
    b.settle('stored'); // storage stored b: indices up to 6 carry its receipt

    gates[0]!.open();
    await assert.rejects(pa, isSealed);
    // A race between this process's own calls, not a rolled-back storage: not reported.
    assert.deepEqual(refused, []);
    assert.equal(a.sealed(), undefined, 'the refused note was dropped');
    a.settle('stored'); // a no-op: nothing of a's is open
    assert.throws(() => sealer.session().seal({ first: 6, timeMs: T, entries: entries('z') }));
  });

  test('a seal signed while a call with the same indices failed, outcome unknown, is refused', async () => {
    const gates: Gate[] = [];
    const signer = asyncSigner(() => {
      const g = gate();
      gates.push(g);
      return g.promise;
    });
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, () => {});
    const a = sealer.session();
    const b = sealer.session();
    const pa = a.seal({ first: 0, timeMs: T, entries: entries('a') }) as Promise<string>;
    gates[0]!.open();
    await pa;
    const pb = b.seal({ first: 0, timeMs: T, entries: entries('b') }) as Promise<string>;
    a.settle('unknown'); // a's call rejected: its note may be stored
    gates[1]!.open();
    await assert.rejects(pb, isSealed);
    a.resolve(false); // storage shows it was not: index 0 is free again
    const c = sealer.session().seal({ first: 0, timeMs: T, entries: entries('c') });
    gates[2]!.open();
    assert.ok(await c);
  });

  test('concurrent commits through a slow signer never seal overlapping indices', async (t) => {
    const { storage, config } = await openStore(t);
    const signer = asyncSigner(() => sleep(Math.random() * 4));
    const refused: SequencerError[] = [];
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, (err) => refused.push(err));
    const watch = watchOverlaps(sealer);
    const seq = new Sequencer(storage, config.name, { sealer, maxInFlight: 4 });
    const appends: Promise<number>[] = [];
    for (let i = 0; i < 400; i++) {
      appends.push(
        i % 7 === 0
          ? seq.appendBatch(entries(`b${i}`, `b${i}+`, `b${i}++`))
          : seq.append(entries(`e${i}`)[0]!),
      );
      if (i % 13 === 0) await sleep(1);
    }
    const firsts = await Promise.all(appends);
    assert.equal(new Set(firsts).size, firsts.length, 'every append has its own index');
    assert.deepEqual(refused, []);
    assert.equal(await storage.sequencedSize(config.name), 400 + 2 * Math.ceil(400 / 7));
    const commits = await assertSealedCommits(storage, config.name);
    assert.equal(signer.calls(), commits, 'one signature per commit');
    assert.ok(watch.maxAtOnce() >= 2, 'commits were pipelined');
  });

  test('beside another writer (retries), pipelined commits with a slow signer all commit, sealed', async (t) => {
    const { path, config } = await openStore(t);
    const storage = new SqliteStorage(path, { inlineMaxEntries: 0 });
    const other = new SqliteStorage(path);
    t.after(() => Promise.all([storage.close(), other.close()]));
    const refused: SequencerError[] = [];
    const signer = asyncSigner(() => sleep(Math.random() * 3));
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, (err) => refused.push(err));
    const seq = new Sequencer(storage, config.name, { sealer, maxInFlight: 4 });
    const theirs = new Sequencer(other, config.name, {
      sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
      maxBatchSize: 7,
    });
    const mine: Promise<number>[] = [];
    const foreign: Promise<number>[] = [];
    for (let i = 0; i < 200; i++) {
      mine.push(seq.append(entries(`mine ${i}`)[0]!));
      if (i % 3 === 0) foreign.push(theirs.appendBatch(entries(`theirs ${i}`, `theirs ${i}+`)));
      if (i % 20 === 0) await sleep(1);
    }
    await Promise.all([...mine, ...foreign]);
    assert.deepEqual(refused, []);
    await assertSealedCommits(storage, config.name);
  });

  for (const failure of ['reject', 'hang'] as const) {
    test(`a signer that ${failure === 'reject' ? 'rejects' : 'hangs'}: SIGNER_FAILED, nothing written, later commits proceed`, async (t) => {
      const { storage, config } = await openStore(t);
      let mode: 'reject' | 'hang' | undefined;
      const signer = asyncSigner(() => {
        const how = mode;
        mode = undefined;
        return how;
      });
      const refused: SequencerError[] = [];
      const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, (e) => refused.push(e), {
        signTimeoutMs: 100,
      });
      const seq = new Sequencer(storage, config.name, { sealer, maxInFlight: 2 });
      assert.equal(await seq.append(entries('a')[0]!), 0);
      mode = failure;
      const started = Date.now();
      const err = await assertSequencerError(seq.appendBatch(entries('b', 'c')), 'SIGNER_FAILED');
      if (failure === 'hang') {
        assert.match(err.message, /no signature within 100 ms/);
        assert.ok(Date.now() - started >= 95);
      } else assert.match(String((err.cause as Error).message), /AccessDenied/);
      assert.equal(await storage.sequencedSize(config.name), 1, 'nothing was written');
      // Its indices were freed: the next commits take index 1 on.
      assert.equal(await seq.appendBatch(entries('d', 'e')), 1);
      assert.equal(await seq.append(entries('f')[0]!), 3);
      assert.deepEqual(refused, []);
      assert.equal(await assertSealedCommits(storage, config.name), 3);
    });
  }

  test('a storage rolled back behind the sequencer still cannot get a second receipt for an index', async (t) => {
    const { storage, path, config } = await openStore(t);
    const refused: SequencerError[] = [];
    const signer = asyncSigner(() => sleep(1));
    const sealer = new ReceiptSealer(ORIGIN, signer, receiptFormat, (err) => refused.push(err));
    const seq = new Sequencer(storage, config.name, { sealer, maxInFlight: 2 });
    assert.equal(await seq.appendBatch(entries('a', 'b')), 0);
    assert.equal(await seq.append(entries('c')[0]!), 2);
    const calls = signer.calls();

    // The insider removes entry 2 and its commit and winds the log back to size 2.
    const db = new Database(path);
    db.prepare('DELETE FROM entries WHERE idx = 2').run();
    db.prepare('DELETE FROM batches WHERE first_idx = 2').run();
    db.prepare('UPDATE logs SET sequenced_size = 2').run();
    db.close();

    await assert.rejects(seq.append(entries('forged')[0]!), isSealed);
    // The proposal at 3 (the tail as the sequencer knew it) was signed and answered retry;
    // the reseal at 2 was refused before the signer was asked.
    assert.equal(signer.calls(), calls + 1);
    assert.equal(refused.length, 1);
    assert.equal(await storage.sequencedSize(config.name), 2, 'nothing was written');
    await assert.rejects(storage.commitRange(config.name, 2));
  });
});
