import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommitReport, PublisherOptions, WitnessingReport } from '@proofline/sequencer';
import type { Storage } from '@proofline/storage';
import { StorageError } from '@proofline/storage';
import type { LogRuntime } from './records/service.js';
import { RequestHistogram } from './request-histogram.js';

/** Storage errors that are the caller's (a 404, a bad range), not a failing store. */
const CALLER_ERRORS = new Set(['UNKNOWN_LOG', 'OUT_OF_RANGE', 'INVALID_ARGUMENT']);

/**
 * The service's Prometheus metrics (docs/observability.md lists them all), in one registry.
 * The sequencer and publisher know nothing of Prometheus: they report through the hooks this
 * object hands out (`sequencerHooks`, `publisherHooks`), which the composition root (`proofline
 * serve`) passes to them; gauges of state (backlog, checkpoint size and age) are read when
 * scraped. Recording is a label lookup and an increment: nothing is formatted per request (the
 * HTTP requests' histogram is a RequestHistogram: not even an allocation).
 */
export class ServerMetrics {
  readonly registry: Registry;
  private readonly http: RequestHistogram;
  private readonly sequenced: Counter<'log'>;
  private readonly commitEntries: Histogram<'log'>;
  private readonly commitSeconds: Histogram<'log' | 'result'>;
  private readonly witness: Counter<'log' | 'witness' | 'result'>;
  private readonly witnessRounds: Counter<'log' | 'result'>;
  private readonly timestamps: Counter<'log' | 'tsa' | 'result'>;
  private readonly rateLimited: Counter;
  private readonly storageErrors: Counter<'operation'>;
  private readonly publisherErrors: Counter<'log'>;
  /** The state gauges read at scrape time: set by `observe`. */
  private state: { storage: Storage; logs: ReadonlyMap<string, LogRuntime> } | undefined;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    collectDefaultMetrics({ register: registry, prefix: 'proofline_' });
    this.http = new RequestHistogram(
      'proofline_http_request_duration_seconds',
      'HTTP requests by method, route pattern and status, and their latency until the response was sent',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registry,
    );
    this.sequenced = new Counter({
      name: 'proofline_records_sequenced_total',
      help: 'Entries durably sequenced by this process, per log',
      labelNames: ['log'],
      registers,
    });
    this.commitEntries = new Histogram({
      name: 'proofline_commit_batch_entries',
      help: 'Entries per storage transaction of the sequencer',
      labelNames: ['log'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'proofline_commit_duration_seconds',
      help: 'Duration of the storage transactions of the sequencer, by result (ok, error)',
      labelNames: ['log', 'result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.witness = new Counter({
      name: 'proofline_witness_requests_total',
      help: 'Cosignature requests to each witness, by result (success, failure)',
      labelNames: ['log', 'witness', 'result'],
      registers,
    });
    this.witnessRounds = new Counter({
      name: 'proofline_witnessing_rounds_total',
      help: 'Checkpoints sent to the witnesses, by result (quorum, no-quorum)',
      labelNames: ['log', 'result'],
      registers,
    });
    this.timestamps = new Counter({
      name: 'proofline_timestamp_requests_total',
      help: 'RFC 3161 time-stamp requests to each TSA, by result (success, failure)',
      labelNames: ['log', 'tsa', 'result'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'proofline_rate_limited_requests_total',
      help: 'Requests refused with 429 by the per-key rate limits',
      registers,
    });
    this.storageErrors = new Counter({
      name: 'proofline_storage_errors_total',
      help: 'Failed storage operations (not the caller errors unknown log, out of range, invalid argument), by operation',
      labelNames: ['operation'],
      registers,
    });
    this.publisherErrors = new Counter({
      name: 'proofline_publisher_errors_total',
      help: 'Errors of the background publishing rounds, per log',
      labelNames: ['log'],
      registers,
    });
    const backlog: Gauge<'log'> = new Gauge({
      name: 'proofline_sequencer_backlog',
      help: 'Entries accepted by the sequencer and not yet committed, per log',
      labelNames: ['log'],
      registers,
      collect: () => {
        for (const [name, runtime] of this.state?.logs ?? []) {
          backlog.set({ log: name }, runtime.sequencer.backlog);
        }
      },
    });
    const size: Gauge<'log'> = new Gauge({
      name: 'proofline_checkpoint_size',
      help: 'Size of the latest published checkpoint, per log',
      labelNames: ['log'],
      registers,
      collect: async () => {
        for (const [name, latest] of await this.latest()) {
          if (latest) size.set({ log: name }, latest.size);
        }
      },
    });
    const age: Gauge<'log'> = new Gauge({
      name: 'proofline_checkpoint_age_seconds',
      help: 'Seconds since the latest checkpoint was published, per log',
      labelNames: ['log'],
      registers,
      collect: async () => {
        const now = Date.now();
        for (const [name, latest] of await this.latest()) {
          if (latest) age.set({ log: name }, (now - latest.publishedAt) / 1000);
        }
      },
    });
  }

  /** Gives the scrape-time gauges the logs to read (buildApp calls it). */
  observe(storage: Storage, logs: ReadonlyMap<string, LogRuntime>): void {
    this.state = { storage, logs };
  }

  /** Records one HTTP request; `route` is the route pattern, never the raw URL. */
  request(method: string, route: string, status: number, seconds: number): void {
    this.http.observe(method, route, status, seconds);
  }

  /** Counts a request refused by a rate limit (no tenant label: /metrics is public). */
  limited(): void {
    this.rateLimited.inc();
  }

  /** The `onCommit` hook of a log's Sequencer. */
  sequencerHooks(log: string): { onCommit(report: CommitReport): void } {
    return {
      onCommit: (report) => {
        if (report.ok) {
          this.sequenced.inc({ log }, report.sequenced);
          this.commitEntries.observe({ log }, report.entries);
        } else {
          this.storageErrors.inc({ operation: 'sequence' });
        }
        this.commitSeconds.observe({ log, result: report.ok ? 'ok' : 'error' }, report.ms / 1000);
      },
    };
  }

  /** Hooks of a log's Publisher (its `onError` stays the caller's: call `publisherError`). */
  publisherHooks(
    log: string,
  ): Required<Pick<PublisherOptions, 'onWitnessing' | 'onTimestamp' | 'onTimestampFailure'>> {
    return {
      onWitnessing: (report: WitnessingReport) => {
        this.witnessRounds.inc({ log, result: report.satisfied ? 'quorum' : 'no-quorum' });
        for (const witness of report.cosigned) {
          this.witness.inc({ log, witness, result: 'success' });
        }
        for (const witness of report.failed) this.witness.inc({ log, witness, result: 'failure' });
      },
      onTimestamp: ({ tsa }) => this.timestamps.inc({ log, tsa, result: 'success' }),
      onTimestampFailure: ({ tsa }) => this.timestamps.inc({ log, tsa, result: 'failure' }),
    };
  }

  /** Counts an error of a log's publishing round (and a storage error, if it is one). */
  publisherError(log: string, err: unknown): void {
    this.publisherErrors.inc({ log });
    if (err instanceof StorageError && !CALLER_ERRORS.has(err.code)) {
      this.storageErrors.inc({ operation: 'publish' });
    }
  }

  /**
   * `storage`, counting its failed operations (rejections other than the caller errors) by
   * method name. The methods run on the original object, so drivers with private state work.
   */
  countStorageErrors(storage: Storage): Storage {
    const wrapped = new Map<PropertyKey, unknown>();
    const errors = this.storageErrors;
    const count = (operation: string) => (err: unknown) => {
      if (!(err instanceof StorageError && CALLER_ERRORS.has(err.code))) {
        errors.inc({ operation });
      }
      throw err;
    };
    return new Proxy(storage, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        let wrapper = wrapped.get(prop);
        if (wrapper === undefined) {
          const fail = count(prop);
          wrapper = (...args: unknown[]) => {
            let result: unknown;
            try {
              result = (value as (...a: unknown[]) => unknown).apply(target, args);
            } catch (err) {
              return fail(err);
            }
            return result instanceof Promise ? result.catch(fail) : result;
          };
          wrapped.set(prop, wrapper);
        }
        return wrapper;
      },
    });
  }

  /** The latest checkpoint of every observed log (a log that fails to read is skipped). */
  private async latest() {
    const state = this.state;
    if (state === undefined) return [];
    return Promise.all(
      [...state.logs.keys()].map(async (name) => {
        try {
          return [name, await state.storage.latestCheckpoint(name)] as const;
        } catch {
          return [name, undefined] as const;
        }
      }),
    );
  }
}
