/**
 * A load generator for a cluster of `proofline serve` nodes: concurrent workers POST records
 * (single ones and batches) round-robin to the nodes, each request with its own
 * Idempotency-Key, and remember every acknowledged receipt. A request that fails (connection
 * error, timeout, 5xx) is not acknowledged and is retried with the same key on another node,
 * as a client behind a load balancer would; a node that failed is skipped for a moment (a
 * passive health check).
 */
import { createHash } from 'node:crypto';

export interface LoadNode {
  readonly name: string;
  readonly url: string;
}

/** One acknowledged record, as its receipt said. */
export interface Ack {
  readonly key: string;
  readonly id: string;
  readonly index: number;
  readonly digest: string;
  readonly subject: string;
  /** The node that acknowledged it. */
  readonly node: string;
  /** performance.now() when the acknowledgement arrived. */
  readonly at: number;
}

export interface Statement {
  readonly type: string;
  readonly digest: string;
  readonly subject: string;
}

interface Request {
  readonly key: string;
  readonly statements: readonly Statement[];
  readonly batch: boolean;
}

interface ReceiptJson {
  readonly id: string;
  readonly index: number;
  readonly record: { readonly digest: string; readonly subject?: string };
}

export interface LoadOptions {
  readonly workers: number;
  /** Every `batchEvery`-th request is a batch of `batchSize` records. */
  readonly batchEvery: number;
  readonly batchSize: number;
  /** Per-attempt timeout (a paused node never answers). */
  readonly timeoutMs: number;
  /** How long a node that failed is skipped. */
  readonly suspectMs: number;
}

export class LoadGenerator {
  /** Acknowledged records by digest. */
  readonly acked = new Map<string, Ack>();
  /** Acknowledged requests by idempotency key, with their records in order. */
  readonly ackedRequests = new Map<string, { request: Request; acks: Ack[] }>();
  /** Problems that fail the test: unexpected statuses, receipts that do not match. */
  readonly errors: string[] = [];
  readonly stats = {
    requests: 0,
    attempts: 0,
    /** Attempts that failed: connection errors, timeouts, 5xx. */
    failures: 0,
    timeouts: 0,
    /** Failed attempts by HTTP status (500, 503, ...). */
    statuses: {} as Record<number, number>,
    /** Requests acknowledged on a retry as a replay: the failed attempt had committed. */
    replayedAfterFailure: 0,
    /** Requests given up when the load stopped (not acknowledged). */
    abandoned: 0,
    batches: 0,
  };
  private readonly runId = createHash('sha256').update(String(Math.random())).digest('hex');
  private readonly suspectUntil = new Map<string, number>();
  private workers: Promise<void>[] = [];
  private next = 0;
  private turn = 0;
  private stopping = false;
  private giveUpAt = Infinity;

  constructor(
    private readonly nodes: () => readonly LoadNode[],
    private readonly apiKey: string,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    for (let w = 0; w < this.options.workers; w++) this.workers.push(this.work());
  }

  /** Stops issuing requests; requests in flight keep retrying for up to `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.giveUpAt = performance.now() + graceMs;
    await Promise.all(this.workers);
  }

  /** Acknowledgements by `node` that arrived after `since` (performance.now()). */
  ackedVia(node: string, since: number): number {
    let n = 0;
    for (const ack of this.acked.values()) if (ack.node === node && ack.at > since) n++;
    return n;
  }

  /**
   * Sends an acknowledged request again, with its key, to `node`: it must be replayed as
   * the same records at the same indices.
   */
  async replay(key: string, node: LoadNode): Promise<void> {
    const entry = this.ackedRequests.get(key);
    if (!entry) throw new Error(`request ${key} was not acknowledged`);
    const res = await this.post(node, entry.request);
    const text = await res.text();
    if (res.status !== 200 || res.headers.get('idempotent-replayed') !== 'true') {
      throw new Error(`replay of ${key} on ${node.name}: HTTP ${res.status} ${text}`);
    }
    const receipts = this.receipts(entry.request, text);
    const got = receipts.map((r) => `${r.id}@${r.index}`).join(',');
    const want = entry.acks.map((a) => `${a.id}@${a.index}`).join(',');
    if (got !== want) throw new Error(`replay of ${key} gave ${got}, first acknowledged ${want}`);
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const n = this.next++;
      const batch = n % this.options.batchEvery === this.options.batchEvery - 1;
      const statements: Statement[] = [];
      for (let i = 0; i < (batch ? this.options.batchSize : 1); i++) {
        const subject = `cluster ${this.runId.slice(0, 8)} ${n} ${i}`;
        statements.push({
          type: 'test.cluster',
          digest: `sha256:${createHash('sha256').update(`${this.runId} ${subject}`).digest('hex')}`,
          subject,
        });
      }
      this.stats.requests++;
      if (batch) this.stats.batches++;
      await this.submit({ key: `${this.runId.slice(0, 16)}-${n}`, statements, batch });
    }
  }

  /** Sends one request until a node acknowledges it (or the load stops and the grace ends). */
  private async submit(request: Request): Promise<void> {
    let failedBefore = false;
    while (true) {
      if (this.stopping && performance.now() > this.giveUpAt) {
        this.stats.abandoned++;
        return;
      }
      const node = this.pick();
      this.stats.attempts++;
      let status = 0;
      let replayed = false;
      let text = '';
      try {
        const res = await this.post(node, request);
        text = await res.text();
        status = res.status;
        replayed = res.headers.get('idempotent-replayed') === 'true';
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') this.stats.timeouts++;
      }
      if (status === 200 || status === 201) {
        if (replayed && !failedBefore) {
          this.errors.push(`request ${request.key}: replayed on its first attempt`);
        }
        if (replayed) this.stats.replayedAfterFailure++;
        try {
          this.acknowledge(request, node, this.receipts(request, text));
        } catch (err) {
          this.errors.push(`request ${request.key}: ${(err as Error).message} in ${text}`);
        }
        return;
      }
      if (status !== 0 && status < 500) {
        this.errors.push(`request ${request.key} on ${node.name}: HTTP ${status} ${text}`);
        return;
      }
      // Not acknowledged: skip this node for a while and retry the same key elsewhere.
      this.stats.failures++;
      if (status !== 0) this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
      failedBefore = true;
      this.suspectUntil.set(node.url, performance.now() + this.options.suspectMs);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private post(node: LoadNode, request: Request): Promise<Response> {
    const body = request.batch
      ? JSON.stringify({ records: request.statements })
      : JSON.stringify(request.statements[0]);
    return fetch(`${node.url}/v1/records${request.batch ? '/batch' : ''}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': request.key,
      },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  /** The next node round-robin, skipping suspect ones unless every node is suspect. */
  private pick(): LoadNode {
    const nodes = this.nodes();
    const now = performance.now();
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[this.turn++ % nodes.length]!;
      if ((this.suspectUntil.get(node.url) ?? 0) <= now) return node;
    }
    return nodes[this.turn++ % nodes.length]!;
  }

  private receipts(request: Request, text: string): ReceiptJson[] {
    const body = JSON.parse(text) as ReceiptJson | { receipts: ReceiptJson[] };
    const receipts = request.batch
      ? (body as { receipts: ReceiptJson[] }).receipts
      : [body as ReceiptJson];
    if (receipts.length !== request.statements.length) {
      throw new Error(`request ${request.key}: ${receipts.length} receipts`);
    }
    return receipts;
  }

  private acknowledge(request: Request, node: LoadNode, receipts: ReceiptJson[]): void {
    const at = performance.now();
    const acks = receipts.map((receipt, i) => {
      const statement = request.statements[i]!;
      if (
        receipt.record.digest !== statement.digest ||
        receipt.record.subject !== statement.subject ||
        receipt.id !== `default-${receipt.index}`
      ) {
        this.errors.push(
          `request ${request.key}: receipt ${i} (${receipt.id}) is not for ${statement.subject}`,
        );
      }
      const ack: Ack = {
        key: request.key,
        id: receipt.id,
        index: receipt.index,
        digest: statement.digest,
        subject: statement.subject,
        node: node.name,
        at,
      };
      if (this.acked.has(ack.digest)) this.errors.push(`${statement.subject} acknowledged twice`);
      this.acked.set(ack.digest, ack);
      return ack;
    });
    this.ackedRequests.set(request.key, { request, acks });
  }
}
