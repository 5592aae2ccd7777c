import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  TimestampError,
  requestTimestamp,
  verifyToken,
  type TimestampErrorCode,
} from '../src/index.js';
import { TestPki, opensslSupportsTs, utf8, type Issued, type TestTsa } from './helpers.js';

async function rejectsWith(promise: Promise<unknown>, code: TimestampErrorCode): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TimestampError, `expected TimestampError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Uint8Array,
) => void | Promise<void>;

/** An HTTP server on 127.0.0.1:0; returns its URL. */
async function serve(t: TestContext, handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      Promise.resolve(handler(req, res, new Uint8Array(Buffer.concat(chunks)))).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
}

const DATA = utf8('example.com/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');

describe('requestTimestamp against a local HTTP TSA (openssl ts -reply)', () => {
  before(() => assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`'));
  let pki: TestPki;
  let root: Issued;
  let tsa: TestTsa;

  before(() => {
    pki = new TestPki();
    root = pki.root('HTTP Root');
    tsa = pki.tsa(pki.issue('HTTP TSA', root));
  });
  after(() => pki.cleanup());

  /** A well-behaved RFC 3161 §3.4 TSA. */
  const tsaHandler =
    (seen: { method?: string; type?: string }[] = []): Handler =>
    async (req, res, body) => {
      seen.push({ method: req.method, type: req.headers['content-type'] });
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.statusCode = 415;
        res.end();
        return;
      }
      const reply = await tsa.replyAsync(body);
      res.setHeader('content-type', 'application/timestamp-reply');
      res.end(reply);
    };

  test('timestamps end to end and returns a storable token', async (t) => {
    const seen: { method?: string; type?: string }[] = [];
    const url = await serve(t, tsaHandler(seen));
    const v = await requestTimestamp(url, DATA, {
      hashAlgorithm: 'SHA-384',
      trustedRoots: [root.der],
    });
    assert.deepEqual(seen, [{ method: 'POST', type: 'application/timestamp-query' }]);
    assert.equal(v.hashAlgorithm, 'SHA-384');
    assert.notEqual(v.nonce, undefined);
    assert.ok(Math.abs(v.genTime.getTime() - Date.now()) < 60_000);
    const stored = await verifyToken(v.token, { data: DATA, trustedRoots: [root.der] });
    assert.equal(stored.serialNumber, v.serialNumber);
  });

  test('a replayed reply (another nonce) is rejected', async (t) => {
    let cached: Uint8Array | undefined;
    const url = await serve(t, async (_req, res, body) => {
      cached ??= await tsa.replyAsync(body);
      res.setHeader('content-type', 'application/timestamp-reply');
      res.end(cached);
    });
    await requestTimestamp(url, DATA, { trustedRoots: [root.der] });
    await rejectsWith(requestTimestamp(url, DATA, { trustedRoots: [root.der] }), 'NONCE_MISMATCH');
  });

  test('an untrusted TSA is rejected', async (t) => {
    const url = await serve(t, tsaHandler());
    const other = pki.root('Unrelated Root');
    await rejectsWith(requestTimestamp(url, DATA, { trustedRoots: [other.der] }), 'UNTRUSTED_TSA');
  });

  test('HTTP errors and wrong content types are HTTP_ERROR', async (t) => {
    const failing = await serve(t, (_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    await rejectsWith(requestTimestamp(failing, DATA, { trustedRoots: [root.der] }), 'HTTP_ERROR');
    const html = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<html></html>');
    });
    await rejectsWith(requestTimestamp(html, DATA, { trustedRoots: [root.der] }), 'HTTP_ERROR');
    // Nothing listens here once the server is closed.
    const closed = await new Promise<string>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(`http://127.0.0.1:${port}/`));
      });
    });
    await rejectsWith(requestTimestamp(closed, DATA, { trustedRoots: [root.der] }), 'HTTP_ERROR');
    await rejectsWith(
      requestTimestamp('ftp://example.com/', DATA, { trustedRoots: [root.der] }),
      'INVALID_ARGUMENT',
    );
  });

  test('oversized replies are MALFORMED, with or without content-length', async (t) => {
    const big = new Uint8Array(1 << 20);
    const declared = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'application/timestamp-reply');
      res.end(big);
    });
    await rejectsWith(requestTimestamp(declared, DATA, { trustedRoots: [root.der] }), 'MALFORMED');
    const streamed = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'application/timestamp-reply');
      const chunk = new Uint8Array(16 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    await rejectsWith(
      requestTimestamp(streamed, DATA, { trustedRoots: [root.der], maxResponseBytes: 4096 }),
      'MALFORMED',
    );
    const garbage = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'application/timestamp-reply');
      res.end('definitely not DER');
    });
    await rejectsWith(requestTimestamp(garbage, DATA, { trustedRoots: [root.der] }), 'MALFORMED');
  });

  test('a TSA that does not answer in time is TIMEOUT', async (t) => {
    const hanging = await serve(t, () => undefined); // never responds
    const started = Date.now();
    await rejectsWith(
      requestTimestamp(hanging, DATA, { trustedRoots: [root.der], timeoutMs: 200 }),
      'TIMEOUT',
    );
    assert.ok(Date.now() - started < 5000);
    const slowBody = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'application/timestamp-reply');
      res.write(new Uint8Array(10)); // headers and a little body, then silence
    });
    await rejectsWith(
      requestTimestamp(slowBody, DATA, { trustedRoots: [root.der], timeoutMs: 200 }),
      'TIMEOUT',
    );
  });
});
