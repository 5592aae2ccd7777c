import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CborMap, decodeCbor } from '@proofline/cose';
import {
  base64Decode,
  formatVerifierKey,
  generateSignerKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  type Signer,
  type Verifier,
} from '@proofline/note';
import {
  BUNDLE_V2_MEDIA_TYPE,
  batchReceiptIncludes,
  openBatchReceipt,
  openReceipt,
  parseReceiptProof,
  parseBundle,
  parseRecord,
  receiptViewSchema,
  type Bundle,
  type BundleV2,
  type ReceiptView,
  type RecordV1,
  receiptFormat,
} from '@proofline/records';
import {
  Publisher,
  Sequencer,
  ReceiptSealer,
  nodeEd25519Signer,
  type SequencerOptions,
} from '@proofline/sequencer';
import type { ApiScope, LogConfig, LogVisibility, Storage } from '@proofline/storage';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { equalHashes, leafHash, verifyConsistency, verifyInclusion } from '@proofline/tlog';
import { buildApp, generateApiKey, type AppOptions, type LogRuntime } from '../src/index.js';

export const PUBLIC_URL = 'https://ledger.test';
export const originOf = (name: string): string => `proofline.test/logs/${name}`;

export type Response = LightMyRequestResponse;

/** One log with its key, sequencer and (possibly not started) publisher. */
export interface TestLog {
  readonly name: string;
  readonly tenant: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly verifier: Verifier;
  readonly signer: Signer;
  readonly config: LogConfig;
  readonly sequencer: Sequencer;
  readonly publisher: Publisher;
  readonly runtime: LogRuntime;
}

export interface LogSpec {
  readonly name: string;
  readonly tenant: string;
  /** Start the publisher (intervalMs 20); default true. */
  readonly publish?: boolean;
  readonly sequencer?: SequencerOptions;
  /** The store the sequencer writes through (e.g. a gated wrapper); default the fixture's. */
  readonly sequenceStorage?: Storage;
  /** Default public. */
  readonly visibility?: LogVisibility;
}

export interface KeyOptions {
  readonly rateLimit?: number;
  readonly revoked?: boolean;
}

/**
 * A SqliteStorage in a temporary directory with logs, API keys and apps built over it.
 * `request` injects a request into an app and checks what holds for every response: no 5xx,
 * and every error an RFC 9457 problem document.
 */
export class Fixture {
  readonly logs = new Map<string, TestLog>();
  private readonly apps: FastifyInstance[] = [];
  private readonly publishers: Publisher[] = [];
  /** Errors of the background publishers: there must be none. */
  readonly publisherErrors: unknown[] = [];
  private constructor(
    readonly dir: string,
    readonly storage: SqliteStorage,
  ) {}

  static async create(specs: readonly LogSpec[]): Promise<Fixture> {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-records-'));
    const fixture = new Fixture(dir, new SqliteStorage(join(dir, 'db')));
    for (const spec of specs) await fixture.addLog(spec);
    return fixture;
  }

  async addLog(spec: LogSpec): Promise<TestLog> {
    const origin = originOf(spec.name);
    const key = parseSignerKey(generateSignerKey(origin));
    const verifierKey = formatVerifierKey(origin, key.publicKey);
    const config = await this.storage.ensureLog({
      name: spec.name,
      tenant: spec.tenant,
      origin,
      verifierKey,
      createdAt: Date.now(),
      visibility: spec.visibility ?? 'public',
    });
    const signer = nodeEd25519Signer(origin, key.seed);
    const sequencer = new Sequencer(spec.sequenceStorage ?? this.storage, spec.name, {
      sealer: new ReceiptSealer(origin, key.seed, receiptFormat),
      ...spec.sequencer,
    });
    const publisher = new Publisher(this.storage, config, signer, {
      receiptFormat,
      intervalMs: 20,
      onError: (err) => this.publisherErrors.push(err),
    });
    this.publishers.push(publisher);
    if (spec.publish ?? true) publisher.start();
    const log: TestLog = {
      name: spec.name,
      tenant: spec.tenant,
      origin,
      verifierKey,
      verifier: parseVerifierKey(verifierKey),
      signer,
      config,
      sequencer,
      publisher,
      runtime: { config, signer, sequencer },
    };
    this.logs.set(spec.name, log);
    return log;
  }

  log(name: string): TestLog {
    const log = this.logs.get(name);
    assert.ok(log, `no test log ${name}`);
    return log;
  }

  /** An app serving `logs` (default: every log of the fixture); closed by `close`. */
  async app(
    logs: readonly TestLog[] = [...this.logs.values()],
    options: Partial<AppOptions> = {},
  ): Promise<FastifyInstance> {
    const app = await buildApp({
      storage: this.storage,
      access: this.storage,
      logs: new Map(logs.map((l) => [l.name, l.runtime])),
      publicUrl: PUBLIC_URL,
      proofWaitMs: 5000,
      ...options,
    });
    this.apps.push(app);
    return app;
  }

  /** Creates an API key (through the server's generateApiKey) and returns its bearer string. */
  async apiKey(tenant: string, scopes: readonly ApiScope[], options: KeyOptions = {}) {
    await this.storage.ensureTenant(tenant, Date.now());
    const { key, record } = generateApiKey(
      tenant,
      scopes,
      `test key ${scopes.join(',')}`,
      options.rateLimit ?? 0,
      Date.now(),
    );
    await this.storage.createApiKey(record);
    if (options.revoked) assert.equal(await this.storage.revokeApiKey(record.id, Date.now()), true);
    return key;
  }

  size(log: string): Promise<number> {
    return this.storage.sequencedSize(log);
  }

  async close(): Promise<void> {
    for (const app of this.apps) await app.close();
    for (const publisher of this.publishers) await publisher.stop();
    for (const log of this.logs.values()) await log.sequencer.close();
    await this.storage.close();
    rmSync(this.dir, { recursive: true, force: true });
    assert.deepEqual(this.publisherErrors, [], 'the publishers ran without errors');
  }
}

/**
 * Injects a request and checks the invariants of every response: below 500 (unless the status
 * is in `allow`, e.g. 503 for pushback), and every error an RFC 9457 problem document.
 */
export async function request(
  app: FastifyInstance,
  options: InjectOptions,
  allow: readonly number[] = [],
): Promise<Response> {
  const res = await app.inject(options);
  const what = `${options.method ?? 'GET'} ${String(options.url)}`;
  assert.ok(
    res.statusCode < 500 || allow.includes(res.statusCode),
    `${what}: ${res.statusCode} ${res.body.slice(0, 500)}`,
  );
  if (res.statusCode >= 400) checkProblemShape(res, what);
  return res;
}

export const bearer = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
});

/** Attests `n` fresh statements to `log` in one batch with `key`; their receipt views. */
export async function attestBatch(
  app: FastifyInstance,
  key: string,
  log: string,
  n: number,
): Promise<ReceiptBody[]> {
  const res = await request(app, {
    method: 'POST',
    url: `/v1/records/batch?log=${log}`,
    headers: bearer(key),
    payload: { records: Array.from({ length: n }, () => statement()) },
  });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { receipts: ReceiptBody[] }).receipts;
}

function checkProblemShape(res: Response, what: string): void {
  const body = problemBody(res, what);
  assert.equal(typeof body.type, 'string', what);
  assert.ok(body.type.length > 0, what);
  assert.equal(typeof body.title, 'string', what);
  assert.equal(body.status, res.statusCode, what);
  assert.equal(typeof body.code, 'string', what);
  assert.equal(typeof body.detail, 'string', what);
  assert.ok(body.detail.length > 0, what);
}

/** The custom entry of the server's concise problem details (RFC 9290). */
const CONCISE_KEY = 'https://proofline.dev/problems';

/**
 * The problem of an error response: an RFC 9457 JSON problem, or RFC 9290 concise problem
 * details (the SCRAPI routes') read into the same members: title (-1), detail (-2), and the
 * custom entry's code, status and extensions; its type is the JSON problem's.
 */
export function problemBody(res: Response, what = ''): ProblemBody {
  const type = String(res.headers['content-type']);
  if (/^application\/concise-problem-details\+cbor(;|$)/.test(type)) {
    const map = decodeCbor(new Uint8Array(res.rawPayload));
    assert.ok(map instanceof CborMap, `${what}: a CBOR map`);
    for (const key of map.keys()) {
      assert.ok(
        [-1, -2, CONCISE_KEY].includes(key as number | string),
        `${what}: key ${String(key)}`,
      );
    }
    const custom = map.get(CONCISE_KEY);
    assert.ok(custom instanceof CborMap, `${what}: the custom entry is a map`);
    const members = Object.fromEntries(custom.entries.map(([k, v]) => [String(k), v]));
    return {
      ...members,
      type: `${CONCISE_KEY}/${String(members.code)}`,
      title: map.get(-1) as string,
      detail: map.get(-2) as string,
    } as ProblemBody;
  }
  assert.match(type, /^application\/problem\+json(;|$)/, `${what}: content-type ${type}`);
  return res.json() as ProblemBody;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field?: string;
}

/** Asserts an RFC 9457 problem with `status`, `code` and (when given) `field`. */
export function assertProblem(
  res: Response,
  status: number,
  code: string,
  field?: string,
  what = '',
): ProblemBody {
  assert.equal(res.statusCode, status, `${what} ${res.body.slice(0, 500)}`);
  checkProblemShape(res, what);
  const body = problemBody(res, what);
  assert.equal(body.code, code, `${what} ${res.body.slice(0, 500)}`);
  assert.equal(body.type, `https://proofline.dev/problems/${code}`, what);
  if (field !== undefined) assert.equal(body.field, field, `${what} ${res.body.slice(0, 500)}`);
  return body;
}

/** A random sha256 digest. */
export function randomDigest(): string {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

/** A minimal valid statement with a fresh digest, plus `extra` members. */
export function statement(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { digest: randomDigest(), type: 'test.event', ...extra };
}

/** The receipt view the API returns for one record (@proofline/records), with its receipt. */
export type ReceiptBody = ReceiptView & { readonly receipt: string };

/** The members @proofline/records' receiptViewSchema describes, and those it requires. */
const VIEW_SCHEMA = receiptViewSchema() as { properties: object; required: string[] };

/**
 * Checks a receipt view completely against `log`: the entry parses to `record`, the signed
 * receipt opens with the log key and binds origin, index, leaf hash and time (a batch
 * receipt through the view's receiptProof).
 */
export async function verifyReceiptView(view: ReceiptBody, log: TestLog): Promise<RecordV1> {
  const entry = base64Decode(view.entry);
  const leaf = leafHash(entry);
  for (const member of Object.keys(view)) {
    assert.ok(Object.hasOwn(VIEW_SCHEMA.properties, member), `${member} is in the schema`);
  }
  for (const member of VIEW_SCHEMA.required) assert.ok(Object.hasOwn(view, member), member);
  assert.equal(view.log, log.name);
  assert.equal(view.origin, log.origin);
  assert.equal(view.id, `${log.name}-${view.index}`);
  assert.ok(Number.isSafeInteger(view.index) && view.index >= 0);
  assert.deepEqual(base64Decode(view.leafHash), leaf);
  const record = parseRecord(entry);
  assert.deepEqual(view.record, JSON.parse(JSON.stringify(record)));
  assert.equal(view.time, record.time);
  assert.equal(view.verificationUrl, `${PUBLIC_URL}/r/${view.id}`);
  if (view.receiptProof !== undefined) {
    const batch = await openBatchReceipt(view.receipt, log.verifier);
    assert.equal(batch.origin, log.origin);
    assert.equal(batch.time, record.time);
    const proof = parseReceiptProof(view.receiptProof);
    assert.ok(batchReceiptIncludes(batch, view.index, leaf, proof), 'included in the batch');
    return record;
  }
  const receipt = await openReceipt(view.receipt, log.verifier);
  assert.equal(receipt.origin, log.origin);
  assert.equal(receipt.index, view.index);
  assert.ok(equalHashes(receipt.leafHash, leaf));
  assert.equal(receipt.time, record.time);
  return record;
}

/**
 * Verifies a proof bundle fully, as an offline verifier would: the checkpoint (a v2 bundle's
 * anchor) is signed by the log key, leafHash(entry) is included at `index` under its root, a
 * v2 bundle's `latest` (if any) is signed and extends the anchor, and the receipt (if any)
 * opens and promises the same leaf at the same index (a batch receipt through its
 * receiptProof).
 */
export async function verifyBundle(bundle: Bundle, log: TestLog): Promise<RecordV1> {
  assert.equal(bundle.log, log.name);
  assert.equal(bundle.origin, log.origin);
  assert.equal(bundle.id, `${log.name}-${bundle.index}`);
  const { checkpoint } = await openCheckpoint(bundle.checkpoint, log.origin, log.verifier);
  assert.ok(bundle.index < checkpoint.size);
  const leaf = leafHash(bundle.entry);
  verifyInclusion(leaf, bundle.index, checkpoint.size, bundle.inclusionProof, checkpoint.rootHash);
  const v2 = bundle.mediaType === BUNDLE_V2_MEDIA_TYPE ? bundle : undefined;
  if (v2?.latest !== undefined) {
    const latest = await openCheckpoint(v2.latest.checkpoint, log.origin, log.verifier);
    verifyConsistency(
      checkpoint.size,
      latest.checkpoint.size,
      v2.latest.consistencyProof,
      checkpoint.rootHash,
      latest.checkpoint.rootHash,
    );
  }
  const record = parseRecord(bundle.entry);
  if (v2?.receiptProof !== undefined) {
    const batch = await openBatchReceipt(v2.receipt!, log.verifier);
    assert.equal(batch.time, record.time);
    assert.ok(batchReceiptIncludes(batch, bundle.index, leaf, v2.receiptProof));
  } else if (bundle.receipt !== undefined) {
    const receipt = await openReceipt(bundle.receipt, log.verifier);
    assert.equal(receipt.index, bundle.index);
    assert.ok(equalHashes(receipt.leafHash, leaf));
    assert.equal(receipt.time, record.time);
  }
  return record;
}

/** Parses a bundle response body (checking its media type) and verifies it. */
export async function verifyBundleResponse(res: Response, log: TestLog): Promise<BundleV2> {
  assert.equal(String(res.headers['content-type']).split(';')[0], BUNDLE_V2_MEDIA_TYPE);
  const bundle = parseBundle(res.body);
  assert.equal(bundle.mediaType, BUNDLE_V2_MEDIA_TYPE);
  await verifyBundle(bundle, log);
  return bundle;
}

/** A gate: `wait()` blocks until `open()`; `entered` resolves on the first `wait()`. */
export function gate(): { wait(): Promise<void>; open(): void; entered: Promise<void> } {
  let open!: () => void;
  let enter!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  return {
    wait: () => {
      enter();
      return opened;
    },
    open,
    entered,
  };
}

/**
 * A Storage that delegates to `inner` except for the methods in `overrides`.
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

/** Asserts that `fn` leaves the sequenced size of every listed log unchanged. */
export async function assertNothingWritten(
  fixture: Fixture,
  logs: readonly string[],
  fn: () => Promise<void>,
): Promise<void> {
  const before = await Promise.all(logs.map((l) => fixture.size(l)));
  await fn();
  const after = await Promise.all(logs.map((l) => fixture.size(l)));
  assert.deepEqual(after, before, 'nothing may be written');
}
