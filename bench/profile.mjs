/* global process, console */
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top frames by self time, the top
 * functions by inclusive time, and where the time goes by package. Percentages are of the
 * busy time (samples that are not "(idle)"), from the first HTTP request on. A native call
 * (e.g. better-sqlite3 running COMMIT, fsync included) counts as busy time of its JS caller.
 *
 *   node bench/profile.mjs FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';
import { ROOT } from './lib.mjs';

function frameKey(cf) {
  const url = cf.url.replace(`file://${ROOT}/`, '').replace(/^file:\/\//, '');
  const where = url ? ` ${url}:${cf.lineNumber + 1}` : '';
  return `${cf.functionName || '(anonymous)'}${where}`;
}

function category(cf) {
  const url = cf.url;
  if (!url) {
    if (cf.functionName.startsWith('(')) return cf.functionName; // (garbage collector), ...
    return 'native/builtin';
  }
  let m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) return m[1];
  m = /packages\/([^/]+)\//.exec(url);
  if (m) return `@proofline/${m[1]}`;
  if (url.startsWith('node:')) return 'node core';
  return 'other';
}

export function analyzeProfile(file, top = 12, warmUpMs = 0) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Start-up (module loading, opening the store) is not what a load exercises: count samples
  // from the first one taken while an HTTP request was being parsed.
  const servesHttp = (id) => {
    for (let n = id; n !== undefined; n = parent.get(n)) {
      if (byId.get(n).callFrame.functionName === 'parserOnIncoming') return true;
    }
    return false;
  };
  let first = profile.samples.findIndex(servesHttp);
  if (first < 0) first = 0;
  // A warm-up load (JIT, caches) that started with the first request is left out too.
  for (let warmUs = 0; first < profile.samples.length && warmUs < warmUpMs * 1000; first++) {
    warmUs += profile.timeDeltas[first] ?? 0;
  }
  let skippedUs = 0;
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    if (i < first) {
      skippedUs += profile.timeDeltas[i] ?? 0;
      continue;
    }
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const self = new Map();
  const inclusive = new Map();
  const categories = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    total += us;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const cat = category(node.callFrame);
    categories.set(cat, (categories.get(cat) ?? 0) + us);
    const keys = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const cf = byId.get(n).callFrame;
      if (cf.functionName === '(root)') continue;
      keys.add(frameKey(cf));
    }
    for (const k of keys) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
  const busy = total - idle;
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, ms: us / 1000, pct: (100 * us) / busy }));
  return {
    file,
    wallMs: (profile.endTime - profile.startTime - skippedUs) / 1000,
    skippedMs: skippedUs / 1000,
    busyMs: busy / 1000,
    idlePct: (100 * idle) / Math.max(1, total),
    self: rank(self),
    inclusive: rank(inclusive),
    categories: rank(categories),
  };
}

export function formatProfile(p, title) {
  const lines = [
    `${title}: ${p.busyMs.toFixed(0)} ms busy of ${p.wallMs.toFixed(0)} ms (idle ${p.idlePct.toFixed(1)}%; ` +
      `the first ${p.skippedMs.toFixed(0)} ms, before the first HTTP request and the warm-up, left out)`,
  ];
  const section = (name, rows) => {
    lines.push(`  ${name}:`);
    for (const r of rows) {
      lines.push(`    ${r.pct.toFixed(1).padStart(5)}%  ${r.frame}`);
    }
  };
  section('top frames by self time (% of busy)', p.self);
  section('top functions by inclusive time', p.inclusive);
  section('by package (self)', p.categories);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile.mjs FILE.cpuprofile [N]');
    process.exit(2);
  }
  console.log(formatProfile(analyzeProfile(file, Number(process.argv[3] ?? 15)), file));
}
