/* global process, console, performance, TextEncoder */
/**
 * CPU time of one publishing round (Publisher.publish: integrate, root, consistency proofs,
 * guard check and durable guard write, checkpoint note and root signatures, publication), as
 * `proofline serve` runs it (SQLite, node:crypto hashes and keys, a checkpoint guard, no
 * witnesses), after `per` sealed single-entry commits: what the one-connection load pays about
 * ten times a second, whatever its request rate. CPU is the whole process's (every thread:
 * the writer thread's transactions included); the first 10 rounds are left out (JIT).
 *
 *   node bench/publish-round.mjs [CHECKOUT] [ROUNDS] [PER]
 *
 * CHECKOUT (default: this one) is the root of a built Proofline checkout, so that two builds
 * can be compared A/B on one machine: `node bench/publish-round.mjs /path/to/other 150 20`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const [checkout = ROOT, rounds = '150', per = '20'] = process.argv.slice(2);
const load = (path) => import(join(checkout, 'packages', path));
const sequencer = await load('sequencer/dist/src/index.js');
const { SqliteStorage } = await load('storage-sqlite/dist/src/index.js');
const { receiptFormat } = await load('records/dist/src/index.js');
const { nodeLeafHash, nodeInteriorHash } = await load('tlog/dist/src/node.js');
const note = await load('note/dist/src/index.js');

const origin = 'bench.test/round';
const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const verifierKey = note.formatVerifierKey(
  origin,
  note.parseSignerKey(note.formatSignerKey(origin, seed)).publicKey,
);
const dir = mkdtempSync(join(tmpdir(), 'proofline-round-'));
const storage = new SqliteStorage(join(dir, 'log.db'));
const config = await storage.ensureLog({
  name: 'round',
  tenant: 'bench',
  origin,
  verifierKey,
  createdAt: Date.now(),
  visibility: 'public',
});
const sealer = new sequencer.ReceiptSealer(origin, seed, receiptFormat);
const seq = new sequencer.Sequencer(storage, 'round', { sealer });
const guard = new sequencer.CheckpointGuard({
  path: join(dir, 'guard'),
  log: 'round',
  verifierKey,
});
guard.create();
const publisher = new sequencer.Publisher(
  storage,
  config,
  sequencer.nodeEd25519Signer(origin, seed),
  {
    receiptFormat,
    leafHash: nodeLeafHash,
    interiorHash: nodeInteriorHash,
    committedLeaves: sealer.committedLeaves(),
    guard,
  },
);

const encoder = new TextEncoder();
let next = 0;
let cpuUs = 0;
let wallMs = 0;
for (let r = 0; r < Number(rounds); r++) {
  for (let i = 0; i < Number(per); i++) {
    await seq.append(encoder.encode(`{"n":${next++},"pad":"${'x'.repeat(180)}"}`));
  }
  const cpu = process.cpuUsage();
  const start = performance.now();
  if ((await publisher.publish()) === undefined) throw new Error('no checkpoint published');
  const used = process.cpuUsage(cpu);
  if (r < 10) continue;
  cpuUs += used.user + used.system;
  wallMs += performance.now() - start;
}
const n = Number(rounds) - 10;
console.log(
  `${checkout}: publish() ${(cpuUs / n).toFixed(0)} µs CPU, ${((wallMs / n) * 1000).toFixed(0)} µs wall per round (${n} rounds of ${per} commits)`,
);
await seq.close();
await storage.close();
rmSync(dir, { recursive: true, force: true });
