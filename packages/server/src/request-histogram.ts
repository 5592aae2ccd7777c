import type { Metric, Registry } from 'prom-client';

interface Labels {
  readonly method: string;
  readonly route: string;
  readonly status: number;
}

/** One label set's observations: per bucket (not cumulative), their sum and count. */
interface Series {
  readonly labels: Labels;
  readonly counts: number[];
  sum: number;
  count: number;
}

/** One exported value, in prom-client's shape (what its Histogram exports). */
interface Value {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Labels;
  readonly value: number;
  readonly metricName: string;
  readonly exemplar: null | undefined;
}

/**
 * A Prometheus histogram of HTTP requests by method, route and status, recorded without
 * allocating or building a string per request (prom-client's Histogram validates, copies and
 * hashes the labels of every observation): a request finds its series through nested maps and
 * counts into its bucket. It registers in a prom-client registry and exports what prom-client's
 * Histogram with the same name, help, buckets and observations exports, so /metrics prints
 * the same text (tested).
 */
export class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Every series, in the order of their first observation (prom-client's order). */
  private readonly all: Series[] = [];
  private readonly byLabels = new Map<string, Map<string, Map<number, Series>>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // The registry reads a metric's name, type, getForPromString or get, and reset only.
    registry.registerMetric(this as unknown as Metric);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    let routes = this.byLabels.get(method);
    if (routes === undefined) this.byLabels.set(method, (routes = new Map()));
    let statuses = routes.get(route);
    if (statuses === undefined) routes.set(route, (statuses = new Map()));
    let series = statuses.get(status);
    if (series === undefined) {
      const counts = new Array<number>(this.buckets.length).fill(0);
      series = { labels: { method, route, status }, counts, sum: 0, count: 0 };
      statuses.set(status, series);
      this.all.push(series);
    }
    const i = this.buckets.findIndex((bound) => seconds <= bound);
    if (i >= 0) series.counts[i]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** What the registry prints (prom-client calls it when formatting /metrics). */
  getForPromString() {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all) {
      let cumulative = 0;
      for (const [i, le] of this.buckets.entries()) {
        cumulative += s.counts[i]!;
        values.push(value({ le }, s, cumulative, bucket, null));
      }
      values.push(value({ le: '+Inf' }, s, s.count, bucket, null));
      values.push(value({}, s, s.sum, `${this.name}_sum`, undefined));
      values.push(value({}, s, s.count, `${this.name}_count`, undefined));
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  /** The registry's JSON form: each value with all its labels. */
  get() {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    this.all.length = 0;
    this.byLabels.clear();
  }
}

function value(
  labels: Value['labels'],
  series: Series,
  v: number,
  metricName: string,
  exemplar: null | undefined,
): Value {
  return { labels, sharedLabels: series.labels, value: v, metricName, exemplar };
}
