import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNote } from '@proofline/note';
import { Publisher, type TimestampAuthority } from '../src/index.js';
import { logSigner, openStore } from './helpers.js';
import { receiptFormat } from '@proofline/records';

/**
 * Time-stamping is a port: the publisher hands the checkpoint text to each authority and
 * stores what it resolves with; it has no RFC 3161 code of its own (the CLI composes
 * @proofline/timestamp, see packages/cli/src/commands/timestamping.ts).
 */
test('the publisher stores the token each authority port resolves with, over the note text', async (t) => {
  const { storage, config } = await openStore(t);
  const seen: string[] = [];
  const port = (name: string, token: number[], genTimeMs: number): TimestampAuthority => ({
    name,
    timestamp: (data) => {
      seen.push(`${name}:${new TextDecoder().decode(data)}`);
      return Promise.resolve({ token: Uint8Array.from(token), genTimeMs });
    },
  });
  const errors: unknown[] = [];
  const publisher = new Publisher(storage, config, logSigner(), {
    receiptFormat,
    timestamping: { authorities: [port('a', [0x30, 1], 1_000), port('b', [0x30, 2], 2_000)] },
    onError: (e) => errors.push(e),
  });
  const cp = await publisher.publish();
  assert.ok(cp);
  await publisher.timestampsSettled();
  assert.deepEqual(errors, []);
  const text = parseNote(cp.note).text;
  assert.deepEqual(seen.sort(), [`a:${text}`, `b:${text}`]);
  const stored = await storage.checkpointTimestamps(config.name, 0);
  assert.deepEqual(stored.map((s) => [s.tsa, [...s.token], s.genTimeMs]).sort(), [
    ['a', [0x30, 1], 1_000],
    ['b', [0x30, 2], 2_000],
  ]);
});

test('a port that rejects stores nothing and is reported with its cause', async (t) => {
  const { storage, config } = await openStore(t);
  const cause = new Error('reply does not chain to the trusted roots');
  const errors: Error[] = [];
  const publisher = new Publisher(storage, config, logSigner(), {
    receiptFormat,
    timestamping: { authorities: [{ name: 'bad', timestamp: () => Promise.reject(cause) }] },
    onError: (e) => errors.push(e as Error),
  });
  assert.ok(await publisher.publish());
  await publisher.timestampsSettled();
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.cause, cause);
  assert.deepEqual(await storage.checkpointTimestamps(config.name, 0), []);
});
