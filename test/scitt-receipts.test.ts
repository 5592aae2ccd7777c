/**
 * End to end: a real `proofline serve` issues RFC 9942 receipts from its stored checkpoints,
 * and the independent Python verifier (test/interop/python, no code shared with Proofline)
 * accepts them with the key it picks by kid from /.well-known/scitt-keys and the leaf hash of
 * the record's bundle entry, and refuses every hostile variant. The receipt proves the same
 * root as the C2SP checkpoint of the record's bundle.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CborMap, decodeCbor } from '@proofline/cose';
import { parseCheckpoint, parseNote } from '@proofline/note';
import { parseBundle, type BundleV2 } from '@proofline/records';
import {
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import {
  checkPythonScittDeps,
  pythonScittMutations,
  runPythonScittVerifierBatch,
} from './lib/python-scitt.js';

const RECORDS = 4;

describe('SCITT receipts of a running server, checked by the Python verifier', () => {
  let dir: string;
  let work: string;
  let server: Server;
  let apiKey: string;
  let ids: string[];

  before(async () => {
    checkPythonScittDeps();
    work = tempDir('scitt-receipts');
    dir = join(work, 'data');
    const made = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
    assert.equal(made.status, 0, made.stderr);
    const key = runProofline([
      ...['api-key', 'create', '--data', dir, '--tenant', 'default'],
      ...['--scope', 'records:write'],
    ]);
    assert.equal(key.status, 0, key.stderr);
    apiKey = key.stdout.trim();
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    const res = await fetch(`${server.url}/v1/records/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        records: Array.from({ length: RECORDS }, (_, i) => ({
          digest: `sha256:${createHash('sha256').update(`scitt ${i}`).digest('hex')}`,
          type: 'scitt.test',
        })),
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    ids = ((await res.json()) as { receipts: { id: string }[] }).receipts.map((r) => r.id);
    await waitForSize(server.url, RECORDS);
  });

  after(async () => {
    await stopServer(server);
    rmSync(work, { recursive: true, force: true });
  });

  async function get(path: string, accept: string): Promise<Buffer> {
    const res = await fetch(`${server.url}${path}`, { headers: { accept } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  it('every receipt verifies in Python, proves its bundle checkpoint root, and mutants fail', async () => {
    const keySet = join(work, 'scitt-keys.cbor');
    writeFileSync(keySet, await get('/.well-known/scitt-keys', 'application/cbor'));
    const jobs: string[][] = [];
    const expected: { root: string; size: number; index: number; leaf: string }[] = [];
    for (const id of ids) {
      const receipt = join(work, `${id}.cose`);
      writeFileSync(receipt, await get(`/entries/${id}`, 'application/cose'));
      const bundle = parseBundle(
        (await get(`/v1/records/${id}/proof`, 'application/json')).toString('utf8'),
      ) as BundleV2;
      const leaf = createHash('sha256')
        .update(Buffer.concat([Buffer.of(0), bundle.entry]))
        .digest('hex');
      const note = bundle.latest?.checkpoint ?? bundle.checkpoint;
      const checkpoint = parseCheckpoint(parseNote(note).text);
      const root = Buffer.from(checkpoint.rootHash).toString('hex');
      expected.push({ root, size: checkpoint.size, index: bundle.index, leaf });
      jobs.push([
        ...['--receipt', receipt, '--key', keySet, '--leaf-hash', leaf],
        ...['--expect-root', root, '--expect-tree-size', String(checkpoint.size)],
      ]);
    }
    const verdicts = await runPythonScittVerifierBatch(jobs);
    verdicts.forEach((v, i) => {
      assert.equal(v.ok, true, `${ids[i]}: ${JSON.stringify(v)}`);
      assert.equal(v.root, expected[i]!.root, "the bundle checkpoint's root");
      assert.equal(v.tree_size, expected[i]!.size);
      assert.equal(v.leaf_index, expected[i]!.index);
      assert.equal(v.leaf_hash, expected[i]!.leaf);
    });
    // Another record's leaf hash does not verify with a receipt.
    const swapped = await runPythonScittVerifierBatch([
      [...jobs[0]!.slice(0, 4), '--leaf-hash', expected[1]!.leaf],
    ]);
    assert.equal(swapped[0]!.ok, false);
    assert.equal(swapped[0]!.code, 'SIGNATURE_INVALID');

    // Every hostile variant of a served receipt is refused, each for its own reason.
    const receipt = join(work, `${ids[1]}.cose`);
    const mutations = await pythonScittMutations(receipt, join(work, 'mutants'));
    assert.ok(mutations.length >= 10, `${mutations.length} mutations`);
    const leaf = expected[1]!.leaf;
    const results = await runPythonScittVerifierBatch(
      mutations.map((m) => [
        ...['--receipt', m.file, '--key', m.key ?? keySet, '--leaf-hash', leaf],
        ...m.args,
      ]),
    );
    results.forEach((v, i) => {
      const m = mutations[i]!;
      assert.equal(v.ok, false, `${m.name} must fail: ${JSON.stringify(v)}`);
      assert.ok(m.codes.includes(v.code!), `${m.name}: ${v.code} not in ${m.codes.join(',')}`);
    });
  });

  it('the receipt media types and the key of its kid, as SCRAPI clients ask for them', async () => {
    const res = await fetch(`${server.url}/v1/records/${ids[0]}/receipt.cose`, {
      headers: { accept: 'application/scitt-receipt+cose' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/scitt-receipt+cose');
    // SCRAPI errors: RFC 9290 concise problem details, JSON when the client prefers it.
    const missing = await fetch(`${server.url}/entries/default-999`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/concise-problem-details+cbor');
    const problem = decodeCbor(new Uint8Array(await missing.arrayBuffer()));
    assert.ok(problem instanceof CborMap);
    assert.equal(problem.get(-1), 'Not Found');
    assert.match(String(problem.get(-2)), /default-999/);
    const json = await fetch(`${server.url}/entries/default-999`, {
      headers: { accept: 'application/problem+json' },
    });
    assert.equal(json.status, 404);
    assert.match(String(json.headers.get('content-type')), /^application\/problem\+json/);
    assert.equal(((await json.json()) as { code: string }).code, 'record-not-found');
  });
});
