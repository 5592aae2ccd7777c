import { base64Decode } from '@proofline/note';
import {
  BATCH_V2_FORMAT,
  BATCH_V2_MEDIA_TYPE,
  RecordError,
  canonicalJson,
  expandCompactBatch,
  parseBundle,
  scittRecordStatement,
  type Bundle,
  type RecordV1,
  type Statement,
} from '@proofline/records';
import {
  verifyBundle,
  verifyReceipts,
  type TrustPolicy,
  type Verification,
} from '@proofline/verify';
import {
  ProoflineError,
  UnverifiedWriteError,
  UntrustedResponseError,
  type WrittenReceipt,
} from './errors.js';
import { backoff, readBounded, responseProblem, sleep } from './http.js';
import {
  registerStatement,
  type RegisterStatementOptions,
  type RegisteredStatement,
} from './scitt.js';
import { checkLogTrust, notWritable } from './trust.js';

export interface ClientOptions {
  /** Base URL of the Proofline service, e.g. https://ledger.example.com */
  readonly url: string;
  readonly apiKey?: string;
  /** The log's key (obtained independently, e.g. `proofline log-key`): every result is checked against it. */
  readonly trust: TrustPolicy;
  /** Log to write to; optional when the key's tenant has one log. */
  readonly log?: string;
  /** Attempts for retryable failures (network errors, 429, 503, 5xx); default 4. */
  readonly attempts?: number;
  /** Per-request timeout in ms; default 30 s. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** A receipt that was verified against the trust policy before being returned. */
export interface VerifiedReceipt {
  readonly id: string;
  readonly log: string;
  readonly index: number;
  readonly time: string;
  readonly record: RecordV1;
  readonly entry: Uint8Array;
  /** The log's signed receipt note (a batch receipt for the records of a batch). */
  readonly receipt: string;
  /** With a batch receipt: this record's inclusion proof in the batch, base64 hashes. */
  readonly receiptProof?: readonly string[];
  /**
   * The record's verification page. For a record of a private log, its share link
   * (`<server>/r/<id>#t=<token>`): a capability, whoever holds it sees the record; revoke it
   * with ShareClient. The token is shown only here (the server keeps a hash).
   */
  readonly verificationUrl: string;
  readonly verification: Verification;
}

export interface VerifiedBundle {
  readonly bundle: Bundle;
  readonly verification: Verification;
}

export interface WaitForProofOptions {
  /** How long to wait for a checkpoint to cover the record, in ms; default 60 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** See BundleOptions.shareToken. */
  readonly shareToken?: string;
}

export interface BundleOptions {
  readonly trustedCheckpoint?: string;
  /**
   * A share link token of the record (the `#t=` part of a private log's `verificationUrl`):
   * sent in the Proofline-Share header instead of the API key, so a key without
   * `records:read` (a writer's) can fetch the proofs of what it attested.
   */
  readonly shareToken?: string;
}

type ReceiptJson = WrittenReceipt;

interface RequestOptions {
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  readonly expect?: 'json' | 'text';
  /** The log to write to (POST only), as `?log=`. */
  readonly log?: string;
  /** Largest response body accepted, in bytes. */
  readonly limit?: number;
  /** Sent as Proofline-Share, instead of the API key. */
  readonly shareToken?: string;
  /** The Accept header; default application/json. */
  readonly accept?: string;
}

/** What attestBatch asks for: the compact answer, or the full one from an older server. */
const BATCH_ACCEPT = `${BATCH_V2_MEDIA_TYPE}, application/json;q=0.5`;

/** Bounds on response bodies: a proof bundle, a log description or checkpoint, and the rest. */
const BUNDLE_LIMIT = 2 * 1024 * 1024;
const SMALL_LIMIT = 256 * 1024;
const DEFAULT_LIMIT = 64 * 1024 * 1024;
/** Longest pause between two polls of waitForProof, in ms. */
const MAX_POLL_MS = 5_000;

/**
 * Proofline API client. Before its first write it checks that the log is the log of the
 * pinned key (see checkLogTrust; once per client, again after a failed check), so a wrong
 * key writes nothing. Submissions carry an Idempotency-Key (generated unless given), so
 * retries after timeouts or 503/429 can never create a second record. Nothing the server
 * returns is handed back unverified: receipts are checked with the log key, the returned
 * record must be exactly the submitted statement, and bundles must pass every check. A
 * write whose answer does not verify throws UnverifiedWriteError, which carries what was
 * written.
 */
export class ProoflineClient {
  private readonly base: string;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private trustedLog: Promise<string> | undefined;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * Checks the log against the pinned key (see checkLogTrust) and resolves with its name;
   * the first success is cached, a failure is not. attest and attestBatch call it first.
   */
  checkLog(): Promise<string> {
    this.trustedLog ??= checkLogTrust(
      (path, expect) => this.request('GET', path, { expect, limit: SMALL_LIMIT }),
      this.options.trust.logKey,
      this.options.log,
    ).catch((err: unknown) => {
      this.trustedLog = undefined;
      throw err;
    });
    return this.trustedLog;
  }

  /**
   * Registers a SCITT signed statement (SCRAPI POST /entries; see scitt.ts registerStatement)
   * in the checked log (`options.log`, when another than the client's, is checked against the
   * pinned key first: a mismatch sends nothing), and resolves once its RFC 9942 receipt
   * verified with the pinned key and proves the statement's record. A statement no log
   * registers (scittRecordStatement) throws its CoseError / RecordError before any request.
   */
  async registerStatement(
    statement: Uint8Array,
    options: RegisterStatementOptions = {},
  ): Promise<RegisteredStatement> {
    scittRecordStatement(statement); // a statement no log registers is refused before any request
    const log =
      options.log === undefined || options.log === this.options.log
        ? await this.checkLog()
        : await checkLogTrust(
            (path, expect) => this.request('GET', path, { expect, limit: SMALL_LIMIT }),
            this.options.trust.logKey,
            options.log,
          );
    const transport = {
      base: this.base,
      ...(this.options.apiKey === undefined ? {} : { apiKey: this.options.apiKey }),
      fetch: this.fetchImpl,
      attempts: this.attempts,
      requestTimeoutMs: this.timeoutMs,
    };
    return registerStatement(transport, this.options.trust.logKey, log, statement, options);
  }

  /** Attests one statement; resolves with its verified receipt. */
  async attest(statement: Statement, idempotencyKey?: string): Promise<VerifiedReceipt> {
    const log = await this.checkLog();
    const body = await this.write(log, '/v1/records', statement, idempotencyKey);
    const [receipt] = await this.checkWritten([body as ReceiptJson], [statement], 1);
    return receipt!;
  }

  /**
   * Attests up to 1000 statements atomically; resolves with verified receipts in order. It
   * asks for the compact answer (records CompactBatchView: one receipt for the batch) and
   * rebuilds each record's receipt view from the statements (records expandCompactBatch),
   * verifying the receipt's signature once; an older server's full answer is verified as
   * it is. A compact answer that does not rebuild (altered ids, tenant, time or range proof,
   * or records other than those submitted) throws UnverifiedWriteError with nothing in
   * `written`; one that rebuilds but does not verify, with the rebuilt views in `written`.
   */
  async attestBatch(
    statements: readonly Statement[],
    idempotencyKey?: string,
  ): Promise<VerifiedReceipt[]> {
    const log = await this.checkLog();
    const body = (await this.write(
      log,
      '/v1/records/batch',
      { records: statements },
      idempotencyKey,
      BATCH_ACCEPT,
    )) as { receipts?: unknown; format?: unknown };
    if (body?.format === BATCH_V2_FORMAT) return this.checkCompact(body, statements);
    const receipts = Array.isArray(body?.receipts) ? (body.receipts as ReceiptJson[]) : [];
    return this.checkWritten(receipts, statements, statements.length);
  }

  /** The verified receipts of a compact batch answer (see attestBatch). */
  private async checkCompact(
    body: unknown,
    statements: readonly Statement[],
  ): Promise<VerifiedReceipt[]> {
    let views: ReceiptJson[];
    try {
      views = expandCompactBatch(body, statements);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      const summary = `the log accepted the write, but its compact answer does not rebuild: ${err.message}`;
      throw new UnverifiedWriteError(summary, [{ name: 'receipts', summary }], [], []);
    }
    return this.checkWritten(views, statements, statements.length);
  }

  /**
   * Fetches and verifies the proof bundle of a record (a public log's needs no API key; a
   * private log's needs the client's key, of its tenant with records:read, or `shareToken`).
   */
  async bundle(id: string, options: BundleOptions = {}): Promise<VerifiedBundle> {
    const path = `/v1/records/${encodeURIComponent(id)}/proof`;
    const { shareToken, ...verifyOptions } = options;
    const text = (await this.request('GET', path, {
      expect: 'text',
      limit: BUNDLE_LIMIT,
      ...(shareToken === undefined ? {} : { shareToken }),
    })) as string;
    const verification = await verifyBundle(text, this.options.trust, verifyOptions);
    if (!verification.ok) throw untrusted('the proof bundle does not verify', verification);
    const bundle = parseBundle(text);
    if (bundle.id !== id) throw new UntrustedResponseError(`asked for ${id}, got ${bundle.id}`, []);
    return { bundle, verification };
  }

  /**
   * Polls for the proof bundle of a record until a checkpoint covers it, and resolves with
   * it verified (as `bundle`). Between polls it waits the server's Retry-After, or an
   * exponential backoff (at most 5 s), never beyond the deadline. When `timeoutMs` passes
   * first, it throws the last `not-yet-checkpointed` ProoflineError (status 404); an abort
   * throws the signal's reason; any other failure is thrown at once.
   */
  async waitForProof(id: string, options: WaitForProofOptions = {}): Promise<VerifiedBundle> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      try {
        return await this.bundle(
          id,
          options.shareToken === undefined ? {} : { shareToken: options.shareToken },
        );
      } catch (err) {
        const left = deadline - Date.now();
        if (!(err instanceof ProoflineError) || err.code !== 'not-yet-checkpointed' || left <= 0) {
          throw err;
        }
        const backoffMs = Math.min(MAX_POLL_MS, 100 * 2 ** (attempt - 1));
        const ms = Math.max((err.retryAfterSeconds ?? 0) * 1000, backoffMs);
        await sleep(Math.min(ms, left), options.signal);
      }
    }
  }

  /** Records of this tenant with the given digest (verified like attest's receipts). */
  async findByDigest(digest: string): Promise<VerifiedReceipt[]> {
    const query = new URLSearchParams({
      digest,
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    const body = (await this.request('GET', `/v1/records?${query}`)) as { records: ReceiptJson[] };
    const checked = await this.checkReceipts(body.records, []);
    return checked.map((r) => {
      if ('failure' in r) throw r.failure;
      return r;
    });
  }

  /**
   * POSTs to the checked log, by name (see checkLogTrust). A success answer that cannot be
   * read (not JSON, too large) throws UnverifiedWriteError with nothing in `written`: the
   * write may have happened.
   */
  private async write(
    log: string,
    path: string,
    body: unknown,
    idempotencyKey: string | undefined,
    accept?: string,
  ): Promise<unknown> {
    try {
      return await this.request('POST', path, {
        body,
        log,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        ...(accept === undefined ? {} : { accept }),
      });
    } catch (err) {
      if (
        this.options.log === undefined &&
        err instanceof ProoflineError &&
        err.code === 'unknown-log'
      ) {
        throw notWritable(this.options.trust.logKey, log, err);
      }
      if (err instanceof ProoflineError && err.status >= 200 && err.status < 300) {
        const summary = `the log accepted the write, but its answer is unreadable: ${err.message}`;
        throw new UnverifiedWriteError(summary, [{ name: 'receipts', summary }], [], []);
      }
      throw err;
    }
  }

  /**
   * Verifies the receipts of a write that the server reported done. Any that does not
   * verify (or a wrong number of them) throws UnverifiedWriteError carrying all of them.
   */
  private async checkWritten(
    written: readonly ReceiptJson[],
    submitted: readonly Statement[],
    expected: number,
  ): Promise<VerifiedReceipt[]> {
    if (written.length !== expected) {
      const summary = `the server returned ${written.length} receipts for ${expected} records`;
      throw new UnverifiedWriteError(
        summary,
        [{ name: 'receipts', summary }],
        written,
        written.map(() => summary),
      );
    }
    const results = await this.checkReceipts(written, submitted);
    const failed = results.flatMap((r, i) =>
      'failure' in r ? [{ id: String(written[i]!.id), failure: r.failure }] : [],
    );
    if (failed.length > 0) {
      const failures = failed.flatMap(({ id, failure }) =>
        failure.failures.map((f) => ({ name: `${id}: ${f.name}`, summary: f.summary })),
      );
      throw new UnverifiedWriteError(
        `${failed.length} of ${written.length} written records do not verify: ` +
          failed.map(({ id, failure }) => `${id}: ${failure.message}`).join('; '),
        failures,
        written,
        results.map((r) => ('failure' in r ? r.failure.message : undefined)),
      );
    }
    return results as VerifiedReceipt[];
  }

  /**
   * Verifies receipt views (each against `submitted[i]`, when given), verifying the
   * signature of each distinct receipt note once (a batch's records share one).
   */
  private async checkReceipts(
    views: readonly ReceiptJson[],
    submitted: readonly (Statement | undefined)[],
  ): Promise<(VerifiedReceipt | { failure: UntrustedResponseError })[]> {
    const prepared = views.map((json) => prepare(json));
    const byNote = new Map<string, number[]>();
    prepared.forEach((p, i) => {
      if ('receipt' in p) byNote.set(p.receipt, [...(byNote.get(p.receipt) ?? []), i]);
    });
    const verifications = new Array<Verification | undefined>(views.length);
    await Promise.all(
      [...byNote].map(async ([note, at]) => {
        const items = at.map((i) => {
          const json = views[i]!;
          const options = {
            index: json.index,
            ...(json.receiptProof === undefined ? {} : { receiptProof: json.receiptProof }),
          };
          return { entry: (prepared[i] as { entry: Uint8Array }).entry, options };
        });
        const results = await verifyReceipts(note, items, this.options.trust);
        at.forEach((i, k) => (verifications[i] = results[k]));
      }),
    );
    return prepared.map((p, i) => {
      if ('failure' in p) return p;
      const json = views[i]!;
      const verification = verifications[i]!;
      if (!verification.ok || !verification.record || verification.index !== json.index) {
        return { failure: untrusted('the receipt does not verify', verification) };
      }
      const record = verification.record;
      const statement = submitted[i];
      if (statement && !sameStatement(record, statement)) {
        const summary = 'the log recorded something other than what was submitted';
        return { failure: new UntrustedResponseError(summary, [{ name: 'record', summary }]) };
      }
      return {
        id: json.id,
        log: json.log,
        index: json.index,
        time: record.time,
        record,
        entry: p.entry,
        receipt: p.receipt,
        ...(json.receiptProof === undefined ? {} : { receiptProof: json.receiptProof }),
        verificationUrl: json.verificationUrl,
        verification,
      };
    });
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    o: RequestOptions = {},
  ): Promise<unknown> {
    const key =
      method === 'POST' ? (o.idempotencyKey ?? globalThis.crypto.randomUUID()) : undefined;
    const query = method === 'POST' && o.log ? `?log=${encodeURIComponent(o.log)}` : '';
    const limit = o.limit ?? DEFAULT_LIMIT;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.base}${path}${query}`, {
          method,
          headers: {
            accept: o.accept ?? 'application/json',
            ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(o.shareToken !== undefined
              ? { 'proofline-share': o.shareToken }
              : this.options.apiKey
                ? { authorization: `Bearer ${this.options.apiKey}` }
                : {}),
            ...(key ? { 'idempotency-key': key } : {}),
          },
          ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        lastError = new ProoflineError(
          `request failed: ${(err as Error).message}`,
          0,
          'network-error',
          undefined,
          { cause: err },
        );
        await backoff(attempt);
        continue;
      }
      if (response.ok) {
        const text = await readBounded(response, limit);
        if (o.expect === 'text') return text;
        try {
          return JSON.parse(text) as unknown;
        } catch (cause) {
          throw new ProoflineError(
            `${method} ${path}: the answer is not JSON`,
            response.status,
            'invalid-response',
            undefined,
            { cause },
          );
        }
      }
      const problem = await responseProblem(response);
      lastError = problem;
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) break;
      await backoff(attempt, problem.retryAfterSeconds ?? 0);
    }
    throw lastError;
  }
}
/** A view's entry bytes and receipt note, or why it cannot be verified at all. */
function prepare(
  json: ReceiptJson,
): { entry: Uint8Array; receipt: string } | { failure: UntrustedResponseError } {
  if (typeof json !== 'object' || json === null) {
    return { failure: new UntrustedResponseError('the answer is not a receipt', []) };
  }
  let entry: Uint8Array;
  try {
    entry = base64Decode(json.entry);
  } catch {
    return { failure: new UntrustedResponseError('the receipt carries no valid entry', []) };
  }
  if (json.receipt === undefined) {
    // Nothing to verify: never report such a record as verified.
    return {
      failure: new UntrustedResponseError(`record ${json.id} has no creation receipt`, [
        { name: 'receipt', summary: 'the server returned no creation receipt for this record' },
      ]),
    };
  }
  if (typeof json.receipt !== 'string') {
    return { failure: new UntrustedResponseError('the answer is not a receipt', []) };
  }
  return { entry, receipt: json.receipt };
}

function sameStatement(record: RecordV1, statement: Statement): boolean {
  const { schema: _s, tenant: _t, time: _time, ...fields } = record;
  return canonicalJson(fields) === canonicalJson(statement);
}

function untrusted(message: string, verification: Verification): UntrustedResponseError {
  const failures = verification.checks
    .filter((c) => c.status === 'failed')
    .map((c) => ({ name: c.name, summary: c.summary }));
  return new UntrustedResponseError(
    `${message}: ${failures.map((f) => `${f.name}: ${f.summary}`).join('; ')}`,
    failures,
  );
}
