/**
 * The checkpoint guard as the insider attacks it: the database (not the key) is theirs, so
 * they restore older copies, grow other histories and plant checkpoints; and as a careless
 * operator leaves it: a deleted, corrupt or world-readable guard file.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import {
  ed25519Signer,
  formatCheckpoint,
  parseCheckpoint,
  parseNote,
  signNote,
} from '@proofline/note';
import { readTilesAt, type Storage } from '@proofline/storage';
import { tileHashReader, treeHash } from '@proofline/tlog';
import {
  CheckpointGuard,
  GUARD_FORMAT,
  GuardError,
  Publisher,
  Sequencer,
  type CheckpointWitnesses,
  type GuardErrorCode,
} from '../src/index.js';
import {
  ORIGIN,
  VERIFIER_KEY,
  countingSigner,
  hex,
  logSigner,
  makeEntry,
  openStore,
  openStored,
  wrapStorage,
  type Store,
} from './helpers.js';
import { receiptFormat } from '@proofline/records';

function guardDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-guard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'keys');
}

function newGuard(dir: string, log = 'seq-test'): CheckpointGuard {
  return new CheckpointGuard({
    path: join(dir, `${log}.checkpoint`),
    log,
    verifierKey: VERIFIER_KEY,
  });
}

/** Appends entries `tag:from` .. `tag:to-1` (makeEntry) to the store's log. */
async function grow(store: Store, tag: string, from: number, to: number): Promise<void> {
  const seq = new Sequencer(store.storage, store.config.name);
  const entries = [];
  for (let i = from; i < to; i++) entries.push(makeEntry(tag, i));
  await seq.appendBatch(entries);
  await seq.close();
}

function publisher(store: Store, guard: CheckpointGuard, storage: Storage = store.storage) {
  const signer = countingSigner(logSigner());
  // One lease owner for every publisher of a test: each may publish at once (one process at a time).
  const options = { receiptFormat, guard, owner: 'guard-test' };
  return { signer, publisher: new Publisher(storage, store.config, signer, options) };
}

async function rejectsWith(p: Promise<unknown>, code: GuardErrorCode, pattern?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof GuardError, `a GuardError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** A reader over the store's tiles at `size`, and the root they give. */
async function treeOf(store: Store, size: number) {
  const reader = tileHashReader(size, (tiles) => readTilesAt(store.storage, 'seq-test', tiles));
  return { reader, root: await treeHash(size, reader) };
}

/** Store `signed` with 10 entries 'a', published under a fresh guard: the node's history. */
async function signedHistory(t: TestContext) {
  const dir = guardDir(t);
  const guard = newGuard(dir);
  assert.equal(guard.create(), true);
  const signed = await openStore(t);
  await grow(signed, 'a', 0, 10);
  const cp = await publisher(signed, guard).publisher.publish();
  assert.equal(cp?.size, 10);
  return { dir, guard, signed, cp: cp! };
}

describe('checkpoint guard', () => {
  test('is created once, empty, mode 0600 in a 0700 directory', async (t) => {
    const dir = guardDir(t);
    const guard = newGuard(dir);
    assert.equal(guard.create(), true);
    assert.equal(guard.create(), false, 'an existing guard is kept');
    assert.equal(statSync(guard.path).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const state = await guard.read();
    assert.equal(state.size, 0);
    assert.equal(state.note, undefined);
    assert.equal(JSON.parse(readFileSync(guard.path, 'utf8')).format, GUARD_FORMAT);
  });

  test('holds each checkpoint, durably, before the database publishes it', async (t) => {
    const guard = newGuard(guardDir(t));
    guard.create();
    const store = await openStore(t);
    const seen: number[] = [];
    const storage = wrapStorage(store.storage, {
      publishCheckpoint: async (log, expected, next) => {
        const onDisk = JSON.parse(readFileSync(guard.path, 'utf8')) as { size: number };
        seen.push(onDisk.size);
        assert.equal(onDisk.size, next.size, 'the guard holds the checkpoint before it is stored');
        return store.storage.publishCheckpoint(log, expected, next);
      },
    });
    const { publisher: p } = publisher(store, guard, storage);
    assert.equal((await p.publish())?.size, 0, 'the empty tree is signed too');
    assert.equal(
      (await guard.read()).note,
      (await store.storage.latestCheckpoint('seq-test'))?.note,
    );
    await grow(store, 'a', 0, 3);
    await p.publish();
    await grow(store, 'a', 3, 7);
    const cp = await p.publish();
    assert.deepEqual(seen, [0, 3, 7]);
    const state = await guard.read();
    assert.equal(state.note, cp!.note);
    assert.equal(state.sequenced, 7);
    assert.equal(statSync(guard.path).mode & 0o777, 0o600);
  });

  test('holds each checkpoint before witnesses see it; a missed quorum leaves it ahead', async (t) => {
    const guard = newGuard(guardDir(t));
    guard.create();
    const store = await openStore(t);
    let quorum = false;
    const asked: number[] = [];
    const witnesses: CheckpointWitnesses = {
      cosign: (request) => {
        const size = parseCheckpoint(parseNote(request.note).text).size;
        asked.push(size);
        const onDisk = JSON.parse(readFileSync(guard.path, 'utf8')) as { note: string };
        assert.equal(onDisk.note, request.note, 'the guard holds the note sent to witnesses');
        return Promise.resolve({
          satisfied: quorum,
          note: request.note,
          cosigned: [],
          results: [],
        });
      },
    };
    const p = new Publisher(store.storage, store.config, logSigner(), {
      receiptFormat,
      guard,
      witnesses,
    });
    await grow(store, 'a', 0, 4);
    assert.equal(await p.publish(), undefined, 'no quorum: not published');
    assert.equal((await guard.read()).size, 4, 'the guard is ahead of the database');
    assert.equal(await store.storage.latestCheckpoint('seq-test'), undefined);
    quorum = true;
    assert.equal((await p.publish())?.size, 4);
    assert.deepEqual(asked, [4, 4]);
  });

  test('refuses a database restored from an older copy (fewer entries): nothing signed', async (t) => {
    const { guard } = await signedHistory(t);
    const restored = await openStore(t);
    await grow(restored, 'a', 0, 6);
    const { publisher: p, signer } = publisher(restored, guard);
    await rejectsWith(p.publish(), 'ROLLBACK', /holds 6 entries.*fewer than the 10/);
    assert.equal(signer.calls(), 0);
    assert.equal(await restored.storage.latestCheckpoint('seq-test'), undefined);
  });

  test('a restored copy with its own older checkpoint gets no root signature for a refused size', async (t) => {
    const dir = guardDir(t);
    const guard = newGuard(dir);
    guard.create();
    const live = await openStore(t);
    await grow(live, 'a', 0, 5);
    const five = await publisher(live, guard).publisher.publish();
    await grow(live, 'a', 5, 10);
    assert.equal((await publisher(live, guard).publisher.publish())?.size, 10);
    // The insider restores a copy taken at size 5 (its checkpoint and root signature included)
    // and grows it to 8 with other entries.
    const restored = await openStore(t);
    await grow(restored, 'a', 0, 5);
    const scratch = newGuard(join(dir, 'scratch'));
    scratch.create();
    const copy = await publisher(restored, scratch).publisher.publish();
    assert.deepEqual(copy?.coseRoot, five?.coseRoot, 'the same key over the same root');
    await grow(restored, 'b', 5, 8);
    const { publisher: p, signer } = publisher(restored, guard);
    await rejectsWith(p.publish(), 'ROLLBACK');
    assert.equal(signer.calls(), 0, 'no note and no root signature');
    const history = await restored.storage.checkpointHistory('seq-test', 10);
    assert.deepEqual(
      history.map((c) => [c.size, c.coseRoot]),
      [[5, five?.coseRoot]],
    );
  });

  test('refuses to sign a smaller tree than it signed', async (t) => {
    const { guard, signed } = await signedHistory(t);
    const { reader, root } = await treeOf(signed, 6);
    await rejectsWith(
      guard.check(await guard.read(), 6, root, reader),
      'ROLLBACK',
      /size 6 .*smaller than .* size 10/,
    );
  });

  test('refuses the same size with another root', async (t) => {
    const { guard } = await signedHistory(t);
    const other = await openStore(t);
    await grow(other, 'b', 0, 10);
    const { publisher: p, signer } = publisher(other, guard);
    await rejectsWith(p.publish(), 'FORK', /the same size as the checkpoint this node signed/);
    // Now integrated: the start-up check itself sees the other tree.
    await rejectsWith(
      newGuard(join(guard.path, '..')).reconcile(other.storage),
      'FORK',
      /tree at size 10 has root/,
    );
    assert.equal(signer.calls(), 0);
    const { reader, root } = await treeOf(other, 10);
    await rejectsWith(guard.check(await guard.read(), 10, root, reader), 'FORK', /the same size/);
  });

  test('refuses a larger tree that does not extend the signed one', async (t) => {
    const { guard } = await signedHistory(t);
    const other = await openStore(t);
    await grow(other, 'a', 0, 9); // the insider keeps 9 of the 10 entries and adds others
    await grow(other, 'b', 9, 15);
    const { publisher: p, signer } = publisher(other, guard);
    await rejectsWith(p.publish(), 'FORK');
    assert.equal(signer.calls(), 0);
    assert.equal(await other.storage.latestCheckpoint('seq-test'), undefined);
    const { reader, root } = await treeOf(other, 15);
    await rejectsWith(
      guard.check(await guard.read(), 15, root, reader),
      'FORK',
      /not provably consistent/,
    );
  });

  test('signs a larger tree that extends the signed one', async (t) => {
    const { guard, cp } = await signedHistory(t);
    const restored = await openStore(t); // an older copy that still holds all 10 entries
    await grow(restored, 'a', 0, 15);
    const next = await publisher(restored, guard).publisher.publish();
    assert.equal(next?.size, 15);
    const opened = await openStored(next!, restored.config);
    assert.equal((await guard.read()).size, 15);
    assert.notEqual(hex(opened.rootHash), hex(parseCheckpoint(parseNote(cp.note).text).rootHash));
  });

  test('a crash between the guard write and the publication does not brick the log', async (t) => {
    const guard = newGuard(guardDir(t));
    guard.create();
    const store = await openStore(t);
    await grow(store, 'a', 0, 5);
    await publisher(store, guard).publisher.publish();
    await grow(store, 'a', 5, 10);
    const crashing = wrapStorage(store.storage, {
      publishCheckpoint: () => Promise.reject(new Error('killed')),
    });
    await assert.rejects(publisher(store, guard, crashing).publisher.publish(), /killed/);
    assert.equal((await guard.read()).size, 10, 'the guard is ahead of the database');
    assert.equal((await store.storage.latestCheckpoint('seq-test'))?.size, 5);

    const restarted = newGuard(join(guard.path, '..')); // a new process
    assert.equal((await restarted.reconcile(store.storage)).size, 10);
    const { publisher: p } = publisher(store, restarted);
    const again = await p.publish();
    assert.equal(again?.size, 10, 'the guarded checkpoint is published');
    assert.equal(again.note, (await restarted.read()).note, 'the very checkpoint it guarded');
    assert.ok(again.coseRoot, 'with its root signature (Ed25519: the same bytes again)');
    await grow(store, 'a', 10, 12);
    assert.equal((await p.publish())?.size, 12);
  });

  test('moves forward to a newer checkpoint of the log key in the database', async (t) => {
    const { dir, signed } = await signedHistory(t);
    const other = newGuard(join(dir, 'other-node'));
    other.create();
    assert.equal((await other.reconcile(signed.storage)).size, 10);
    await grow(signed, 'a', 10, 20);
    await publisher(signed, other).publisher.publish();
    const node1 = newGuard(dir);
    const state = await node1.reconcile(signed.storage);
    assert.equal(state.size, 20, 'node 1 learns the checkpoint node 2 signed');
    assert.equal(state.sequenced, 20);
    assert.equal((await newGuard(dir).read()).size, 20, 'durably');
  });

  test('refuses an older database checkpoint that the guarded one does not extend', async (t) => {
    const { dir, guard, signed } = await signedHistory(t);
    const other = await openStore(t); // another history, once signed by the log key
    await grow(other, 'b', 0, 5);
    const scratch = newGuard(join(dir, 'scratch'));
    scratch.create();
    const planted = await publisher(other, scratch).publisher.publish();
    const storage = wrapStorage(signed.storage, { latestCheckpoint: async () => planted });
    await rejectsWith(
      guard.reconcile(storage),
      'FORK',
      /latest checkpoint, size 5 .* is not consistent with the checkpoint this node signed, size 10/,
    );
  });

  test('refuses a database checkpoint the log key did not sign', async (t) => {
    const { guard, signed, cp } = await signedHistory(t);
    await grow(signed, 'b', 10, 12);
    const text = formatCheckpoint({
      origin: ORIGIN,
      size: 12,
      rootHash: new Uint8Array(32),
      extensions: [],
    });
    const forger = ed25519Signer(ORIGIN, new Uint8Array(32).fill(7));
    const forged = { size: 12, note: await signNote(text, [forger]), publishedAt: 1 };
    assert.ok(await signed.storage.publishCheckpoint('seq-test', cp, forged));
    await rejectsWith(
      guard.reconcile(signed.storage),
      'BAD_CHECKPOINT',
      /not signed by the log key/,
    );
    assert.equal((await guard.read()).size, 10);
  });

  test('does not overwrite a guard another process moved', async (t) => {
    const { dir, guard, signed } = await signedHistory(t);
    const mine = await guard.read();
    const elsewhere = newGuard(dir);
    await grow(signed, 'a', 10, 11);
    await publisher(signed, elsewhere).publisher.publish();
    const { root } = await treeOf(signed, 11);
    const next = { size: 11, rootHash: root, sequenced: 11, note: mine.note };
    assert.equal(await guard.record(mine, next), undefined);
    assert.equal((await newGuard(dir).read()).size, 11);
  });

  test('a round reads each tile of its tree once; the next does not re-hash what it recorded', async (t) => {
    const guard = newGuard(guardDir(t));
    guard.create();
    const store = await openStore(t);
    // The tile reads after the round's integration: its root, the proof for the latest
    // checkpoint and the guard's proof, each tile at most once.
    const tiles: { reads?: string[] } = {};
    const storage = wrapStorage(store.storage, {
      integrate: async (...args) => {
        const done = await store.storage.integrate(...args);
        tiles.reads = [];
        return done;
      },
      readTiles: async (log, keys) => {
        tiles.reads?.push(...keys.map((k) => `${k.level}/${k.index}`));
        return store.storage.readTiles(log, keys);
      },
    });
    const { publisher: p } = publisher(store, guard, storage);
    await grow(store, 'a', 0, 300);
    assert.equal((await p.publish())?.size, 300);
    await grow(store, 'a', 300, 700);
    delete tiles.reads;
    assert.equal((await p.publish())?.size, 700);
    const reads = tiles.reads ?? [];
    assert.ok(reads.length > 0, 'the round read its tiles');
    assert.deepEqual(reads, [...new Set(reads)], 'no tile read twice in one round');
    // The guard recorded 700 from the tiles it just checked: checking it again reads none.
    tiles.reads = [];
    assert.equal((await guard.reconcile(storage)).size, 700);
    assert.deepEqual(tiles.reads, []);
    // Another process's checkpoint in the database is checked against the tiles in full.
    await grow(store, 'a', 700, 710);
    const other = newGuard(guardDir(t));
    other.create();
    assert.equal((await publisher(store, other).publisher.publish())?.size, 710);
    tiles.reads = [];
    assert.equal((await guard.reconcile(storage)).size, 710);
    assert.ok(tiles.reads.length > 0, 'the tree was read');
  });

  describe('a careless operator', () => {
    test('a missing guard file is refused, never taken as empty', async (t) => {
      const { guard, signed } = await signedHistory(t);
      rmSync(guard.path);
      await rejectsWith(guard.read(), 'STATE_MISSING', /does not exist/);
      const { publisher: p, signer } = publisher(signed, guard);
      await grow(signed, 'a', 10, 11);
      await rejectsWith(p.publish(), 'STATE_MISSING');
      assert.equal(signer.calls(), 0);
    });

    const corruptions: [string, (text: string) => string][] = [
      ['not JSON', () => 'size=10\n'],
      ['truncated', (text) => text.slice(0, text.length / 2)],
      ['an unknown field', (text) => text.replace('{', '{"extra":1,')],
      ['another format', (text) => text.replace(GUARD_FORMAT, 'proofline.dev/checkpoint-guard/v9')],
      ['another size', (text) => text.replace('"size": 10', '"size": 9')],
      ['a changed root', (text) => text.replace(/"rootHash": "./, '"rootHash": "0')],
      ['sequenced below size', (text) => text.replace(/"sequenced": \d+/, '"sequenced": 3')],
      [
        'a forged note',
        (text) => text.replace(/— (\S+) (\S)/, (_, n, c) => `— ${n} ${c === 'A' ? 'B' : 'A'}`),
      ],
    ];
    for (const [what, corrupt] of corruptions) {
      test(`a guard file with ${what} is refused`, async (t) => {
        const { guard, signed } = await signedHistory(t);
        const text = readFileSync(guard.path, 'utf8');
        const changed = corrupt(text);
        assert.notEqual(changed, text);
        writeFileSync(guard.path, changed);
        await rejectsWith(newGuard(join(guard.path, '..')).read(), 'STATE_CORRUPT', /corrupt/);
        await rejectsWith(publisher(signed, guard).publisher.publish(), 'STATE_CORRUPT');
      });
    }

    test('a guard file others may access, or that is no file, is refused', async (t) => {
      const { guard } = await signedHistory(t);
      chmodSync(guard.path, 0o644);
      await rejectsWith(guard.read(), 'STATE_UNREADABLE', /chmod 600/);
      chmodSync(guard.path, 0o600);
      await guard.read();
      rmSync(guard.path);
      mkdirSync(guard.path);
      await rejectsWith(
        newGuard(join(guard.path, '..')).read(),
        'STATE_UNREADABLE',
        /not a regular file/,
      );
    });

    test('reset adopts the database checkpoint and keeps the old guard', async (t) => {
      const { guard } = await signedHistory(t);
      const restored = await openStore(t);
      await grow(restored, 'a', 0, 4);
      const scratch = newGuard(join(guard.path, '..', 'scratch'));
      scratch.create();
      await publisher(restored, scratch).publisher.publish();
      await rejectsWith(guard.reconcile(restored.storage), 'ROLLBACK');
      const old = readFileSync(guard.path, 'utf8');
      const { state, previous } = await guard.reset(restored.storage);
      assert.equal(state.size, 4);
      assert.equal(readFileSync(previous!, 'utf8'), old);
      assert.equal(statSync(guard.path).mode & 0o777, 0o600);
      assert.equal((await newGuard(join(guard.path, '..')).reconcile(restored.storage)).size, 4);
    });
  });
});
