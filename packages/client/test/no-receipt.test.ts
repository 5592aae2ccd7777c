import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  base64Encode,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
} from '@proofline/note';
import { buildRecord } from '@proofline/records';
import { ProoflineClient, UntrustedResponseError } from '../src/index.js';

const ORIGIN = 'client.test/logs/old';

/** A server answering a lookup with a record whose commit has no stored creation receipt. */
function clientOfRecordWithoutReceipt(): ProoflineClient {
  const key = parseSignerKey(generateSignerKey(ORIGIN));
  const statement = { digest: `sha256:${'ab'.repeat(32)}`, type: 'ai.decision' };
  const { bytes } = buildRecord(statement, 'acme', Date.UTC(2026, 0, 1));
  const view = {
    id: 'old-0',
    log: 'old',
    index: 0,
    time: '2026-01-01T00:00:00.000Z',
    entry: base64Encode(bytes),
    verificationUrl: 'https://ledger.test/r/old-0',
  };
  return new ProoflineClient({
    url: 'https://ledger.test',
    apiKey: 'unused',
    trust: { logKey: formatVerifierKey(ORIGIN, key.publicKey) },
    fetch: async () =>
      new Response(JSON.stringify({ records: [view] }), {
        headers: { 'content-type': 'application/json' },
      }),
  });
}

describe('ProoflineClient and records without a creation receipt', () => {
  it('says the record has no creation receipt instead of returning it as verified', async () => {
    const client = clientOfRecordWithoutReceipt();
    await assert.rejects(
      client.findByDigest(`sha256:${'ab'.repeat(32)}`),
      (err: unknown) =>
        err instanceof UntrustedResponseError &&
        /no creation receipt/.test(err.message) &&
        err.failures.some((f) => f.name === 'receipt'),
    );
  });
});
