import { base64Decode } from '@proofline/note';
import { parseBundle, type Bundle, type RecordV1, type Statement } from '@proofline/records';
import {
  verifyBundle,
  verifyReceipt,
  type TrustPolicy,
  type Verification,
} from '@proofline/verify';
import { ProoflineError, UntrustedResponseError } from './errors.js';

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
  readonly verificationUrl: string;
  readonly verification: Verification;
}

export interface VerifiedBundle {
  readonly bundle: Bundle;
  readonly verification: Verification;
}

interface ReceiptJson {
  id: string;
  log: string;
  index: number;
  time: string;
  entry: string;
  /** Absent when the server stored no creation receipt with the record's commit. */
  receipt?: string;
  receiptProof?: string[];
  verificationUrl: string;
}

/**
 * Proofline API client. Submissions carry an Idempotency-Key (generated unless given), so
 * retries after timeouts or 503/429 can never create a second record. Nothing the server
 * returns is handed back unverified: receipts are checked with the log key, the returned
 * record must be exactly the submitted statement, and bundles must pass every check.
 */
export class ProoflineClient {
  private readonly base: string;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Attests one statement; resolves with its verified receipt. */
  async attest(statement: Statement, idempotencyKey?: string): Promise<VerifiedReceipt> {
    const body = await this.request('POST', '/v1/records', statement, idempotencyKey);
    return this.checkReceipt(body as ReceiptJson, statement);
  }

  /** Attests up to 1000 statements atomically; resolves with verified receipts in order. */
  async attestBatch(
    statements: readonly Statement[],
    idempotencyKey?: string,
  ): Promise<VerifiedReceipt[]> {
    const body = (await this.request(
      'POST',
      '/v1/records/batch',
      { records: statements },
      idempotencyKey,
    )) as {
      receipts: ReceiptJson[];
    };
    if (!Array.isArray(body.receipts) || body.receipts.length !== statements.length) {
      throw new UntrustedResponseError('the server returned the wrong number of receipts', []);
    }
    return Promise.all(body.receipts.map((r, i) => this.checkReceipt(r, statements[i]!)));
  }

  /** Fetches and verifies the proof bundle of a record (public: no API key needed). */
  async bundle(id: string, options: { trustedCheckpoint?: string } = {}): Promise<VerifiedBundle> {
    const path = `/v1/records/${encodeURIComponent(id)}/proof`;
    const text = (await this.request('GET', path, undefined, undefined, 'text')) as string;
    const verification = await verifyBundle(text, this.options.trust, options);
    if (!verification.ok) throw untrusted('the proof bundle does not verify', verification);
    const bundle = parseBundle(text);
    if (bundle.id !== id) throw new UntrustedResponseError(`asked for ${id}, got ${bundle.id}`, []);
    return { bundle, verification };
  }

  /** Records of this tenant with the given digest (verified like attest's receipts). */
  async findByDigest(digest: string): Promise<VerifiedReceipt[]> {
    const query = new URLSearchParams({
      digest,
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    const body = (await this.request('GET', `/v1/records?${query}`)) as { records: ReceiptJson[] };
    return Promise.all(body.records.map((r) => this.checkReceipt(r)));
  }

  private async checkReceipt(json: ReceiptJson, submitted?: Statement): Promise<VerifiedReceipt> {
    let entry: Uint8Array;
    try {
      entry = base64Decode(json.entry);
    } catch {
      throw new UntrustedResponseError('the receipt carries no valid entry', []);
    }
    if (json.receipt === undefined) {
      // Nothing to verify: never report such a record as verified.
      throw new UntrustedResponseError(`record ${json.id} has no creation receipt`, [
        { name: 'receipt', summary: 'the server returned no creation receipt for this record' },
      ]);
    }
    const receipt = json.receipt;
    const verification = await verifyReceipt(receipt, entry, this.options.trust, {
      index: json.index,
      ...(json.receiptProof === undefined ? {} : { receiptProof: json.receiptProof }),
    });
    if (!verification.ok || !verification.record || verification.index !== json.index) {
      throw untrusted('the receipt does not verify', verification);
    }
    const record = verification.record;
    if (submitted && !sameStatement(record, submitted)) {
      throw new UntrustedResponseError(
        'the log recorded something other than what was submitted',
        [],
      );
    }
    return {
      id: json.id,
      log: json.log,
      index: json.index,
      time: record.time,
      record,
      entry,
      receipt,
      ...(json.receiptProof === undefined ? {} : { receiptProof: json.receiptProof }),
      verificationUrl: json.verificationUrl,
      verification,
    };
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
    expect: 'json' | 'text' = 'json',
  ): Promise<unknown> {
    const key = method === 'POST' ? (idempotencyKey ?? globalThis.crypto.randomUUID()) : undefined;
    const query =
      method === 'POST' && this.options.log ? `?log=${encodeURIComponent(this.options.log)}` : '';
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.base}${path}${query}`, {
          method,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
            ...(key ? { 'idempotency-key': key } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        lastError = new ProoflineError(
          `request failed: ${(err as Error).message}`,
          0,
          'network-error',
          undefined,
          {
            cause: err,
          },
        );
        await backoff(attempt);
        continue;
      }
      if (response.ok) return expect === 'json' ? response.json() : response.text();
      const type = response.headers.get('content-type') ?? '';
      const problem = type.includes('problem+json')
        ? ((await response.json()) as { code?: string; detail?: string; field?: string })
        : {};
      lastError = new ProoflineError(
        problem.detail ?? `HTTP ${response.status}`,
        response.status,
        problem.code ?? `http-${response.status}`,
        problem.field,
      );
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) break;
      await backoff(attempt, Number(response.headers.get('retry-after')));
    }
    throw lastError;
  }
}

function sameStatement(record: RecordV1, statement: Statement): boolean {
  const { schema: _s, tenant: _t, time: _time, ...fields } = record;
  return stable(fields) === stable(statement);
}

/** JSON with sorted keys, for comparing two plain values. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
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

async function backoff(attempt: number, retryAfterSeconds = 0): Promise<void> {
  const ms = Math.max(retryAfterSeconds * 1000, 100 * 2 ** (attempt - 1) * (0.5 + Math.random()));
  await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10_000)));
}
