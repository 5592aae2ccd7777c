import assert from 'node:assert/strict';
import { nodeHashInto, nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  readTilesAt,
  type LogConfig,
  type Storage,
  type StoredCheckpoint,
} from '@proofline/storage';
import { leafHash, proveConsistency, tileHashReader, verifyConsistency } from '@proofline/tlog';
import { Publisher, ReceiptSealer, Sequencer, nodeEd25519Signer } from '../src/index.js';
import {
  ed25519Verifier,
  formatSignerKey,
  formatVerifierKey,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
} from '@proofline/note';
import {
  ORIGIN,
  SEED,
  VERIFIER_KEY,
  countingSigner,
  gate,
  hex,
  logConfig,
  logSigner,
  makeEntry,
  openStore,
  openStored,
  refLeafHash,
  refRoot,
  sleep,
  waitFor,
  wrapStorage,
} from './helpers.js';
import { receiptFormat } from '@proofline/records';

const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A log written through a Sequencer, remembering every entry's leaf hash independently. */
class TestLog {
  readonly leaves: Buffer[] = [];
  private readonly seq: Sequencer;

  constructor(
    readonly storage: Storage,
    readonly config: LogConfig,
  ) {
    this.seq = new Sequencer(storage, config.name, {
      sealer: new ReceiptSealer(config.origin, SEED, receiptFormat),
    });
  }

  /** Appends entries until the log holds `size`, in appendBatch calls of up to 4096. */
  async growTo(size: number): Promise<void> {
    const calls: Promise<number>[] = [];
    for (let start = this.leaves.length; start < size; start += 4096) {
      const entries = [];
      for (let i = start; i < Math.min(size, start + 4096); i++) {
        entries.push(makeEntry(this.config.name, i));
      }
      calls.push(this.seq.appendBatch(entries));
      for (const e of entries) this.leaves.push(refLeafHash(e));
    }
    const firsts = await Promise.all(calls);
    firsts.forEach((first, k) => assert.equal(first, firsts[0]! + 4096 * k));
  }

  /** The RFC 6962 root of the first `size` entries, computed in the test. */
  root(size = this.leaves.length): string {
    return hex(refRoot(this.leaves, 0, size));
  }
}

/** Checks a published checkpoint: signature, size, and root against the test's own MTH. */
async function checkCheckpoint(
  cp: StoredCheckpoint | undefined,
  log: TestLog,
  size: number,
): Promise<void> {
  assert.ok(cp, `a checkpoint of size ${size} was published`);
  assert.equal(cp.size, size);
  const opened = await openStored(cp, log.config);
  assert.equal(opened.origin, log.config.origin);
  assert.equal(hex(opened.rootHash), log.root(size), `root at size ${size}`);
}

/**
 * Opens every checkpoint in the history and checks that each is consistent with every later
 * one, with proofs built from the stored tiles.
 */
async function checkHistory(storage: Storage, config: LogConfig): Promise<number[]> {
  const history = await storage.checkpointHistory(config.name, 10_000);
  const opened = await Promise.all(history.map((h) => openStored(h, config)));
  const sizes = opened.map((c) => c.size);
  for (let i = 1; i < sizes.length; i++) {
    assert.ok(sizes[i]! > sizes[i - 1]!, `history sizes grow: ${sizes.join(',')}`);
  }
  for (let j = 1; j < opened.length; j++) {
    const newer = opened[j]!;
    const reader = tileHashReader(newer.size, (tiles) => readTilesAt(storage, config.name, tiles));
    for (let i = 0; i < j; i++) {
      const older = opened[i]!;
      const proof = await proveConsistency(older.size, newer.size, reader);
      verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash);
      if (older.size > 0) {
        // The check has teeth: a different old root is refused.
        const wrong = Uint8Array.from(older.rootHash);
        wrong[0]! ^= 1;
        assert.throws(() =>
          verifyConsistency(older.size, newer.size, proof, wrong, newer.rootHash),
        );
      }
    }
  }
  return sizes;
}

describe('Publisher checkpoints', () => {
  test('an empty log gets the size-0 checkpoint, once', async (t) => {
    const { storage, config } = await openStore(t);
    const publisher = new Publisher(storage, config, logSigner(), { receiptFormat });
    const cp = await publisher.publish();
    assert.ok(cp);
    assert.equal(cp.size, 0);
    const opened = await openStored(cp, config);
    assert.equal(hex(opened.rootHash), EMPTY_ROOT);
    assert.equal(opened.origin, config.origin);
    assert.deepEqual(opened.extensions, []);
    assert.equal((await storage.latestCheckpoint(config.name))?.note, cp.note);
    assert.equal(await publisher.publish(), undefined, 'nothing new: no checkpoint');
    assert.equal((await storage.checkpointHistory(config.name, 10)).length, 1);
  });

  test('roots match an independent RFC 6962 MTH as one log grows', async (t) => {
    const { storage, config } = await openStore(t);
    assert.equal(hex(leafHash(makeEntry('x', 5))), hex(refLeafHash(makeEntry('x', 5))));
    const log = new TestLog(storage, config);
    const published: StoredCheckpoint[] = [];
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      integrateChunk: 1000,
      onPublish: (cp) => published.push(cp),
    });
    await checkCheckpoint(await publisher.publish(), log, 0);
    for (const size of [1, 255, 256, 257, 1257, 65536 + 3]) {
      await log.growTo(size);
      await checkCheckpoint(await publisher.publish(), log, size);
      assert.equal(await storage.integratedSize(config.name), size);
    }
    const sizes = await checkHistory(storage, config);
    assert.deepEqual(sizes, [0, 1, 255, 256, 257, 1257, 65539]);
    assert.deepEqual(
      published.map((c) => c.note),
      (await storage.checkpointHistory(config.name, 100)).map((c) => c.note),
      'onPublish saw every checkpoint',
    );
  });

  test("with serve's node:crypto hashes the roots match the independent MTH too", async (t) => {
    const { storage, config } = await openStore(t);
    const log = new TestLog(storage, config);
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      integrateChunk: 700,
      leafHash: nodeLeafHash,
      interiorHash: nodeInteriorHash,
    });
    for (const size of [1, 256, 257, 65536 + 3]) {
      await log.growTo(size);
      await checkCheckpoint(await publisher.publish(), log, size);
    }
    assert.deepEqual(await checkHistory(storage, config), [1, 256, 257, 65539]);
  });

  test('with interiorHashInto every tile hash is made in place, to the same roots', async (t) => {
    const { storage, config } = await openStore(t);
    const log = new TestLog(storage, config);
    let calls = 0;
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      integrateChunk: 700,
      leafHash: nodeLeafHash,
      interiorHash: () => assert.fail('interiorHash must not be called beside interiorHashInto'),
      interiorHashInto: (src, at, dst, to) => {
        calls++;
        nodeHashInto(src, at, dst, to);
      },
    });
    for (const size of [1, 256, 257, 65536 + 3]) {
      await log.growTo(size);
      await checkCheckpoint(await publisher.publish(), log, size);
    }
    assert.deepEqual(await checkHistory(storage, config), [1, 256, 257, 65539]);
    assert.ok(calls >= 65536, `${calls} in-place hashes for 65,539 leaves`);
  });

  test('fresh logs of N entries published over several rounds', async (t) => {
    const store = await openStore(t);
    for (const n of [1, 255, 256, 257, 65536 + 3]) {
      const config = await store.storage.ensureLog(logConfig(`n-${n}`));
      const log = new TestLog(store.storage, config);
      const publisher = new Publisher(store.storage, config, logSigner(), {
        receiptFormat,
        integrateChunk: 1000,
      });
      const rounds = [...new Set([Math.ceil(n / 3), Math.ceil((2 * n) / 3), n])];
      for (const size of rounds) {
        await log.growTo(size);
        await checkCheckpoint(await publisher.publish(), log, size);
      }
      assert.deepEqual(await checkHistory(store.storage, config), rounds);
    }
  });
});

describe('Publisher safety', () => {
  test('only the lease holder publishes; another takes over when the lease expires', async (t) => {
    const { storage, config } = await openStore(t);
    const log = new TestLog(storage, config);
    // A TTL far above what a loaded machine takes between two steps, so only the sleep expires it.
    const a = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'a',
      leaseTtlMs: 3000,
    });
    const b = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'b',
      leaseTtlMs: 3000,
    });

    await log.growTo(3);
    await checkCheckpoint(await a.publish(), log, 3);
    await log.growTo(5);
    assert.equal(await b.publish(), undefined, 'b has no lease');
    assert.equal(await storage.integratedSize(config.name), 3, 'b did no work without the lease');
    await checkCheckpoint(await a.publish(), log, 5);

    await log.growTo(6);
    await sleep(3100); // a's lease expires
    await checkCheckpoint(await b.publish(), log, 6);
    await log.growTo(7);
    assert.equal(await a.publish(), undefined, 'a lost the lease to b');
    await checkCheckpoint(await b.publish(), log, 7);
    assert.deepEqual(await checkHistory(storage, config), [3, 5, 6, 7]);
  });

  test('a paused publisher cannot replace a newer checkpoint when it resumes', async (t) => {
    const { storage, config } = await openStore(t);
    const log = new TestLog(storage, config);
    let armed = false;
    const resume = gate();
    const paused = gate();
    const storageA = wrapStorage(storage, {
      publishCheckpoint: async (name, expected, next) => {
        if (armed) {
          paused.open();
          await resume.promise;
        }
        return storage.publishCheckpoint(name, expected, next);
      },
    });
    const publishedByA: StoredCheckpoint[] = [];
    const a = new Publisher(storageA, config, logSigner(), {
      receiptFormat,
      owner: 'a',
      leaseTtlMs: 250,
      onPublish: (cp) => publishedByA.push(cp),
    });
    const b = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'b',
      leaseTtlMs: 250,
    });

    await log.growTo(2);
    await checkCheckpoint(await a.publish(), log, 2);

    armed = true;
    await log.growTo(5);
    const aRun = a.publish();
    await paused.promise; // a has signed size 5 and is about to compare-and-swap
    assert.equal(await b.publish(), undefined, 'a still holds the lease');

    await sleep(350); // a's lease expires while it is paused
    await log.growTo(9);
    const fromB = await b.publish();
    await checkCheckpoint(fromB, log, 9);

    resume.open();
    assert.equal(await aRun, undefined, "a's compare-and-swap fails");
    assert.equal(publishedByA.length, 1, 'a reports only its first checkpoint');
    assert.equal((await storage.latestCheckpoint(config.name))?.note, fromB!.note);
    assert.deepEqual(await checkHistory(storage, config), [2, 9]);
  });

  test('a paused publisher does not re-publish a size another publisher covered', async (t) => {
    // Same race, but b publishes the very size a signed (Ed25519 is deterministic, so the
    // notes are identical): only the compare-and-swap on the previous note can refuse a.
    const { storage, config } = await openStore(t);
    const log = new TestLog(storage, config);
    let armed = false;
    const resume = gate();
    const paused = gate();
    const storageA = wrapStorage(storage, {
      publishCheckpoint: async (name, expected, next) => {
        if (armed) {
          paused.open();
          await resume.promise;
        }
        return storage.publishCheckpoint(name, expected, next);
      },
    });
    const a = new Publisher(storageA, config, logSigner(), {
      receiptFormat,
      owner: 'a',
      leaseTtlMs: 250,
    });
    const b = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'b',
      leaseTtlMs: 250,
    });
    await log.growTo(2);
    await checkCheckpoint(await a.publish(), log, 2);
    armed = true;
    await log.growTo(5);
    const aRun = a.publish();
    await paused.promise;
    await sleep(350);
    await checkCheckpoint(await b.publish(), log, 5);
    resume.open();
    assert.equal(await aRun, undefined);
    assert.deepEqual(await checkHistory(storage, config), [2, 5]);
  });

  test('a corrupted level-0 tile stops the publisher before it signs', async (t) => {
    const { storage, config, path } = await openStore(t);
    const log = new TestLog(storage, config);
    const signer = countingSigner(logSigner());
    const publisher = new Publisher(storage, config, signer, { receiptFormat });
    await log.growTo(100);
    await checkCheckpoint(await publisher.publish(), log, 100);
    assert.equal(signer.calls(), 2, 'the note and the root signature');

    const db = new Database(path);
    t.after(() => db.close());
    const where = 'WHERE log_id = (SELECT id FROM logs WHERE name = ?) AND level = 0 AND idx = 0';
    const tile = db
      .prepare<[string], Buffer>(`SELECT data FROM tiles ${where}`)
      .pluck()
      .get(config.name);
    assert.ok(tile && tile.length === 100 * 32);
    tile[5 * 32 + 7]! ^= 0x40; // one bit of leaf hash 5
    db.prepare(`UPDATE tiles SET data = ? ${where}`).run(tile, config.name);

    await log.growTo(150);
    await assert.rejects(publisher.publish());
    await assert.rejects(publisher.publish(), 'it keeps refusing');
    assert.equal(signer.calls(), 2, 'nothing was signed');
    assert.deepEqual(
      (await storage.checkpointHistory(config.name, 10)).map((c) => c.size),
      [100],
    );
    assert.equal((await storage.latestCheckpoint(config.name))?.size, 100);
  });

  test('a rewritten entry that gets re-integrated stops the publisher before it signs', async (t) => {
    const { storage, config, path } = await openStore(t);
    const log = new TestLog(storage, config);
    const signer = countingSigner(logSigner());
    const publisher = new Publisher(storage, config, signer, {
      receiptFormat,
      integrateChunk: 128,
    });
    await log.growTo(300);
    await checkCheckpoint(await publisher.publish(), log, 300);

    const db = new Database(path);
    t.after(() => db.close());
    const id = db
      .prepare<[string], number>('SELECT id FROM logs WHERE name = ?')
      .pluck()
      .get(config.name);
    const changed = db
      .prepare('UPDATE entries SET data = ? WHERE log_id = ? AND idx = 7')
      .run(Buffer.from('forged'), id);
    assert.equal(changed.changes, 1);
    db.prepare('UPDATE logs SET integrated_size = 0 WHERE id = ?').run(id);

    await log.growTo(320);
    await assert.rejects(publisher.publish());
    assert.equal(signer.calls(), 2, 'nothing was signed');
    assert.deepEqual(
      (await storage.checkpointHistory(config.name, 10)).map((c) => c.size),
      [300],
    );
  });

  test('a signer whose name is not the log origin is refused', async (t) => {
    const { storage, config } = await openStore(t);
    assert.throws(
      () =>
        new Publisher(storage, config, nodeEd25519Signer('someone.else/log', SEED), {
          receiptFormat,
        }),
      /does not match origin/,
    );
  });

  test('during a key rotation each checkpoint carries both keys, the registered one first', async (t) => {
    const { storage, config } = await openStore(t);
    const successorSeed = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
    const successor = nodeEd25519Signer(ORIGIN, successorSeed);
    const log = new TestLog(storage, config);
    await log.growTo(5);
    const publisher = new Publisher(storage, config, [logSigner(), successor], { receiptFormat });
    const cp = await publisher.publish();
    assert.ok(cp);
    const note = parseNote(cp.note);
    assert.deepEqual(
      note.signatures.map((sig) => sig.keyId),
      [logSigner().keyId, successor.keyId],
    );
    // Each key alone verifies it; the other signature is ignored, not an error.
    const successorKey = formatVerifierKey(
      ORIGIN,
      parseSignerKey(formatSignerKey(ORIGIN, successorSeed)).publicKey,
    );
    for (const vkey of [VERIFIER_KEY, successorKey]) {
      const { publicKey } = parseVerifierKey(vkey);
      const opened = await openNote(cp.note, [ed25519Verifier(ORIGIN, publicKey)]);
      assert.equal(opened.verified.length, 1);
    }
  });

  test('a rotation refuses a successor of another origin, the same key twice, or no key', async (t) => {
    const { storage, config } = await openStore(t);
    const other = nodeEd25519Signer(
      'someone.else/log',
      Uint8Array.from({ length: 32 }, () => 7),
    );
    assert.throws(
      () => new Publisher(storage, config, [logSigner(), other], { receiptFormat }),
      /does not match origin/,
    );
    assert.throws(
      () => new Publisher(storage, config, [logSigner(), logSigner()], { receiptFormat }),
      /distinct/,
    );
    assert.throws(() => new Publisher(storage, config, [], { receiptFormat }), /distinct/);
  });
});

describe('Publisher loop', () => {
  test('start() publishes on its own; stop() hands back the lease', async (t) => {
    const { storage, config } = await openStore(t);
    const log = new TestLog(storage, config);
    const errors: unknown[] = [];
    const published: StoredCheckpoint[] = [];
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'loop',
      intervalMs: 20,
      onError: (err) => errors.push(err),
      onPublish: (cp) => published.push(cp),
    });
    publisher.start();
    try {
      await runLoopChecks();
    } finally {
      await publisher.stop(); // idempotent; never leave the loop running
    }

    async function runLoopChecks(): Promise<void> {
      const covered = (size: number) => async () =>
        ((await storage.latestCheckpoint(config.name))?.size ?? -1) >= size;

      await log.growTo(10);
      assert.ok(await waitFor(covered(10), 3000), 'entries get a checkpoint without publish()');
      await log.growTo(25);
      assert.ok(await waitFor(covered(25), 3000), 'and later entries too');
      await checkCheckpoint(await storage.latestCheckpoint(config.name), log, 25);
      assert.equal(await storage.acquireLease(config.name, 'other', 1000), false, 'lease is held');

      await publisher.stop();
      assert.equal(await storage.acquireLease(config.name, 'other', 1000), true, 'lease released');
      await log.growTo(30);
      await sleep(100);
      assert.equal((await storage.latestCheckpoint(config.name))?.size, 25, 'stopped: no more');

      assert.deepEqual(errors, []);
      const history = await storage.checkpointHistory(config.name, 1000);
      assert.deepEqual(
        published.map((c) => c.note),
        history.map((c) => c.note),
      );
      await checkHistory(storage, config); // one checkpoint per growth, all consistent
    }
  });
});
