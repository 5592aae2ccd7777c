import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import {
  coseKeyThumbprint,
  decodeCoseKey,
  decodeCoseKeySet,
  decodeSign1,
  verifyReceipt,
  type CosePublicKey,
} from '@proofline/cose';
import { parseCheckpoint, parseNote, parseVerifierKey } from '@proofline/note';
import { parseRecordId } from '@proofline/records';
import {
  attestBatch,
  Fixture,
  assertProblem,
  bearer,
  request,
  wrapStorage,
  type ReceiptBody,
  type Response,
} from './helpers.js';

/**
 * RFC 9942 receipts from stored checkpoints (GET /entries/{id}, /v1/records/{id}/receipt.cose)
 * and the service keys (/.well-known/scitt-keys): what a SCITT verifier gets, what a private
 * log hides, and what an insider with write access to the database can (not) do with the
 * stored root signatures.
 */
describe('SCITT receipts and keys', () => {
  let fx: Fixture;
  let app: FastifyInstance;
  const keys: Record<string, string> = {};
  const records: Record<string, ReceiptBody[]> = {};

  before(async () => {
    fx = await Fixture.create([
      { name: 'open', tenant: 'acme' },
      { name: 'secret', tenant: 'acme', visibility: 'private' },
      { name: 'edit', tenant: 'acme' },
      { name: 'idle', tenant: 'acme', publish: false },
    ]);
    app = await fx.app();
    keys.acme = await fx.apiKey('acme', ['records:write', 'records:read']);
    keys.beta = await fx.apiKey('beta', ['records:read']);
    for (const [log, n] of [
      ['open', 5],
      ['secret', 3],
      ['idle', 1],
    ] as const) {
      records[log] = await attest(log, n);
    }
    await covered('open', 5);
    await covered('secret', 3);
    // Two checkpoints of `edit` (sizes 1 and 2) for the insider to swap.
    records.edit = await attest('edit', 1);
    await covered('edit', 1);
    records.edit.push(...(await attest('edit', 1)));
    await covered('edit', 2);
  });

  after(() => fx.close());

  const attest = (log: string, n: number) => attestBatch(app, keys.acme!, log, n);

  async function covered(log: string, size: number): Promise<void> {
    while (((await fx.storage.latestCheckpoint(log))?.size ?? 0) < size) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const get = (url: string, headers: Record<string, string> = {}, allow: number[] = []) =>
    request(app, { method: 'GET', url, headers }, allow);
  const bytes = (res: Response) => new Uint8Array(res.rawPayload);

  async function serviceKeys(): Promise<CosePublicKey[]> {
    const res = await get('/.well-known/scitt-keys', { accept: 'application/cbor' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/cbor');
    return decodeCoseKeySet(bytes(res));
  }

  /** The record's leaf (its entry bytes) and the latest checkpoint of its log, as stored. */
  async function stored(id: string) {
    const { log, index } = parseRecordId(id);
    const [entry] = await fx.storage.readEntries(log, index, index + 1);
    const checkpoint = (await fx.storage.latestCheckpoint(log))!;
    const { rootHash, size } = parseCheckpoint(parseNote(checkpoint.note).text);
    return { entry: entry!, checkpoint, rootHash, size, index };
  }

  it('serves a public record its receipt: the stored root signature plus its proof', async () => {
    const all = await serviceKeys();
    for (const r of records.open!) {
      const res = await get(`/entries/${r.id}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/cose');
      assert.equal(res.headers.vary, 'accept');
      const receipt = bytes(res);
      const { entry, checkpoint, rootHash, size, index } = await stored(r.id);
      const sign1 = decodeSign1(receipt);
      const root = decodeSign1(checkpoint.coseRoot!);
      assert.deepEqual(sign1.protectedBytes, root.protectedBytes, 'the stored protected header');
      assert.deepEqual(sign1.signature, root.signature, 'the stored signature');
      // The verifier picks the key by the receipt's kid from the published key set.
      const kid = sign1.protected.get(4) as Uint8Array;
      const key = all.find((k) => Buffer.from(k.kid!).equals(kid));
      assert.ok(key, 'the kid names a key of /.well-known/scitt-keys');
      const verified = verifyReceipt(receipt, { entry }, [key]);
      assert.deepEqual(verified.root, rootHash, "the checkpoint's root");
      assert.equal(verified.treeSize, size);
      assert.equal(verified.leafIndex, index);
      // The receipt carries the record's entry, and names no other leaf.
      assert.deepEqual(verifyReceipt(receipt, 'embedded', [key]).entry, entry);
      const other = await stored(records.open![(index + 1) % 5]!.id);
      assert.throws(() => verifyReceipt(receipt, { entry: other.entry }, [key]), {
        code: 'MALFORMED_RECEIPT',
      });
      // The same bytes at the Proofline path, and under RFC 9943's media type when asked.
      const alias = await get(`/v1/records/${r.id}/receipt.cose`, {
        accept: 'application/json, application/scitt-receipt+cose;q=0.9',
      });
      assert.equal(alias.headers['content-type'], 'application/scitt-receipt+cose');
      assert.deepEqual(bytes(alias), receipt);
    }
  });

  it('hides a private record like its bundle: 401 anonymous, 404 other tenant, 200 with key or share', async () => {
    const [r0, r1] = records.secret!;
    for (const url of [`/entries/${r0!.id}`, `/v1/records/${r0!.id}/receipt.cose`]) {
      assertProblem(await get(url), 401, 'unauthorized');
      assertProblem(await get(url, bearer(keys.beta!)), 404, 'record-not-found');
      const owner = await get(url, bearer(keys.acme!));
      assert.equal(owner.statusCode, 200);
      assert.equal(owner.headers['cache-control'], 'private, no-store');
      const token = /#t=(pls_[0-9a-f]{16}_[A-Za-z0-9_-]{43})$/.exec(r0!.verificationUrl)![1]!;
      const shared = await get(url, { 'proofline-share': token });
      assert.deepEqual(bytes(shared), bytes(owner));
      const { entry } = await stored(r0!.id);
      verifyReceipt(bytes(shared), { entry }, await serviceKeys());
      // A record's share link opens that record's receipt only.
      assertProblem(
        await get(`/entries/${r1!.id}`, { 'proofline-share': token }),
        401,
        'unauthorized',
      );
    }
    // Another tenant's key gets the same answer for a record that does not exist.
    assertProblem(await get('/entries/secret-999', bearer(keys.beta!)), 404, 'record-not-found');
    assertProblem(await get('/entries/nolog-0'), 404, 'record-not-found');
  });

  it('answers 404 not-yet-checkpointed until a checkpoint with a root signature covers the record', async () => {
    const [r] = records.idle!;
    const res = assertProblem(await get(`/entries/${r!.id}`), 404, 'not-yet-checkpointed');
    assert.match(res.detail, /no checkpoint covers it/);
    // A latest checkpoint published before root signatures existed: none to assemble from.
    const legacy = await fx.app(undefined, {
      storage: wrapStorage(fx.storage, {
        latestCheckpoint: async (log) => {
          const cp = await fx.storage.latestCheckpoint(log);
          return cp && { size: cp.size, note: cp.note, publishedAt: cp.publishedAt };
        },
      }),
    });
    const old = await request(legacy, { method: 'GET', url: `/entries/${records.open![0]!.id}` });
    assert.match(assertProblem(old, 404, 'not-yet-checkpointed').detail, /no root signature/);
    assert.equal(old.headers['retry-after'], '1');
  });

  it('an insider who edits or swaps stored root signatures only makes receipts that fail', async () => {
    const db = new Database(join(fx.dir, 'db'));
    after(() => db.close());
    const rows = db
      .prepare<[string], { id: number; size: number; cose_root: Buffer }>(
        'SELECT c.id, c.size, c.cose_root FROM checkpoints c JOIN logs l ON l.id = c.log_id ' +
          'WHERE l.name = ? ORDER BY c.id',
      )
      .all('edit');
    assert.deepEqual(
      rows.map((r) => r.size),
      [0, 1, 2],
    );
    const set = db.prepare('UPDATE checkpoints SET cose_root = ? WHERE id = ?');
    const all = await serviceKeys();
    const check = async (code: string) => {
      for (const r of records.edit!) {
        const res = await get(`/entries/${r.id}`);
        assert.equal(res.statusCode, 200);
        const { entry } = await stored(r.id);
        assert.throws(() => verifyReceipt(bytes(res), { entry }, all), { code });
      }
    };
    // Untouched, both receipts verify.
    for (const r of records.edit!) {
      const { entry } = await stored(r.id);
      verifyReceipt(bytes(await get(`/entries/${r.id}`)), { entry }, all);
    }
    // One signature bit flipped.
    const [first, latest] = rows.slice(1) as [(typeof rows)[0], (typeof rows)[0]];
    const flipped = Buffer.from(latest.cose_root);
    flipped[flipped.length - 1]! ^= 1;
    set.run(flipped, latest.id);
    await check('INVALID_RECEIPT');
    // The older checkpoint's root signature moved onto the latest (a valid signature, of the
    // log key, over another root).
    set.run(first.cose_root, latest.id);
    await check('INVALID_RECEIPT');
    // Bytes that are no root signature at all: the server says its storage is corrupt.
    set.run(Buffer.from([0xd2, 0x84, 0x40, 0xa0, 0xf6]), latest.id);
    const res = await get(`/entries/${records.edit![0]!.id}`, {}, [500]);
    assertProblem(res, 500, 'storage-inconsistent');
    set.run(latest.cose_root, latest.id);
    verifyReceipt(
      bytes(await get(`/entries/${records.edit![0]!.id}`)),
      await stored(records.edit![0]!.id),
      all,
    );
  });

  it('publishes every log key as a COSE Key Set, kid = RFC 9679 thumbprint, and each by kid', async () => {
    const all = await serviceKeys();
    assert.equal(all.length, 4, 'one key per log');
    for (const log of fx.logs.values()) {
      const key = all.find((k) =>
        Buffer.from(k.x).equals(parseVerifierKey(log.verifierKey).publicKey),
      );
      assert.ok(key, `the key of ${log.name}`);
      assert.equal(key.kty, 'OKP');
      assert.equal(key.alg, -8);
      const kid = coseKeyThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.x });
      assert.deepEqual(key.kid, kid);
      const one = await get(`/.well-known/scitt-keys/${Buffer.from(kid).toString('base64url')}`);
      assert.equal(one.statusCode, 200);
      assert.deepEqual(decodeCoseKey(bytes(one)), key);
    }
    const unknown = Buffer.alloc(32, 1).toString('base64url');
    assertProblem(await get(`/.well-known/scitt-keys/${unknown}`), 404, 'not-found');
    assertProblem(await get('/.well-known/scitt-keys/not-a-kid'), 404, 'not-found');
  });
});
