import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { base64Decode, openCheckpoint } from '@proofline/note';
import { BUNDLE_V2_MEDIA_TYPE, parseBundle, parseRecord } from '@proofline/records';
import { leafHash, nodeHash, verifyConsistency, type Hash } from '@proofline/tlog';
import {
  Fixture,
  assertProblem,
  bearer,
  request,
  statement,
  verifyBundle,
  type TestLog,
} from './helpers.js';

let fx: Fixture;
let app: FastifyInstance;
let acme: TestLog;
let keys: {
  audit: string;
  read: string;
  write: string;
  admin: string;
  other: string;
  otherWrite: string;
};
/** Times around the records: [t0, t1) holds the first five, [t1, t2) the next four. */
let t0: number;
let t1: number;
let t2: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function attest(body: Record<string, unknown>, log = 'acme'): Promise<void> {
  const res = await request(app, {
    method: 'POST',
    url: `/v1/records?log=${log}`,
    headers: bearer(log === 'acme' ? keys.write : keys.otherWrite),
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
}

async function covered(log: string): Promise<void> {
  const want = await fx.size(log);
  for (let i = 0; i < 500; i++) {
    if (((await fx.storage.latestCheckpoint(log))?.size ?? 0) >= want) return;
    await sleep(10);
  }
  assert.fail('no checkpoint covered the log');
}

before(async () => {
  fx = await Fixture.create([
    { name: 'acme', tenant: 'acme' },
    { name: 'other', tenant: 'globex' },
  ]);
  acme = fx.log('acme');
  app = await fx.app();
  keys = {
    audit: await fx.apiKey('acme', ['audit:read']),
    read: await fx.apiKey('acme', ['records:read']),
    write: await fx.apiKey('acme', ['records:write']),
    admin: await fx.apiKey('acme', ['admin']),
    other: await fx.apiKey('globex', ['audit:read']),
    otherWrite: await fx.apiKey('globex', ['records:write']),
  };
  await attest(statement({ type: 'early' }));
  await sleep(5);
  t0 = Date.now();
  await sleep(2);
  for (let i = 0; i < 5; i++) {
    await attest(
      statement({
        type: i % 2 ? 'ai.decision' : 'test.event',
        controls: i % 2 ? ['SOC2:PI1.4', 'HIPAA:164.312(b)'] : ['ISO27001:A.8.15'],
        labels: { env: i === 3 ? 'staging' : 'prod' },
        subject: i === 0 ? '=HYPERLINK("http://evil")' : `case-${i}`,
      }),
    );
  }
  await sleep(5);
  t1 = Date.now();
  await sleep(2);
  for (let i = 0; i < 4; i++) await attest(statement({ type: 'late', controls: ['SOC2:PI1.4'] }));
  await sleep(5);
  t2 = Date.now();
  await sleep(2);
  await attest(statement({ type: 'after' }));
  await attest(statement(), 'other');
  await covered('acme');
  await covered('other');
});

after(() => fx.close());

const url = (path: string, q: Record<string, string | number>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) params.set(k, String(v));
  return `${path}?${params.toString()}`;
};
const b64 = (s: string) => base64Decode(s);

test('audit:read (or admin) of the tenant only: 401, 403, 404; an audit key cannot write', async () => {
  const q = { log: 'acme', from: t0, to: t1 };
  assertProblem(await request(app, { url: url('/v1/audit/population', q) }), 401, 'unauthorized');
  for (const path of ['/v1/audit/population', '/v1/audit/population/proof', '/v1/audit/controls']) {
    assertProblem(
      await request(app, { url: url(path, q), headers: bearer(keys.read) }),
      403,
      'insufficient-scope',
    );
    assertProblem(
      await request(app, { url: url(path, q), headers: bearer(keys.write) }),
      403,
      'insufficient-scope',
    );
    assertProblem(
      await request(app, { url: url(path, q), headers: bearer(keys.other) }),
      404,
      'unknown-log',
    );
    assert.equal(
      (await request(app, { url: url(path, q), headers: bearer(keys.audit) })).statusCode,
      200,
    );
    assert.equal(
      (await request(app, { url: url(path, q), headers: bearer(keys.admin) })).statusCode,
      200,
    );
  }
  assertProblem(
    await request(app, {
      url: url('/v1/audit/bundles', { log: 'acme', size: 1, indices: '0' }),
      headers: bearer(keys.other),
    }),
    404,
    'unknown-log',
  );
  const before = await fx.size('acme');
  for (const path of ['/v1/records', '/v1/records/batch']) {
    assertProblem(
      await request(app, {
        method: 'POST',
        url: `${path}?log=acme`,
        headers: bearer(keys.audit),
        payload: path.endsWith('batch') ? { records: [statement()] } : statement(),
      }),
      403,
      'insufficient-scope',
    );
  }
  assert.equal(await fx.size('acme'), before, 'nothing written');
  // The tenant's only log is the default.
  assert.equal(
    (
      await request(app, {
        url: url('/v1/audit/controls', { from: t0, to: t1 }),
        headers: bearer(keys.audit),
      })
    ).statusCode,
    200,
  );
});

test('bad queries are 400 invalid-request problems; an open period is 409', async () => {
  const get = (q: Record<string, string | number>, path = '/v1/audit/population') =>
    request(app, { url: url(path, q), headers: bearer(keys.audit) });
  const base = { log: 'acme', from: t0, to: t1 };
  const bad: Record<string, string | number>[] = [
    { ...base, extra: 1 },
    { log: 'acme', to: t1 },
    { log: 'acme', from: t0 },
    { ...base, from: t1, to: t0 },
    { ...base, from: t0, to: t0 },
    { ...base, from: 'yesterday' },
    { ...base, format: 'xml' },
    { ...base, format: 'csv', limit: 10 },
    { ...base, format: 'jsonl', cursor: 3 },
    { ...base, limit: 0 },
    { ...base, limit: 10001 },
    { ...base, cursor: '01' },
    { ...base, label: 'novalue' },
    { ...base, label: ':x' },
    { ...base, type: 'bad type' },
    { ...base, control: '(x' },
  ];
  for (const q of bad) {
    assertProblem(await get(q), 400, 'invalid-request', undefined, JSON.stringify(q));
  }
  assertProblem(
    await request(app, {
      url: `/v1/audit/population?log=acme&from=${t0}&from=${t0}&to=${t1}`,
      headers: bearer(keys.audit),
    }),
    400,
    'invalid-request',
  );
  assertProblem(
    await get({ log: 'acme', from: t0, to: Date.now() + 86_400_000 }),
    409,
    'period-not-closed',
  );
  assertProblem(await get({ log: 'acme', size: 1 }, '/v1/audit/bundles'), 400, 'invalid-request');
});

/** A Merkle compact range, to recompute a root from a population file (as @proofline/evidence). */
class Compact {
  private readonly stack: Hash[] = [];
  size = 0;

  push(level: number, h: Hash): void {
    let l = level;
    let hash = h;
    while (Math.floor(this.size / 2 ** l) % 2 === 1) {
      hash = nodeHash(this.stack.pop()!, hash);
      l++;
    }
    this.stack.push(hash);
    this.size += 2 ** level;
  }

  /** Appends the aligned subtrees covering [size, end) from `hashes`. */
  cover(end: number, hashes: Hash[]): void {
    let i = 0;
    while (this.size < end) {
      let level = 0;
      while (this.size + 2 ** (level + 1) <= end && this.size % 2 ** (level + 1) === 0) level++;
      this.push(level, hashes[i++]!);
    }
    assert.equal(i, hashes.length);
  }

  root(): Hash {
    return this.stack.reduceRight((acc, h) => nodeHash(h, acc));
  }
}

interface ProofBody {
  mediaType: string;
  log: string;
  from: string;
  to: string;
  filter: Record<string, string>;
  range: { start: number; end: number };
  startCheckpoint: { note: string; publishedAt: string } | null;
  endCheckpoint: { note: string; publishedAt: string };
  consistencyProof: string[];
  before: { index: number; entry: string } | null;
  after: { index: number; entry: string } | null;
  rangeProof: { left: string[]; right: string[] };
  latestCheckpoint: { note: string; publishedAt: string };
  latestConsistencyProof: string[];
}

test('format=jsonl: proof, every entry of the period (filtered ones by leaf hash), trailer; it proves the range', async () => {
  const res = await request(app, {
    url: url('/v1/audit/population', {
      log: 'acme',
      from: t0,
      to: t1,
      control: 'SOC2:PI1.4',
      format: 'jsonl',
    }),
    headers: bearer(keys.audit),
  });
  assert.equal(res.statusCode, 200);
  assert.match(
    String(res.headers['content-type']),
    /^application\/vnd\.proofline\.population\.v1\+jsonl/,
  );
  const lines = res.body
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const proof = lines[0] as unknown as ProofBody;
  assert.equal(proof.mediaType, 'application/vnd.proofline.population-proof.v1+json');
  assert.deepEqual(proof.filter, { control: 'SOC2:PI1.4' });
  assert.deepEqual(proof.range, { start: 1, end: 6 });
  assert.equal(proof.before?.index, 0);
  assert.equal(proof.after?.index, 6);
  assert.deepEqual(lines.at(-1), { end: true, records: 2, excluded: 3 });
  const body = lines.slice(1, -1);
  assert.deepEqual(
    body.map((l) => l.index),
    [1, 2, 3, 4, 5],
  );
  const leaves = body.map((l) =>
    typeof l.leaf === 'string' ? base64Decode(l.leaf) : leafHash(base64Decode(l.entry as string)),
  );
  for (const l of body.filter((x) => x.entry)) {
    const record = parseRecord(base64Decode(l.entry as string));
    assert.ok(record.controls?.includes('SOC2:PI1.4'));
    assert.equal(l.id, `acme-${l.index as number}`);
  }
  // The root of the end checkpoint, from left hashes, before, the listed leaves, after, right hashes.
  const { checkpoint: end } = await openCheckpoint(
    proof.endCheckpoint.note,
    acme.origin,
    acme.verifier,
  );
  const acc = new Compact();
  acc.cover(proof.before!.index, proof.rangeProof.left.map(b64));
  for (const leaf of [
    leafHash(base64Decode(proof.before!.entry)),
    ...leaves,
    leafHash(base64Decode(proof.after!.entry)),
  ]) {
    acc.push(0, leaf);
  }
  acc.cover(end.size, proof.rangeProof.right.map(b64));
  assert.equal(acc.size, end.size);
  assert.deepEqual(acc.root(), end.rootHash);
  assert.ok(parseRecord(base64Decode(proof.before!.entry)).time < proof.from);
  assert.ok(parseRecord(base64Decode(proof.after!.entry)).time >= proof.to);
  // No checkpoint before t0 can have covered the period; consistency to the latest verifies.
  const { checkpoint: latest } = await openCheckpoint(
    proof.latestCheckpoint.note,
    acme.origin,
    acme.verifier,
  );
  verifyConsistency(
    end.size,
    latest.size,
    proof.latestConsistencyProof.map(b64),
    end.rootHash,
    latest.rootHash,
  );
  if (proof.startCheckpoint) {
    const { checkpoint: start } = await openCheckpoint(
      proof.startCheckpoint.note,
      acme.origin,
      acme.verifier,
    );
    assert.ok(start.size <= proof.range.start);
    verifyConsistency(
      start.size,
      end.size,
      proof.consistencyProof.map(b64),
      start.rootHash,
      end.rootHash,
    );
  }
  // The proof endpoint gives the same proof.
  const alone = await request(app, {
    url: url('/v1/audit/population/proof', {
      log: 'acme',
      from: t0,
      to: t1,
      control: 'SOC2:PI1.4',
    }),
    headers: bearer(keys.audit),
  });
  assert.equal(alone.statusCode, 200);
  assert.deepEqual(
    { ...(alone.json() as ProofBody), latestCheckpoint: null, latestConsistencyProof: null },
    {
      ...proof,
      latestCheckpoint: null,
      latestConsistencyProof: null,
    },
  );
});

test('format=json pages with a cursor; filters by type, control and label', async () => {
  const page = async (q: Record<string, string | number>) => {
    const res = await request(app, {
      url: url('/v1/audit/population', { log: 'acme', from: t0, to: t2, ...q }),
      headers: bearer(keys.audit),
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as ProofBody & {
      records: { index: number; record: { type: string } }[];
      next: string | null;
    };
  };
  const all: number[] = [];
  let cursor: string | null = null;
  do {
    const p = await page({ limit: 3, ...(cursor ? { cursor } : {}) });
    assert.ok(p.records.length <= 3);
    all.push(...p.records.map((r) => r.index));
    cursor = p.next;
  } while (cursor !== null);
  assert.deepEqual(all, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(
    (await page({ type: 'late' })).records.map((r) => r.index),
    [6, 7, 8, 9],
  );
  assert.deepEqual(
    (await page({ control: 'SOC2:PI1.4', label: 'env:prod' })).records.map((r) => r.index),
    [2], // index 4 is staging, and the late records have no labels
  );
  assert.deepEqual(
    (await page({ label: 'env:staging' })).records.map((r) => r.index),
    [4],
  );
});

test('format=csv streams RFC 4180 rows with formulas neutralised', async () => {
  const res = await request(app, {
    url: url('/v1/audit/population', { log: 'acme', from: t0, to: t1, format: 'csv' }),
    headers: bearer(keys.audit),
  });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  assert.match(
    String(res.headers['content-disposition']),
    /attachment; filename="population-acme-/,
  );
  const rows = res.body.split('\r\n');
  assert.equal(rows[0], 'position,index,id,time,type,subject,digest,controls,labels,leaf_hash');
  assert.equal(rows.length, 7);
  assert.match(
    rows[1]!,
    /^0,1,acme-1,[^,]+,test\.event,"'=HYPERLINK\(""http:\/\/evil""\)",sha256:/,
  );
  assert.match(rows[2]!, /,SOC2:PI1\.4 HIPAA:164\.312\(b\),"\{""env"":""prod""\}",/);
});

test('controls: per control id, the records of the period', async () => {
  const res = await request(app, {
    url: url('/v1/audit/controls', { log: 'acme', from: t0, to: t2 }),
    headers: bearer(keys.audit),
  });
  const body = res.json() as {
    records: number;
    withoutControls: number;
    controls: { id: string; records: number; types: Record<string, number> }[];
  };
  assert.equal(body.records, 9);
  assert.equal(body.withoutControls, 0);
  assert.deepEqual(
    body.controls.map((c) => [c.id, c.records]),
    [
      ['HIPAA:164.312(b)', 2],
      ['ISO27001:A.8.15', 3],
      ['SOC2:PI1.4', 6],
    ],
  );
  assert.deepEqual(body.controls.find((c) => c.id === 'SOC2:PI1.4')!.types, {
    'ai.decision': 2,
    late: 4,
  });
});

test('bundles against a published checkpoint of a given size', async () => {
  const latest = (await fx.storage.latestCheckpoint('acme'))!;
  const res = await request(app, {
    url: url('/v1/audit/bundles', { log: 'acme', size: latest.size, indices: '3,0,7' }),
    headers: bearer(keys.audit),
  });
  assert.equal(res.statusCode, 200);
  const bundles = res.body
    .trimEnd()
    .split('\n')
    .map((l) => parseBundle(l));
  assert.deepEqual(
    bundles.map((b) => b.index),
    [3, 0, 7],
  );
  // Each anchored to the first checkpoint covering it, linked to the requested one.
  let anchoredEarlier = 0;
  for (const b of bundles) {
    const anchor = (await fx.storage.checkpointCovering('acme', b.index))!;
    assert.equal(b.checkpoint, anchor.note);
    const linked = b.mediaType === BUNDLE_V2_MEDIA_TYPE ? b.latest : undefined;
    if (anchor.size === latest.size) assert.equal(linked, undefined);
    else {
      anchoredEarlier++;
      assert.ok(anchor.size < latest.size);
      assert.equal(linked?.checkpoint, latest.note);
    }
    await verifyBundle(b, acme);
  }
  assert.ok(anchoredEarlier > 0, 'index 0 was covered by an earlier checkpoint');
  const get = (q: Record<string, string | number>) =>
    request(app, {
      url: url('/v1/audit/bundles', { log: 'acme', ...q }),
      headers: bearer(keys.audit),
    });
  assertProblem(await get({ size: latest.size + 1, indices: '0' }), 404, 'checkpoint-not-found');
  assertProblem(
    await get({ size: latest.size, indices: String(latest.size) }),
    400,
    'invalid-request',
  );
  assertProblem(await get({ size: latest.size, indices: '' }), 400, 'invalid-request');
  assertProblem(await get({ size: latest.size, indices: '1,x' }), 400, 'invalid-request');
  assertProblem(
    await get({ size: latest.size, indices: Array.from({ length: 257 }, () => '0').join(',') }),
    400,
    'invalid-request',
  );
});
