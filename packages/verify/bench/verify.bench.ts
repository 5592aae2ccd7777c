/**
 * Benchmark of verifyBundle on Node, next to a baseline measured in the same run: the raw
 * cost of the work no verifier can skip, two Ed25519 verifications (receipt and checkpoint,
 * WebCrypto with the key imported once) and one inclusion proof verification. Each figure
 * is the median of RUNS runs of ITERATIONS sequential operations: wall-clock µs/op and
 * ops/s, and the process CPU time per op (all threads, so also WebCrypto's worker threads,
 * which is less disturbed by other load on the machine).
 *
 *     npx tsc -b && node packages/verify/dist/bench/verify.bench.js
 */
import { parseNote } from '@proofline/note';
import { formatBundle } from '@proofline/records';
import { leafHash, verifyInclusion } from '@proofline/tlog';
import { verifyBundle, type TrustPolicy } from '../src/index.js';
import { detectBackend } from '../src/ed25519/backends.js';
import { ISSUER, LOG_KEY, POLICY, TestLog, utf8, witness } from '../test/helpers.js';

const RUNS = 7;
const ITERATIONS = 500;
const LOG_SIZE = 65_659;

/** Wall-clock and process CPU time (all threads, so WebCrypto's too) per call, in µs. */
interface Cost {
  readonly wall: number;
  readonly cpu: number;
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1]!;

/** Medians over RUNS runs of the mean cost of one sequential call of `op`. */
async function measure(op: () => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < 100; i++) await op();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) await op();
    const used = process.cpuUsage(startCpu);
    wall.push(((performance.now() - start) * 1000) / ITERATIONS);
    cpu.push((used.user + used.system) / ITERATIONS);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function row(name: string, cost: Cost, baseline?: Cost): string {
  const ratio = baseline === undefined ? '' : `${(cost.wall / baseline.wall).toFixed(2)}x`;
  return [
    name.padEnd(42),
    cost.wall.toFixed(1).padStart(8),
    Math.round(1e6 / cost.wall)
      .toString()
      .padStart(8),
    cost.cpu.toFixed(1).padStart(8),
    ratio.padStart(10),
  ].join(' ');
}

async function main(): Promise<void> {
  const started = performance.now();
  const index = 40_000;
  const log = await TestLog.create({ size: LOG_SIZE, issuer: ISSUER, issued: (i) => i === index });
  const bundle = await log.bundle(index);
  const json = formatBundle(bundle);
  const w1 = witness('witness.example/w1', 41);
  const w2 = witness('witness.example/w2', 42);
  const cosigned = formatBundle(await log.bundle(index, LOG_SIZE, { witnesses: [w1, w2] }));
  const strict: TrustPolicy = {
    logKey: LOG_KEY.vkey,
    issuerKeys: [ISSUER.vkey],
    requireIssuerSignature: true,
    witnesses: { keys: [w1.vkey, w2.vkey], quorum: 2 },
  };
  if (!(await verifyBundle(json, POLICY)).ok || !(await verifyBundle(cosigned, strict)).ok) {
    throw new Error('the benchmark bundles do not verify');
  }

  // Baseline inputs: exactly what verifyBundle verifies, prepared outside the timed loop.
  const receipt = parseNote(bundle.receipt);
  const checkpoint = parseNote(bundle.checkpoint);
  const signed = [
    [utf8(receipt.text), receipt.signatures[0]!.signature],
    [utf8(checkpoint.text), checkpoint.signatures[0]!.signature],
  ] as const;
  const algorithm = { name: 'Ed25519' };
  const key = await crypto.subtle.importKey('raw', LOG_KEY.publicKey, algorithm, false, ['verify']);
  const leaf = leafHash(bundle.entry);
  const root = await log.root(LOG_SIZE);
  const baselineOp = async (): Promise<void> => {
    for (const [message, signature] of signed) {
      if (!(await crypto.subtle.verify(algorithm, key, signature, message))) throw new Error('sig');
    }
    verifyInclusion(leaf, index, LOG_SIZE, bundle.inclusionProof, root);
  };

  const baseline = await measure(baselineOp);
  const plain = await measure(() => verifyBundle(json, POLICY));
  const full = await measure(() => verifyBundle(cosigned, strict));
  console.log(
    `verifyBundle on Node ${process.version}, Ed25519 back end ${await detectBackend()}, ` +
      `log size ${LOG_SIZE}, proof of ${bundle.inclusionProof.length} hashes, ` +
      `median of ${RUNS} runs x ${ITERATIONS} (setup ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  console.log(
    [
      'case'.padEnd(42),
      'µs/op'.padStart(8),
      'ops/s'.padStart(8),
      'CPU µs'.padStart(8),
      'vs base'.padStart(10),
    ].join(' '),
  );
  console.log(row('baseline: 2 Ed25519 verify + 1 inclusion', baseline));
  console.log(row('verifyBundle', plain, baseline));
  console.log(row('verifyBundle + issuer + 2 witnesses', full, baseline));
}

await main();
