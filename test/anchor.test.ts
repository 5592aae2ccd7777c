/**
 * "Existed no later than" must not drift forward: a record's proof bundle is anchored to the
 * first checkpoint that covered it, so its time bound is the same however many records and
 * checkpoints came after it. A real server (buildApp) over SQLite; each checkpoint is cosigned
 * by an in-process witness at a time of its own, or timestamped by a local RFC 3161 TSA a
 * second after the previous one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatVerifierKey, generateSignerKey, parseNote, parseSignerKey } from '@proofline/note';
import { BUNDLE_V2_MEDIA_TYPE, parseBundle, type Bundle, receiptFormat } from '@proofline/records';
import { nodeEd25519Signer, Publisher, ReceiptSealer, Sequencer } from '@proofline/sequencer';
import { buildApp, recordGroup, type LogRuntime } from '@proofline/server';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { LocalTsa } from '@proofline/timestamp/testing';
import { verifyBundle, type TrustPolicy, type Verification } from '@proofline/verify';
import { makeCosigner, sha256 } from './lib/web.js';

const T0 = Math.floor(Date.now() / 1000) - 100_000;

describe('bundles keep the time bound of the first checkpoint that covered the record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proofline-anchor-'));
  const storage = new SqliteStorage(join(dir, 'db'));
  const tsa = new LocalTsa('Anchor');
  const witness = makeCosigner('witness.auditor.example/w1');
  /** The time the witness puts on its next cosignature (POSIX seconds). */
  let cosignAt = T0;
  const logs = new Map<string, { runtime: LogRuntime; publisher: Publisher; key: string }>();

  async function addLog(name: string, witnessed: boolean): Promise<void> {
    const origin = `ledger.example.com/logs/${name}`;
    const key = parseSignerKey(generateSignerKey(origin));
    const verifierKey = formatVerifierKey(origin, key.publicKey);
    const config = await storage.ensureLog({
      name,
      tenant: 'acme',
      origin,
      verifierKey,
      createdAt: Date.now(),
    });
    const signer = nodeEd25519Signer(origin, key.seed);
    const publisher = new Publisher(storage, config, signer, {
      receiptFormat,
      ...(witnessed
        ? {
            witnesses: {
              cosign: async ({ note }) => ({
                satisfied: true,
                note: `${note}${witness.line(witness.cosign(parseNote(note).text, cosignAt))}`,
                cosigned: [witness.name],
                results: [{ witness: witness.name, ok: true }],
              }),
            },
          }
        : {}),
    });
    const runtime = {
      config,
      signer,
      sequencer: new Sequencer(storage, name, {
        sealer: new ReceiptSealer(origin, key.seed, receiptFormat),
      }),
    };
    logs.set(name, { runtime, publisher, key: verifierKey });
  }

  /** Appends `n` records to `log` and publishes a checkpoint (timestamped for `stamped`). */
  async function grow(log: string, n: number): Promise<void> {
    const { runtime, publisher } = logs.get(log)!;
    const base = (await storage.sequencedSize(log)) + 1;
    for (let i = 0; i < n; i += 100) {
      const statements = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({
        digest: sha256(Buffer.from(`${log} ${base + i + j}`)),
        type: 'ai.decision',
      }));
      await runtime.sequencer.appendGroup(recordGroup(statements, 'acme'));
    }
    cosignAt += 3600;
    await publisher.publish();
    if (log === 'stamped') {
      const checkpoint = (await storage.latestCheckpoint(log))!;
      const token = tsa.token(new TextEncoder().encode(parseNote(checkpoint.note).text));
      await storage.addCheckpointTimestamp(log, checkpoint.size, 'local-tsa', token, Date.now());
    }
  }

  const policies = new Map<string, TrustPolicy>();
  let fetchBundle: (id: string) => Promise<Bundle>;
  let close: () => Promise<void>;

  before(async () => {
    await addLog('witnessed', true);
    await addLog('stamped', false);
    const app = await buildApp({
      storage,
      access: storage,
      logs: new Map([...logs].map(([name, l]) => [name, l.runtime])),
      publicUrl: 'http://127.0.0.1',
    });
    fetchBundle = async (id) => {
      const res = await app.inject({ method: 'GET', url: `/v1/records/${id}/proof` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(String(res.headers['content-type']).split(';')[0], BUNDLE_V2_MEDIA_TYPE);
      return parseBundle(res.body);
    };
    close = async () => {
      await app.close();
      for (const l of logs.values()) await l.runtime.sequencer.close();
      await storage.close();
      tsa.cleanup();
      rmSync(dir, { recursive: true, force: true });
    };
    policies.set('witnessed', {
      logKey: logs.get('witnessed')!.key,
      witnesses: { keys: [witness.verifier.verifierKey], quorum: 1 },
    });
    policies.set('stamped', {
      logKey: logs.get('stamped')!.key,
      timestampAuthorities: { roots: [Buffer.from(tsa.rootDer).toString('base64')] },
      requireTimestamp: true,
    });
  });

  after(() => close());

  async function verified(log: string, index: number): Promise<Verification> {
    const bundle = await fetchBundle(`${log}-${index}`);
    const v = await verifyBundle(bundle, policies.get(log)!);
    assert.equal(v.ok, true, JSON.stringify(v.checks.filter((c) => c.status === 'failed')));
    return v;
  }

  for (const [log, source] of [
    ['witnessed', 'witness'],
    ['stamped', 'tsa'],
  ] as const) {
    it(`${log}: after 1,000 more records and several checkpoints (${source} times differ)`, async () => {
      await grow(log, 5);
      const first = await verified(log, 0);
      const firstBundle = first.bundle!;
      assert.equal(first.existedBy?.source, source);
      assert.equal(first.checkpoint?.size, 5);
      assert.equal(first.latest, undefined, 'the anchor is the latest');
      const bounds = [first.existedBy!.time];
      for (let round = 0; round < 4; round++) {
        if (source === 'tsa') await new Promise((r) => setTimeout(r, 1100)); // a later genTime
        await grow(log, 250);
        const newest = await verified(log, 5 + 250 * round);
        bounds.push(newest.existedBy!.time);
        // Record 0 keeps its anchor, its proof and its bound; only `latest` moves.
        const again = await verified(log, 0);
        assert.deepEqual(again.existedBy, first.existedBy, `round ${round}`);
        assert.equal(again.checkpoint?.size, 5);
        assert.equal(again.latest?.size, 5 + 250 * (round + 1));
        assert.equal(again.bundle!.checkpoint, firstBundle.checkpoint);
        assert.deepEqual(again.bundle!.inclusionProof, firstBundle.inclusionProof);
        assert.deepEqual(again.bundle!.timestamps, firstBundle.timestamps);
        assert.equal(again.checks.find((c) => c.name === 'latest')?.status, 'passed');
      }
      // Each checkpoint gave its records a later bound: the old record's was not taken from them.
      assert.deepEqual([...bounds].sort(), bounds);
      assert.equal(new Set(bounds).size, bounds.length, bounds.join(' '));
      // A record of the second checkpoint is anchored there, not to the first nor the latest.
      const middle = await verified(log, 6);
      assert.equal(middle.checkpoint?.size, 255);
      assert.equal(middle.existedBy?.time, bounds[1]);
    });
  }
});
