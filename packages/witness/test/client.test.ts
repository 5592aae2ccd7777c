import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { openNote, parseNote } from '@proofline/note';
import {
  WitnessClient,
  buildWitnessApp,
  parsePolicy,
  thresholdPolicy,
  type Cosigner,
  type WitnessStore,
} from '../src/index.js';
import { TestLog, openWitness, requestBody, witnessCosigner } from './helpers.js';

interface Running {
  readonly url: string;
  readonly cosigner: Cosigner;
  readonly store: WitnessStore;
  readonly requests: string[];
}

async function startWitness(t: TestContext, log: TestLog, name: string, byte: number) {
  const cosigner = witnessCosigner(name, byte);
  const { witness, store } = openWitness(t, [log], { cosigner });
  const app = await buildWitnessApp(witness);
  const requests: string[] = [];
  app.addHook('onRequest', async (request) => {
    requests.push(request.url);
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return { url, cosigner, store, requests } satisfies Running;
}

/** An HTTP server answering every request with `handler`. */
async function fakeWitness(
  t: TestContext,
  handler: Parameters<typeof createServer>[1],
): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function endpoint(w: Running) {
  return { url: w.url, verifierKey: w.cosigner.verifier.verifierKey };
}

describe('the log-side witness client', () => {
  test('collects a 2-of-3 quorum, then follows the log from the sizes it cosigned', async (t) => {
    const log = new TestLog();
    const ws = await Promise.all(
      [1, 2, 3].map((i) => startWitness(t, log, `witness.test/w${i}`, i)),
    );
    const client = new WitnessClient({ policy: thresholdPolicy(ws.map(endpoint), 2) });
    let previous: string | undefined;
    for (const size of [5, 6, 100, 100, 257]) {
      const outcome = await client.cosign({
        note: await log.checkpoint(size),
        prove: (old) => log.proof(old, size),
        ...(previous ? { previous } : {}),
      });
      assert.equal(outcome.satisfied, true);
      assert.ok(outcome.cosigned.length >= 2, JSON.stringify(outcome.results));
      const opened = await openNote(outcome.note, [
        log.verifier,
        ...ws.map((w) => w.cosigner.verifier),
      ]);
      assert.equal(opened.verified.length, 1 + outcome.cosigned.length);
      assert.equal(parseNote(outcome.note).signatures[0]!.name, log.origin);
      previous = outcome.note;
    }
    // After the first round each witness got exactly one request per round (no 409).
    for (const w of ws) assert.ok(w.requests.length <= 5, `${w.requests.length}`);
  });

  test('retries from the size a 409 reports; seeds old sizes from the previous checkpoint', async (t) => {
    const log = new TestLog();
    const w = await startWitness(t, log, 'witness.test/w1', 1);
    // The witness has already cosigned size 40 (e.g. before the log restarted).
    const res = await fetch(`${w.url}/add-checkpoint`, {
      method: 'POST',
      body: requestBody(0, [], await log.checkpoint(40)),
    });
    assert.equal(res.status, 200);
    const cosigned40 = (await log.checkpoint(40)) + (await res.text());

    const fresh = new WitnessClient({ policy: thresholdPolicy([endpoint(w)], 1) });
    const a = await fresh.cosign({
      note: await log.checkpoint(50),
      prove: (o) => log.proof(o, 50),
    });
    assert.equal(a.satisfied, true);
    assert.equal(a.results[0]!.requests, 2); // old 0 -> 409 "40" -> old 40
    // A client given the previous cosigned checkpoint starts from its size: one request.
    const seeded = new WitnessClient({ policy: thresholdPolicy([endpoint(w)], 1) });
    await fetch(`${w.url}/add-checkpoint`, {
      method: 'POST',
      body: requestBody(50, await log.proof(50, 60), await log.checkpoint(60)),
    });
    const cosigned60 = await seeded.cosign({
      note: await log.checkpoint(60),
      prove: (o) => log.proof(o, 60),
      previous: cosigned40,
    });
    // Seeded at 40, the witness is at 60: one 409, then old 60 with the same checkpoint.
    assert.equal(cosigned60.satisfied, true);
    assert.equal(cosigned60.results[0]!.requests, 2);
    const b = await seeded.cosign({
      note: await log.checkpoint(61),
      prove: (o) => log.proof(o, 61),
      previous: cosigned60.note,
    });
    assert.equal(b.results[0]!.requests, 1);
  });

  test('quorum not met: down, hanging, lying and forked witnesses', async (t) => {
    const log = new TestLog();
    const good = await startWitness(t, log, 'witness.test/good', 1);
    const liar = witnessCosigner('witness.test/liar', 2);
    const impostor = witnessCosigner('witness.test/liar', 3); // what the liar signs with
    const lying = await fakeWitness(t, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const note = body.slice(body.indexOf('\n\n') + 2);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(impostor.line(impostor.cosign(parseNote(note).text)));
      });
    });
    const hanging = await fakeWitness(t, () => {});
    const down = await fakeWitness(t, (_req, res) => res.destroy());
    const w = (url: string, c: Cosigner) => ({ url, verifierKey: c.verifier.verifierKey });
    const policy = thresholdPolicy(
      [
        endpoint(good),
        w(lying, liar),
        w(hanging, witnessCosigner('witness.test/hang', 4)),
        w(down, witnessCosigner('witness.test/down', 5)),
      ],
      2,
    );
    const client = new WitnessClient({ policy, timeoutMs: 500 });
    const started = performance.now();
    const outcome = await client.cosign({
      note: await log.checkpoint(9),
      prove: (o) => log.proof(o, 9),
    });
    const ms = performance.now() - started;
    assert.equal(outcome.satisfied, false);
    assert.deepEqual(outcome.cosigned, ['witness.test/good']);
    assert.ok(ms >= 450 && ms < 2000, `${ms}`);
    const errors = Object.fromEntries(outcome.results.map((r) => [r.witness, r.error ?? 'ok']));
    assert.equal(errors['witness.test/good'], 'ok');
    assert.match(errors['witness.test/liar']!, /bad cosignature|no cosignature/);
    assert.match(errors['witness.test/hang']!, /timed out|no answer/);
    assert.match(errors['witness.test/down']!, /request failed/);
    // The checkpoint still carries the one valid cosignature (and not the liar's).
    const opened = await openNote(outcome.note, [log.verifier, good.cosigner.verifier]);
    assert.equal(opened.verified.length, 2);
    assert.equal(parseNote(outcome.note).signatures.length, 2);
  });

  test('returns as soon as the quorum is met (plus the grace period), not at the timeout', async (t) => {
    const log = new TestLog();
    const a = await startWitness(t, log, 'witness.test/a', 1);
    const hang = witnessCosigner('witness.test/hang', 4);
    const hanging = await fakeWitness(t, () => {});
    const client = new WitnessClient({
      policy: thresholdPolicy(
        [endpoint(a), { url: hanging, verifierKey: hang.verifier.verifierKey }],
        1,
      ),
      timeoutMs: 3000,
      graceMs: 50,
    });
    const outcome = await client.cosign({
      note: await log.checkpoint(3),
      prove: (o) => log.proof(o, 3),
    });
    assert.equal(outcome.satisfied, true);
    assert.ok(outcome.ms < 1500, `${outcome.ms}`);
  });

  test('a tlog-policy with URLs drives the client; witnesses without URL are not contacted', async (t) => {
    const log = new TestLog();
    const a = await startWitness(t, log, 'witness.test/a', 1);
    const b = await startWitness(t, log, 'witness.test/b', 2);
    const policy = parsePolicy(
      `log ${log.verifierKey}\n` +
        `witness A ${a.cosigner.verifier.verifierKey} ${a.url}\n` +
        `witness B ${b.cosigner.verifier.verifierKey} ${b.url}/\n` +
        `witness C ${witnessCosigner('witness.test/c', 3).verifier.verifierKey}\n` +
        'group G 2 A B C\nquorum G\n',
    );
    const client = new WitnessClient({ policy });
    assert.deepEqual(
      client.endpoints.map((e) => e.name),
      ['A', 'B'],
    );
    const outcome = await client.cosign({
      note: await log.checkpoint(4),
      prove: (o) => log.proof(o, 4),
    });
    assert.equal(outcome.satisfied, true);
    assert.deepEqual(outcome.cosigned, ['A', 'B']);
    assert.throws(
      () =>
        new WitnessClient({
          policy: parsePolicy(
            `witness C ${witnessCosigner('witness.test/c', 3).verifier.verifierKey}\nquorum C\n`,
          ),
        }),
      /never satisfy/,
    );
  });
});
