import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { parseNote } from '@proofline/note';
import { requestTimestamp, verifyToken } from '@proofline/timestamp';
import {
  Publisher,
  ReceiptSealer,
  Sequencer,
  TIMESTAMP_RETRY_MS,
  type TimestampAuthority,
} from '../src/index.js';
import { ORIGIN, SEED, logSigner, makeEntry, openStore } from './helpers.js';
import { LocalTsa, opensslSupportsTs } from '@proofline/timestamp/testing';
import { receiptFormat } from '@proofline/records';

/** The port as the CLI composes it: an RFC 3161 request whose reply is verified. */
function rfc3161(name: string, url: string, roots: Uint8Array[]): TimestampAuthority {
  return {
    name,
    async timestamp(data) {
      const ts = await requestTimestamp(url, data, { trustedRoots: roots, timeoutMs: 10_000 });
      return { token: ts.token, genTimeMs: ts.genTime.getTime() };
    },
  };
}

async function serve(t: TestContext, tsa: LocalTsa, fail?: () => boolean) {
  const s = await tsa.serve(fail ? { fail } : {});
  t.after(
    () =>
      new Promise<void>((resolve) => {
        s.server.closeAllConnections();
        s.server.close(() => resolve());
      }),
  );
  return s;
}

describe('Publisher timestamping (RFC 3161, local openssl TSA)', () => {
  before(() => assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`'));
  let tsa: LocalTsa;
  let other: LocalTsa;
  before(() => {
    tsa = new LocalTsa('Alpha');
    other = new LocalTsa('Beta');
  });
  after(() => {
    tsa.cleanup();
    other.cleanup();
  });

  test('stores a verified token over the checkpoint text from each authority', async (t) => {
    const { storage, config } = await openStore(t);
    const a = await serve(t, tsa);
    const b = await serve(t, other);
    const reports: string[] = [];
    const errors: unknown[] = [];
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      timestamping: {
        authorities: [
          rfc3161('alpha', a.url, [tsa.rootDer]),
          rfc3161('beta', b.url, [other.rootDer]),
        ],
      },
      onTimestamp: (r) => reports.push(`${r.tsa}@${r.size}`),
      onError: (e) => errors.push(e),
    });
    await new Sequencer(storage, config.name, {
      sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
    }).appendBatch([makeEntry('x', 0), makeEntry('x', 1)]);
    const cp = await publisher.publish();
    assert.ok(cp);
    await publisher.timestampsSettled();
    assert.deepEqual(errors, []);
    assert.deepEqual(reports.sort(), ['alpha@2', 'beta@2']);
    const stored = await storage.checkpointTimestamps(config.name, 2);
    assert.deepEqual(stored.map((s) => s.tsa).sort(), ['alpha', 'beta']);
    const text = new TextEncoder().encode(parseNote(cp.note).text);
    for (const s of stored) {
      const root = s.tsa === 'alpha' ? tsa.rootDer : other.rootDer;
      const v = await verifyToken(s.token, { data: text, trustedRoots: [root] });
      assert.equal(v.genTime.getTime(), s.genTimeMs);
      assert.ok(Math.abs(s.genTimeMs - Date.now()) < 60_000);
    }
  });

  test('publication does not wait for the authority, and failures go to onError', async (t) => {
    const { storage, config } = await openStore(t);
    const good = await serve(t, tsa);
    const down = await serve(t, tsa, () => true);
    const errors: unknown[] = [];
    const failures: string[] = [];
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      timestamping: {
        authorities: [
          rfc3161('down', down.url, [tsa.rootDer]),
          // The reply is from a TSA that does not chain to these roots: refused.
          rfc3161('untrusted', good.url, [other.rootDer]),
        ],
      },
      onTimestampFailure: (r) => failures.push(`${r.tsa}@${r.size}`),
      onError: (e) => errors.push(e),
    });
    const cp = await publisher.publish();
    assert.ok(cp, 'published although no authority answered yet');
    assert.equal((await storage.latestCheckpoint(config.name))?.note, cp.note);
    await publisher.timestampsSettled();
    assert.equal(errors.length, 2);
    assert.deepEqual(errors.map((e) => (e as Error).message).sort(), [
      'log seq-test: timestamping checkpoint 0 with down failed',
      'log seq-test: timestamping checkpoint 0 with untrusted failed',
    ]);
    const causes = errors.map((e) => ((e as Error).cause as { code?: string }).code).sort();
    assert.deepEqual(causes, ['HTTP_ERROR', 'UNTRUSTED_TSA']);
    assert.deepEqual(failures.sort(), ['down@0', 'untrusted@0']);
    assert.deepEqual(await storage.checkpointTimestamps(config.name, 0), []);
  });

  test('timestamps an existing latest checkpoint once, and retries a failed authority later', async (t) => {
    const { storage, config } = await openStore(t);
    let failing = true;
    const a = await serve(t, tsa, () => failing);
    await new Sequencer(storage, config.name, {
      sealer: new ReceiptSealer(ORIGIN, SEED, receiptFormat),
    }).appendBatch([makeEntry('x', 0)]);
    const plain = await new Publisher(storage, config, logSigner(), {
      receiptFormat,
      owner: 'plain',
    }).publish();
    assert.equal(plain?.size, 1);
    await storage.releaseLease(config.name, 'plain');
    let clock = 1_000_000;
    const errors: unknown[] = [];
    const make = () =>
      new Publisher(storage, config, logSigner(), {
        receiptFormat,
        owner: 'same',
        now: () => clock,
        timestamping: { authorities: [rfc3161('alpha', a.url, [tsa.rootDer])] },
        onError: (e) => errors.push(e),
      });
    const publisher = make();
    assert.equal(await publisher.publish(), undefined, 'nothing new to publish');
    await publisher.timestampsSettled();
    assert.equal(errors.length, 1, 'the authority failed');
    assert.equal(a.requests(), 1);
    failing = false;
    await publisher.publish();
    await publisher.timestampsSettled();
    assert.equal(a.requests(), 1, 'not retried before TIMESTAMP_RETRY_MS');
    clock += TIMESTAMP_RETRY_MS;
    await publisher.publish();
    await publisher.timestampsSettled();
    assert.equal(a.requests(), 2);
    assert.equal((await storage.checkpointTimestamps(config.name, 1)).length, 1);
    await publisher.publish();
    await publisher.timestampsSettled();
    assert.equal(a.requests(), 2, 'timestamped once');
    const restarted = make();
    await restarted.publish();
    await restarted.timestampsSettled();
    assert.equal(a.requests(), 2, 'a token in storage is not requested again');
    assert.equal(errors.length, 1);
  });

  test('stop() waits for timestamps in flight', async (t) => {
    const { storage, config } = await openStore(t);
    const a = await serve(t, tsa);
    const publisher = new Publisher(storage, config, logSigner(), {
      receiptFormat,
      intervalMs: 10_000,
      timestamping: { authorities: [rfc3161('alpha', a.url, [tsa.rootDer])] },
    });
    publisher.start();
    await new Promise((r) => setTimeout(r, 50));
    await publisher.stop();
    assert.equal((await storage.checkpointTimestamps(config.name, 0)).length, 1);
  });
});
