/**
 * wrk 4's latency statistics. Before it reports (and before a script's done()), wrk runs
 * `stats_correct(latency, i)` with i = ⌊run µs ÷ ⌊responses ÷ connections⌋⌋: for every
 * recorded latency n ≥ 2i it adds synthetic samples n−i, n−2i, … while > i (a guess at
 * requests a closed loop did not send while it waited). These helpers redo that over the
 * responses' own latencies (µs → count) and take wrk's percentiles.
 */

/** wrk's correction interval (µs), or 0 when wrk applies none. */
export function wrkInterval(durationUs, requests, connections) {
  const perConnection = Math.floor(requests / connections);
  return perConnection > 0 ? Math.floor(durationUs / perConnection) : 0;
}

/** wrk's stats_correct, on a copy of `counts` (Map µs → count). */
export function wrkCorrect(counts, interval) {
  const out = new Map(counts);
  if (interval <= 0) return out;
  for (const [n, count] of counts) {
    if (n < 2 * interval) continue;
    for (let m = n - interval; m > interval; m -= interval) out.set(m, (out.get(m) ?? 0) + count);
  }
  return out;
}

/** wrk's stats_percentile: the least value whose cumulative count reaches round(p% · n + ½). */
export function wrkPercentile(counts, p) {
  const values = [...counts.keys()].sort((a, b) => a - b);
  const total = values.reduce((sum, v) => sum + counts.get(v), 0);
  const rank = Math.round((p / 100) * total + 0.5);
  let seen = 0;
  for (const v of values) {
    seen += counts.get(v);
    if (seen >= rank) return v;
  }
  return 0;
}
