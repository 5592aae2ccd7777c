import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Fixture, statement } from './helpers.js';

/**
 * Hostile bodies over a real socket (issue #15): a 16 MB batch body of nested `[` and an
 * object of 700,000 members once held the event loop for seconds (JSON.parse and a
 * duplicate-name walk on it). Now they are refused at the parser's limits, large bodies off
 * the event loop, and /healthz and normal writes are answered meanwhile.
 */
describe('hostile bodies in flight', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let key: string;
  let base: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'acme-log', tenant: 'acme', publish: false }]);
    app = await fx.app();
    key = await fx.apiKey('acme', ['records:write']);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(() => fx.close());

  /**
   * A request written whole to a raw socket (the kernel carries it: no client work on this
   * event loop while the server reads it); resolves with the status and problem code.
   */
  const raw = (path: string, body: Buffer) =>
    new Promise<readonly [number, string]>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
        const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? '';
        resolve([status, code]);
      });
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer ${key}\r\n` +
          `content-type: application/json\r\ncontent-length: ${body.length}\r\n` +
          'connection: close\r\n\r\n',
      );
      socket.write(body);
    });

  const post = (path: string, body: Buffer | string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });

  it('answers /healthz within 100 ms and normal writes while they are parsed', async () => {
    const nested = Buffer.alloc(16 * 1024 * 1024 - 64, '[');
    const flat = flatObject(700_000);
    // Warm up the client (fetch loads on first use) and the write path.
    await (await fetch(`${base}/healthz`)).arrayBuffer();
    assert.equal((await post('/v1/records', JSON.stringify(statement()))).status, 201);
    /** One round: both hostile bodies in flight, /healthz and a write polled in turn. */
    const round = async () => {
      let inFlight = 2;
      const hostile = [raw('/v1/records/batch', nested), raw('/v1/records/batch', flat)].map(
        async (pending) => {
          const answer = await pending;
          inFlight--;
          return answer;
        },
      );
      const latencies: number[] = [];
      let overlapping = 0;
      const normal: number[] = [];
      while (inFlight > 0) {
        const both = inFlight === 2;
        const started = performance.now();
        const res = await fetch(`${base}/healthz`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        if (both) overlapping++;
        const write = await post('/v1/records', JSON.stringify(statement()));
        normal.push(write.status);
        await write.arrayBuffer();
      }
      assert.deepEqual(await Promise.all(hostile), [
        [400, 'invalid-json'],
        [413, 'payload-too-large'],
      ]);
      assert.ok(overlapping >= 1, 'a /healthz request was answered while both were in flight');
      assert.ok(
        normal.every((s) => s === 201),
        `normal writes meanwhile: ${normal.join(', ')}`,
      );
      return latencies;
    };
    // The machine is shared (and CPU time is not ours alone): a round whose worst latency
    // is over 100 ms is tried again, twice at most. A loop held by parsing (seconds, as
    // before) fails every round.
    const worst: number[] = [];
    while (worst.length < 3 && !worst.some((ms) => ms < 100)) {
      worst.push(Math.max(...(await round())));
    }
    assert.ok(
      worst.some((ms) => ms < 100),
      `/healthz took up to ${worst.map((ms) => ms.toFixed(1)).join(', ')} ms in each round`,
    );
    // And after them, still.
    assert.equal((await post('/v1/records', JSON.stringify(statement()))).status, 201);
  });
});

/** `{"records":[{"k0":0,"k1":0,…}]}` with `members` members, written straight into a buffer. */
function flatObject(members: number): Buffer {
  const buffer = Buffer.alloc(16 + members * 12);
  let at = buffer.write('{"records":[{');
  for (let i = 0; i < members; i++) {
    at += buffer.write(i === 0 ? '"k' : ',"k', at);
    at += buffer.write(String(i), at);
    at += buffer.write('":0', at);
  }
  at += buffer.write('}]}', at);
  return buffer.subarray(0, at);
}
