/* global process, console, performance, Buffer */
/**
 * In-process peers and limits, one mode per invocation, in their own process. The entries are
 * the exact records Proofline stores for the benchmark statements (canonical JSON, ~190 B),
 * built before any timing starts. Prints one JSON line with one rate per run.
 *
 *   node bench/peers.mjs '{"mode":"hypercore-single","n":10000,"runs":3,"dir":"/tmp/x"}'
 *
 * modes:
 *   hypercore-single  Hypercore 11 (RocksDB storage in a temp dir): `await core.append(entry)`
 *                     one entry at a time (each append hashes, signs the new tree and writes).
 *   hypercore-batch   the same entries as `await core.append(batchOf1000)`.
 *   sqlite-batch      better-sqlite3, WAL, synchronous=FULL, Proofline's `entries` table
 *                     (log_id, idx, data) WITHOUT ROWID; one transaction per 1000 rows.
 *   sqlite-lone       the same table, one row per transaction (BEGIN IMMEDIATE … COMMIT, one
 *                     fsync each): the durable commit a lone record cannot do without. Also
 *                     prints `cpuUs`, the process's CPU µs (user+sys) per commit in each run.
 *   record-floor      Proofline's own per-record work for a batch request, on one thread,
 *                     without HTTP, storage or signature: strict JSON parse of the 1000-record
 *                     body, statement validation, record building (canonical JSON), lookup
 *                     keys, leaf hashes, the batch tree and the compact answer (ids and the
 *                     range proof, as a 1000-record request sharing its commit with another
 *                     has it). The ceiling of batch attest per core, whatever else runs.
 *   batch-paths       CPU µs per record that the event loop spends on a parsed 1000-record
 *                     batch body until its records exist at a commit time, on both paths
 *                     (rounds alternate): `loop`, the body's value structured-cloned from the
 *                     parser thread (v8.deserialize), each statement validated, record
 *                     templates and lookup keys (recordGroup), build (bodies ≤ 64 KiB, and
 *                     every batch before prepared batches); `prepared`, the thread's packed
 *                     message checked (preparedFromMessage), the records assembled
 *                     (preparedGroup), build. Also `thread`: what prepareBatch adds on the
 *                     parser thread. Prints medians of `runs` rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  batchRangeProof,
  batchTree,
  buildRecord,
  parseJson,
  parseStatement,
  parseStatementJson,
  recordId,
} from '@proofline/records';
import { preparedGroup, recordGroup } from '@proofline/server/record-group';
import { deserialize, serialize } from 'node:v8';
import { nodeInteriorHash, nodeLeafHash } from '@proofline/tlog/node';
import { statements } from './lib.mjs';

const o = JSON.parse(process.argv[2]);
const batchSize = o.batch ?? 1000;

function entries(n) {
  const now = Date.now();
  return statements(n).map((s) => buildRecord(parseStatementJson(s), 'default', now).bytes);
}

async function hypercore(batched) {
  const { default: Hypercore } = await import('hypercore');
  const rates = [];
  for (let run = 0; run < o.runs; run++) {
    const data = entries(o.n).map((e) => Buffer.from(e.buffer, e.byteOffset, e.byteLength));
    const dir = mkdtempSync(join(o.dir, 'hypercore-'));
    const core = new Hypercore(dir);
    await core.ready();
    await core.append(Buffer.from('warm-up'));
    const start = performance.now();
    if (batched) {
      for (let i = 0; i < data.length; i += batchSize) {
        await core.append(data.slice(i, i + batchSize));
      }
    } else {
      for (const entry of data) await core.append(entry);
    }
    const seconds = (performance.now() - start) / 1000;
    if (core.length !== data.length + 1) throw new Error(`hypercore length ${core.length}`);
    rates.push(data.length / seconds);
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rates;
}

/**
 * Rows per second (and CPU µs per transaction) of `o.n` entries into Proofline's `entries`
 * table, `rowsPerCommit` rows per durable transaction (WAL, synchronous=FULL).
 */
async function sqlite(rowsPerCommit) {
  const { default: Database } = await import('better-sqlite3');
  const rates = [];
  const cpuUs = [];
  for (let run = 0; run < o.runs; run++) {
    const data = entries(o.n);
    const dir = mkdtempSync(join(o.dir, 'sqlite-'));
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE entries (log_id INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, ' +
        'PRIMARY KEY (log_id, idx)) WITHOUT ROWID',
    );
    const insert = db.prepare('INSERT INTO entries (log_id, idx, data) VALUES (?, ?, ?)');
    const batch = db.transaction((from, to) => {
      for (let i = from; i < to; i++) insert.run(1, i, data[i]);
    });
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < data.length; i += rowsPerCommit) {
      batch.immediate(i, Math.min(data.length, i + rowsPerCommit));
    }
    const cpu = process.cpuUsage(cpuStart);
    const seconds = (performance.now() - start) / 1000;
    rates.push(data.length / seconds);
    cpuUs.push((cpu.user + cpu.system) / Math.ceil(data.length / rowsPerCommit));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rates, cpuUs };
}

/** One batch request's records, from body text to response text (see record-floor above). */
function batchWork(body, now) {
  const b64 = (bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const { records } = parseJson(body, 16 * 1024 * 1024, 'INVALID_STATEMENT');
  const group = recordGroup(records.map(parseStatement), 'default');
  const { built } = group.build(now);
  // The commit holds this request and as many records again from another one.
  const leaves = built.map((r) => nodeLeafHash(r.bytes));
  const tree = batchTree([...leaves, ...leaves], nodeInteriorHash);
  const rangeProof = batchRangeProof(2 * leaves.length, 0, leaves.length, (i) =>
    tree.encodedProof(i, b64),
  );
  const ids = built.map((_, i) => ({ id: recordId('default', i), index: i }));
  return JSON.stringify({
    format: 'proofline.dev/batch-response/v2',
    log: 'default',
    origin: 'bench.example/default',
    tenant: 'default',
    time: built[0].record.time,
    receipt: 'a note of about 250 bytes, signed once per commit',
    rangeProof,
    verificationBase: 'http://127.0.0.1:8080/r/',
    records: ids,
  }).length;
}

function recordFloor() {
  const bodies = Array.from(
    { length: 8 },
    () => `{"records":[${statements(batchSize).join(',')}]}`,
  );
  for (let i = 0; i < 20; i++) batchWork(bodies[i % bodies.length], Date.now()); // warm-up
  const rates = [];
  for (let run = 0; run < o.runs; run++) {
    const requests = Math.max(1, Math.round(o.n / batchSize));
    const start = performance.now();
    for (let i = 0; i < requests; i++) batchWork(bodies[i % bodies.length], Date.now());
    rates.push((requests * batchSize) / ((performance.now() - start) / 1000));
  }
  return rates;
}

/** The batch-paths mode (see above): medians of CPU µs per record on each path. */
async function batchPaths() {
  const prepared = await import('../packages/server/dist/src/records/prepared-batch.js');
  const { checkStatement } = await import('../packages/server/dist/src/records/statement-check.js');
  const bodies = Array.from({ length: 8 }, () =>
    JSON.parse(`{"records":[${statements(batchSize).join(',')}]}`),
  );
  const clones = bodies.map((b) => serialize(b));
  const messages = bodies.map((b) => prepared.prepareBatch(b));
  const paths = {
    loop: (i) => {
      const { records } = deserialize(clones[i % 8]);
      const checked = records.map((r, j) => checkStatement(r, j, true, false));
      return recordGroup(checked, 'default').build(Date.now()).entries.length;
    },
    prepared: (i) => {
      const batch = prepared.preparedFromMessage(messages[i % 8]);
      const group = preparedGroup(batch.statements(), batch.lookupKeys, 'default');
      return group.build(Date.now()).entries.length;
    },
    thread: (i) => prepared.prepareBatch(bodies[i % 8]).count,
  };
  const requests = Math.max(8, Math.round(o.n / batchSize));
  const cpu = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let round = 0; round < o.runs + 1; round++) {
    for (const [name, fn] of Object.entries(paths)) {
      const start = process.cpuUsage();
      for (let i = 0; i < requests; i++) fn(i);
      const used = process.cpuUsage(start);
      // The first round warms up.
      if (round > 0) cpu[name].push((used.user + used.system) / (requests * batchSize));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries(
    Object.entries(cpu).map(([k, xs]) => [k, { median: median(xs), runs: xs }]),
  );
}

if (o.mode === 'batch-paths') {
  console.log(JSON.stringify({ mode: o.mode, n: o.n, usPerRecord: await batchPaths() }));
  process.exit(0);
}
let result;
if (o.mode === 'hypercore-single') result = { rates: await hypercore(false) };
else if (o.mode === 'hypercore-batch') result = { rates: await hypercore(true) };
else if (o.mode === 'sqlite-batch') result = await sqlite(batchSize);
else if (o.mode === 'sqlite-lone') result = await sqlite(1);
else if (o.mode === 'record-floor') result = { rates: recordFloor() };
else throw new Error(`unknown mode ${o.mode}`);
console.log(JSON.stringify({ mode: o.mode, n: o.n, ...result }));
