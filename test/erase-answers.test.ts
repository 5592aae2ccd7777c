/**
 * `proofline erase` and `proofline retention` against a server that answers wrongly (a
 * compromised or broken server, or a proxy): answers too large, not JSON or of the wrong shape
 * end the command with exit 1 and one clear line, within the byte bound and without printing
 * anything as erased; a mistyped --log-key fails (exit 2) before any request is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatVerifierKey, generateSignerKey, parseSignerKey } from '@proofline/note';
import { PROOFLINE_BIN } from './lib/proofline.js';

/** A log key that parses (no answer here gets as far as a signature check passing). */
const LOG_KEY = formatVerifierKey(
  'example.com/log',
  parseSignerKey(generateSignerKey('example.com/log')).publicKey,
);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Runs the CLI without blocking this process's event loop (the fake server lives here). */
function proofline(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PROOFLINE_BIN, ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** An endless body, without Content-Length: only the client's bound stops it. */
function endless(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const pump = () => {
    while (res.write(chunk));
  };
  res.on('drain', pump);
  res.on('close', () => res.off('drain', pump));
  res.write('{"detail":"');
  pump();
}

const json =
  (body: string, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };

describe('erase and retention read the server answer as untrusted', () => {
  let server: Server;
  let url: string;
  let handler: Handler = json('{}');
  let requests = 0;

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => handler(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const erase = (...extra: string[]) =>
    proofline([
      ...['erase', 'acme-1', '--url', url, '--api-key', 'k', '--reason', 'test'],
      ...(extra.length ? extra : ['--log-key', LOG_KEY]),
    ]);
  const retention = () =>
    proofline([
      ...['retention', '--url', url, '--api-key', 'k', '--log', 'acme'],
      ...['--older-than', '1y', '--apply'],
    ]);

  it('a mistyped --log-key fails with exit 2 before any request', async () => {
    const seen = requests;
    const r = await erase('--log-key', LOG_KEY.slice(0, -4));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--log-key/);
    assert.equal(requests, seen, 'no request was sent');
  });

  for (const [name, h, message] of [
    [
      'an endless 200 answer',
      (_q: IncomingMessage, s: ServerResponse) => endless(s, 200),
      /exceeds 1048576 bytes/,
    ],
    [
      'an endless error answer',
      (_q: IncomingMessage, s: ServerResponse) => endless(s, 500),
      /HTTP 500 .*exceeds 1048576 bytes/,
    ],
    ['an answer that is not JSON', json('[{"id": '), /is not JSON/],
    ['an answer with a repeated member', json('{"id":"acme-1","id":"acme-2"}'), /is not JSON/],
    [
      'an answer without the erasure',
      json('{"id":"acme-1","leafHash":"x","erasedNow":true}'),
      /has no object "erasure"/,
    ],
    [
      'an erasure whose index is not an index',
      json(
        '{"id":"acme-1","leafHash":"x","erasedNow":true,"erasure":{"id":"acme-2","index":-1,"entry":"","receipt":""}}',
      ),
      /has no index "index"/,
    ],
    [
      'an erasure entry that is not base64',
      json(
        '{"id":"acme-1","leafHash":"x","erasedNow":true,"erasure":{"id":"acme-2","index":2,"entry":"%%","receipt":""}}',
      ),
      /NOT VERIFIED/,
    ],
  ] as const) {
    it(`erase: ${name} is exit 1 with one clear line, nothing said erased`, async () => {
      handler = h;
      const r = await erase();
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    });
  }

  for (const [name, h, message] of [
    [
      'an endless answer',
      (_q: IncomingMessage, s: ServerResponse) => endless(s, 200),
      /exceeds 1048576 bytes/,
    ],
    ['ids that are not strings', json('{"ids":[1,2],"more":false}'), /has no string array "ids"/],
    ['no "more"', json('{"ids":["acme-1"]}'), /has no boolean "more"/],
  ] as const) {
    it(`retention: ${name} is exit 1, nothing listed`, async () => {
      handler = h;
      const r = await retention();
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    });
  }
});
