/**
 * The auditor's reads of a log's answers are bounded (the server is untrusted to an
 * auditor): a body declared, streamed or gunzipped beyond its bound is refused at once,
 * never retried as an outage; a log description is read within MAX_DESCRIPTION_BYTES and
 * parsed strictly, and its key history holds at most 1000 notes of at most MAX_NOTE_SIZE.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MAX_NOTE_SIZE } from '@proofline/note';
import { AnswerTooLargeError, fetchBytes, LogUnavailableError } from '../src/audit/fetch.js';
import { handoversOf, keyChain, MAX_DESCRIPTION_BYTES } from '../src/audit/key-chain.js';

const LOG_KEY = 'ledger.example/logs/x+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** A description whose retiredKeys holds `n` notes of `size` bytes. */
const described = (n: number, size = 10) =>
  JSON.stringify({
    verifierKey: LOG_KEY,
    retiredKeys: Array.from({ length: n }, () => ({ handover: 'n'.repeat(size) })),
  });

describe('bounded reads of a log’s answers', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
    '/declared': (res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)),
    '/streamed': (res) => {
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
      res.end();
    },
    '/bomb': (res) =>
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(10 << 20))),
    '/small-gzip': (res) =>
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.from('hello'))),
    '/down': (res) => res.writeHead(503).end(),
    '/huge/': (res) => res.writeHead(200).end(described(1, MAX_DESCRIPTION_BYTES)),
    '/many/': (res) => res.writeHead(200).end(described(1001)),
    '/long-note/': (res) => res.writeHead(200).end(described(1, MAX_NOTE_SIZE + 1)),
    '/repeated/': (res) =>
      res.writeHead(200).end(`{"verifierKey":"${LOG_KEY}","retiredKeys":[],"retiredKeys":[]}`),
    '/not-json/': (res) => res.writeHead(200).end('{"retiredKeys":'),
  };

  before(async () => {
    server = createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      const route = routes[req.url!];
      if (route) route(res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses a body declared, streamed or gunzipped beyond the bound, once, naming the URL', async () => {
    for (const path of ['/declared', '/streamed', '/bomb']) {
      await assert.rejects(
        fetchBytes(`${base}${path}`, undefined, 4096),
        (err: Error) =>
          err instanceof AnswerTooLargeError &&
          err.code === 'ANSWER_TOO_LARGE' &&
          err.message === `GET ${base}${path}: the answer exceeds 4096 bytes`,
        path,
      );
      assert.equal(hits.get(path), 1, `${path} was asked again: a large answer is no outage`);
    }
    // Within the bound, gzip is decoded; a 5xx is still an outage after its retries.
    assert.equal((await fetchBytes(`${base}/small-gzip`, undefined, 64)).toString(), 'hello');
    await assert.rejects(fetchBytes(`${base}/down`), LogUnavailableError);
  });

  it('a log description beyond its bound, with too many or too long notes, or not strict JSON, is refused', async () => {
    const cases: [string, RegExp][] = [
      ['/huge/', /the answer exceeds 1048576 bytes/],
      ['/many/', /retiredKeys is not an array of at most 1000 retired keys/],
      [
        '/long-note/',
        new RegExp(`retired key 0 has no handover note of at most ${MAX_NOTE_SIZE} bytes`),
      ],
      ['/repeated/', /the log's description: .*duplicate member name/],
      ['/not-json/', /the log's description: not valid JSON/],
    ];
    for (const [path, why] of cases) {
      await assert.rejects(keyChain(`${base}${path}`, LOG_KEY), why, path);
    }
  });

  it('a key-history file is held to the same bounds', () => {
    assert.deepEqual(handoversOf(described(2)), ['n'.repeat(10), 'n'.repeat(10)]);
    assert.deepEqual(handoversOf('{"verifierKey":"k"}'), []);
    assert.throws(() => handoversOf(described(1001)), /at most 1000/);
    assert.throws(() => handoversOf(described(1, MAX_DESCRIPTION_BYTES)), /exceeds 1048576 bytes/);
    assert.throws(() => handoversOf('[]'), /not a JSON object/);
    assert.throws(() => handoversOf('{"retiredKeys":[{"handover":1}]}'), /no handover note/);
  });
});
