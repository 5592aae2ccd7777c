/**
 * ProoflineClient.registerStatement against a scripted SCRAPI server (node:http, so fetch
 * really follows the 303): receipts built here as a Proofline log builds them (a root
 * signature by the log key, the record's entry in -65537). Shows 201, 303 then polling with
 * Retry-After, the total timeout, retries of 503, concise and JSON problems as typed errors,
 * and that a receipt which does not prove the submitted statement is never returned.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CborMap,
  CoseError,
  assembleReceipt,
  coseKeyThumbprint,
  ed25519CoseSigner,
  ed25519Kid,
  encodeCbor,
  es256CoseSigner,
  extractReceipts,
  registeredForm,
  signRootSignature,
  signStatement,
} from '@proofline/cose';
import { formatVerifierKey, generateSignerKey, parseSignerKey } from '@proofline/note';
import { buildRecord, scittRecordStatement } from '@proofline/records';
import { leafHash, nodeHash } from '@proofline/tlog';
import { ProoflineClient, ProoflineError, UnverifiedWriteError } from '../src/index.js';

const ORIGIN = 'client.test/logs/scitt';
const logKey = parseSignerKey(generateSignerKey(ORIGIN));
const VKEY = formatVerifierKey(ORIGIN, logKey.publicKey);

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

const concise = (status: number, code: string, detail: string, field?: string) => {
  const custom: [string, string | number][] = [
    ['code', code],
    ['status', status],
  ];
  if (field !== undefined) custom.push(['field', field]);
  return Buffer.from(
    encodeCbor(
      new CborMap([
        [-1, 'Bad Request'],
        [-2, detail],
        ['https://proofline.dev/problems', new CborMap(custom)],
      ]),
    ),
  );
};

describe('ProoflineClient.registerStatement', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  let requests: string[];
  const statements: Uint8Array[] = [];
  const receipts: Uint8Array[] = [];
  let foreignReceipt: Uint8Array;

  before(async () => {
    const issuers = [
      ed25519CoseSigner(new Uint8Array(32).fill(1)),
      es256CoseSigner(new Uint8Array(32).fill(2)),
    ];
    for (const [i, signer] of issuers.entries()) {
      statements.push(
        await signStatement({
          signer,
          kid: coseKeyThumbprint(signer.publicKey),
          issuer: 'https://builder.example',
          subject: `app-${i}.tgz`,
          envelope: { hash: createHash('sha256').update(`app ${i}`).digest(), hashAlg: -16 },
        }),
      );
    }
    const entries = statements.map(
      (s) => buildRecord(scittRecordStatement(s).statement, 'acme', Date.UTC(2026, 11, 7)).bytes,
    );
    const [l0, l1] = entries.map(leafHash) as [Uint8Array, Uint8Array];
    const sign = async (seed: Uint8Array) => {
      const signer = ed25519CoseSigner(seed);
      return signRootSignature({
        signer,
        kid: ed25519Kid(signer.publicKey.x),
        issuer: ORIGIN,
        root: nodeHash(l0, l1),
      });
    };
    const root = await sign(logKey.seed);
    receipts.push(assembleReceipt(root, { treeSize: 2, leafIndex: 0, path: [l1] }, entries[0]));
    receipts.push(assembleReceipt(root, { treeSize: 2, leafIndex: 1, path: [l0] }, entries[1]));
    const other = await sign(new Uint8Array(32).fill(7));
    foreignReceipt = assembleReceipt(other, { treeSize: 2, leafIndex: 0, path: [l1] }, entries[0]);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/logs/scitt/') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ name: 'scitt', origin: ORIGIN, verifierKey: VKEY }));
          return;
        }
        if (req.url === '/logs/scitt/checkpoint') {
          res.statusCode = 404;
          res.setHeader('content-type', 'application/problem+json');
          res.end(JSON.stringify({ code: 'no-checkpoint', detail: 'none yet' }));
          return;
        }
        requests.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''}`);
        handler(req, Buffer.concat(chunks), res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () =>
    new ProoflineClient({ url, apiKey: 'key', trust: { logKey: VKEY }, log: 'scitt' });
  const cose = (res: ServerResponse, status: number, bytes: Uint8Array, id?: string) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/scitt-receipt+cose');
    if (id !== undefined) res.setHeader('location', `/entries/${id}`);
    res.end(Buffer.from(bytes));
  };
  const notYet = (res: ServerResponse) => {
    res.statusCode = 404;
    res.setHeader('retry-after', '1');
    res.setHeader('content-type', 'application/concise-problem-details+cbor');
    res.end(concise(404, 'not-yet-checkpointed', 'not yet'));
  };

  it('201: the receipt verifies with the pinned key and proves the statement; transparent built', async () => {
    requests = [];
    let sent: Buffer | undefined;
    handler = (req, body, res) => {
      sent = body;
      assert.match(String(req.headers.accept), /application\/scitt-receipt\+cose/);
      assert.equal(req.headers.authorization, 'Bearer key');
      cose(res, 201, receipts[1]!, 'scitt-1');
    };
    const r = await client().registerStatement(statements[1]!, { transparent: true });
    assert.deepEqual(requests, ['POST /entries?log=scitt application/cose']);
    assert.deepEqual(new Uint8Array(sent!), statements[1]);
    assert.equal(r.id, 'scitt-1');
    assert.equal(r.log, 'scitt');
    assert.equal(r.leafIndex, 1);
    assert.equal(r.treeSize, 2);
    assert.equal(r.record.type, 'scitt.signed-statement');
    assert.equal(r.record.subject, 'app-1.tgz');
    assert.deepEqual(extractReceipts(r.transparentStatement!), [r.receipt]);
    assert.deepEqual(registeredForm(r.transparentStatement!), registeredForm(statements[1]!));
    const plain = await client().registerStatement(statements[1]!);
    assert.equal(plain.transparentStatement, undefined);
  });

  it('303: follows to GET /entries/{id}, polls while not-yet-checkpointed, honouring Retry-After', async () => {
    requests = [];
    let polls = 0;
    handler = (req, _body, res) => {
      if (req.method === 'POST') {
        res.statusCode = 303;
        res.setHeader('location', '/entries/scitt-0');
        res.setHeader('retry-after', '1');
        res.end();
      } else if (++polls < 3) notYet(res);
      else cose(res, 200, receipts[0]!);
    };
    const started = Date.now();
    const r = await client().registerStatement(statements[0]!);
    assert.equal(r.id, 'scitt-0');
    assert.equal(polls, 3);
    // the 303 followed at once, then two polls
    assert.deepEqual(requests.slice(1), Array(3).fill('GET /entries/scitt-0 '));
    assert.ok(Date.now() - started >= 1_900, 'two Retry-After: 1 waits');
  });

  it('gives up at the total timeout with not-yet-checkpointed naming the registered id', async () => {
    requests = [];
    handler = (req, _body, res) => {
      if (req.method === 'POST') {
        res.statusCode = 303;
        res.setHeader('location', '/entries/scitt-0');
        res.end();
      } else notYet(res);
    };
    await assert.rejects(
      client().registerStatement(statements[0]!, { timeoutMs: 1_500 }),
      (err: unknown) =>
        err instanceof ProoflineError &&
        err.code === 'not-yet-checkpointed' &&
        err.status === 404 &&
        err.entryId === 'scitt-0' &&
        /registered as scitt-0/.test(err.message),
    );
    assert.ok(requests.length <= 4, `bounded polling: ${requests.length}`);
  });

  it('refusals are typed errors from concise (or JSON) problems, not retried', async () => {
    requests = [];
    handler = (_req, _body, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/concise-problem-details+cbor');
      res.end(concise(400, 'statement-refused', 'kid unknown', '/protected/4'));
    };
    await assert.rejects(client().registerStatement(statements[0]!), (err: unknown) => {
      assert.ok(err instanceof ProoflineError);
      assert.deepEqual(
        [err.status, err.code, err.field, err.message],
        [400, 'statement-refused', '/protected/4', 'kid unknown'],
      );
      return true;
    });
    assert.equal(requests.length, 1);
    handler = (_req, _body, res) => {
      res.statusCode = 403;
      res.setHeader('content-type', 'application/problem+json');
      res.end(JSON.stringify({ code: 'insufficient-scope', detail: 'needs records:write' }));
    };
    await assert.rejects(client().registerStatement(statements[0]!), {
      code: 'insufficient-scope',
    });
    // Garbage in a problem document: the status alone.
    handler = (_req, _body, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/concise-problem-details+cbor');
      res.end(Buffer.from([0x9f, 0xff, 0x00]));
    };
    await assert.rejects(client().registerStatement(statements[0]!), { code: 'http-400' });
  });

  it('a 503 is retried (registration is idempotent), then the receipt is verified', async () => {
    requests = [];
    let posts = 0;
    handler = (_req, _body, res) => {
      if (++posts === 1) {
        res.statusCode = 503;
        res.setHeader('retry-after', '0');
        res.end();
      } else cose(res, 201, receipts[0]!, 'scitt-0');
    };
    const r = await client().registerStatement(statements[0]!);
    assert.equal(r.id, 'scitt-0');
    assert.equal(posts, 2);
  });

  it('a receipt that does not prove the submitted statement is never returned', async () => {
    const cases: [string, Uint8Array, string][] = [
      ["another statement's receipt", receipts[1]!, 'scitt-1'],
      ['signed by another key', foreignReceipt, 'scitt-0'],
      ['at another index than the id', receipts[0]!, 'scitt-5'],
      ['not a receipt', new Uint8Array([0xa0]), 'scitt-0'],
      ['larger than any receipt', new Uint8Array(300 * 1024), 'scitt-0'],
    ];
    for (const [name, receipt, id] of cases) {
      handler = (_req, _body, res) => cose(res, 201, receipt, id);
      await assert.rejects(
        client().registerStatement(statements[0]!),
        (err: unknown) => err instanceof UnverifiedWriteError && err.written.length === 0,
        name,
      );
    }
    handler = (_req, _body, res) => {
      res.statusCode = 201;
      res.setHeader('content-type', 'application/json');
      res.setHeader('location', '/entries/scitt-0');
      res.end('{}');
    };
    await assert.rejects(client().registerStatement(statements[0]!), UnverifiedWriteError);
  });

  it('a statement no log registers is refused before any request', async () => {
    requests = [];
    handler = () => assert.fail('nothing may be sent');
    await assert.rejects(client().registerStatement(new Uint8Array([1, 2, 3])), CoseError);
    assert.deepEqual(requests, []);
  });
});
