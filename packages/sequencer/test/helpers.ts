import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  formatSignerKey,
  formatVerifierKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  type Checkpoint,
  type Signer,
} from '@proofline/note';
import type { LogConfig, CommitRequest, Storage, StoredCheckpoint } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { SequencerError, nodeEd25519Signer, type SequencerErrorCode } from '../src/index.js';

export const ORIGIN = 'proofline.test/sequencer';
/** A fixed Ed25519 seed (0x01 .. 0x20) for the log key. */
export const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
export const PUBLIC_KEY = parseSignerKey(formatSignerKey(ORIGIN, SEED)).publicKey;
export const VERIFIER_KEY = formatVerifierKey(ORIGIN, PUBLIC_KEY);

export function logConfig(name = 'seq-test', origin = ORIGIN): LogConfig {
  return {
    name,
    tenant: 'test',
    origin,
    verifierKey: VERIFIER_KEY,
    createdAt: 1_700_000_000_000,
    visibility: 'public',
  };
}

export function logSigner(): Signer {
  return nodeEd25519Signer(ORIGIN, SEED);
}

/** A signer that counts its signatures. */
export function countingSigner(inner: Signer): Signer & { readonly calls: () => number } {
  let calls = 0;
  return {
    name: inner.name,
    keyId: inner.keyId,
    sign: (message) => {
      calls++;
      return inner.sign(message);
    },
    calls: () => calls,
  };
}

export interface Store {
  readonly storage: SqliteStorage;
  /** The SQLite file, for tests that edit it behind the driver's back. */
  readonly path: string;
  readonly config: LogConfig;
}

/** A fresh SqliteStorage in a temporary directory with one log; removed after the test. */
export async function openStore(t: TestContext, name = 'seq-test'): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-sequencer-'));
  const path = join(dir, 'log.db');
  const storage = new SqliteStorage(path);
  t.after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = await storage.ensureLog(logConfig(name));
  return { storage, path, config };
}

/**
 * A Storage that delegates to `inner` except for the methods in `overrides` (which call
 * `inner` themselves when they want the real behaviour).
 */
export function wrapStorage(inner: Storage, overrides: Partial<Storage>): Storage {
  return new Proxy(inner, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) {
        return overrides[prop as keyof Storage];
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** How many entries a `sequence` call carries. */
export function entryCount(commit: CommitRequest): number {
  return commit.groups.reduce((n, g) => n + g.entries.length, 0);
}

/** Wraps `inner` and records the number of entries of every `sequence` call. */
export function countingStorage(inner: Storage): { storage: Storage; batches: number[] } {
  const batches: number[] = [];
  const storage = wrapStorage(inner, {
    sequence: (log, commit) => {
      batches.push(entryCount(commit));
      return inner.sequence(log, commit);
    },
  });
  return { storage, batches };
}

/** A promise you open by hand. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Lets every pending immediate and promise job run (a few event-loop turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Polls `check` every 10 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(10);
  }
  return check();
}

/** Resolves to 'pending' if `p` has not settled after a few event-loop turns. */
export async function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  await settle();
  return s;
}

export async function assertSequencerError(
  p: Promise<unknown>,
  code: SequencerErrorCode,
): Promise<SequencerError> {
  let caught: unknown;
  await assert.rejects(p, (err: unknown) => {
    caught = err;
    return err instanceof SequencerError && err.code === code;
  });
  return caught as SequencerError;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Distinct entries of varied lengths (0 .. ~300 bytes) for log `tag`, index `i`. */
export function makeEntry(tag: string, i: number): Uint8Array {
  const head = utf8(`${tag}:${i}:`);
  const extra = (i * 7919) % 300;
  const entry = new Uint8Array(head.length + extra);
  entry.set(head);
  for (let j = 0; j < extra; j++) entry[head.length + j] = (i + j * 31) & 0xff;
  return entry;
}

// --- An RFC 6962 Merkle Tree Hash written from the RFC, on node:crypto only. ---

export function refLeafHash(entry: Uint8Array): Buffer {
  return createHash('sha256').update(Uint8Array.of(0)).update(entry).digest();
}

function refNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** MTH(D[start:end]) over leaf hashes, RFC 6962 §2.1, by plain recursion. */
export function refRoot(leaves: readonly Uint8Array[], start = 0, end = leaves.length): Buffer {
  const n = end - start;
  if (n === 0) return createHash('sha256').digest();
  if (n === 1) return Buffer.from(leaves[start]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return refNodeHash(refRoot(leaves, start, start + k), refRoot(leaves, start + k, end));
}

/** Opens a stored checkpoint with the log's verifier key (checks its signature). */
export async function openStored(stored: StoredCheckpoint, config: LogConfig): Promise<Checkpoint> {
  const { checkpoint } = await openCheckpoint(
    stored.note,
    config.origin,
    parseVerifierKey(config.verifierKey),
  );
  assert.equal(checkpoint.size, stored.size, 'stored size matches the signed size');
  return checkpoint;
}
