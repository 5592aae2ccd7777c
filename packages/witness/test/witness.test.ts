import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openNote, signNote, formatCheckpoint, cosignatureTimestamp } from '@proofline/note';
import { sha256 } from '@proofline/tlog';
import {
  TLOG_SIZE_CONTENT_TYPE,
  WitnessStore,
  buildWitnessApp,
  type Witness,
} from '../src/index.js';
import { TestLog, openWitness, requestBody, tempDir, witnessCosigner } from './helpers.js';

async function post(witness: Witness, body: string | Uint8Array, contentType?: string) {
  const app = await buildWitnessApp(witness);
  const res = await app.inject({
    method: 'POST',
    url: '/add-checkpoint',
    payload: typeof body === 'string' ? body : Buffer.from(body),
    headers: contentType ? { 'content-type': contentType } : {},
  });
  await app.close();
  return { status: res.statusCode, type: String(res.headers['content-type']), body: res.body };
}

/** Sends checkpoint `size` of `log` with a proof from `oldSize`. */
async function add(witness: Witness, log: TestLog, oldSize: number, size: number) {
  return post(
    witness,
    requestBody(oldSize, await log.proof(oldSize, size), await log.checkpoint(size)),
  );
}

describe('the witness (c2sp.org/tlog-witness add-checkpoint)', () => {
  test('cosigns the first checkpoint from old size 0, then consistent ones', async (t) => {
    const log = new TestLog();
    const { witness, store, cosigner } = openWitness(t, [log], { now: () => 1_700_000_123_456 });
    const first = await add(witness, log, 0, 10);
    assert.equal(first.status, 200, first.body);
    assert.match(first.type, /^text\/plain/);
    assert.match(first.body, /^— witness\.test\/w1 [A-Za-z0-9+/]{102}==\n$/);
    // The response lines, appended to the checkpoint, open with the witness key.
    const note = (await log.checkpoint(10)) + first.body;
    const opened = await openNote(note, [cosigner.verifier]);
    assert.equal(cosignatureTimestamp(opened.verified[0]!.signature), 1_700_000_123n);
    assert.equal(store.get(log.origin)!.size, 10);

    for (const [from, to] of [
      [10, 11],
      [11, 300],
      [300, 300],
      [300, 1000],
    ] as const) {
      const res = await add(witness, log, from, to);
      assert.equal(res.status, 200, `${from}->${to}: ${res.body}`);
      assert.equal(store.get(log.origin)!.size, to);
    }
  });

  test('409 with the cosigned size as text/x.tlog.size when the old size is not it', async (t) => {
    const log = new TestLog();
    const { witness, store } = openWitness(t, [log]);
    assert.equal((await add(witness, log, 0, 5)).status, 200);
    for (const [from, to] of [
      [0, 8],
      [4, 8],
      [6, 8],
      [0, 0],
    ] as const) {
      const res = await add(witness, log, from, to);
      assert.equal(res.status, 409);
      assert.equal(res.type, TLOG_SIZE_CONTENT_TYPE);
      assert.equal(res.body, '5\n');
    }
    // Never cosigned: the size is 0.
    const other = new TestLog('log.test/other', 9);
    const w2 = openWitness(t, [other]).witness;
    const res = await add(w2, other, 3, 8);
    assert.deepEqual([res.status, res.type, res.body], [409, TLOG_SIZE_CONTENT_TYPE, '0\n']);
    assert.equal(store.get(log.origin)!.size, 5);
  });

  test('an older checkpoint (a rollback) is refused', async (t) => {
    const log = new TestLog();
    const { witness, store } = openWitness(t, [log]);
    assert.equal((await add(witness, log, 0, 20)).status, 200);
    // Claiming the old size is the cosigned one but sending a smaller checkpoint: 400.
    const res = await post(witness, requestBody(20, [], await log.checkpoint(10)));
    assert.equal(res.status, 400);
    assert.equal((await add(witness, log, 0, 10)).status, 409);
    assert.equal(store.get(log.origin)!.size, 20);
  });

  test('a fork (same size, another root) is refused with 409 and kept as evidence', async (t) => {
    const log = new TestLog();
    const { witness, store, events } = openWitness(t, [log]);
    assert.equal((await add(witness, log, 0, 16)).status, 200);
    const forged = await log.checkpoint(16, sha256(new TextEncoder().encode('another tree')));
    const res = await post(witness, requestBody(16, [], forged));
    assert.equal(res.status, 409);
    assert.notEqual(res.type, TLOG_SIZE_CONTENT_TYPE);
    assert.equal(events.at(-1)!.evidence, 'fork');
    const [evidence] = store.evidence(log.origin);
    assert.equal(evidence!.kind, 'fork');
    assert.ok(evidence!.request.endsWith(forged));
    assert.equal(evidence!.stored, store.get(log.origin)!.note);
    assert.equal(store.get(log.origin)!.size, 16);
    // The witness still cosigns the genuine tree.
    assert.equal((await add(witness, log, 16, 16)).status, 200);
    assert.equal((await add(witness, log, 16, 17)).status, 200);
  });

  test('a consistency proof that does not verify gets 422 and is kept as evidence', async (t) => {
    const log = new TestLog();
    const { witness, store } = openWitness(t, [log]);
    assert.equal((await add(witness, log, 0, 7)).status, 200);
    const proof = await log.proof(7, 20);
    const bad = proof.map((h, i) => (i === 1 ? sha256(h) : h));
    let res = await post(witness, requestBody(7, bad, await log.checkpoint(20)));
    assert.equal(res.status, 422);
    // A checkpoint of another tree, with the genuine proof.
    const forged = await log.checkpoint(20, sha256(new TextEncoder().encode('x')));
    res = await post(witness, requestBody(7, proof, forged));
    assert.equal(res.status, 422);
    res = await post(witness, requestBody(7, proof.slice(1), await log.checkpoint(20)));
    assert.equal(res.status, 422);
    // A proof with old size 0 must be empty.
    const w2 = openWitness(t, [log]);
    res = await post(w2.witness, requestBody(0, proof, await log.checkpoint(20)));
    assert.equal(res.status, 422);
    assert.deepEqual(
      store.evidence(log.origin).map((e) => e.kind),
      ['inconsistent', 'inconsistent', 'inconsistent'],
    );
    assert.equal(store.get(log.origin)!.size, 7);
    assert.equal((await add(witness, log, 7, 20)).status, 200);
  });

  test('404 unknown origin, 403 untrusted or bad signatures, 400 malformed', async (t) => {
    const log = new TestLog();
    const stranger = new TestLog('log.test/stranger', 11);
    const impostor = new TestLog(log.origin, 12); // same origin, another key
    const { witness, store } = openWitness(t, [log]);
    assert.equal((await add(witness, stranger, 0, 3)).status, 404);
    assert.equal((await add(witness, impostor, 0, 3)).status, 403);
    // A valid signature by the log, plus one by an unknown key: the unknown one is ignored.
    const text = formatCheckpoint({
      origin: log.origin,
      size: 3,
      rootHash: await log.root(3),
      extensions: [],
    });
    const twoSigs = await signNote(text, [log.signer, witnessCosigner('other.test/w', 5)]);
    assert.equal((await post(witness, requestBody(0, [], twoSigs))).status, 200);
    // A corrupted signature by the trusted key.
    const good = await log.checkpoint(4);
    const corrupted = good.replace(/ (.)([^ ]*)\n$/, (_m, c: string, rest: string) => {
      return ` ${c === 'A' ? 'B' : 'A'}${rest}\n`;
    });
    assert.notEqual(corrupted, good);
    assert.equal(
      (await post(witness, requestBody(3, await log.proof(3, 4), corrupted))).status,
      403,
    );
    // Malformed: body, note, checkpoint text.
    for (const body of [
      'hello',
      `old 0\n\nnot a note`,
      `old 0\n\n${good.replace('\n4\n', '\n04\n')}`,
      `old 0\n\n${good}trailing`,
    ]) {
      assert.equal((await post(witness, body)).status, 400, body);
    }
    // Old size larger than the checkpoint: 400 (before any state is consulted).
    assert.equal((await post(witness, requestBody(9, [], good))).status, 400);
    assert.equal(store.get(log.origin)!.size, 3);
  });

  test('HTTP: any content type, bounded bodies, POST only, unknown paths 404', async (t) => {
    const log = new TestLog();
    const { witness } = openWitness(t, [log]);
    const body = requestBody(0, [], await log.checkpoint(2));
    assert.equal((await post(witness, body, 'application/octet-stream')).status, 200);
    assert.equal(
      (await post(witness, requestBody(2, [], await log.checkpoint(2)), 'application/json')).status,
      200,
    );
    const app = await buildWitnessApp(witness);
    t.after(() => app.close());
    const big = await app.inject({
      method: 'POST',
      url: '/add-checkpoint',
      payload: 'x'.repeat(200_000),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(big.statusCode, 413);
    assert.equal((await app.inject({ method: 'GET', url: '/add-checkpoint' })).statusCode, 405);
    assert.equal((await app.inject({ method: 'POST', url: '/other' })).statusCode, 404);
    const prefixed = await buildWitnessApp(witness, { prefix: '/w/' });
    t.after(() => prefixed.close());
    const res = await prefixed.inject({
      method: 'POST',
      url: '/w/add-checkpoint',
      payload: requestBody(2, await log.proof(2, 3), await log.checkpoint(3)),
    });
    assert.equal(res.statusCode, 200);
  });

  test('concurrent requests never roll the state back (compare-and-swap on the size)', async (t) => {
    const log = new TestLog();
    const dir = tempDir(t);
    const { witness, store } = openWitness(t, [log], { dir });
    // A second witness process's view of the same store file.
    const other = openWitness(t, [log], { dir }).witness;
    assert.equal((await add(witness, log, 0, 1)).status, 200);
    // Every request claims old size 1: exactly one may win, the others get 409.
    const sizes = Array.from({ length: 20 }, (_, i) => 2 + i);
    const results = await Promise.all(
      sizes.map((size, i) => add(i % 2 ? other : witness, log, 1, size)),
    );
    const won = results.filter((r) => r.status === 200);
    assert.equal(won.length, 1);
    assert.ok(results.every((r) => r.status === 200 || (r.status === 409 && r.body !== '1\n')));
    const stored = store.get(log.origin)!.size;
    assert.equal(sizes[results.findIndex((r) => r.status === 200)], stored);
    const reopened = new WitnessStore(join(dir, 'witness.db'));
    t.after(() => reopened.close());
    assert.equal(reopened.get(log.origin)!.size, stored);
  });
});
