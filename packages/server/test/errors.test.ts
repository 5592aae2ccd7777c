import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { RecordError, type RecordErrorCode } from '@proofline/records';
import { StorageError, type StorageErrorCode } from '@proofline/storage';
import { TlogError, type TlogErrorCode } from '@proofline/tlog';
import { NoteError, type NoteErrorCode } from '@proofline/note';
import {
  GuardError,
  SequencerError,
  type GuardErrorCode,
  type SequencerErrorCode,
} from '@proofline/sequencer';
import { PROBLEM_STATUS, ServiceError, toProblem, type ServiceErrorCode } from '../src/index.js';
import { Fixture, assertProblem, bearer, request, statement } from './helpers.js';

/** Every ServiceError code and the problem it must answer with. */
const SERVICE: Record<ServiceErrorCode, string> = {
  INVALID_REQUEST: 'invalid-request',
  INVALID_JSON: 'invalid-json',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported-media-type',
  UNSUPPORTED_CONTENT_ENCODING: 'unsupported-content-encoding',
  INVALID_STATEMENT: 'invalid-statement',
  INVALID_ISSUER_SIGNATURE: 'invalid-issuer-signature',
  INVALID_SIGNED_STATEMENT: 'invalid-signed-statement',
  INVALID_IDEMPOTENCY_KEY: 'invalid-idempotency-key',
  LOG_REQUIRED: 'log-required',
  UNAUTHENTICATED: 'unauthorized',
  FORBIDDEN: 'insufficient-scope',
  RATE_LIMITED: 'rate-limited',
  UNKNOWN_LOG: 'unknown-log',
  RECORD_NOT_FOUND: 'record-not-found',
  SHARE_NOT_FOUND: 'share-not-found',
  RECORD_ERASED: 'record-erased',
  ERASURE_REFUSED: 'erasure-refused',
  NOT_YET_CHECKPOINTED: 'not-yet-checkpointed',
  TILE_NOT_FOUND: 'tile-not-found',
  NO_CHECKPOINT: 'no-checkpoint',
  CHECKPOINT_NOT_FOUND: 'checkpoint-not-found',
  ROUTE_NOT_FOUND: 'not-found',
  WEB_NOT_BUILT: 'web-not-built',
  PERIOD_NOT_CLOSED: 'period-not-closed',
  IDEMPOTENCY_CONFLICT: 'idempotency-key-reused',
  BATCH_TOO_LARGE: 'batch-too-large',
  PAYLOAD_TOO_LARGE: 'payload-too-large',
  OVERLOADED: 'overloaded',
  NOT_READY: 'not-ready',
  SHUTTING_DOWN: 'shutting-down',
  LOG_UNAVAILABLE: 'log-unavailable',
  STORAGE_INCONSISTENT: 'storage-inconsistent',
};

const SEQUENCER: Record<SequencerErrorCode, string> = {
  ENTRY_TOO_LARGE: 'entry-too-large',
  OVERLOADED: 'overloaded',
  BATCH_TOO_LARGE: 'batch-too-large',
  CLOSED: 'overloaded',
  INDEX_ALREADY_SEALED: 'storage-inconsistent',
  COMMIT_ALTERED: 'storage-corrupt',
  COMMIT_UNSEALED: 'storage-corrupt',
  KEY_RETIRED: 'internal',
  CONTENDED: 'overloaded',
  INVALID_GROUP: 'internal',
  SIGNER_FAILED: 'log-unavailable',
};

const STORAGE: Record<StorageErrorCode, string> = {
  UNKNOWN_LOG: 'unknown-log',
  OUT_OF_RANGE: 'storage-inconsistent',
  INVALID_ARGUMENT: 'internal',
  CORRUPT: 'storage-corrupt',
};

const TLOG: Record<TlogErrorCode, string> = {
  INVALID_ARGUMENT: 'internal',
  INCLUSION_PROOF_INVALID: 'internal',
  CONSISTENCY_PROOF_INVALID: 'internal',
  BAD_TILE_PATH: 'bad-tile-path',
  BAD_TILE_DATA: 'storage-corrupt',
  BAD_ENTRY_BUNDLE: 'storage-corrupt',
  READER_MISBEHAVED: 'storage-corrupt',
};

const RECORDS: Record<RecordErrorCode, string> = {
  INVALID_STATEMENT: 'invalid-statement',
  INVALID_RECORD: 'storage-corrupt',
  INVALID_RECEIPT: 'internal',
  INVALID_BUNDLE: 'internal',
  INVALID_TLOG_PROOF: 'internal',
  INVALID_KEY_HISTORY: 'storage-corrupt',
  STATEMENT_MISMATCH: 'internal',
  INVALID_ISSUER_KEY: 'storage-corrupt',
  INVALID_ARGUMENT: 'internal',
};

const NOTE: Record<NoteErrorCode, string> = {
  MALFORMED_NOTE: 'storage-corrupt',
  MALFORMED_KEY: 'storage-corrupt',
  UNKNOWN_KEY_TYPE: 'storage-corrupt',
  UNVERIFIED_NOTE: 'storage-corrupt',
  INVALID_SIGNATURE: 'storage-corrupt',
  AMBIGUOUS_KEY: 'internal',
  MALFORMED_CHECKPOINT: 'storage-corrupt',
  INVALID_ARGUMENT: 'internal',
};

const GUARD: Record<GuardErrorCode, string> = {
  ROLLBACK: 'storage-inconsistent',
  FORK: 'storage-inconsistent',
  BAD_CHECKPOINT: 'storage-corrupt',
  STATE_MISSING: 'internal',
  STATE_UNREADABLE: 'internal',
  STATE_CORRUPT: 'internal',
};

/** The problem codes and statuses of the table in docs/errors.md. */
function documentedProblems(): Map<string, number> {
  const text = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const match of text.matchAll(/^\| (\d{3}) \| `([a-z0-9-]+)` \|/gm)) {
    assert.equal(rows.has(match[2]!), false, `${match[2]} is documented once`);
    rows.set(match[2]!, Number(match[1]));
  }
  return rows;
}

describe('toProblem', () => {
  it('maps every typed error code to its problem, with the status of the code table', () => {
    const cases: [unknown, string][] = [
      ...Object.entries(SERVICE).map(
        ([code, problem]) =>
          [new ServiceError(code as ServiceErrorCode, 'refused'), problem] as [unknown, string],
      ),
      ...Object.entries(SEQUENCER).map(
        ([code, p]) =>
          [new SequencerError(code as SequencerErrorCode, 'x'), p] as [unknown, string],
      ),
      ...Object.entries(STORAGE).map(
        ([code, p]) => [new StorageError(code as StorageErrorCode, 'x'), p] as [unknown, string],
      ),
      ...Object.entries(TLOG).map(
        ([code, p]) => [new TlogError(code as TlogErrorCode, 'x'), p] as [unknown, string],
      ),
      ...Object.entries(RECORDS).map(
        ([code, p]) => [new RecordError(code as RecordErrorCode, 'x'), p] as [unknown, string],
      ),
      ...Object.entries(NOTE).map(
        ([code, p]) => [new NoteError(code as NoteErrorCode, 'x'), p] as [unknown, string],
      ),
      ...Object.entries(GUARD).map(
        ([code, p]) =>
          [new GuardError(code as GuardErrorCode, 'x', { log: 'a', path: '/g' }), p] as [
            unknown,
            string,
          ],
      ),
      [new Error('a bug'), 'internal'],
      ['not even an error', 'internal'],
      [
        Object.assign(new Error('bad'), { statusCode: 400, code: 'FST_ERR_BAD_URL' }),
        'invalid-url',
      ],
      [Object.assign(new Error('big'), { statusCode: 413 }), 'payload-too-large'],
      [Object.assign(new Error('odd'), { statusCode: 416 }), 'invalid-request'],
      [Object.assign(new Error('fault'), { statusCode: 502 }), 'internal'],
    ];
    for (const [err, code] of cases) {
      const problem = toProblem(err);
      assert.equal(
        problem.code,
        code,
        `${String((err as Error).name)} ${String((err as { code?: string }).code)}`,
      );
      assert.equal(problem.status, PROBLEM_STATUS[problem.code]);
    }
  });

  it('says nothing about internals in a 500, and carries details into the problem', () => {
    const bug = toProblem(new Error('SELECT * FROM secrets failed at /srv/db'));
    assert.deepEqual([bug.status, bug.detail], [500, 'internal error']);
    const corrupt = toProblem(
      new StorageError('CORRUPT', 'log a: entry 7 is not a record', {
        details: { log: 'a', index: 7 },
      }),
    );
    assert.deepEqual(corrupt.extensions, { log: 'a', index: 7 });
    const field = toProblem(
      new ServiceError('INVALID_STATEMENT', 'bad', { details: { field: '/type' } }),
    );
    assert.deepEqual(field.extensions, { field: '/type' });
    const limited = toProblem(
      new ServiceError('RATE_LIMITED', 'slow down', { details: { retryAfterSeconds: 3 } }),
    );
    assert.deepEqual(limited.headers, { 'retry-after': '3' });
    const closing = toProblem(
      new SequencerError('CLOSED', 'closing', { details: { retryAfterSeconds: 2 } }),
    );
    assert.deepEqual([closing.status, closing.headers], [503, { 'retry-after': '2' }]);
    const unauthenticated = toProblem(
      new ServiceError('UNAUTHENTICATED', 'who', { details: { challenge: 'Bearer x' } }),
    );
    assert.deepEqual(unauthenticated.headers, { 'www-authenticate': 'Bearer x' });
  });

  it('can produce exactly the codes docs/errors.md documents, with their statuses', () => {
    const documented = documentedProblems();
    assert.deepEqual(
      [...documented.entries()].sort(),
      Object.entries(PROBLEM_STATUS).sort(),
      'docs/errors.md and PROBLEM_STATUS list the same codes and statuses',
    );
    const produced = new Set(
      [...Object.values(SERVICE), ...Object.values(SEQUENCER), ...Object.values(STORAGE)].concat(
        Object.values(TLOG),
        Object.values(RECORDS),
        ['internal'],
      ),
    );
    // The fastify request errors add these (see FASTIFY_CODES in errors.ts).
    for (const code of ['invalid-url', 'uri-too-long', 'payload-too-large']) produced.add(code);
    assert.deepEqual([...produced].sort(), Object.keys(PROBLEM_STATUS).sort());
  });
});

describe('the error route', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  let key: string;

  before(async () => {
    fx = await Fixture.create([{ name: 'enc', tenant: 'acme', publish: false }]);
    app = await fx.app();
    key = await fx.apiKey('acme', ['records:write', 'records:read']);
  });
  after(() => fx.close());

  it('refuses compressed request bodies with 415, decoding nothing and writing nothing', async () => {
    const json = JSON.stringify(statement());
    for (const [encoding, payload] of [
      ['gzip', gzipSync(json)],
      ['br', Buffer.from(json)],
      ['deflate, gzip', Buffer.from(json)],
      ['x-unknown', Buffer.from(json)],
    ] as const) {
      const res = await request(app, {
        method: 'POST',
        url: '/v1/records',
        headers: {
          ...bearer(key),
          'content-type': 'application/json',
          'content-encoding': encoding,
        },
        payload,
      });
      assertProblem(res, 415, 'unsupported-content-encoding', undefined, encoding);
    }
    assert.equal(await fx.size('enc'), 0, 'nothing was written');
    const identity = await request(app, {
      method: 'POST',
      url: '/v1/records',
      headers: {
        ...bearer(key),
        'content-type': 'application/json',
        'content-encoding': 'identity',
      },
      payload: json,
    });
    assert.equal(identity.statusCode, 201, identity.body);
  });

  it('answers an unknown route with a not-found problem', async () => {
    assertProblem(await request(app, { method: 'GET', url: '/nowhere' }), 404, 'not-found');
    assertProblem(await request(app, { method: 'DELETE', url: '/v1/records' }), 404, 'not-found');
  });
});

describe('shutdown', () => {
  it(
    'answers requests that arrive while the app closes with a 503 shutting-down problem',
    { timeout: 20_000 },
    async () => {
      const fx = await Fixture.create([{ name: 'shut', tenant: 'acme', publish: false }]);
      try {
        const app = await fx.app();
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const inFlight = new Promise<void>((resolve) => (entered = resolve));
        app.get('/test/slow', async () => {
          entered();
          await released;
          return { slow: true };
        });
        await app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = app.server.address() as { port: number };
        const open = (): { socket: Socket; received: () => string; ended: Promise<void> } => {
          const socket = connect(port, '127.0.0.1');
          let data = '';
          socket.on('data', (chunk) => (data += chunk.toString('latin1')));
          const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
          return { socket, received: () => data, ended };
        };
        // A request in flight holds the close open; another has begun arriving on a second
        // connection (so it is not idle) and completes once the close has begun.
        const slow = open();
        slow.socket.write('GET /test/slow HTTP/1.1\r\nHost: t\r\n\r\n');
        await inFlight;
        const late = open();
        late.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n');
        await new Promise((resolve) => setTimeout(resolve, 50));
        const closed = app.close();
        await new Promise((resolve) => setTimeout(resolve, 50));
        late.socket.write('\r\n');
        while (!late.received().includes('\r\n\r\n{') || !late.received().endsWith('}')) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        release();
        // The answer in flight closes its keep-alive connection: the close does not wait for it.
        await closed;
        await Promise.all([slow.ended, late.ended]);
        assert.match(slow.received(), /^HTTP\/1\.1 200 /, 'the request in flight is finished');
        assert.match(slow.received(), /\r\nconnection: close\r\n/i);
        const second = late.received();
        assert.match(second, /^HTTP\/1\.1 503 /, second);
        assert.match(second, /\r\ncontent-type: application\/problem\+json/i);
        assert.match(second, /\r\nretry-after: \d+\r\n/i);
        const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as {
          code: string;
          status: number;
        };
        assert.deepEqual([body.code, body.status], ['shutting-down', 503]);
      } finally {
        await fx.close();
      }
    },
  );
});
