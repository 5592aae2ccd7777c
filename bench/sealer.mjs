/* global process, console, URL, TextEncoder */
/**
 * CPU time per ReceiptSealer seal with a SyncSigner (node:crypto, the fast path), one seal
 * and settle per session as the sequencer does, for commits of 1, 16 and 1000 entries. With a second build of
 * @proofline/sequencer's dist/src (e.g. the previous commit's, copied aside), the two are
 * measured in alternating rounds in this one process, so shared-machine noise hits both:
 *
 *   node bench/sealer.mjs [OTHER_DIST_SRC] [ROUNDS]
 *
 * Needs `npx tsc -b` first. Prints µs of process CPU per seal, per round and the median, and
 * the median of the per-round ratios this/other (the paired comparison).
 */
import { receiptFormat } from '@proofline/records';

const other = process.argv[2];
const rounds = Number(process.argv[3] ?? 9);
/** Seals per measurement: fewer for a batch-sized commit (1000 entries, as batch attest's). */
const sealsOf = (size) => (size > 16 ? 64 : 4000);
const SEED = new Uint8Array(32).fill(7);
const ORIGIN = 'bench.example/log';

const builds = [
  ['this', new URL('../packages/sequencer/dist/src/receipt-sealer.js', import.meta.url)],
];
if (other) builds.push(['other', new URL(`file://${other}/receipt-sealer.js`)]);
const sealers = [];
for (const [name, url] of builds) {
  const { ReceiptSealer } = await import(url.href);
  sealers.push([name, ReceiptSealer]);
}

/** µs of CPU per seal of `size` entries through a fresh sealer of `ReceiptSealer`. */
function measure(ReceiptSealer, size) {
  const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, () => {});
  const entries = Array.from({ length: size }, (_, i) => new TextEncoder().encode(`entry ${i}`));
  const seals = sealsOf(size);
  let first = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < seals; i++) {
    const session = sealer.session();
    const note = session.seal({ first, timeMs: 1_700_000_000_000 + i, entries });
    if (typeof note !== 'string') throw new Error('the sync path returned a promise');
    session.settle('stored');
    first += size;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / seals;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const size of [1, 16, 1000]) {
  const times = new Map(sealers.map(([name]) => [name, []]));
  for (const [, S] of sealers) measure(S, size); // warm up
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sealers : [...sealers].reverse();
    for (const [name, S] of order) times.get(name).push(measure(S, size));
  }
  if (other) {
    const [a, b] = [times.get('this'), times.get('other')];
    const ratios = a.map((t, i) => t / b[i]);
    console.log(
      `${size} entr${size === 1 ? 'y' : 'ies'} per seal: this/other, median of the rounds' ratios ${median(ratios).toFixed(3)}`,
    );
  }
  for (const [name, ts] of times) {
    console.log(
      `${size} entr${size === 1 ? 'y' : 'ies'} per seal, ${name}: median ${median(ts).toFixed(2)} µs CPU/seal (rounds: ${ts.map((t) => t.toFixed(1)).join(' ')})`,
    );
  }
}
