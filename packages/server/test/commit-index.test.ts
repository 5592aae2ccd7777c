import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage, StoredCommit } from '@proofline/storage';
import { CommitIndex } from '../src/records/commit-index.js';
import { Receipts } from '../src/records/receipts.js';
import { Fixture, type TestLog } from './helpers.js';

describe('CommitIndex', () => {
  const c = (start: number, end: number, receipt?: string): StoredCommit => ({
    start,
    end,
    ...(receipt === undefined ? {} : { receipt }),
  });

  it('finds the commit of every index it holds, and nothing else', () => {
    const index = new CommitIndex();
    // Out of order, across span borders, a batch over several spans, gaps between.
    const commits = [
      c(1300, 1301, 'd'),
      c(0, 3, 'a'),
      c(3, 4),
      c(250, 260, 'b'),
      c(300, 1200, 'c'),
    ];
    for (const commit of commits) index.add(commit);
    assert.equal(index.size, commits.length);
    for (let i = 0; i < 1400; i++) {
      const want = commits.find((x) => x.start <= i && i < x.end);
      assert.equal(index.find(i), want, `index ${i}`);
    }
  });

  it('keeps nothing empty or overlapping what it holds (storage never answers either)', () => {
    const index = new CommitIndex();
    index.add(c(10, 20, 'a'));
    for (const bad of [
      c(5, 5),
      c(7, 6),
      c(15, 25, 'x'),
      c(5, 11, 'x'),
      c(12, 13, 'x'),
      c(0, 600),
    ]) {
      index.add(bad);
    }
    assert.equal(index.size, 1);
    for (let i = 0; i < 600; i++) {
      assert.equal(index.find(i)?.receipt, i >= 10 && i < 20 ? 'a' : undefined, `index ${i}`);
    }
  });

  it('stays within its bound: emptied when full, then filled again', () => {
    const index = new CommitIndex(100);
    for (let i = 0; i < 250; i++) {
      index.add(c(i * 2, i * 2 + 2, `n${i}`));
      assert.ok(index.size <= 100);
    }
    assert.equal(index.size, 50);
    assert.equal(index.find(499)?.receipt, 'n249');
    assert.equal(index.find(0), undefined, 'emptied at the bound');
  });
});

describe('Receipts: commits read once', () => {
  let fx: Fixture;
  let log: TestLog;
  const reads: number[] = [];
  let storage: Storage;

  before(async () => {
    fx = await Fixture.create([{ name: 'commit-log', tenant: 'acme', publish: false }]);
    log = fx.log('commit-log');
    for (let i = 0; i < 5; i++) await log.sequencer.append(new TextEncoder().encode(`{"e":${i}}`));
    storage = new Proxy(fx.storage, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (name === 'commitRange') reads.push(args[1] as number);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  });

  after(() => fx.close());

  it('asks storage once per commit, and answers as a fresh Receipts does', async () => {
    const receipts = new Receipts(storage, 'http://test');
    const size = await fx.storage.sequencedSize(log.name);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < size; i++) {
        const fresh = await new Receipts(fx.storage, 'http://test').creation(log, i);
        assert.deepEqual(await receipts.creation(log, i), fresh, `index ${i}`);
        assert.ok(fresh?.note.length, 'every commit has its note');
      }
    }
    const commits = new Set<string>();
    for (let i = 0; i < size; i++) {
      const { start, end } = await fx.storage.commitRange(log.name, i);
      commits.add(`${start}-${end}`);
    }
    assert.equal(reads.length, commits.size, 'one storage read per commit over three rounds');
  });

  it('an index beyond the sequenced size is still refused', async () => {
    const receipts = new Receipts(storage, 'http://test');
    await assert.rejects(receipts.creation(log, 1_000), { code: 'OUT_OF_RANGE' });
  });
});
