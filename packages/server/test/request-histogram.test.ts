import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { RequestHistogram } from '../src/request-histogram.js';

const NAME = 'proofline_test_request_duration_seconds';
const HELP = 'requests "by" method\\route';
const BUCKETS = [0.001, 0.01, 0.1, 1];

/** Observations over several series, first seen in an interleaved order; values on the edges. */
const OBSERVED: [string, string, number, number][] = [
  ['GET', '/v1/records/:id/proof', 200, 0.0004],
  ['POST', '/v1/records', 201, 0.01],
  ['GET', '/v1/records/:id/proof', 200, 0.001],
  ['GET', 'unmatched', 404, 0.02],
  ['POST', '/v1/records', 201, 2.5],
  ['GET', '/v1/records/:id/proof', 404, 0.3],
  ['POST', '/v1/records', 503, 1],
  ['GET', '/v1/records/:id/proof', 200, 0.05],
];

function both() {
  const mine = new Registry();
  const theirs = new Registry();
  const request = new RequestHistogram(NAME, HELP, BUCKETS, mine);
  const reference = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['method', 'route', 'status'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  for (const [method, route, status, seconds] of OBSERVED) {
    request.observe(method, route, status, seconds);
    reference.observe({ method, route, status }, seconds);
  }
  return { mine, theirs, request, reference };
}

describe('RequestHistogram', () => {
  it("prints in /metrics exactly what prom-client's Histogram prints", async () => {
    const { mine, theirs } = both();
    const text = await mine.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(
      text,
      /_bucket\{le="0.001",method="GET",route="\/v1\/records\/:id\/proof",status="200"\} 2\n/,
    );
  });

  it("gives the JSON form prom-client's Histogram gives", async () => {
    const { mine, theirs } = both();
    assert.deepEqual(await mine.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  });

  it('forgets every series on reset', async () => {
    const { mine, theirs } = both();
    mine.resetMetrics();
    theirs.resetMetrics();
    assert.equal(await mine.metrics(), await theirs.metrics());
    assert.doesNotMatch(await mine.metrics(), /_count/);
  });
});
