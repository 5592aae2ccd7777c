import { base64Decode, parseVerifierKey } from '@proofline/note';
import { parseErasure, parseRecordId, recordId } from '@proofline/records';
import { verifyReceipt } from '@proofline/verify';
import { UsageError } from '../cli/command.js';
import { EXIT } from '../exit-codes.js';
import { checkErasureAnswer, readErasureJson, type ErasureAnswer } from './erasure-answers.js';

export interface EraseOptions {
  readonly id: string;
  readonly url: string;
  readonly apiKey: string;
  readonly logKey: string;
  readonly reason: string;
}

/**
 * `proofline erase ID --reason TEXT`: asks the server (an `admin` key) to erase a record of a
 * private log, then checks what it answers before saying so: the erasure record's receipt
 * verifies with the log key, and the record is an erasure of exactly ID with the leaf hash
 * the server reports. Exit 0 erased (or already erased), 1 refused or not verified, 2 for a
 * --log-key that is no verifier key (before any request). The answer is read as untrusted input
 * (erasure-answers.ts).
 */
export async function eraseCommand(o: EraseOptions): Promise<number> {
  const { log } = parseRecordId(o.id);
  try {
    parseVerifierKey(o.logKey); // a mistyped key fails before the server erases anything
  } catch (err) {
    throw new UsageError(`--log-key: ${(err as Error).message}`);
  }
  const base = o.url.replace(/\/+$/, '');
  const res = await fetch(`${base}/v1/records/${encodeURIComponent(o.id)}/erasure`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: o.reason }),
  });
  if (!res.ok) {
    const detail = await problemDetail(res);
    process.stderr.write(`proofline: ${o.id} was not erased (HTTP ${res.status} ${detail})\n`);
    return EXIT.failed;
  }
  let answer: ErasureAnswer;
  let entry: Uint8Array;
  try {
    answer = checkErasureAnswer(await readErasureJson(res));
    entry = base64Decode(answer.erasure.entry);
  } catch (err) {
    process.stderr.write(
      `proofline: NOT VERIFIED: the server says ${o.id} was erased, but ${(err as Error).message}\n`,
    );
    return EXIT.failed;
  }
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

/** "code: detail" of a problem answer, or why the answer could not be read as one. */
async function problemDetail(res: Response): Promise<string> {
  let value: unknown;
  try {
    value = await readErasureJson(res);
  } catch (err) {
    return (err as Error).message;
  }
  const p = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');
  return `${text(p['code']) || res.status}: ${text(p['detail'])}`;
}
