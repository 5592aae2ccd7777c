/**
 * What the conformance suites share: how a suite gets a fresh store, and how it appends the
 * way a sequencer does.
 */
import assert from 'node:assert/strict';
import type { CommitGroup, CommitRequest, Storage } from './index.js';

/** A fresh store: `open()` gives a new, independent handle each time, as another process would. */
export interface Fixture<S extends { close(): Promise<void> }> {
  open(): Promise<S>;
  /** Closes nothing the test opened; removes the store. */
  destroy(): Promise<void>;
}

export type StorageFixture = Fixture<Storage>;

/**
 * Runs `fn` on a fresh fixture and one handle on it (after `prepare`, e.g. ensuring a log),
 * then closes that handle and removes the store, whether `fn` passed or threw. Handles `fn`
 * opens itself are its own to close.
 */
export async function onFreshStore<F extends Fixture<{ close(): Promise<void> }>>(
  newFixture: () => Promise<F>,
  fn: (store: Awaited<ReturnType<F['open']>>, fixture: F) => Promise<void>,
  prepare: (store: Awaited<ReturnType<F['open']>>) => Promise<unknown> = async () => {},
): Promise<void> {
  const fixture = await newFixture();
  const store = (await fixture.open()) as Awaited<ReturnType<F['open']>>;
  try {
    await prepare(store);
    await fn(store, fixture);
  } finally {
    await store.close();
    await fixture.destroy();
  }
}

export const T0 = 1_800_000_000_000;

/**
 * Commits `groups` at the log's tail (read first) at `timeMs` or its last time if later;
 * returns the first index. The way a sequencer does it, without its retries.
 */
export async function appendAt(
  store: Storage,
  log: string,
  groups: readonly CommitGroup[],
  timeMs = T0,
  receipt?: string,
): Promise<number> {
  const tail = await store.tail(log);
  const commit: CommitRequest = {
    first: tail.size,
    timeMs: Math.max(timeMs, tail.timeMs),
    groups,
    ...(receipt === undefined ? {} : { receipt }),
  };
  const answer = await store.sequence(log, commit);
  assert.deepEqual(answer, { status: 'committed' });
  return tail.size;
}
