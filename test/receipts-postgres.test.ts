/**
 * Creation receipts sealed inside PostgreSQL's sequencing transaction (under the log's row
 * lock): pipelined commits beside another node all store the note of exactly their entries,
 * and a log wound back in the database gets no second receipt for an index.
 * Needs PostgreSQL at $PROOFLINE_TEST_PG (default postgres://postgres@127.0.0.1:5432/test).
 */
import { describe, it } from 'node:test';
import { nodeLeafHash } from '@proofline/tlog/node';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  formatSignerKey,
  formatVerifierKey,
  parseSignerKey,
  parseVerifierKey,
} from '@proofline/note';
import { batchTree, openBatchReceipt, openReceipt, receiptFormat } from '@proofline/records';
import { ReceiptSealer, Sequencer, SequencerError } from '@proofline/sequencer';
import { PostgresStorage } from '@proofline/storage-postgres';

const TEST_PG = process.env.PROOFLINE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORIGIN = 'pg.test/logs/sealed';
const SEED = Uint8Array.from({ length: 32 }, (_, i) => 7 * i);
const bytes = (s: string) => new TextEncoder().encode(s);

async function withSchema(fn: (schema: string) => Promise<void>): Promise<void> {
  const schema = `proofline_receipts_${randomBytes(6).toString('hex')}`;
  try {
    await fn(schema);
  } finally {
    const client = new pg.Client({ connectionString: TEST_PG });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

const open = (schema: string) =>
  PostgresStorage.open({ connectionString: TEST_PG, schema, poolSize: 4 });

describe('creation receipts on PostgreSQL', () => {
  it('seals pipelined commits beside another node, each with the note of exactly its entries', () =>
    withSchema(async (schema) => {
      const a = await open(schema);
      const b = await open(schema);
      try {
        const verifierKey = formatVerifierKey(
          ORIGIN,
          parseSignerKey(formatSignerKey(ORIGIN, SEED)).publicKey,
        );
        const config = {
          name: 'sealed',
          tenant: 'acme',
          origin: ORIGIN,
          verifierKey,
          createdAt: 0,
        };
        await a.ensureLog(config);
        const refused: SequencerError[] = [];
        const sealer = new ReceiptSealer(ORIGIN, SEED, receiptFormat, (err) => refused.push(err));
        const mine = new Sequencer(a, 'sealed', { sealer, maxInFlight: 4 });
        const theirs = new Sequencer(b, 'sealed', { maxInFlight: 2 });
        const pending: Promise<number>[] = [];
        for (let i = 0; i < 200; i++) {
          pending.push(mine.append(bytes(`mine ${i}`)));
          if (i % 4 === 0) void theirs.appendBatch([bytes(`theirs ${i}`), bytes(`theirs ${i}+`)]);
          if (i % 20 === 0) await new Promise((r) => setImmediate(r));
        }
        const indices = await Promise.all(pending);
        await theirs.close();
        assert.deepEqual(refused, []);
        const verifier = parseVerifierKey(verifierKey);
        const starts = new Set<number>();
        for (const index of indices) {
          const commit = await a.commitRange('sealed', index);
          if (starts.has(commit.start)) continue;
          starts.add(commit.start);
          assert.ok(commit.receipt, `commit at ${commit.start} is sealed`);
          const leaves = (await a.readEntries('sealed', commit.start, commit.end)).map((e) =>
            nodeLeafHash(e),
          );
          if (leaves.length === 1) {
            const r = await openReceipt(commit.receipt, verifier);
            assert.deepEqual([r.index, r.leafHash], [commit.start, leaves[0]]);
          } else {
            const r = await openBatchReceipt(commit.receipt, verifier);
            assert.deepEqual(
              [r.first, r.size, r.root],
              [commit.start, leaves.length, batchTree(leaves).root],
            );
          }
        }

        // An insider winds the log back by one entry: no second receipt for that index.
        const last = await mine.append(bytes('last'));
        const client = new pg.Client({ connectionString: TEST_PG });
        await client.connect();
        await client.query(`DELETE FROM "${schema}".entries WHERE idx = $1`, [last]);
        await client.query(`DELETE FROM "${schema}".batches WHERE first_idx = $1`, [last]);
        await client.query(`UPDATE "${schema}".logs SET sequenced_size = $1`, [last]);
        await client.end();
        await assert.rejects(
          mine.append(bytes('forged')),
          (err: unknown) => err instanceof SequencerError && err.code === 'INDEX_ALREADY_SEALED',
        );
        assert.equal(refused.length, 1);
        assert.equal(await a.sequencedSize('sealed'), last, 'nothing was written');
        await mine.close();
      } finally {
        await a.close();
        await b.close();
      }
    }));
});
