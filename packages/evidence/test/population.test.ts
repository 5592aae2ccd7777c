import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64Encode, generateSignerKey, parseVerifierKey } from '@proofline/note';
import { parseRecord, csvField, csvRow, matchesFilter } from '@proofline/records';
import {
  EvidenceError,
  PopulationChecker,
  checkProofCheckpoints,
  parseLine,
  parsePeriodTime,
  parseProof,
  proofJson,
  recordLine,
  type PopulationLine,
  type PopulationProof,
} from '../src/index.js';
import { APR, DAY, FEB, JAN, MAR, MemoryLog } from './helpers.js';

/** January, February and March records (five a month), the last one in April. */
async function quarter(): Promise<MemoryLog> {
  const log = new MemoryLog();
  for (const month of [JAN, FEB, MAR]) {
    for (let d = 0; d < 5; d++) {
      log.append(month + d * 5 * DAY, {
        type: d % 2 ? 'ai.decision' : 'test.event',
        controls: d % 2 ? ['SOC2:PI1.4', 'ISO27001:A.8.15'] : ['SOC2:CC7.2'],
        labels: { env: d === 4 ? 'staging' : 'prod' },
      });
    }
  }
  log.append(APR + DAY);
  return log;
}

const lines = (log: MemoryLog, proof: PopulationProof): PopulationLine[] => {
  const out: PopulationLine[] = [];
  for (let i = proof.range.start; i < proof.range.end; i++) {
    out.push(parseLine(recordLine('acme', i, log.entries[i]!), 'acme', `line ${i}`));
  }
  out.push({ kind: 'trailer', records: out.length, excluded: 0 });
  return out;
};

async function check(log: MemoryLog, proof: PopulationProof, feed: PopulationLine[]) {
  const verifier = parseVerifierKey(log.verifierKey);
  const { items, opened } = await checkProofCheckpoints(proof, verifier);
  const checker = new PopulationChecker(proof, {}, { requireFull: true });
  for (const l of feed) checker.add(l);
  return { items, ...checker.finish(opened.end) };
}

test('a February population proves complete, with its boundaries, consistency and counts', async () => {
  const log = await quarter();
  const proof = await log.proof(FEB, MAR, { start: 3, end: 16, latest: 16 });
  assert.deepEqual(proof.range, { start: 5, end: 10 });
  // The proof survives its JSON form.
  const again = parseProof(JSON.parse(JSON.stringify(proofJson(proof))));
  assert.deepEqual(proofJson(again), proofJson(proof));
  const { items, item, summary } = await check(log, again, lines(log, proof));
  assert.deepEqual(
    items.filter((i) => i.status !== 'pass'),
    [],
  );
  assert.equal(item.status, 'pass', item.detail);
  assert.equal(summary.segment, 5);
  assert.equal(summary.population, 5);
  assert.equal(summary.byControl.get('SOC2:PI1.4'), 2);
  assert.equal(summary.byControl.get('SOC2:CC7.2'), 3);
});

test('missing, repeated, reordered, altered, foreign-time and truncated listings are named', async () => {
  const log = await quarter();
  const proof = await log.proof(FEB, MAR, { start: 5, end: 12 });
  const good = lines(log, proof);
  const failOf = async (feed: PopulationLine[]) => {
    const { item } = await check(log, proof, feed);
    assert.equal(item.status, 'fail');
    return item.detail;
  };
  assert.match(await failOf([...good.slice(0, 2), ...good.slice(3)]), /index 7 is missing/);
  assert.match(
    await failOf([good[0]!, good[1]!, good[1]!, ...good.slice(2)]),
    /index 6 is repeated/,
  );
  assert.match(await failOf([good[1]!, good[0]!, ...good.slice(2)]), /missing|out of order/);
  assert.match(await failOf(good.slice(0, 3)), /indices 8\.\.9 are missing|truncated/);
  assert.match(await failOf(good.slice(0, -1)), /trailer line is missing/);
  // An entry swapped for another record with the same index: the root no longer matches.
  const other = new MemoryLog();
  other.append(FEB + DAY);
  const swapped = parseLine(recordLine('acme', 6, other.entries[0]!), 'acme', 'x');
  assert.match(
    await failOf([good[0]!, swapped, ...good.slice(2)]),
    /do not hash to the end checkpoint/,
  );
  // A record outside the period listed in place of the boundary.
  const early = await log.proof(FEB, MAR, { start: 5, end: 12 });
  const shifted = {
    ...early,
    range: { start: 4, end: 10 },
    before: { index: 3, entry: log.entries[3]! },
  };
  assert.match(
    await failOf([parseLine(recordLine('acme', 4, log.entries[4]!), 'acme', 'x'), ...good]),
    /index 4 is repeated or out of order/,
  );
  const { item } = await check(log, shifted, [
    parseLine(recordLine('acme', 4, log.entries[4]!), 'acme', 'x'),
    ...good,
  ]);
  assert.equal(item.status, 'fail');
  assert.match(item.detail, /outside \[2026-02-01/);
});

test('a range that stops early or starts late is caught by the boundary entries', async () => {
  const log = await quarter();
  const proof = await log.proof(FEB, MAR, { start: 5, end: 12 });
  const good = lines(log, proof);
  // Claim the period ends at index 9: then "after" (index 9) is a February record.
  const short = {
    ...proof,
    range: { start: 5, end: 9 },
    after: { index: 9, entry: log.entries[9]! },
  };
  const { item } = await check(log, short, [
    ...good.slice(0, 4),
    { kind: 'trailer', records: 4, excluded: 0 },
  ]);
  assert.equal(item.status, 'fail');
  assert.match(item.detail, /range ends too early/);
});

test('checkpoints signed by another key, or a broken consistency proof, fail by name', async () => {
  const log = await quarter();
  const proof = await log.proof(FEB, MAR, { start: 5, end: 12, latest: 16 });
  const rogue = new MemoryLog(log.origin, generateSignerKey(log.origin));
  for (const e of log.times) rogue.append(e);
  const forged: PopulationProof = {
    ...proof,
    endCheckpoint: { ...proof.endCheckpoint, note: await log.checkpoint(12, rogue.signer) },
  };
  const { items } = await checkProofCheckpoints(forged, parseVerifierKey(log.verifierKey));
  const end = items.find((i) => i.name === 'end-checkpoint')!;
  assert.equal(end.status, 'fail');
  assert.match(end.detail, /not signed by the trusted log key/);
  const broken: PopulationProof = {
    ...proof,
    consistencyProof: proof.consistencyProof.map((h, i) => (i === 0 ? new Uint8Array(32) : h)),
  };
  const checked = await checkProofCheckpoints(broken, parseVerifierKey(log.verifierKey));
  assert.equal(checked.items.find((i) => i.name === 'consistency')!.status, 'fail');
  // No entry after the period yet: a warning, not a failure.
  const open = await log.proof(MAR, APR, { start: 10, end: 15 });
  assert.equal(open.after, null);
  const w = await checkProofCheckpoints(open, parseVerifierKey(log.verifierKey));
  assert.equal(w.items.find((i) => i.name === 'period-end')!.status, 'warn');
});

test('filters, excluded lines and the audit population', async () => {
  const log = await quarter();
  const filter = { control: 'SOC2:PI1.4' };
  const proof = await log.proof(FEB, MAR, { start: 5, end: 12 }, filter);
  const feed: PopulationLine[] = [];
  let records = 0;
  for (let i = 5; i < 10; i++) {
    const record = parseRecord(log.entries[i]!);
    if (matchesFilter(record, filter)) {
      records++;
      feed.push(parseLine(recordLine('acme', i, log.entries[i]!), 'acme', 'x'));
    } else feed.push({ kind: 'excluded', index: i, leaf: log.leaves[i]! });
  }
  feed.push({ kind: 'trailer', records, excluded: 5 - records });
  const positions: number[] = [];
  const checker = new PopulationChecker(
    proof,
    { label: 'env:prod' },
    {
      onRecord: (_p, index) => positions.push(index),
    },
  );
  for (const l of feed) checker.add(l);
  const { opened } = await checkProofCheckpoints(proof, parseVerifierKey(log.verifierKey));
  const { item, summary } = checker.finish(opened.end);
  assert.equal(item.status, 'pass', item.detail);
  assert.equal(summary.population, positions.length);
  assert.deepEqual(positions, [6, 8]);
  // requireFull refuses excluded lines (the filter could not be checked).
  const full = new PopulationChecker(proof, {}, { requireFull: true });
  for (const l of feed) full.add(l);
  assert.match(full.finish(opened.end).item.detail, /leaf hash only/);
  assert.equal(
    matchesFilter(parseRecord(log.entries[6]!), { type: 'ai.decision', label: 'env:prod' }),
    true,
  );
  assert.equal(matchesFilter(parseRecord(log.entries[6]!), { label: 'env:staging' }), false);
});

test('lines are parsed strictly', () => {
  const log = new MemoryLog();
  log.append(FEB);
  const good = recordLine('acme', 0, log.entries[0]!);
  assert.equal(parseLine(good, 'acme', 'x').kind, 'record');
  const bad = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseLine(text, 'acme', 'x'),
      (e: unknown) =>
        e instanceof EvidenceError && e.code === 'MALFORMED' && pattern.test(e.message),
    );
  bad(good.replace('"id":"acme-0"', '"id":"acme-1"'), /id/);
  bad(good.replace('"type":"test.event"', '"type":"other"'), /not the record of the entry/);
  bad(good.replace('{"index"', '{"extra":1,"index"'), /unknown member/);
  bad('{"index":1,"leaf":"AAAA"}', /32 bytes/);
  bad('{"index":1,"index":2,"leaf":"AAAA"}', /repeat|duplicate/i);
  bad('{"end":true,"records":-1,"excluded":0}', /records/);
  bad(
    `{"index":0,"id":"acme-0","entry":"${base64Encode(new TextEncoder().encode('{}'))}","record":{}}`,
    /not a canonical record/,
  );
});

test('CSV rows are RFC 4180 and neutralise spreadsheet formulas', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField('+1'), "'+1");
  assert.equal(csvField('@SUM'), "'@SUM");
  assert.equal(csvField('line\nbreak'), '"line\nbreak"');
  const log = new MemoryLog();
  log.append(FEB, {
    subject: '=cmd|calc',
    labels: { b: '2', a: 'x,y' },
    controls: ['SOC2:CC7.2', 'X:1'],
  });
  const row = csvRow(0, 'acme', 0, parseRecord(log.entries[0]!), log.leaves[0]!);
  assert.match(
    row,
    /^0,0,acme-0,2026-02-01T00:00:00\.000Z,test\.event,'=cmd\|calc,sha256:[0-9a-f]{64},SOC2:CC7\.2 X:1,"\{""a"":""x,y"",""b"":""2""\}",[A-Za-z0-9+/=]{44}\r\n$/,
  );
});

test('period bounds: dates, RFC 3339 times and epoch milliseconds', () => {
  assert.equal(parsePeriodTime('2026-02-01', 'from'), FEB);
  assert.equal(parsePeriodTime('2026-02-01T00:00Z', 'from'), FEB);
  assert.equal(parsePeriodTime('2026-02-01T00:00:00.000Z', 'from'), FEB);
  assert.equal(parsePeriodTime(String(FEB), 'from'), FEB);
  for (const bad of ['2026-02-30', '2026-2-1', 'yesterday', '2026-02-01T00:00:00+01:00', '']) {
    assert.throws(() => parsePeriodTime(bad, 'from'), EvidenceError, bad);
  }
  assert.equal(JAN < FEB, true);
});
