import { base64Decode } from '@proofline/note';
import { parseErasure, parseRecordId, recordId } from '@proofline/records';
import { verifyReceipt } from '@proofline/verify';
import { EXIT } from '../exit-codes.js';

export interface EraseOptions {
  readonly id: string;
  readonly url: string;
  readonly apiKey: string;
  readonly logKey: string;
  readonly reason: string;
}

/** The server's answer to POST /v1/records/{id}/erasure (see server erasure-routes.ts). */
interface ErasureAnswer {
  readonly id: string;
  readonly index: number;
  readonly leafHash: string;
  readonly erasedNow: boolean;
  readonly erasure: {
    readonly id: string;
    readonly index: number;
    readonly entry: string;
    readonly receipt?: string;
    readonly receiptProof?: readonly string[];
  };
}

/**
 * `proofline erase ID --reason TEXT`: asks the server (an `admin` key) to erase a record of a
 * private log, then checks what it answers before saying so: the erasure record's receipt
 * verifies with the log key, and the record is an erasure of exactly ID with the leaf hash
 * the server reports. Exit 0 erased (or already erased), 1 refused or not verified.
 */
export async function eraseCommand(o: EraseOptions): Promise<number> {
  const { log } = parseRecordId(o.id);
  const base = o.url.replace(/\/+$/, '');
  const res = await fetch(`${base}/v1/records/${encodeURIComponent(o.id)}/erasure`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: o.reason }),
  });
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      const problem = JSON.parse(text) as { code?: string; detail?: string };
      detail = `${problem.code ?? res.status}: ${problem.detail ?? ''}`;
    } catch {
      // not a problem document: show the text
    }
    process.stderr.write(`proofline: ${o.id} was not erased (HTTP ${res.status} ${detail})\n`);
    return EXIT.failed;
  }
  const answer = JSON.parse(text) as ErasureAnswer;
  const entry = base64Decode(answer.erasure.entry);
  const verification = await verifyReceipt(
    answer.erasure.receipt ?? '',
    entry,
    { logKey: o.logKey },
    {
      index: answer.erasure.index,
      ...(answer.erasure.receiptProof ? { receiptProof: answer.erasure.receiptProof } : {}),
    },
  );
  const claim = verification.record && parseErasure(verification.record, log);
  const problem = !verification.ok
    ? 'its receipt does not verify with the log key'
    : claim === undefined || recordId(claim.log, claim.index) !== o.id
      ? `the record it logged is not an erasure of ${o.id}`
      : Buffer.from(claim.leafHash).toString('base64') !== answer.leafHash
        ? 'the erasure record names another leaf hash than the server reports'
        : undefined;
  if (problem !== undefined) {
    process.stderr.write(
      `proofline: NOT VERIFIED: the server says ${o.id} was erased, but ${problem}\n`,
    );
    return EXIT.failed;
  }
  process.stdout.write(
    `${answer.erasedNow ? 'ERASED' : 'ALREADY ERASED'} ${o.id}: its bytes are gone; its leaf hash ${answer.leafHash} stays in the log\n` +
      `erasure record ${answer.erasure.id} (receipt verified with the log key): ${claim!.reason}\n`,
  );
  return EXIT.ok;
}
